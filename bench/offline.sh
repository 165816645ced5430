#!/usr/bin/env bash
# bench/offline.sh - the offline benchmark (see bench/README.md).
#
# Writes a capture of N (1 000 000) mirrored packets with `vxgen -w`
# (outer Ethernet / IPv4 / UDP 4789 / VXLAN / inner Ethernet / IPv4 / TCP,
# 10k flows, IMIX sizes, two VNIs) and times, with hyperfine:
#   tcpdump -r X -w Y          the reference: read and write the capture
#   vxmirrord -c CONF -r X     decapsulate, decode, analyse, write per-session pcaps
#   tshark -r X                dissect and print one line per packet (to /dev/null)
# Reports wall time (median), user and system CPU (means) and the ratios
# against tcpdump -r -w.  One markdown table on stdout (and in
# $BENCH_DIR/offline.md).
#
# usage: bench/offline.sh [-n PACKETS] [-f FLOWS] [-s SIZE] [-V VNIS] [-r RUNS] [-T TSHARK_RUNS]
#   -n  packets in the capture (1000000)
#   -f  inner flows (10000)
#   -s  inner sizes, as vxgen -s (imix)
#   -V  VNIs, one session each (100,101)
#   -r  timed runs of tcpdump and vxmirrord, after one warm-up (5)
#   -T  timed runs of tshark, no warm-up (1; it takes ~25 s per million packets)
# Environment: see bench/lib.sh (BUILD, BENCH_DIR).  Inputs and outputs
# live in BENCH_DIR (tmpfs by default), so this measures CPU, not the disk.
source "$(dirname "$0")/lib.sh"

PACKETS=1000000
FLOWS=10000
SIZE=imix
VNIS=100,101
RUNS=5
TSHARK_RUNS=1
while getopts "n:f:s:V:r:T:h" o; do
	case $o in
	n) PACKETS=$OPTARG ;;
	f) FLOWS=$OPTARG ;;
	s) SIZE=$OPTARG ;;
	V) VNIS=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	T) TSHARK_RUNS=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

find_build
need_pkg tcpdump tcpdump
need_pkg tshark tshark
need_pkg hyperfine hyperfine
need_pkg jq jq
mkdir -p "$BENCH_DIR"
CAP=$BENCH_DIR/offline-$PACKETS-$FLOWS-$SIZE-${VNIS//,/_}.pcap
CONF=$BENCH_DIR/offline.yaml
OUT=$BENCH_DIR/out
JSON=$BENCH_DIR/offline-json
rm -rf "$JSON"
mkdir -p "$JSON"
# shellcheck disable=SC2046 # one argument per VNI
write_conf "$CONF" 100000 1 $(vnis_list "$VNIS")
START=$(date +%s)
gen=$("$VXGEN" -w "$CAP" -n "$PACKETS" -f "$FLOWS" -s "$SIZE" -V "$VNIS")
log "bench: $gen"
BYTES=$(stat -c %s "$CAP")

# bench NAME RUNS WARMUP PREPARE CMD: hyperfine one command into $JSON/NAME.json.
bench() {
	local name=$1 runs=$2 warmup=$3 prepare=$4 cmd=$5
	log "bench: $name: $cmd"
	hyperfine -N --style none --runs "$runs" --warmup "$warmup" --prepare "$prepare" \
		--export-json "$JSON/$name.json" "$cmd" >&2
}

# -Z root: tcpdump would drop to its own user, which cannot write in BENCH_DIR
bench tcpdump "$RUNS" 1 "rm -f $BENCH_DIR/tcpdump-out.pcap" \
	"tcpdump -Z root -r $CAP -w $BENCH_DIR/tcpdump-out.pcap"
bench vxmirrord "$RUNS" 1 "rm -rf $OUT" "$VXMIRRORD -c $CONF -r $CAP"
# the summary of one more run, to show it did the whole job
rm -rf "$OUT"
SUMMARY=$("$VXMIRRORD" -c "$CONF" -r "$CAP" 2>&1 | grep '^summary: \(datagrams\|session\|flows\)')
bench tshark "$TSHARK_RUNS" 0 "true" "tshark -r $CAP"
rm -rf "$OUT" "$BENCH_DIR/tcpdump-out.pcap"

# row NAME LABEL: a table row from hyperfine's JSON.
row() {
	jq -r --arg name "$2" --argjson ref "$(jq '.results[0] | {median, user, system}' "$JSON/tcpdump.json")" \
		--argjson n "$PACKETS" '
		.results[0] as $r |
		"| \($name) | \($r.times | length) | \($r.median * 1000 | round / 1000) | " +
		"\(($r.times | min) * 1000 | round / 1000)–\(($r.times | max) * 1000 | round / 1000) | " +
		"\($r.user * 1000 | round / 1000) | \($r.system * 1000 | round / 1000) | " +
		"\(($r.user + $r.system) * 1000 | round / 1000) | " +
		"\($n / $r.median / 1000 | round) k | " +
		"\($r.median / $ref.median * 100 | round / 100) | " +
		"\(($r.user + $r.system) / ($ref.user + $ref.system) * 100 | round / 100) |"' "$JSON/$1.json"
}

{
	echo "### Offline: $PACKETS packets ($((BYTES / 1000000)) MB capture), $FLOWS flows, sizes $SIZE, VNIs $VNIS"
	echo
	machine_info
	echo "- command: \`bench/offline.sh -n $PACKETS -f $FLOWS -s $SIZE -V $VNIS -r $RUNS -T $TSHARK_RUNS\` ($(($(date +%s) - START)) s); capture and outputs on $(df --output=fstype "$BENCH_DIR" | tail -1)"
	echo "- $(tcpdump --version 2>&1 | head -1), $(tshark --version 2>/dev/null | head -1), $(hyperfine --version)"
	echo
	echo "| command | runs | wall s (median) | wall s (min–max) | user s | sys s | CPU s | packets/s | wall × tcpdump | CPU × tcpdump |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	row tcpdump "\`tcpdump -r X -w Y\`"
	row vxmirrord "\`vxmirrord -r X\` (pcaps + analyzer)"
	row tshark "\`tshark -r X > /dev/null\`"
	echo
	echo "vxmirrord's summary:"
	echo
	echo '```'
	echo "$SUMMARY"
	echo '```'
} | tee "$BENCH_DIR/offline.md"
