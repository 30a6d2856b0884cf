# eBPF offload reference simulator - top-level build.
#
#   make            build the model library and the ebpfsim command
#   make test       unit tests, conformance suite, kernel differential tests
#   make test-asan  the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      measurements recorded in docs/benchmarks.md
#   make demo       run a bundled XDP program over a bundled trace
#   make deps       install the Debian packages the project needs (idempotent)

BUILD     ?= build
CC        ?= gcc
OPT       ?= -O2
SAN       ?=
CONFORMANCE_DIR ?= ../shared/conformance/tests
TRACES_DIR ?= ../shared/traces

# snprintf truncation is intended (bounded messages), so that warning is off
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-format-truncation
CFLAGS    := -std=gnu11 $(OPT) -g $(WARN) $(SAN) -Imodel/include -D_GNU_SOURCE
LDFLAGS   := $(SAN)
LIBS_SIM  := -lpcap -lbpf -lelf -lz -ljansson -linih -lpthread -lm

MODEL_SRC := $(wildcard model/src/*.c)
MODEL_OBJ := $(MODEL_SRC:%.c=$(BUILD)/%.o)
MODEL_LIB := $(BUILD)/libebpfmodel.a

SIM_SRC   := $(wildcard sim/*.c)
SIM_OBJ   := $(SIM_SRC:%.c=$(BUILD)/%.o)
EBPFSIM   := $(BUILD)/ebpfsim

# The SystemC system model (C++ because SystemC is).
CXX       ?= g++
CXXFLAGS  := -std=c++17 $(OPT) -g -Wall -Wextra -Werror $(SAN) -Imodel/include -Isim
SYSC_SRC  := $(wildcard sim/systemc/*.cpp)
SYSC_OBJ  := $(SYSC_SRC:%.cpp=$(BUILD)/%.o)
LIBS_SYSC := -lsystemc

PKTGEN_SRC := $(wildcard pcaps/src/*.c)
PKTGEN_OBJ := $(PKTGEN_SRC:%.c=$(BUILD)/%.o)
PKTGEN_LIB := $(BUILD)/libpktgen.a
PKTGEN     := $(BUILD)/pktgen

# The XDP corpus: programs written for the differential tests and examples.
BPF_CLANG  ?= clang
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -Wall -Werror -I/usr/include/$(shell gcc -dumpmachine)
CORPUS_SRC := $(wildcard sim/corpus/*.bpf.c)
CORPUS_OBJ := $(CORPUS_SRC:sim/corpus/%.bpf.c=$(BUILD)/corpus/%.o)
# deliberately bad objects for the loader's error tests
CORPUS_BAD := $(patsubst sim/corpus/bad/%.bpf.c,$(BUILD)/corpus/bad/%.o,$(wildcard sim/corpus/bad/*.bpf.c))

$(BUILD)/corpus/bad/%.o: sim/corpus/bad/%.bpf.c sim/corpus/common.h
	@mkdir -p $(dir $@)
	@echo "  BPF     $<"
	@$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/corpus/%.o: sim/corpus/%.bpf.c sim/corpus/common.h
	@mkdir -p $(dir $@)
	@echo "  BPF     $<"
	@$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

# Unit tests: <component>/tests/test_*.c, each a cmocka program linked with
# the model library (and the traffic generator library).
TEST_SRC  := $(wildcard model/tests/test_*.c pcaps/tests/test_*.c sim/tests/test_*.c)
TEST_BIN  := $(foreach t,$(TEST_SRC),$(BUILD)/tests/$(firstword $(subst /, ,$(t)))_$(basename $(notdir $(t))))

DEBIAN_PKGS := build-essential clang llvm libcmocka-dev libpcap-dev libelf-dev libbpf-dev \
               zlib1g-dev libjansson-dev libinih-dev pkg-config verilator yosys libsystemc-dev libxdp-dev xdp-tools \
               bpftool libclang-rt-14-dev chromium

.PHONY: all test test-unit test-conformance test-kernel test-asan bench demo deps clean

# Components with their own build and test rules (RTL, driver, reports) live
# in fragments; each adds its outputs to `all` and its test targets to
# TEST_HOOKS (run by `make test` after the suites below, each reported).
TEST_HOOKS :=
BENCH_HOOKS :=
EBPFSIM_LINK :=
EBPFSIM_LIBS :=

all: $(EBPFSIM) $(PKTGEN) $(TEST_BIN) $(CORPUS_OBJ) $(CORPUS_BAD)

HEADERS := $(wildcard model/include/*.h model/src/*.h model/isa.def sim/*.h pcaps/src/*.h)

$(BUILD)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -Ipcaps/src -c $< -o $@

$(PKTGEN_LIB): $(PKTGEN_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@ && ar rcs $@ $^

$(PKTGEN): $(BUILD)/pcaps/pktgen.o $(PKTGEN_LIB)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ -lpcap -lm

$(MODEL_LIB): $(MODEL_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@ && ar rcs $@ $^

$(BUILD)/sim/systemc/%.o: sim/systemc/%.cpp $(HEADERS) $(wildcard sim/systemc/*.h)
	@mkdir -p $(dir $@)
	@echo "  CXX     $<"
	@$(CXX) $(CXXFLAGS) -c $< -o $@

# Fragments add objects and libraries to ebpfsim through EBPFSIM_LINK (and
# name them as prerequisites of $(EBPFSIM) themselves).
$(EBPFSIM): $(SIM_OBJ) $(SYSC_OBJ) $(MODEL_LIB)
	@echo "  LD      $@"
	@$(CXX) $(LDFLAGS) -o $@ $(SIM_OBJ) $(SYSC_OBJ) $(EBPFSIM_LINK) $(MODEL_LIB) $(LIBS_SIM) $(LIBS_SYSC) $(EBPFSIM_LIBS)

define test_rule
$(BUILD)/tests/$(firstword $(subst /, ,$(1)))_$(basename $(notdir $(1))): $(1) $(MODEL_LIB) $(PKTGEN_LIB) $(HEADERS) $(wildcard $(dir $(1))*.h)
	@mkdir -p $$(dir $$@)
	@echo "  CC+LD   $$@"
	@$$(CC) $$(CFLAGS) -Imodel/src -Ipcaps/src -I$(dir $(1)) -o $$@ $(1) $(MODEL_LIB) $(PKTGEN_LIB) -lcmocka $$(LIBS_SIM)
endef
$(foreach t,$(TEST_SRC),$(eval $(call test_rule,$(t))))

# ---------------------------------------------------------------- tests
test: all
	@scripts_ok=1; \
	for t in $(TEST_BIN); do \
	  echo "== $$t"; \
	  CONFORMANCE_DIR=$(CONFORMANCE_DIR) SHARED_DIR=../shared BUILD=$(BUILD) EBPFSIM=$(EBPFSIM) PKTGEN=$(PKTGEN) $$t || scripts_ok=0; \
	done; \
	echo "== conformance suite ($(CONFORMANCE_DIR))"; \
	$(EBPFSIM) conformance $(CONFORMANCE_DIR) || scripts_ok=0; \
	echo "== conformance suite through the plugin protocol"; \
	$(EBPFSIM) conformance --via-plugin $(CONFORMANCE_DIR) || scripts_ok=0; \
	echo "== kernel differential (random programs vs BPF_PROG_TEST_RUN)"; \
	$(EBPFSIM) kdiff --programs 3000 --seed 1 || scripts_ok=0; \
	echo "== XDP differential suite (model vs kernel, per program over all traces)"; \
	sim/corpus/run-diff.sh $(EBPFSIM) $(BUILD) $(TRACES_DIR) || scripts_ok=0; \
	for h in $(TEST_HOOKS); do \
	  $(MAKE) --no-print-directory $$h || { echo "FAIL: $$h"; scripts_ok=0; }; \
	done; \
	test $$scripts_ok = 1

test-asan:
	$(MAKE) BUILD=build-asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

BENCH_TRACE := $(BUILD)/bench/mix-1m.pcap

$(BENCH_TRACE): $(PKTGEN)
	@mkdir -p $(dir $@)
	$(PKTGEN) --out $@ --count 1000000 --seed 7 --flows 1024

bench: all $(BENCH_TRACE)
	$(EBPFSIM) bench
	$(EBPFSIM) bench --repeat 3 --e2e $(BENCH_TRACE)
	@echo "== SystemC NIC model, 8 cores, 300000 packets"
	$(EBPFSIM) nic $(BUILD)/corpus/firewall.o --maps-in sim/corpus/firewall.maps.json \
	    --pcap $(BENCH_TRACE) --limit 300000 --set core.cores=8 --set nic.line_rate_gbps=10
	$(EBPFSIM) nic $(BUILD)/corpus/drop.o --pcap $(BENCH_TRACE) --limit 300000 --set core.cores=8
	@for h in $(BENCH_HOOKS); do $(MAKE) --no-print-directory $$h || exit 1; done

demo: all
	@mkdir -p $(BUILD)/demo
	$(EBPFSIM) run $(BUILD)/corpus/firewall.o --pcap pcaps/mix-1k.pcap \
	    --maps-in sim/corpus/firewall.maps.json --timing --out $(BUILD)/demo \
	    --per-packet $(BUILD)/demo/packets.jsonl --maps-out $(BUILD)/demo/maps.json
	$(EBPFSIM) nic $(BUILD)/corpus/firewall.o --pcap pcaps/mix-1k.pcap \
	    --maps-in sim/corpus/firewall.maps.json --set nic.line_rate_gbps=10 --set core.cores=4

deps:
	@missing=""; for p in $(DEBIAN_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "all Debian packages present"; fi

clean:
	rm -rf build build-asan build-*

include $(sort $(wildcard rtl/*.mk testbench/*.mk driver/*.mk sim/*.mk))
