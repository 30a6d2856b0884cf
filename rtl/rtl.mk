# RTL of the offload core: the ISA package generated from model/isa.def,
# Verilator lint, the Verilated core (with the retire port) linked into
# ebpfsim as the rtl and cosim engines, and the co-verification suites.
# (Included by the top-level Makefile.)

VERILATOR ?= verilator
RTL_SRC   := $(sort $(wildcard rtl/*.sv))
RTL_WAIVE := rtl/lint/verilator_waiver.vlt
RTL_GEN   := $(BUILD)/rtl
ISA2SV    := $(RTL_GEN)/isa2sv
# The decoder package: every opcode constant of the RTL comes from here.
RTL_PKG   := $(RTL_GEN)/ebpf_isa_pkg.sv

$(ISA2SV): rtl/gen/isa2sv.c $(MODEL_LIB) $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC+LD   $@"
	@$(CC) $(CFLAGS) -o $@ $< $(MODEL_LIB) -lpthread

# Written only when its text changes, so a model rebuild does not
# re-verilate an unchanged core.
$(RTL_PKG): $(ISA2SV)
	@$(ISA2SV) $@.tmp && if cmp -s $@.tmp $@; then rm $@.tmp; \
	  else echo "  GEN     $@"; mv $@.tmp $@; fi

.PHONY: lint-rtl
# Verilator -Wall over the core, with and without the retire port.
lint-rtl: $(RTL_PKG)
	@echo "== Verilator lint (-Wall), ebpf_core"
	$(VERILATOR) --lint-only -Wall $(RTL_WAIVE) $(RTL_PKG) $(RTL_SRC) --top-module ebpf_core
	$(VERILATOR) --lint-only -Wall -DEBPF_RVFI $(RTL_WAIVE) $(RTL_PKG) $(RTL_SRC) --top-module ebpf_core
	@echo "lint clean"

all: $(RTL_PKG)
TEST_HOOKS += lint-rtl

# ------------------------------------------------------------ Verilated core
# ebpf_core with the retire port (EBPF_RVFI), optimised (this is also the
# simulation speed path), FST tracing compiled in but off until a waveform
# is asked for.  Verilator's own make builds the model library and its
# runtime; the stamp keeps both from being rebuilt when no source changed.
VERILATOR_INC := $(shell $(VERILATOR) --getenv VERILATOR_ROOT 2>/dev/null)/include
RTL_VDIR  := $(RTL_GEN)/vobj
RTL_VLIB  := $(RTL_VDIR)/Vebpf_core__ALL.a $(RTL_VDIR)/libvlrt.a
RTL_STAMP := $(RTL_VDIR)/.built
RTL_VFLAGS := --cc -O3 --x-assign fast --x-initial fast --noassert -DEBPF_RVFI --trace-fst \
              -Wall $(RTL_WAIVE) --top-module ebpf_core --prefix Vebpf_core
# clang++ compiles the Verilated model about 15% faster than g++ does
# (both use libstdc++, so it links with the rest of ebpfsim).
RTL_VCXX  ?= clang++
RTL_VMAKE := CXX=$(RTL_VCXX) LINK=$(RTL_VCXX) OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2

$(RTL_STAMP): $(RTL_PKG) $(RTL_SRC) $(RTL_WAIVE) rtl/rtl.mk
	@mkdir -p $(RTL_VDIR)
	@echo "  VERILATE ebpf_core (EBPF_RVFI)"
	@$(VERILATOR) $(RTL_VFLAGS) --Mdir $(RTL_VDIR) $(RTL_PKG) $(RTL_SRC)
	@rm -f $(RTL_VDIR)/*.o $(RTL_VDIR)/*.a
	@printf 'libvlrt.a: $$(VK_GLOBAL_OBJS)\n\trm -f $$@ && $$(AR) rcs $$@ $$^\n' | \
	  $(MAKE) --no-print-directory -s -C $(RTL_VDIR) -f Vebpf_core.mk -f - $(RTL_VMAKE) \
	    Vebpf_core__ALL.a libvlrt.a >/dev/null
	@touch $@
$(RTL_VLIB): $(RTL_STAMP)

# The testbench harness: C++ around the Verilated core, C for the model's
# internals.
TB_CXX_SRC := testbench/rtl_core.cpp testbench/rtl_run.cpp testbench/engine_rtl.cpp
TB_OBJ     := $(TB_CXX_SRC:%.cpp=$(BUILD)/%.o) $(BUILD)/testbench/tb_model.o
TB_HEADERS := $(wildcard testbench/*.h)
TB_CXXFLAGS := $(CXXFLAGS) -Itestbench -Isim -isystem $(RTL_VDIR) -isystem $(VERILATOR_INC) \
               -isystem $(VERILATOR_INC)/vltstd -DVM_COVERAGE=0 -DVM_SC=0 -DVM_TRACE=1 \
               -DVM_TRACE_FST=1 -DVM_TRACE_VCD=0

$(BUILD)/testbench/%.o: testbench/%.cpp $(RTL_STAMP) $(HEADERS) $(TB_HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CXX     $<"
	@$(CXX) $(TB_CXXFLAGS) -c $< -o $@

$(BUILD)/testbench/tb_model.o: testbench/tb_model.c $(HEADERS) $(TB_HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -Imodel/src -Itestbench -c $< -o $@

EBPFSIM_LINK += $(TB_OBJ) $(RTL_VLIB)
EBPFSIM_LIBS += -lz -lpthread -latomic
$(EBPFSIM): $(TB_OBJ) $(RTL_VLIB)
