#!/usr/bin/env bash
# bench/flood.sh - the flow flood (see bench/README.md).
#
# Sends N (1 000 000) distinct inner TCP flows, one SYN each, paced, to
# vxmirrord (one worker, analyzer.max_flows = CAP, 100 000) in three
# phases, each with new flows (vxgen -F):
#   A  CAP/10 flows                 the table fills to 10% of the cap
#   B  the next 9*CAP/10 flows      the table is full: CAP flows
#   C  the remaining N - CAP flows  every new flow evicts the least
#                                   recently used one
# After A and B (and a settle second) it reads the daemon's VmRSS
# (/proc/PID/status) and its /metrics (flows_active, flows_created_total,
# flows_evicted_total); during C it samples both every 0.5 s.  RSS must
# stay flat during C while the evictions are counted.
#
# Bytes per flow: (RSS after B - RSS after A) / (9*CAP/10), the memory a
# flow really costs once the process has started (the flow entries, their
# share of the bucket array, malloc overhead), next to sizeof(struct flow)
# (compiled here from include/vxmirror/flow.h) and the bucket pointer.
# One markdown table on stdout (and in $BENCH_DIR/flood.md).
#
# usage: bench/flood.sh [-n FLOWS] [-c CAP] [-r PPS]
#   -n  flows = packets (1000000)
#   -c  analyzer.max_flows (100000)
#   -r  packets per second (100000)
# Environment: see bench/lib.sh; GEN_CPU (0), RECV_CPUS (1) as in run.sh;
#   HTTP_PORT (PORT + 1): the daemon's /metrics on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

FLOWS=1000000
CAP=100000
RATE=100000
while getopts "n:c:r:h" o; do
	case $o in
	n) FLOWS=$OPTARG ;;
	c) CAP=$OPTARG ;;
	r) RATE=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
((RATE > 0 && RATE <= 1000000 && CAP >= 10 && FLOWS > CAP && FLOWS <= 16000000)) ||
	fail "need 0 < -r <= 1000000, -c >= 10 and -c < -n <= 16000000"

need_root
find_build
need_pkg curl curl
mkdir -p "$BENCH_DIR"
GEN_CPU=${GEN_CPU-0}
RECV_CPUS=${RECV_CPUS-1}
HTTP_PORT=${HTTP_PORT:-$((PORT + 1))}
CONF=$BENCH_DIR/flood.yaml
HTTP_LISTEN=127.0.0.1:$HTTP_PORT write_conf "$CONF" "$CAP" 1 100
rm -rf "$BENCH_DIR/out"
mkdir -p "$BENCH_DIR/out"
ERR=$BENCH_DIR/flood.err
SAMPLES=$BENCH_DIR/flood.samples
DPID=
trap '[[ -n $DPID ]] && stop_pid $DPID; restore_rmem' EXIT
raise_rmem

# sizeof(struct flow), from the daemon's own header
FLOW_SIZE=$(printf '#include <stdio.h>\n#include "vxmirror/flow.h"\nint main(void) { printf("%%zu\\n", sizeof(struct flow)); return 0; }\n' |
	cc -std=gnu17 -D_GNU_SOURCE -I"$REPO/include" -x c -o "$BENCH_DIR/flowsize" - && "$BENCH_DIR/flowsize") || FLOW_SIZE="?"
BUCKETS=$(awk -v c="$CAP" 'BEGIN { b = 16; while (b < c) b *= 2; print b }')

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# metrics: "active created evicted" from /metrics
metrics() {
	curl -s --max-time 2 "http://127.0.0.1:$HTTP_PORT/metrics" |
		awk '$1 == "vxmirror_flows_active" { a = $2 } $1 == "vxmirror_flows_created_total" { c = $2 }
			$1 == "vxmirror_flows_evicted_total" { e = $2 } END { printf "%d %d %d\n", a, c, e }'
}
# gen FIRST COUNT: COUNT new flows numbered from FIRST, one SYN each, paced.
gen() {
	local cmd=("$VXGEN" -p "$PORT" -F "$1" -n "$2" -f "$2" -r "$RATE" -t 600 -V 100 -q)
	if [[ -n $GEN_CPU ]]; then taskset -c "$GEN_CPU" "${cmd[@]}"; else "${cmd[@]}"; fi
}
# settle: after a phase, until the daemon has published its counters.
settle() { sleep 1.5; }

START=$(date +%s)
if [[ -n $RECV_CPUS ]]; then
	taskset -c "$RECV_CPUS" "$VXMIRRORD" -c "$CONF" 2>"$ERR" &
else
	"$VXMIRRORD" -c "$CONF" 2>"$ERR" &
