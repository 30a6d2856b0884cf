# Co-verification of the RTL against the C model (docs/rtl.md): the suites
# make test runs (test-cosim) and the Verilator speed measurement make bench
# records (bench-rtl).  The engines themselves are built by rtl/rtl.mk.
# (Included by the top-level Makefile.)

# XDP programs for the RTL's helper unit and fault paths (the corpus covers
# the rest); built like the corpus.
TB_XDP_SRC := $(wildcard testbench/xdp/*.bpf.c)
TB_XDP_OBJ := $(TB_XDP_SRC:testbench/xdp/%.bpf.c=$(BUILD)/testbench/xdp/%.o)

$(BUILD)/testbench/xdp/%.o: testbench/xdp/%.bpf.c sim/corpus/common.h
	@mkdir -p $(dir $@)
	@echo "  BPF     $<"
	@$(BPF_CLANG) $(BPF_CFLAGS) -Isim/corpus -c $< -o $@

all: $(TB_XDP_OBJ)

.PHONY: test-cosim bench-rtl
# Conformance tests, the RTL's own cases, random programs, and every XDP
# program over the generated and real traces, on the RTL in lockstep with
# the model (and on the RTL alone against the model's outputs).
test-cosim: $(EBPFSIM) $(PKTGEN) $(CORPUS_OBJ) $(TB_XDP_OBJ)
	@testbench/run-cosim.sh $(EBPFSIM) $(BUILD) $(CONFORMANCE_DIR) $(TRACES_DIR)

TEST_HOOKS += test-cosim

# Simulated clock cycles per second of the Verilated core (one core).
bench-rtl: $(EBPFSIM) $(CORPUS_OBJ) $(BENCH_TRACE)
	@testbench/bench-rtl.sh $(EBPFSIM) $(BUILD) $(BENCH_TRACE)

BENCH_HOOKS += bench-rtl
