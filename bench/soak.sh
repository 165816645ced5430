#!/usr/bin/env bash
# bench/soak.sh - vxmirrord unattended under everything at once (see bench/README.md).
#
# For DURATION seconds (default 1800):
#   - traffic from vxgen at half the rate it reaches unpaced against this
#     daemon (calibrated first), in rounds of ROUND seconds, each round with
#     new inner flows (flow churn) and a random block of 8 of 64 VNIs, so that
#     `unknown_vni: auto` opens sessions for them as they come;
#   - a SIGHUP reload every 5 s, alternating between two configs that
#     differ in their configured sessions (so sessions are retired);
#   - pcap_dir on a private tmpfs of TMPFS_MB MiB with a disk budget of
#     half of it (pcap.max_disk) and rotation every 1 MiB, so the
#     budget deletes files all the time (the budget must exceed what the
#     open files alone take: 64 sessions x 1 MiB);
#   - an on_complete hook on every completed file (/bin/cksum).
# Every SAMPLE seconds it records vxmirrord's RSS, open fds, the bytes in
# pcap_dir, the tmpfs's free space and the kernel's receive drops
# (vxmirror_kernel_drops_total), and prints them as a markdown table (also
# $BENCH_DIR/soak.md), with the first, the last and the spread of each.
#
# usage: bench/soak.sh [-t DURATION] [-s SAMPLE] [-r ROUND] [-m TMPFS_MB]
# Root (tmpfs mount, a private mount namespace).  Loopback only.
source "$(dirname "$0")/lib.sh"

DURATION=1800 SAMPLE=10 ROUND=10 TMPFS_MB=256
while getopts "t:s:r:m:h" o; do
	case $o in
	t) DURATION=$OPTARG ;;
	s) SAMPLE=$OPTARG ;;
	r) ROUND=$OPTARG ;;
	m) TMPFS_MB=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
((DURATION >= 30 && DURATION <= 7200)) || fail "-t: 30..7200 seconds"

need_root
find_build
need_pkg curl curl
W=$BENCH_DIR/soak
rm -rf "$W"
mkdir -p "$W/pcap"
mount -t tmpfs -o size=${TMPFS_MB}m vxsoak "$W/pcap" || fail "cannot mount a tmpfs on $W/pcap"
PORT=$((24000 + RANDOM % 1000)) HPORT=$((25000 + RANDOM % 1000))
BUDGET=$((TMPFS_MB / 2))MiB

# conf N: the two configs a reload alternates between.
conf() {
	cat <<-EOF
		listen: ["127.0.0.1:$PORT"]
		http: {listen: "127.0.0.1:$HPORT"}
		pcap_dir: $W/pcap
		alert_log: $W/alerts.json
		unknown_vni: auto
		pcap:
		  rotate_size: 1MiB
		  rotate_interval: 1m
		  keep_files: 0
		  max_disk: $BUDGET
		  on_complete: ["/usr/bin/cksum", "{file}"]
		sessions:
		  - {name: fixed, vni: 100}
		  - {name: swap-$1, vni: $((101 + $1))}
	EOF
}
conf 0 >"$W/c0.yaml"
conf 1 >"$W/c1.yaml"
cp "$W/c0.yaml" "$W/vxmirror.yaml"

