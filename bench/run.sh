#!/usr/bin/env bash
# bench/run.sh - the live ingest benchmark (see bench/README.md).
#
# Sends the SAME load from vxgen (VXLAN over loopback: the same N packets,
# 10k inner TCP flows, IMIX sizes, two VNIs) to three receivers, one after
# the other:
#   vxsink     the bare recvmmsg sink that only counts (the baseline)
#   tcpdump    tcpdump -i lo -w FILE udp port P      (the seeds' way)
#   vxmirrord  one session per VNI, pcaps and the path-MTU analyzer on,
#              -w WORKERS (1), pinned like vxsink
#   vxmirrord-auto  the same with the default `workers: auto`, not pinned
#              (what a user runs); its row also shows its CPU per packet
#              against the pinned vxmirrord row
# at the generator's maximum rate (unpaced) and at 50% of the rate it
# reached against vxsink (the median of the max rounds).  Every
# (load, receiver) pair runs R times, the receivers interleaved, so that a
# burst of load from elsewhere on the machine hits one run, not one
# receiver; the table shows the median.
#
# For each it reports: packets sent and received (all runs), loss (sent -
# received, the kernel's UDP RcvbufErrors delta from /proc/net/snmp and
# the receiver's own drop counter), and the receiver's CPU seconds
# (utime+stime of all its threads from /proc/PID/stat, from "ready" to
# the end of the load plus a settle time) per million packets, with the
# ratio against vxsink at the same load.  It also shows the softirq time
# of the whole machine (on loopback the kernel's receive path runs in
# the generator's softirq) and the CPU used by anything else in the same
# window on the receiver's CPU (a disturbance indicator).  One markdown table on stdout (and in
# $BENCH_DIR/run.md).
#
# A receiver that is faster than the load sleeps between datagrams and
# takes them a few per recvmmsg(), so its CPU per packet depends on how
# much faster it is.  The load "drain" measures the cost at full batches
# instead (vxsink and vxmirrord only): the receiver is stopped (SIGSTOP),
# FILL packets are queued in its socket buffer, it is let go (SIGCONT) and
# drains them; repeated until PACKETS were sent.
#
# usage: bench/run.sh [-n PACKETS] [-d SECONDS] [-k ROUNDS] [-f FLOWS] [-w WORKERS]
#                     [-V VNIS] [-s SIZE] [-R "max 50"]
#   -n  packets per run (2000000); the same packets for every receiver
#   -d  time bound of one run, seconds (30; 1..60)
#   -k  rounds: runs per (load, receiver), median reported (3)
#   -f  inner flows (10000)
#   -w  vxmirrord workers (1); vxsink then runs as many SO_REUSEPORT threads
#   -V  VNIs, one session each (100,101)
#   -s  inner sizes, as vxgen -s (imix)
#   -R  loads: "max" (unpaced), percentages of the vxsink max, and/or
#       "drain" ("max 50 drain")
# Environment: see bench/lib.sh (BUILD, BENCH_DIR, PORT, KEEP_RMEM), plus
#   GEN_CPU (0) and RECV_CPUS (1 with one worker, else all CPUs): taskset
#   lists for the generator and the receiver; "" = no pinning.
#   SETTLE (1): seconds after the load before the receiver is stopped.
#   FILL (40000): packets queued per drain cycle (must fit the 32 MiB buffer).
#   OTHER_MAX (0.5): a run in which anything else used more CPU seconds
#   than this on the receiver's CPUs was disturbed; the median is taken
#   over the others.
#   RECEIVERS ("vxsink tcpdump vxmirrord vxmirrord-auto"): which receivers to run.
source "$(dirname "$0")/lib.sh"

