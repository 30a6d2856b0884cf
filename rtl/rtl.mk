# RTL of the offload core: the ISA package generated from model/isa.def,
# Verilator lint.  (Included by the top-level Makefile.)

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

$(RTL_PKG): $(ISA2SV)
	@echo "  GEN     $@"
	@$(ISA2SV) $@

.PHONY: lint-rtl
# Verilator -Wall over the core, with and without the retire port.
lint-rtl: $(RTL_PKG)
	@echo "== Verilator lint (-Wall), ebpf_core"
	$(VERILATOR) --lint-only -Wall $(RTL_WAIVE) $(RTL_PKG) $(RTL_SRC) --top-module ebpf_core
	$(VERILATOR) --lint-only -Wall -DEBPF_RVFI $(RTL_WAIVE) $(RTL_PKG) $(RTL_SRC) --top-module ebpf_core
	@echo "lint clean"

all: $(RTL_PKG)
TEST_HOOKS += lint-rtl
