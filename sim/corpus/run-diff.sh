#!/bin/sh
# Differential suite: every corpus program and the xdp-tools objects Debian
# installs, on the model and in the kernel, over the generated traces and the
# shared real captures.  Usage: run-diff.sh EBPFSIM BUILD TRACES_DIR
set -u
EBPFSIM=$1
BUILD=$2
TRACES_DIR=$3
traces=""
for t in pcaps/*.pcap "$TRACES_DIR"/tcpdump/*.pcap* "$TRACES_DIR"/mixed/*.pcap; do
    [ -f "$t" ] && traces="$traces --pcap $t"
done
if [ ! -d "$TRACES_DIR" ]; then
    echo "note: $TRACES_DIR not found; using the generated traces only"
fi
fail=0
for src in sim/corpus/*.bpf.c; do
    name=$(basename "$src" .bpf.c)
    args=""
    [ -f "sim/corpus/$name.maps.json" ] && args="$args --maps-in sim/corpus/$name.maps.json"
    [ -f "sim/corpus/$name.args" ] && args="$args $(cat "sim/corpus/$name.args")"
    # shellcheck disable=SC2086
    "$EBPFSIM" diff "$BUILD/corpus/$name.o" $args $traces || fail=1
done
libbpf_dir=/usr/lib/$(gcc -dumpmachine)/bpf
found=0
for obj in "$libbpf_dir"/xdpfilt_*.o "$libbpf_dir"/xdp-dispatcher.o "$libbpf_dir"/xdpdump_xdp.o \
           "$libbpf_dir"/xsk_def_xdp_prog*.o; do
    [ -f "$obj" ] || continue
    found=1
    name=$(basename "$obj" .o)
    args=""
    [ -f "sim/corpus/xdp-tools/$name.maps.json" ] && args="--maps-in sim/corpus/xdp-tools/$name.maps.json"
    # shellcheck disable=SC2086
    "$EBPFSIM" diff "$obj" $args $traces || fail=1
done
[ $found = 1 ] || { echo "FAIL: no xdp-tools objects in $libbpf_dir (package libxdp1)"; fail=1; }
exit $fail