PACKETS=2000000
DURATION=30
ROUNDS=3
FLOWS=10000
WORKERS=1
VNIS=100,101
SIZE=imix
LOADS="max 50 drain"
while getopts "n:d:k:f:w:V:s:R:h" o; do
	case $o in
	n) PACKETS=$OPTARG ;;
	d) DURATION=$OPTARG ;;
	k) ROUNDS=$OPTARG ;;
	f) FLOWS=$OPTARG ;;
	w) WORKERS=$OPTARG ;;
	V) VNIS=$OPTARG ;;
	s) SIZE=$OPTARG ;;
	R) LOADS=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
((DURATION >= 1 && DURATION <= 60)) || fail "-d: 1..60 seconds"
((PACKETS >= 1000 && PACKETS <= 100000000)) || fail "-n: 1000..100000000 packets"
((ROUNDS >= 1 && ROUNDS <= 9)) || fail "-k: 1..9 rounds"
SETTLE=${SETTLE:-1}
FILL=${FILL:-40000}
OTHER_MAX=${OTHER_MAX:-0.5}
RECEIVERS=${RECEIVERS:-vxsink tcpdump vxmirrord vxmirrord-auto}

need_root
find_build
need_pkg tcpdump tcpdump
mkdir -p "$BENCH_DIR"
SINK_THREADS=$WORKERS
[[ $SINK_THREADS == auto ]] && SINK_THREADS=$(nproc --all)
GEN_CPU=${GEN_CPU-0}
if [[ -z ${RECV_CPUS+x} ]]; then
	if [[ $WORKERS == 1 ]]; then RECV_CPUS=1; else RECV_CPUS=""; fi
fi
# pin CPUS CMD...: exec CMD (under taskset unless CPUS is empty).  It
# execs, so only call it in a subshell: `pin ... &` (then $! is CMD's pid)
# or $(pin ...).
pin() {
	local cpus=$1
	shift
	if [[ -n $cpus ]]; then exec taskset -c "$cpus" "$@"; else exec "$@"; fi
}

# this script (polling, awk) runs next to the generator, away from the receiver
[[ -n $GEN_CPU && -n $RECV_CPUS ]] && taskset -pc "$GEN_CPU" $$ >/dev/null
CONF=$BENCH_DIR/run.yaml
# shellcheck disable=SC2046 # one argument per VNI
write_conf "$CONF" 100000 "$WORKERS" $(vnis_list "$VNIS")
CONF_AUTO=$BENCH_DIR/run-auto.yaml
# shellcheck disable=SC2046 # one argument per VNI
write_conf "$CONF_AUTO" 100000 auto $(vnis_list "$VNIS")
LOGS=$BENCH_DIR/logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
CUR_PID=
trap '[[ -n $CUR_PID ]] && stop_pid $CUR_PID; restore_rmem' EXIT
raise_rmem

