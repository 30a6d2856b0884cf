/* placeholder so the library builds */
int pktgen_placeholder(void);
int pktgen_placeholder(void) { return 0; }
