# Unit benches of the RTL: one Verilator bench per module, each checking its
# unit against the C model (or, for the memories, a reference array).
# (Included by the top-level Makefile, after rtl/rtl.mk.)
#
#   make test-units               build and run every bench (part of make test)
#   $(BUILD)/units/tb_alu +trace  one bench with an FST waveform (+trace=FILE),
#                                 +seed=N for another random sequence
#
# Sources: testbench/unit/tb_<unit>.cpp (the bench), bench.h (shared
# harness), exec_ref.h / timing_ref.h (model references), tb_<unit>_top.sv
# (wrappers that drive an execute unit from the generated decoder as EX
# does).  Verilated models go to $(BUILD)/units/obj_<unit>/, the Verilator
# run-time library is compiled once to $(BUILD)/units/vlrt/.

UNIT_DIR     := $(BUILD)/units
UNIT_NAMES   := decoder alu branch mul div lsu regfile lutram imem local_mem
UNIT_BINS    := $(UNIT_NAMES:%=$(UNIT_DIR)/tb_%)
UNIT_HDRS    := $(wildcard testbench/unit/*.h)

# The RTL each bench elaborates, and its top module.
UNIT_RTL_decoder   := rtl/ebpf_decoder.sv testbench/unit/tb_decoder_top.sv
UNIT_RTL_alu       := rtl/ebpf_decoder.sv rtl/ebpf_alu.sv testbench/unit/tb_alu_top.sv
UNIT_RTL_branch    := rtl/ebpf_decoder.sv rtl/ebpf_branch.sv testbench/unit/tb_branch_top.sv
UNIT_RTL_mul       := rtl/ebpf_decoder.sv rtl/ebpf_mul.sv testbench/unit/tb_mul_top.sv
UNIT_RTL_div       := rtl/ebpf_decoder.sv rtl/ebpf_div.sv testbench/unit/tb_div_top.sv
UNIT_RTL_lsu       := rtl/ebpf_lsu.sv
UNIT_RTL_regfile   := rtl/ebpf_regfile.sv
UNIT_RTL_lutram    := rtl/ebpf_lutram.sv
UNIT_RTL_imem      := rtl/ebpf_imem.sv
UNIT_RTL_local_mem := rtl/ebpf_lutram.sv rtl/ebpf_local_mem.sv
unit_top = $(if $(filter testbench/%,$(UNIT_RTL_$(1))),tb_$(1)_top,ebpf_$(1))

VERILATOR_ROOT_DIR := $(shell $(VERILATOR) --getenv VERILATOR_ROOT 2>/dev/null)
# As Verilator's own makefile (include/verilated.mk) builds models with FST tracing.
UNIT_VLDEFS  := -DVM_COVERAGE=0 -DVM_SC=0 -DVM_TRACE=1 -DVM_TRACE_FST=1 -DVM_TRACE_VCD=0
UNIT_VLINC   := -isystem $(VERILATOR_ROOT_DIR)/include -isystem $(VERILATOR_ROOT_DIR)/include/vltstd
UNIT_VLRT    := $(addprefix $(UNIT_DIR)/vlrt/,verilated.o verilated_fst_c.o verilated_threads.o)
UNIT_CXXFLAGS = -std=c++17 $(OPT) -g -Wall -Wextra -Werror $(SAN) -Imodel/include -Itestbench/unit \
                $(UNIT_VLINC) $(UNIT_VLDEFS) -faligned-new

$(UNIT_DIR)/vlrt/%.o: $(VERILATOR_ROOT_DIR)/include/%.cpp
	@mkdir -p $(dir $@)
	@echo "  CXX     $@"
	@$(CXX) -std=c++17 -Os $(SAN) $(UNIT_VLINC) $(UNIT_VLDEFS) -faligned-new -c $< -o $@

define unit_rules
$(UNIT_DIR)/obj_$(1)/Vtb_$(1).mk: $(RTL_PKG) $(UNIT_RTL_$(1))
	@mkdir -p $$(dir $$@)
	@echo "  VERILATE $$(call unit_top,$(1))"
	@$(VERILATOR) --cc --trace-fst --Mdir $(UNIT_DIR)/obj_$(1) --prefix Vtb_$(1) \
	    --top-module $$(call unit_top,$(1)) $(RTL_PKG) $(UNIT_RTL_$(1))
	@touch $$@

$(UNIT_DIR)/obj_$(1)/Vtb_$(1)__ALL.a: $(UNIT_DIR)/obj_$(1)/Vtb_$(1).mk
	@echo "  CXX     $$@"
	@+$(MAKE) --no-print-directory -s -C $(UNIT_DIR)/obj_$(1) -f Vtb_$(1).mk Vtb_$(1)__ALL.a \
	    CXX="$(CXX)" OPT_FAST="-O2" USER_CPPFLAGS="$(SAN)" >/dev/null

$(UNIT_DIR)/tb_$(1).o: testbench/unit/tb_$(1).cpp $(UNIT_HDRS) $(UNIT_DIR)/obj_$(1)/Vtb_$(1).mk \
                      $(HEADERS)
	@echo "  CXX     $$<"
	@$(CXX) $$(UNIT_CXXFLAGS) -isystem $(UNIT_DIR)/obj_$(1) -c $$< -o $$@

$(UNIT_DIR)/tb_$(1): $(UNIT_DIR)/tb_$(1).o $(UNIT_DIR)/obj_$(1)/Vtb_$(1)__ALL.a $(UNIT_VLRT) $(MODEL_LIB)
	@echo "  LD      $$@"
	@$(CXX) $(LDFLAGS) -o $$@ $$^ $(LIBS_SIM) -lz -latomic
endef
$(foreach u,$(UNIT_NAMES),$(eval $(call unit_rules,$(u))))

.PHONY: units test-units
units: $(UNIT_BINS)
all: units

# Each bench prints its case count, or FAIL with the first mismatch.
test-units: $(UNIT_BINS)
	@echo "== RTL unit benches (testbench/unit, expected values from the C model)"
	@ok=1; for u in $(UNIT_NAMES); do \
	  $(UNIT_DIR)/tb_$$u || { echo "FAIL: tb_$$u"; ok=0; }; \
	done; test $$ok = 1

TEST_HOOKS += test-units