# rxq_bytes: bytes queued in the receive buffers of the sockets on $PORT.
rxq_bytes() {
	local p s=0 _sl laddr _rem _st q _rest
	p=$(printf '%04X' "$PORT")
	while read -r _sl laddr _rem _st q _rest; do
		[[ $laddr == *:"$p" ]] && s=$((s + 16#${q#*:}))
	done < <(tail -n +2 /proc/net/udp)
	echo "$s"
}

# drain_load PID: the "drain" load against receiver PID; prints a vxgen-like line.
drain_load() {
	local pid=$1 done=0 n out i sent=0 errors=0 cpu=0 t0=$EPOCHREALTIME
	while ((done < PACKETS)); do
		n=$((PACKETS - done < FILL ? PACKETS - done : FILL))
		kill -STOP "$pid"
		out=$(pin "$GEN_CPU" "$VXGEN" -p "$PORT" -n "$n" -k "$done" -t "$DURATION" -f "$FLOWS" -V "$VNIS" -s "$SIZE" -q)
		kill -CONT "$pid"
		for ((i = 0; i < 200; i++)); do
			(($(rxq_bytes) == 0)) && break
			sleep 0.02
		done
		sent=$((sent + $(kv sent "$out")))
		errors=$((errors + $(kv errors "$out")))
		cpu=$(awk -v a="$cpu" -v b="$(kv cpu "$out")" 'BEGIN { print a + b }')
		done=$((done + n))
	done
	echo "vxgen: sent=$sent errors=$errors pps=- cpu=$cpu cycles=$(((PACKETS + FILL - 1) / FILL)) elapsed=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')"
}

# results of every run, keyed "load/receiver/round"
# shellcheck disable=SC2034 # R_SENT, R_LOST, ... are read through sum's nameref
declare -A R_SENT R_RECV R_LOST R_RCVBUF R_RDROP R_CPU R_CPM R_PPS R_GEN R_SIRQ R_OTHER R_NOTE
declare -A SINK_CPM=() ONE_CPM=()

# run_one RECEIVER LOAD RATE ROUND: one run, results into the R_ arrays.
# shellcheck disable=SC2034 # some R_ arrays are read only through sum's nameref
run_one() {
	local recv=$1 load=$2 rate=$3 round=$4 key="$2/$1/$4" tag="$1-$2-$4" pid ready out err
	local st_busy0 st_sirq0 st_busy1 st_sirq1 sirq other rc_busy0 rc_sirq0 rc_busy1 rc_sirq1
	local sent received rcvbuf0 rcvbuf1 sn0 sn1 t0 t1 cpu rdrops gen note="" rcpus=$RECV_CPUS
	[[ $recv == vxmirrord-auto ]] && rcpus="" # the default: wherever the kernel runs it
	out=$LOGS/$tag.out
	err=$LOGS/$tag.err
	rm -rf "$BENCH_DIR/out"
	mkdir -p "$BENCH_DIR/out"
	case $recv in
	vxsink)
		pin "$RECV_CPUS" "$VXSINK" -l "127.0.0.1:$PORT" -t $((DURATION + 60)) -j "$SINK_THREADS" >"$out" 2>"$err" &
		ready="listening on"
		;;
	tcpdump)
		# -Z root: tcpdump would drop to its own user, which cannot write in BENCH_DIR
		pin "$RECV_CPUS" tcpdump -Z root -i lo -w "$BENCH_DIR/out/tcpdump.pcap" udp port "$PORT" >"$out" 2>"$err" &
		ready="listening on"
		;;
	vxmirrord)
		pin "$RECV_CPUS" "$VXMIRRORD" -c "$CONF" >"$out" 2>"$err" &
		ready="ready:"
		;;
	vxmirrord-auto)
		# every CPU: this script is pinned next to the generator, and a child
		# would inherit that (workers: auto counts the CPUs of its affinity)
		pin "0-$(($(nproc --all) - 1))" "$VXMIRRORD" -c "$CONF_AUTO" >"$out" 2>"$err" &
		ready="ready:"
		;;
	esac
	pid=$!
	CUR_PID=$pid
	wait_for "$err" "$ready" "$pid" || { cat "$err" >&2; fail "$recv did not start"; }
	sleep 0.3
	rcvbuf0=$(udp_snmp RcvbufErrors)
	sn0=$(softnet_drops)
	t0=$(cpu_ticks "$pid")
	read -r st_busy0 st_sirq0 < <(cpu_stat)
	read -r rc_busy0 rc_sirq0 < <(cpu_stat "$rcpus")
	if [[ $load == drain ]]; then
		gen=$(drain_load "$pid")
	else
		gen=$(pin "$GEN_CPU" "$VXGEN" -p "$PORT" -n "$PACKETS" -t "$DURATION" -r "$rate" -f "$FLOWS" -V "$VNIS" -s "$SIZE" -q)
	fi
	echo "$gen" >"$LOGS/$tag.gen"
	sleep "$SETTLE"
	t1=$(cpu_ticks "$pid")
	read -r st_busy1 st_sirq1 < <(cpu_stat)
	read -r rc_busy1 rc_sirq1 < <(cpu_stat "$rcpus")
	rcvbuf1=$(udp_snmp RcvbufErrors)
	sn1=$(softnet_drops)
	stop_pid "$pid"
	CUR_PID=
	sent=$(kv sent "$gen")
	case $recv in
	vxsink)
		received=$(kv received "$(cat "$out")")
		rdrops=$(kv kernel_drops "$(cat "$out")")
		note="$(awk -v n="$received" -v c="$(kv calls "$(cat "$out")")" 'BEGIN { printf "%.1f", n / c }') datagrams per recvmmsg"
		;;
	tcpdump)
		received=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$err")
		rdrops=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$err")
		;;
	vxmirrord | vxmirrord-auto)
		local summ pcap delivered wk
		summ=$(grep -m1 '^summary: datagrams=' "$err" || true)
		received=$(kv datagrams "$summ")
		delivered=$(kv delivered "$summ")
		rdrops=$(kv kernel_drops "$summ")
		pcap=$(grep '^summary: session=' "$err" | grep -o 'pcap_packets=[0-9]*' | awk -F= '{ s += $2 } END { print s + 0 }')
		[[ $delivered == "$received" && $pcap == "$received" ]] ||
			note="delivered $delivered, in pcaps $pcap of $received"
		# datagrams per wake-up and per recvmmsg() of each worker
		wk=$(grep '^summary: worker=' "$err" | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			if (v["wakeups"] > 0) printf "%sworker %s: %d datagrams, %.1f per wake-up, %.1f per recvmmsg", (NR > 1 ? "; " : ""), v["worker"], v["datagrams"], v["datagrams"] / v["wakeups"], v["datagrams"] / v["recv_calls"] }' || true)
		[[ -n $wk ]] && note+="${note:+; }$wk"
		;;
	esac
	[[ -n $received ]] || { cat "$err" >&2; fail "$recv: no count in its output"; }
	cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / hz }')
	# the rest of the machine in the same window: softirq time, and CPU
	# used by anything but the generator and the receiver (disturbance)
	sirq=$(awk -v a="$st_sirq0" -v b="$st_sirq1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / hz }')
	if [[ -n $rcpus ]]; then
		# anything else on the receiver's CPUs (the generator is pinned elsewhere)
		other=$(awk -v a="$rc_busy0" -v b="$rc_busy1" -v sa="$rc_sirq0" -v sb="$rc_sirq1" -v r="$cpu" -v hz="$CLK_TCK" \
			'BEGIN { o = (b - a - (sb - sa)) / hz - r; printf "%.2f", (o < 0 ? 0 : o) }')
	else
		other=$(awk -v a="$st_busy0" -v b="$st_busy1" -v s="$sirq" -v g="$(kv cpu "$gen")" -v r="$cpu" -v hz="$CLK_TCK" \
			'BEGIN { o = (b - a) / hz - s - g - r; printf "%.2f", (o < 0 ? 0 : o) }')
	fi
	((sn1 - sn0 > 0)) && note+="${note:+; }backlog drops $((sn1 - sn0))"
	R_SENT[$key]=$sent
	R_RECV[$key]=$received
	R_LOST[$key]=$((sent - received))
	R_RCVBUF[$key]=$((rcvbuf1 - rcvbuf0))
	R_RDROP[$key]=${rdrops:-0}
	R_CPU[$key]=$cpu
	R_CPM[$key]=$(awk -v c="$cpu" -v n="$received" 'BEGIN { printf "%.3f", (n > 0 ? c / n * 1e6 : 0) }')
	R_PPS[$key]=$(kv pps "$gen")
	R_GEN[$key]=$(kv cpu "$gen")
	R_SIRQ[$key]=$sirq
	R_OTHER[$key]=$other
	R_NOTE[$key]=$note
	log "bench: round $round, load $load, $recv: sent $sent at ${R_PPS[$key]} pps, received $received, RcvbufErrors +${R_RCVBUF[$key]}, drops ${R_RDROP[$key]}, CPU $cpu s = ${R_CPM[$key]} s/Mpkt, softirq $sirq s, other $other s${note:+; $note}"
	rm -rf "$BENCH_DIR/out"
}

