# Throughput reports (docs/report.md).  Included by the top-level Makefile.
#
#   make report        sweep the bundled programs and traces into $(BUILD)/report/
#                      (report.html, report.md, report.json; REPORT_JOBS=N processes,
#                      DRIVER_BENCH=FILE adds a nicctl bench --json table)
#   make test-report   a small sweep end to end, its figures against the points'
#                      own outputs, the job list under make and a Slurm-style array,
#                      the page rendered by a headless chromium, and the RTL cycle
#                      agreement of every bundled program over the bundled traces

REPORT_DIR    := $(BUILD)/report
REPORT_BPFLIB := /usr/lib/$(shell gcc -dumpmachine)/bpf
# the corpus, and xdp-tools' filter (Debian's xdp-tools) for the xdp-filter class
REPORT_PROGS  := $(CORPUS_OBJ) $(wildcard $(REPORT_BPFLIB)/xdpfilt_dny_all.o)
REPORT_TRACES := pcaps/udp64-1k.pcap pcaps/imix-1k.pcap
REPORT_GRID   := --rates 10,25,40,100 --cores 1-8 --clock 156.25,250,500 \
                 --placement sram,dram,host --cross rates,cores
REPORT_JOBS   ?= 2
DRIVER_BENCH  ?=

.PHONY: report test-report

report: $(EBPFSIM) $(CORPUS_OBJ)
	$(EBPFSIM) report --out $(REPORT_DIR) $(foreach p,$(REPORT_PROGS),--program $(p)) \
	    --maps-dir sim/corpus --maps-dir sim/corpus/xdp-tools \
	    $(foreach t,$(REPORT_TRACES),--pcap $(t)) $(REPORT_GRID) -j $(REPORT_JOBS) \
	    $(if $(DRIVER_BENCH),--driver-bench $(DRIVER_BENCH))

REPORT_TEST := $(BUILD)/tests/report_test

$(REPORT_TEST): sim/tests/report_test.c sim/tests/cmdrun.h
	@mkdir -p $(dir $@)
	@echo "  CC+LD   $@"
	@$(CC) $(CFLAGS) -o $@ $< -lcmocka -ljansson -lm

test-report: $(REPORT_TEST) $(EBPFSIM) $(CORPUS_OBJ) $(CORPUS_BAD)
	@echo "== report: a small sweep end to end, job list runners, headless browser"
	@BUILD=$(BUILD) EBPFSIM=$(EBPFSIM) REPORT_PROGRAMS="$(REPORT_PROGS)" \
	    REPORT_TRACES="$(REPORT_TRACES)" $(REPORT_TEST)

all: $(REPORT_TEST)
TEST_HOOKS += test-report