fi
DPID=$!
wait_for "$ERR" "ready:" "$DPID" || { cat "$ERR" >&2; fail "vxmirrord did not start"; }
sleep 0.5
RSS0=$(rss_kib "$DPID")
M0=$(metrics)
A=$((CAP / 10))
GEN_A=$(gen 0 "$A")
settle
RSS_A=$(rss_kib "$DPID")
M_A=$(metrics)
GEN_B=$(gen "$A" $((CAP - A)))
settle
RSS_B=$(rss_kib "$DPID")
M_B=$(metrics)
log "bench: idle $RSS0 KiB ($M0), after A $RSS_A KiB ($M_A), after B $RSS_B KiB ($M_B)"

# phase C, sampled
gen "$CAP" $((FLOWS - CAP)) >"$BENCH_DIR/flood.gen" &
GPID=$!
T0=$EPOCHREALTIME
: >"$SAMPLES"
while kill -0 "$GPID" 2>/dev/null; do
	echo "$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') $(rss_kib "$DPID") $(metrics)" >>"$SAMPLES"
	sleep 0.5
done
wait "$GPID"
GEN_C=$(cat "$BENCH_DIR/flood.gen")
settle
RSS_C=$(rss_kib "$DPID")
M_C=$(metrics)
echo "end $RSS_C $M_C" >>"$SAMPLES"
stop_pid "$DPID"
DPID=
restore_rmem
SUM=$(grep '^summary: datagrams=' "$ERR")
FSUM=$(grep '^summary: flows_created=' "$ERR")
rm -rf "$BENCH_DIR/out"

# RSS in phase C: the highest and lowest sample, against the RSS after B
read -r CMIN CMAX < <(awk '{ if (!n++ || $2 < lo) lo = $2; if ($2 > hi) hi = $2 } END { print lo, hi }' "$SAMPLES")
BPF=$(awk -v a="$RSS_A" -v b="$RSS_B" -v n=$((CAP - A)) 'BEGIN { printf "%.0f", (b - a) * 1024 / n }')
BPF_ALL=$(awk -v a="$RSS0" -v b="$RSS_B" -v n="$CAP" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }')
EXPECT=$(awk -v s="$FLOW_SIZE" -v b="$BUCKETS" -v c="$CAP" 'BEGIN { printf "%.0f", s + 8 * b / c }')

{
	echo "### Flow flood: $FLOWS distinct flows (one SYN each) at $RATE pps, max_flows $CAP"
	echo
	machine_info
	echo "- command: \`bench/flood.sh -n $FLOWS -c $CAP -r $RATE\` ($(($(date +%s) - START)) s)"
	echo "- vxgen, phase A: \`$GEN_A\`"
	echo "- vxgen, phase B: \`$GEN_B\`"
	echo "- vxgen, phase C: \`$GEN_C\`"
	echo "- vxmirrord: \`$SUM\`"
	echo "- vxmirrord: \`$FSUM\`"
	echo
	echo "| point | flows sent | flows_active | flows_created_total | flows_evicted_total | VmRSS KiB | Δ vs. table full KiB |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	set -- $M0
	echo "| idle | 0 | $1 | $2 | $3 | $RSS0 | $((RSS0 - RSS_B)) |"
	set -- $M_A
	echo "| after A | $A | $1 | $2 | $3 | $RSS_A | $((RSS_A - RSS_B)) |"
	set -- $M_B
	echo "| after B: table full | $CAP | $1 | $2 | $3 | $RSS_B | 0 |"
	# phase C: about ten samples, evenly spread
	awk -v cap="$CAP" -v rate="$RATE" -v rb="$RSS_B" '
		$1 != "end" { t[++m] = $1; r[m] = $2; a[m] = $3; c[m] = $4; e[m] = $5 }
		END {
			step = m > 10 ? m / 10 : 1
			for (k = step; k <= m + 0.001; k += step) {
				i = int(k + 0.5); if (i < 1) i = 1; if (i > m) i = m
				if (i == last) continue
				last = i
				printf "| during C, t=%.1f s | ≈%d | %d | %d | %d | %d | %+d |\n", t[i], int(cap + t[i] * rate + 0.5), a[i], c[i], e[i], r[i], r[i] - rb
			}
		}' "$SAMPLES"
	set -- $M_C
	echo "| after C | $FLOWS | $1 | $2 | $3 | $RSS_C | $((RSS_C - RSS_B)) |"
	echo
	echo "- RSS during and after phase C ($((FLOWS - CAP)) flows past the cap, $(wc -l <"$SAMPLES") samples): $CMIN–$CMAX KiB, against $RSS_B KiB when the table became full ($((CMAX - RSS_B >= 0 ? CMAX - RSS_B : 0)) KiB = $(awk -v a="$CMAX" -v b="$RSS_B" 'BEGIN { printf "%.1f", (a > b ? a - b : 0) * 100 / b }')% growth at most)"
	echo "- bytes per flow: **$BPF B** (RSS growth from $A to $CAP flows / $((CAP - A))); $BPF_ALL B counting all RSS growth from idle to a full table; expected sizeof(struct flow) $FLOW_SIZE B + 8 B × $BUCKETS bucket pointers / $CAP flows = $EXPECT B"
} | tee "$BENCH_DIR/flood.md"