# median: of the numbers on stdin, one a line; the lower middle one for an even count
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# clean_rounds LOAD RECEIVER: the rounds not disturbed from elsewhere
# (other CPU <= OTHER_MAX); all rounds when every one was.
clean_rounds() {
	local r l=""
	for ((r = 1; r <= ROUNDS; r++)); do
		awk -v o="${R_OTHER[$1/$2/$r]}" -v m="$OTHER_MAX" 'BEGIN { exit !(o <= m) }' && l+=" $r"
	done
	[[ -n $l ]] || l=$(seq 1 "$ROUNDS")
	echo $l
}

# median_round LOAD RECEIVER: the clean round whose CPU per packet is the median.
median_round() {
	local r m rounds
	rounds=$(clean_rounds "$1" "$2")
	m=$(for r in $rounds; do echo "${R_CPM[$1/$2/$r]}"; done | median)
	for r in $rounds; do
		[[ ${R_CPM[$1/$2/$r]} == "$m" ]] && { echo "$r"; return; }
	done
}

# sum ARRAY-NAME LOAD RECEIVER: a counter summed over the rounds.
sum() {
	local -n a=$1
	local r s=0
	for ((r = 1; r <= ROUNDS; r++)); do s=$((s + ${a[$2/$3/$r]})); done
	echo "$s"
}

