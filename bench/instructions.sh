#!/usr/bin/env bash
# bench/instructions.sh - instructions per packet, offline (see bench/README.md).
#
# Counts the instructions (valgrind --tool=callgrind) that these spend on
# the same capture of N mirrored packets, written with `vxgen -w`:
#   tcpdump -r X -w Y          the reference: read and write the capture
#   vxmirrord -c CONF -r X     decapsulate, decode, analyse, write per-session pcaps
# An instruction count does not depend on what else the machine is doing
# (the same binary and input give the same total), so this is the number
# to compare before and after a change on a busy 2-core VM where wall and
# CPU times are noise.  Reports instructions per packet and the ratio
# against tcpdump.  One markdown table on stdout (and in
# $BENCH_DIR/instructions.md).
#
# usage: bench/instructions.sh [-n PACKETS] [-f FLOWS] [-s SIZE] [-V VNIS]
#   -n  packets in the capture (200000)
#   -f  inner flows (10000)
#   -s  inner sizes, as vxgen -s (imix)
#   -V  VNIs, one session each (100,101)
# Environment: see bench/lib.sh (BUILD, BENCH_DIR).
source "$(dirname "$0")/lib.sh"

PACKETS=200000
FLOWS=10000
SIZE=imix
VNIS=100,101
while getopts "n:f:s:V:h" o; do
	case $o in
	n) PACKETS=$OPTARG ;;
	f) FLOWS=$OPTARG ;;
	s) SIZE=$OPTARG ;;
	V) VNIS=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

find_build
need_pkg tcpdump tcpdump
need_pkg valgrind valgrind
mkdir -p "$BENCH_DIR"
CAP=$BENCH_DIR/instr-$PACKETS-$FLOWS-$SIZE-${VNIS//,/_}.pcap
CONF=$BENCH_DIR/instr.yaml
OUT=$BENCH_DIR/out
write_conf "$CONF" 100000 1 $(vnis_list "$VNIS")
START=$(date +%s)
gen=$("$VXGEN" -w "$CAP" -n "$PACKETS" -f "$FLOWS" -s "$SIZE" -V "$VNIS")
log "bench: $gen"

# instr CMD...: the total instructions callgrind counts for CMD.
instr() {
	local f=$BENCH_DIR/callgrind.out
	rm -f "$f"
	valgrind --tool=callgrind --callgrind-out-file="$f" "$@" >/dev/null 2>"$BENCH_DIR/callgrind.log" ||
		fail "callgrind failed on $*: $(tail -3 "$BENCH_DIR/callgrind.log")"
	sed -n 's/^summary: //p' "$f"
}

rm -f "$BENCH_DIR/tcpdump-out.pcap"
REF=$(instr tcpdump -Z root -r "$CAP" -w "$BENCH_DIR/tcpdump-out.pcap")
rm -rf "$OUT"
VXD=$(instr "$VXMIRRORD" -c "$CONF" -r "$CAP")
rm -rf "$OUT" "$BENCH_DIR/tcpdump-out.pcap" "$BENCH_DIR/callgrind.out"

{
	echo "### Instructions: $PACKETS packets, $FLOWS flows, sizes $SIZE, VNIs $VNIS"
	echo
	echo "- $(date -u +%F), $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown), $(valgrind --version), $(tcpdump --version 2>&1 | head -1)"
	echo "- command: \`bench/instructions.sh -n $PACKETS -f $FLOWS -s $SIZE -V $VNIS\` ($(($(date +%s) - START)) s)"
	echo
	echo "| command | instructions | per packet | × tcpdump |"
	echo "|---|---:|---:|---:|"
	awk -v r="$REF" -v v="$VXD" -v n="$PACKETS" 'BEGIN {
		printf "| `tcpdump -r X -w Y` | %.0f | %.0f | 1.00 |\n", r, r / n
		printf "| `vxmirrord -r X` (pcaps + analyzer) | %.0f | %.0f | %.2f |\n", v, v / n, v / r
	}'
} | tee "$BENCH_DIR/instructions.md"
