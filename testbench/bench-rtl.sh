#!/bin/sh
# Simulation speed of the Verilated core (make bench-rtl, part of make
# bench): clock cycles simulated per second of wall time, one core, the
# median of three runs, for a few programs on the rtl engine (the core
# alone, helpers served by the model) and in cosim (RTL and model in
# lockstep).  docs/benchmarks.md records the results with these commands.
#   bench-rtl.sh EBPFSIM BUILD TRACE
set -u
EBPFSIM=$1
BUILD=$2
TRACE=$3
LIMIT=${RTL_BENCH_PACKETS:-20000}

# prints "cycles seconds" of one run
one() {
    "$EBPFSIM" run "$@" --timing --limit "$LIMIT" | awk '
        /^  packets/ { p = $2 }
        / refused/ { for (i = 1; i <= NF; i++) if ($i == "refused") r = $(i - 1) }
        /^  wall time/ { t = $3 }
        /^  cycles/ { for (i = 1; i <= NF; i++) if ($i == "mean") m = $(i + 1) }
        END { gsub(",", "", m); printf "%.0f %s\n", (p - r) * m, t }'
}

median3() { sort -n | sed -n 2p; }

bench() {
    label=$1
    shift
    rates=""
    for i in 1 2 3; do
        rates="$rates $(one "$@" | awk '{ printf "%.3f", $1 / $2 / 1e6 }')"
    done
    med=$(echo "$rates" | tr ' ' '\n' | grep . | median3)
    printf "  %-34s %6s Mcycles/s  (runs:%s)\n" "$label" "$med" "$rates"
}

echo "== Verilated core: simulated clock cycles per second (median of 3, $LIMIT packets of $(basename "$TRACE"))"
xdpfilt=/usr/lib/$(gcc -dumpmachine)/bpf/xdpfilt_dny_all.o
for engine in rtl cosim; do
    bench "firewall, $engine" "$BUILD/corpus/firewall.o" --maps-in sim/corpus/firewall.maps.json \
        --pcap "$TRACE" --engine $engine
    bench "parse_count, $engine" "$BUILD/corpus/parse_count.o" --pcap "$TRACE" --engine $engine
    bench "loops, $engine" "$BUILD/corpus/loops.o" --pcap "$TRACE" --engine $engine
    [ -f "$xdpfilt" ] && bench "xdpfilt_dny_all, $engine" "$xdpfilt" \
        --maps-in sim/corpus/xdp-tools/xdpfilt_dny_all.maps.json --pcap "$TRACE" --engine $engine
done
