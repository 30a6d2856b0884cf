#!/bin/sh
# RTL co-verification suites (make test-cosim, part of make test).
#   run-cosim.sh EBPFSIM BUILD CONFORMANCE_DIR TRACES_DIR
# Each step prints its counts; a co-simulation divergence or a cycle
# mismatch prints a report and fails the step (and the suite).
#   0. the checker itself: an injected error must be reported, and a [core]
#      timing the RTL does not implement must be refused;
#   1. the bpf_conformance tests in cosim (RTL and model in lockstep);
#   2. the RTL's own cases (testbench/cases: faults, helper calls, calls,
#      atomics, legacy packet loads) on the model, the RTL and in cosim;
#   3. random programs (the kernel-differential generator) in cosim;
#   4. every XDP program (corpus, testbench/xdp, Debian's xdp-tools objects)
#      over the generated traces and the real captures in cosim, checked
#      against the model engine's outputs and maps as well;
#   5. the same programs on the RTL alone (its helper unit served by the
#      model) over the generated traces, against the model engine;
#   6. per-packet records of the rtl engine (fault messages, cycles, stall
#      breakdown) identical to the model engine's;
#   7. multi-buffer frames (fragments reached by the helpers) in cosim and on
#      the RTL;
#   8. map memory placed in DRAM (25-cycle latency) in cosim.
set -u
EBPFSIM=$1
BUILD=$2
CONFORMANCE_DIR=$3
TRACES_DIR=$4
fail=0
step() { echo "== $*"; }
# must_refuse TEXT OK_LINE WHAT CMD...: CMD must exit non-zero and print TEXT.
must_refuse() {
    mr_want=$1 mr_ok=$2 mr_what=$3
    shift 3
    out=$("$@" 2>&1)
    if [ $? -ne 0 ] && echo "$out" | grep -qF -- "$mr_want"; then
        echo "$mr_ok"
    else
        echo "FAIL: $mr_what:"
        echo "$out"
        fail=1
    fi
}

