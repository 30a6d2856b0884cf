# Yosys synthesis of the core: structural checks (part of make test) and the
# resource report (make synth, about two minutes, not part of make test).
# (Included by the top-level Makefile, after rtl/rtl.mk.)
#
#   make check-synth   no latches, no multiple drivers, no combinational loops
#                      (Yosys check -assert); the two faulty samples in
#                      rtl/synth/bad/ must be rejected
#   make synth         generic (synth) and Xilinx 7-series (synth_xilinx)
#                      synthesis; $(BUILD)/synth/report.md and report.json

YOSYS       ?= yosys
SYNTH_DIR   := $(BUILD)/synth
SYNTH_TOP   := ebpf_core
# The synthesized sources: the generated package and every rtl/*.sv (the
# retire port, under EBPF_RVFI, is left out).
SYNTH_SRC    = $(RTL_PKG) $(RTL_SRC)
SYNTH_READ   = read_verilog -sv $(SYNTH_SRC); hierarchy -check -top $(SYNTH_TOP)
SYNTH_TOOL  := $(SYNTH_DIR)/synth_report
SYNTH_BAD   := $(wildcard rtl/synth/bad/*.sv)

.PHONY: synth check-synth

$(SYNTH_TOOL): rtl/synth/synth_report.c
	@mkdir -p $(dir $@)
	@echo "  CC+LD   $@"
	@$(CC) $(CFLAGS) -o $@ $< -ljansson

# Generic cells; the memories' shapes go to a second file (the report counts
# their bits).
$(SYNTH_DIR)/generic_stat.json: $(SYNTH_SRC) rtl/synth/generic.ys
	@mkdir -p $(dir $@)
	@echo "  YOSYS   synth ($(SYNTH_DIR)/generic.log)"
	@$(YOSYS) -q -l $(SYNTH_DIR)/generic.log -p "$(SYNTH_READ); script rtl/synth/generic.ys; \
	    tee -q -o $@.tmp stat -json; design -push-copy; delete t:\$$mem_v2 %n; \
	    write_json $(SYNTH_DIR)/generic_mem.json; design -pop"
	@mv $@.tmp $@

$(SYNTH_DIR)/xilinx_stat.json: $(SYNTH_SRC) rtl/synth/xilinx.ys
	@mkdir -p $(dir $@)
	@echo "  YOSYS   synth_xilinx ($(SYNTH_DIR)/xilinx.log)"
	@$(YOSYS) -q -l $(SYNTH_DIR)/xilinx.log -p "$(SYNTH_READ); script rtl/synth/xilinx.ys; \
	    tee -q -o $@.tmp stat -json"
	@mv $@.tmp $@

$(SYNTH_DIR)/report.md: $(SYNTH_TOOL) $(SYNTH_DIR)/generic_stat.json $(SYNTH_DIR)/xilinx_stat.json
	@$(SYNTH_TOOL) --top $(SYNTH_TOP) --generic $(SYNTH_DIR)/generic_stat.json \
	    --memories $(SYNTH_DIR)/generic_mem.json --xilinx $(SYNTH_DIR)/xilinx_stat.json \
	    --md $@ --json $(SYNTH_DIR)/report.json

synth: $(SYNTH_DIR)/report.md
	@cat $<

# A few seconds: elaboration, proc and Yosys's checks on the core, then the
# same script on each faulty sample, which must fail.
check-synth: $(RTL_PKG)
	@echo "== Yosys structural checks (latches, multiple drivers, loops), $(SYNTH_TOP)"
	@mkdir -p $(SYNTH_DIR)
	@$(YOSYS) -q -l $(SYNTH_DIR)/check.log -p "$(SYNTH_READ); script rtl/synth/check.ys" \
	    > $(SYNTH_DIR)/check.out 2>&1 || { cat $(SYNTH_DIR)/check.out; \
	    echo "FAIL: $(SYNTH_TOP) has latches, multiple drivers or loops (see $(SYNTH_DIR)/check.log)"; exit 1; }
	@for f in $(SYNTH_BAD); do \
	  top=bad_$$(basename $$f .sv); \
	  if $(YOSYS) -q -p "read_verilog -sv $$f; hierarchy -check -top $$top; script rtl/synth/check.ys" \
	      > $(SYNTH_DIR)/check-$$top.out 2>&1; then \
	    echo "FAIL: the check accepted $$f"; exit 1; \
	  fi; \
	  echo "  rejected as it must: $$f ($$(grep -m1 -o 'ERROR: .*\|conflicting drivers\|latch' $(SYNTH_DIR)/check-$$top.out | head -1))"; \
	done
	@echo "synthesis checks clean"

TEST_HOOKS += check-synth
