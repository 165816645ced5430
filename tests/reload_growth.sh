#!/usr/bin/env bash
# reload_growth.sh VXMIRRORD [RELOADS]: reloads that swap sessions, under
# traffic, leave memory and file descriptors flat.
# reload_growth.sh --release SOURCE_DIR BUILD_DIR [RELOADS]: the same on a
# Release build made in BUILD_DIR (CTest uses this: under ASan, RSS is the
# sanitizer allocator's, which keeps freed memory in its own caches).
#
# Two configs name 8 sessions each (a1..a8 and b1..b8 on VNIs 101..108),
# so every reload retires 8 sessions with their pcap rings and opens 8
# new ones.  A sender on loopback keeps datagrams flowing to all 8 VNIs
# (bounded in count and time).  RSS and the fd count are read after a
# warm-up of 300 reloads (flow tables, automatic structures and the
# allocator's free lists reach their working size) and again after RELOADS
# (1000) more, each time once the daemon's 1 s reclaim has run; the growth
# must stay under 1 MiB, the fds other than pcap files equal, and the open
# pcap files at most one per session.  Under ASan the quarantine is switched off for this run,
# so freed memory is reused as in a normal build.
set -uo pipefail
if [[ $1 == --release ]]; then
	cmake -S "$2" -B "$3" -DCMAKE_BUILD_TYPE=Release -DVX_TESTS=OFF -DVX_BENCH=OFF >"$3.log" 2>&1 &&
		cmake --build "$3" -j2 --target vxmirrord >>"$3.log" 2>&1 ||
		{ echo "FAIL: Release build in $3: $(tail -5 "$3.log")"; exit 1; }
	VXD=$3/vxmirrord
	shift 3
else
	VXD=$1
	shift
fi
N=${1:-1000} WARM=300
W=$(mktemp -d /tmp/vx-reload.XXXXXX)
PORT=$((24000 + RANDOM % 1000))
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
cd "$W"
for set in a b; do
	{
		printf 'listen: "127.0.0.1:%s"\nworkers: 2\nhttp: {listen: off}\npcap_dir: %s/pcap\n' "$PORT" "$W"
		printf 'alert_log: %s/alerts.json\nunknown_vni: drop\nsessions:\n' "$W"
		for i in 1 2 3 4 5 6 7 8; do printf '  - {name: %s%d, vni: %d}\n' $set $i $((100 + i)); done
	} >"$set.yaml"
done
cp a.yaml c.yaml
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:detect_leaks=0:allocator_release_to_os_interval_ms=0
"$VXD" -c c.yaml 2>daemon.log &
vxd=$!
pids+=($vxd)
for _ in $(seq 100); do grep -q 'ready:' daemon.log && break; sleep 0.1; done
grep -q 'ready:' daemon.log || { echo "FAIL: daemon did not start: $(tail -3 daemon.log)"; exit 1; }
# traffic: VXLAN to every VNI, at most 200 000 datagrams or 120 s
python3 - "$PORT" <<'PY' &
import socket, struct, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def frame(i):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i & 0xffff, 0x4000, 64, 6, 0,
                     bytes([198, 18, 1, 1]), bytes([198, 18, 2, 2]))
    tcp = struct.pack("!HHIIBBHHH", 40000 + i % 50, 80, i, 0, 0x50, 0x10, 65535, 0, 0)
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + tcp
t0 = time.time()
for i in range(200000):
    vni = 101 + i % 8
    s.sendto(struct.pack("!II", 0x08000000, vni << 8) + frame(i), ("127.0.0.1", port))
    if i % 100 == 0:
        time.sleep(0.01)
    if time.time() - t0 > 120:
        break
PY
pids+=($!)
reloads=0
reload_to() { # COUNT: HUP until the daemon has logged COUNT reloads
	while ((reloads < $1)); do
		if ((reloads % 2 == 0)); then cp b.yaml c.yaml; else cp a.yaml c.yaml; fi
		kill -HUP $vxd
		reloads=$((reloads + 1))
		for _ in $(seq 200); do
			(($(grep -c '^vxmirrord: reloaded' daemon.log) >= reloads)) && break
			sleep 0.005
		done
		(($(grep -c '^vxmirrord: reloaded' daemon.log) >= reloads)) || { echo "FAIL: reload $reloads did not finish: $(tail -3 daemon.log)"; exit 1; }
	done
	sleep 2.5 # the 1 s reclaim, twice
}
rss() { awk '/^VmRSS/ {print $2}' /proc/$vxd/status; }
# fds other than pcap files: whether a session holds an open .part depends
# on whether traffic reached it since the last reload (the sender may have
# finished), so those are counted apart and only bounded by the sessions.
fds() { find /proc/$vxd/fd -mindepth 1 -printf '%l\n' 2>/dev/null | grep -vc "^$W/pcap/"; }
pcapfds() { find /proc/$vxd/fd -mindepth 1 -printf '%l\n' 2>/dev/null | grep -c "^$W/pcap/"; }
t0=$(date +%s)
reload_to $WARM
rss1=$(rss) fds1=$(fds) pfds1=$(pcapfds)
reload_to $((WARM + N))
rss2=$(rss) fds2=$(fds) pfds2=$(pcapfds)
grow=$((rss2 - rss1))
echo "reloads: $reloads in $(($(date +%s) - t0)) s; RSS after $WARM: $rss1 kB, after $N more: $rss2 kB (growth $grow kB); fds $fds1 -> $fds2, pcap fds $pfds1 -> $pfds2"
fail=0
((grow < 1024)) || { echo "FAIL: RSS grew by $grow kB over $N reloads (bound 1024)"; fail=1; }
((fds2 == fds1)) || { echo "FAIL: fds $fds1 -> $fds2, pcap fds $pfds1 -> $pfds2"; fail=1; }
((pfds1 <= 8 && pfds2 <= 8)) || { echo "FAIL: pcap fds $pfds1, $pfds2 for 8 sessions"; fail=1; }
kill -TERM $vxd
wait $vxd
rc=$?
((rc == 0)) || { echo "FAIL: daemon exit $rc: $(tail -5 daemon.log)"; fail=1; }
grep -q "summary: session=a1 " daemon.log || { echo "FAIL: the summary lost the retired sessions"; fail=1; }
grep 'summary: session=a1 \|summary: session=b1 ' daemon.log
((fail == 0)) && echo "reload_growth: 1 passed, 0 failed" || echo "reload_growth: 0 passed, 1 failed"
exit $fail