# The checker must catch a wrong register value and a wrong cycle count
# (injected into the RTL's side by the harness, EBPF_COSIM_INJECT).
step "co-simulation checker self-test (an injected divergence and cycle error must fail)"
for inj in wdata:5:DIVERGENCE cycles:1:"CYCLE MISMATCH"; do
    what=${inj#*:}
    what=${what#*:}
    must_refuse "$what" "caught: ${inj%:*} -> $what" "EBPF_COSIM_INJECT=${inj%:*} was not reported" \
        env EBPF_COSIM_INJECT="${inj%:*}" "$EBPFSIM" conformance --engine cosim \
        testbench/cases/local-calls.data
done

# The RTL implements one core timing (issue_width 2, local loads in EX): the
# engines refuse another, naming the key.
step "a [core] timing the RTL does not implement is refused"
for e in rtl cosim; do
    for kv in issue_width=1:"[core] issue_width = 1: the RTL implements issue_width = 2" \
              local_load_use_penalty=1:"[core] local_load_use_penalty = 1: the RTL implements local_load_use_penalty = 0"; do
        must_refuse "${kv#*:}" "$e: core.${kv%%:*} refused" \
            "$e accepted core.${kv%%:*} or did not name it" \
            "$EBPFSIM" run "$BUILD/corpus/drop.o" --pcap pcaps/mix-1k.pcap --engine $e \
            --set "core.${kv%%:*}"
    done
done

step "conformance suite in co-simulation ($CONFORMANCE_DIR)"
"$EBPFSIM" conformance --engine cosim "$CONFORMANCE_DIR" || fail=1

step "RTL cases (testbench/cases) on the model, the RTL and in co-simulation"
for e in model rtl cosim; do
    "$EBPFSIM" conformance --engine $e testbench/cases || fail=1
done

step "random programs in co-simulation"
"$EBPFSIM" kdiff --engine cosim --programs 5000 --seed 1 || fail=1

gen=""
for t in pcaps/*.pcap; do
    [ -f "$t" ] && gen="$gen --pcap $t"
done
real=""
for t in "$TRACES_DIR"/tcpdump/*.pcap* "$TRACES_DIR"/mixed/*.pcap; do
    [ -f "$t" ] && real="$real --pcap $t"
done
[ -d "$TRACES_DIR" ] || echo "note: $TRACES_DIR not found; using the generated traces only"

# program args: "OBJECT [diff options]"
programs() {
    for src in sim/corpus/*.bpf.c; do
        name=$(basename "$src" .bpf.c)
        args=""
        [ -f "sim/corpus/$name.maps.json" ] && args="$args --maps-in sim/corpus/$name.maps.json"
        [ -f "sim/corpus/$name.args" ] && args="$args $(cat "sim/corpus/$name.args")"
        echo "$BUILD/corpus/$name.o$args"
    done
    for src in testbench/xdp/*.bpf.c; do
        name=$(basename "$src" .bpf.c)
        args=""
        [ -f "testbench/xdp/$name.maps.json" ] && args=" --maps-in testbench/xdp/$name.maps.json"
        echo "$BUILD/testbench/xdp/$name.o$args"
    done
    libbpf_dir=/usr/lib/$(gcc -dumpmachine)/bpf
    for obj in "$libbpf_dir"/xdpfilt_*.o "$libbpf_dir"/xdp-dispatcher.o "$libbpf_dir"/xdpdump_xdp.o \
               "$libbpf_dir"/xsk_def_xdp_prog*.o; do
        [ -f "$obj" ] || continue
        name=$(basename "$obj" .o)
        args=""
        [ -f "sim/corpus/xdp-tools/$name.maps.json" ] && args=" --maps-in sim/corpus/xdp-tools/$name.maps.json"
        echo "$obj$args"
    done
}

step "XDP programs in co-simulation over the generated and real traces (model engine outputs and maps checked too)"
n=0
for p in $(programs | tr ' ' '%'); do
    # shellcheck disable=SC2086
    "$EBPFSIM" diff $(echo "$p" | tr '%' ' ') --engines model,cosim $gen $real || fail=1
    n=$((n + 1))
done
[ $n -ge 20 ] || { echo "FAIL: only $n XDP programs found"; fail=1; }

step "XDP programs on the RTL alone over the generated traces, against the model engine"
for p in $(programs | tr ' ' '%'); do
    # shellcheck disable=SC2086
    "$EBPFSIM" diff $(echo "$p" | tr '%' ' ') --engines model,rtl $gen || fail=1
done

step "per-packet records (--per-packet --timing: verdicts, fault messages, cycles, stalls) of the rtl and model engines"
for p in "$BUILD/testbench/xdp/faults.o" "$BUILD/testbench/xdp/helpers.o" "$BUILD/corpus/firewall.o"; do
    args=""
    [ "$(basename "$p")" = firewall.o ] && args="--maps-in sim/corpus/firewall.maps.json"
    for e in model rtl; do
        # shellcheck disable=SC2086
        "$EBPFSIM" run "$p" $args --pcap pcaps/mix-1k.pcap --engine $e --timing --quiet \
            --per-packet "$BUILD/testbench/pp-$e.jsonl" >/dev/null || fail=1
    done
    if cmp -s "$BUILD/testbench/pp-model.jsonl" "$BUILD/testbench/pp-rtl.jsonl"; then
        echo "$(basename "$p"): $(wc -l < "$BUILD/testbench/pp-rtl.jsonl") packet records identical"
    else
        echo "FAIL: $(basename "$p"): per-packet records differ:"
        diff "$BUILD/testbench/pp-model.jsonl" "$BUILD/testbench/pp-rtl.jsonl" | head -n 6
        fail=1
    fi
done

step "multi-buffer frames (256 linear bytes, the rest in fragments) in co-simulation and on the RTL"
large="$BUILD/testbench/large-300.pcap"
"$BUILD/pktgen" --out "$large" --count 300 --mix large --seed 3 >/dev/null || fail=1
for p in "$BUILD/testbench/xdp/helpers.o" "$BUILD/corpus/trim.o" "$BUILD/corpus/encap.o" \
         "$BUILD/corpus/meta.o"; do
    for e in cosim rtl; do
        "$EBPFSIM" diff "$p" --engines model,$e --linear-max 256 --pcap "$large" --pcap pcaps/mix-1k.pcap || fail=1
    done
done

step "map memory in DRAM (25 cycles) in co-simulation"
"$EBPFSIM" run "$BUILD/corpus/firewall.o" --maps-in sim/corpus/firewall.maps.json \
    --pcap pcaps/mix-1k.pcap --engine cosim --timing --set memory.placement=dram --quiet || fail=1
"$EBPFSIM" run "$BUILD/corpus/flows.o" --pcap pcaps/mix-1k.pcap --engine cosim --timing \
    --set memory.placement=dram --quiet || fail=1

if [ $fail = 0 ]; then
    echo "RTL co-verification: all suites passed"
else
    echo "FAIL: RTL co-verification"
fi
exit $fail
