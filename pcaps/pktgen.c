/* placeholder main; replaced by the traffic generator */
int main(void) { return 0; }