# row LOAD RECEIVER: the table row of a (load, receiver) pair.
row() {
	local load=$1 recv=$2 m r sent recvd lost cpms rate label ratio notes="" clean
	m=$(median_round "$load" "$recv")
	sent=$(sum R_SENT "$load" "$recv")
	recvd=$(sum R_RECV "$load" "$recv")
	lost=$(sum R_LOST "$load" "$recv")
	cpms=$(for ((r = 1; r <= ROUNDS; r++)); do echo "${R_CPM[$load/$recv/$r]}"; done | sort -g | paste -sd' ')
	[[ $recv == vxsink ]] && SINK_CPM[$load]=${R_CPM[$load/$recv/$m]}
	ratio=$(awk -v c="${R_CPM[$load/$recv/$m]}" -v s="${SINK_CPM[$load]:-0}" 'BEGIN { if (s > 0) printf "%.2f", c / s; else print "-" }')
	[[ $recv == vxmirrord ]] && ONE_CPM[$load]=${R_CPM[$load/$recv/$m]}
	if [[ $recv == vxsink ]]; then
		notes="${R_NOTE[$load/$recv/$m]} (median run)"
	elif [[ $recv == vxmirrord-auto ]]; then
		notes="$(awk -v c="${R_CPM[$load/$recv/$m]}" -v s="${ONE_CPM[$load]:-0}" 'BEGIN { if (s > 0) printf "**%.2f× vxmirrord (workers %s)**", c / s, "'"$WORKERS"'" }'); median run: ${R_NOTE[$load/$recv/$m]}"
	else
		for ((r = 1; r <= ROUNDS; r++)); do
			[[ -n ${R_NOTE[$load/$recv/$r]} ]] && notes+="${notes:+; }run $r: ${R_NOTE[$load/$recv/$r]}"
		done
	fi
	clean=0
	for ((r = 1; r <= ROUNDS; r++)); do
		awk -v o="${R_OTHER[$load/$recv/$r]}" -v m="$OTHER_MAX" 'BEGIN { exit !(o <= m) }' && clean=$((clean + 1))
	done
	if ((clean == 0)); then
		notes+="${notes:+; }all runs disturbed (other CPU > $OTHER_MAX s)"
	elif ((clean < ROUNDS)); then
		notes+="${notes:+; }$((ROUNDS - clean)) disturbed run(s) not in the median"
	fi
	case $load in
	max) label="max (unpaced)" ;;
	drain) label="drain ($FILL queued, then drained)" ;;
	*) label="$load% (${RATE[$load]} pps)" ;;
	esac
	printf '| %s | %s | %s | %s | %s | %s (%s%%) | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
		"$label" "$recv" "$sent" "${R_PPS[$load/$recv/$m]}" "$recvd" "$lost" \
		"$(awk -v l="$lost" -v s="$sent" 'BEGIN { printf "%.3f", (s > 0 ? 100 * l / s : 0) }')" \
		"$(sum R_RCVBUF "$load" "$recv")" "$(sum R_RDROP "$load" "$recv")" "${R_CPU[$load/$recv/$m]}" \
		"**${R_CPM[$load/$recv/$m]}** ($cpms)" "**$ratio**" "${R_SIRQ[$load/$recv/$m]}" \
		"$(awk -v c="${R_CPU[$load/$recv/$m]}" -v s="${R_SIRQ[$load/$recv/$m]}" -v n="${R_RECV[$load/$recv/$m]}" 'BEGIN { printf "%.2f", (c + s) / n * 1e6 }')" \
		"$(for ((r = 1; r <= ROUNDS; r++)); do echo "${R_OTHER[$load/$recv/$r]}"; done | sort -g | tail -1)" \
		"$notes"
}