"$VXMIRRORD" -c "$W/vxmirror.yaml" >"$W/daemon.out" 2>"$W/daemon.log" &
PID=$!
cleanup() {
	kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	umount "$W/pcap" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do grep -q "ready:" "$W/daemon.log" && break; sleep 0.1; done
grep -q "ready:" "$W/daemon.log" || fail "vxmirrord did not start: $(tail -3 "$W/daemon.log")"

# calibrate: unpaced for 3 s, then half of that
max=$("$VXGEN" -q -d 127.0.0.1 -p $PORT -t 3 -r 0 -V 100 | sed -n 's/.* pps=\([0-9]*\).*/\1/p')
[[ -n $max && $max -gt 0 ]] || fail "vxgen calibration failed"
RATE=$((max / 2))
log "soak: unpaced vxgen reached $max pps; running at $RATE pps for ${DURATION}s"

metric() { curl -s "127.0.0.1:$HPORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
sample() { # ELAPSED
	local rss fds bytes free drops
	rss=$(awk '/^VmRSS:/ {print $2}' /proc/$PID/status)
	fds=$(ls /proc/$PID/fd | wc -l)
	# files come and go while du walks the directory: its complaints are no error
	bytes=$({ du -sb "$W/pcap" 2>/dev/null || true; } | awk '{print $1}')
	free=$(df -B1 --output=avail "$W/pcap" | tail -1 | tr -d ' ')
	drops=$(metric vxmirror_kernel_drops_total || true)
	echo "$1 $rss $fds $bytes $free ${drops:-?}" >>"$W/samples"
}

: >"$W/samples"
T0=$(date +%s) round=0 next_reload=5 next_sample=0
while :; do
	el=$(($(date +%s) - T0))
	((el >= DURATION)) && break
	vbase=$((1000 + (RANDOM % 8) * 8)) # 64 VNIs in all: sessions level off
	"$VXGEN" -q -d 127.0.0.1 -p $PORT -t $ROUND -r $RATE -f 2000 -F $((round * 2000)) \
		-V "$vbase-$((vbase + 7))" >>"$W/vxgen.log" 2>&1 &
	gen=$!
	while kill -0 $gen 2>/dev/null; do
		el=$(($(date +%s) - T0))
		if ((el >= next_reload)); then
			cp "$W/c$(((next_reload / 5) % 2)).yaml" "$W/vxmirror.yaml"
			kill -HUP "$PID"
			next_reload=$((next_reload + 5))
		fi
		if ((el >= next_sample)); then
			sample "$el"
			next_sample=$((next_sample + SAMPLE))
		fi
		sleep 0.5
	done
	wait $gen || true
	round=$((round + 1))
done
sample "$(($(date +%s) - T0))"
kill -0 "$PID" || fail "vxmirrord died: $(tail -5 "$W/daemon.log")"

{
	echo "- machine: $(nproc) vCPU, $(uname -r); tmpfs ${TMPFS_MB} MiB, max_disk $BUDGET"
	echo "- command: \`bench/soak.sh -t $DURATION -s $SAMPLE -r $ROUND -m $TMPFS_MB\`; $RATE pps (half of $max), $round rounds of new flows and VNIs, a reload every 5 s"
	echo "- reloads: $(metric vxmirror_config_reloads_total) ok, $(metric vxmirror_config_reload_errors_total) refused; sessions: $(metric vxmirror_sessions); files deleted for the budget: $(curl -s 127.0.0.1:$HPORT/metrics | awk '/^vxmirror_pcap_files_deleted_total\{reason="budget"\}/ {print $2}'); hooks: $(metric vxmirror_pcap_hooks_started_total) started, $(metric vxmirror_pcap_hooks_failed_total) failed"
	echo
	echo "| t (s) | RSS (KiB) | fds | pcap bytes | tmpfs free | kernel drops |"
	echo "|---:|---:|---:|---:|---:|---:|"
	awk '{printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6}' "$W/samples"
	echo
	awk 'NR == 1 {r0 = $2; f0 = $3} {r = $2; f = $3; if ($2 > rmax) rmax = $2; if (rmin == "" || $2 < rmin) rmin = $2;
		if ($3 > fmax) fmax = $3; if (fmin == "" || $3 < fmin) fmin = $3; if ($4 > bmax) bmax = $4}
		END {printf "RSS first %s KiB, last %s KiB (min %s, max %s); fds first %s, last %s (min %s, max %s); pcap bytes at most %s\n",
			r0, r, rmin, rmax, f0, f, fmin, fmax, bmax}' "$W/samples"
} | tee "$BENCH_DIR/soak.md"
