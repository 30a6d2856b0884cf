# The host driver shim (docs/driver.md): libnicdrv.a, the nicctl tool, the
# glue that lets ebpfsim install maps and run control-plane schedules through
# the driver, cmocka tests and the bench.  (Included by the top-level Makefile.)

DRV_SRC     := $(wildcard driver/src/*.c)
DRV_OBJ     := $(DRV_SRC:%.c=$(BUILD)/%.o)
DRV_LIB     := $(BUILD)/libnicdrv.a
DRV_HEADERS := $(wildcard driver/include/*.h driver/src/*.h driver/sim/*.h driver/tools/*.h)
DRV_CFLAGS  := $(CFLAGS) -Idriver/include -Idriver/src -Idriver/sim -Idriver/tools -Isim

# The glue between the driver and ebpfsim's engines (maps JSON, schedules).
DRV_SIM_SRC := $(wildcard driver/sim/*.c)
DRV_SIM_OBJ := $(DRV_SIM_SRC:%.c=$(BUILD)/%.o)

NICCTL      := $(BUILD)/nicctl

$(BUILD)/driver/%.o: driver/%.c $(HEADERS) $(DRV_HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(DRV_CFLAGS) -c $< -o $@

$(DRV_LIB): $(DRV_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@ && ar rcs $@ $^

NICCTL_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard driver/tools/*.c))
$(NICCTL): $(NICCTL_OBJ) $(DRV_SIM_OBJ) $(BUILD)/sim/mapsjson.o $(BUILD)/sim/jsonfile.o $(DRV_LIB) $(MODEL_LIB)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_SIM)

# ebpfsim runs --maps-in, --maps-out and --schedule through the driver.
EBPFSIM_LINK += $(DRV_SIM_OBJ) $(DRV_LIB)
$(EBPFSIM): $(DRV_SIM_OBJ) $(DRV_LIB)
$(BUILD)/sim/cmd_run.o $(BUILD)/sim/cmd_nic.o $(BUILD)/sim/systemc/nic.o: driver/sim/drvsim.h

# cmocka tests: driver/tests/test_*.c -> $(BUILD)/tests/driver_test_*
DRV_TEST_SRC := $(wildcard driver/tests/test_*.c)
DRV_TEST_BIN := $(DRV_TEST_SRC:driver/tests/%.c=$(BUILD)/tests/driver_%)

$(BUILD)/tests/driver_%: driver/tests/%.c $(DRV_LIB) $(MODEL_LIB) $(PKTGEN_LIB) $(HEADERS) $(DRV_HEADERS) $(wildcard driver/tests/*.h) sim/tests/cmdrun.h
	@mkdir -p $(dir $@)
	@echo "  CC+LD   $@"
	@$(CC) $(DRV_CFLAGS) -Imodel/src -Ipcaps/src -Idriver/tests -o $@ $< $(DRV_LIB) $(MODEL_LIB) $(PKTGEN_LIB) -lcmocka $(LIBS_SIM)

all: $(DRV_LIB) $(NICCTL) $(DRV_TEST_BIN)

.PHONY: test-driver bench-driver
test-driver: $(DRV_TEST_BIN) $(NICCTL) $(EBPFSIM) $(CORPUS_OBJ)
	@ok=1; for t in $(DRV_TEST_BIN); do \
	  echo "== $$t"; \
	  BUILD=$(BUILD) EBPFSIM=$(EBPFSIM) NICCTL=$(NICCTL) $$t || ok=0; \
	done; test $$ok = 1

# Operations per second through the shim and modelled latency per
# operation, per PCIe link and map placement (docs/benchmarks.md).
bench-driver: $(NICCTL)
	@mkdir -p $(BUILD)/bench
	$(NICCTL) bench --json $(BUILD)/bench/driver.json

TEST_HOOKS += test-driver
BENCH_HOOKS += bench-driver