START=$(date +%s)
declare -A RATE=()
for load in $LOADS; do
	case $load in
	max | drain) RATE[$load]=0 ;;
	*)
		[[ -n ${R_PPS[max/vxsink/1]:-} ]] || fail "load $load% needs the max load against vxsink first"
		# the median of the max runs against vxsink
		RATE[$load]=$(for ((r = 1; r <= ROUNDS; r++)); do echo "${R_PPS[max/vxsink/$r]}"; done |
			median | awk -v pc="$load" '{ printf "%d", $1 * pc / 100 }')
		;;
	esac
	for ((round = 1; round <= ROUNDS; round++)); do
		for recv in $RECEIVERS; do
			[[ $load == drain && $recv == tcpdump ]] && continue
			run_one "$recv" "$load" "${RATE[$load]}" "$round"
		done
	done
done

{
	echo "### Live ingest over loopback: $PACKETS packets per run, $FLOWS flows, sizes $SIZE, VNIs $VNIS, median of $ROUNDS runs"
	echo
	machine_info
	echo "- vxmirrord workers: $WORKERS; vxsink threads: $SINK_THREADS; $(tcpdump --version 2>&1 | head -1)"
	echo "- pinning: generator on CPU ${GEN_CPU:-any}, receiver on CPU ${RECV_CPUS:-any} (vxmirrord-auto: on every CPU, workers: auto = $(nproc --all) here); net.core.rmem_max $(sysctl -n net.core.rmem_max) during the run; pcaps on $(df --output=fstype "$BENCH_DIR" | tail -1)"
	echo "- command: \`bench/run.sh -n $PACKETS -d $DURATION -k $ROUNDS -f $FLOWS -w $WORKERS -V $VNIS -s $SIZE -R \"$LOADS\"\` ($(($(date +%s) - START)) s)"
	echo
	echo "| load | receiver | sent (all runs) | sent pps (median run) | received (all runs) | lost (all runs) | RcvbufErrors Δ (all runs) | receiver's drop counter (all runs) | receiver CPU s (median run) | receiver CPU s / M pkts: median (all runs) | × vxsink | softirq CPU s, whole machine (median run) | receiver + softirq CPU s / M pkts (median run) | other CPU s on the receiver's CPUs (worst run) | notes |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	for load in $LOADS; do
		for recv in $RECEIVERS; do
			[[ $load == drain && $recv == tcpdump ]] && continue
			row "$load" "$recv"
		done
	done
} | tee "$BENCH_DIR/run.md"
