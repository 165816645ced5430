#!/usr/bin/env bash
# health.sh VXMIRRORD SOURCE_DIR: health tells the truth about pcap output.
#  - pcap_dir that is a file: live start fails before READY, -r exits 1;
#  - an automatic session whose directory cannot be made: every frame is a
#    pcap write error in the summary, and -r exits 1;
#  - the same capture into a usable directory exits 0 (the negative);
#  - workers: auto starts one worker per CPU of its affinity (taskset).
set -uo pipefail
VXD=$1 SRC=$2
W=$(mktemp -d /tmp/vx-health.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
CAP=$SRC/tests/data/lab-seed1-blackhole.pcap
fail=0 pass=0
check() { if eval "$2"; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi; }
conf() { # PCAP_DIR [SESSIONS]
	printf 'listen: "127.0.0.1:24779"\nhttp: {listen: off}\nworkers: 1\npcap_dir: %s\nalert_log: alerts.json\nunknown_vni: auto\n%s' "$1" "${2:-}" >"$W/c.yaml"
}
: >afile
conf "$W/afile" $'sessions:\n  - {name: web, vni: 1001}\n'
timeout 20 "$VXD" -c c.yaml >live.out 2>live.err
rc=$?
check "live: pcap_dir is a file: exit 1 (got $rc)" '((rc == 1))'
check "live: ... before READY, saying why" '! grep -q "ready:" live.err && grep -q "cannot write pcaps for session web" live.err'
timeout 20 "$VXD" -c c.yaml -r "$CAP" >r.out 2>r.err
rc=$?
check "-r: pcap_dir is a file: exit 1 (got $rc)" '((rc == 1))'
conf /proc/nonexistent/pcap
timeout 20 "$VXD" -c c.yaml -r "$CAP" >r2.out 2>r2.err
rc=$?
check "-r: automatic session without a directory: exit 1 (got $rc)" '((rc == 1))'
check "-r: ... every frame counted as a pcap write error" 'grep -q "session=vni-1001 .* pcap_packets=0 .* pcap_write_errors=37" r2.err'
check "-r: ... and said so" 'grep -q "could not write every packet to its pcaps" r2.err'
conf "$W/pcap"
timeout 20 "$VXD" -c c.yaml -r "$CAP" >r3.out 2>r3.err
rc=$?
check "-r: a usable directory exits 0 (got $rc) with pcap_write_errors=0" \
	'((rc == 0)) && grep -q "session=vni-1001 .* pcap_packets=37 .* pcap_write_errors=0" r3.err'
# live: an automatic session whose directory cannot be made turns /healthz 503
HP=$((25000 + RANDOM % 1000)) UP=$((26000 + RANDOM % 1000))
printf 'listen: "127.0.0.1:%s"\nhttp: {listen: "127.0.0.1:%s"}\nworkers: 1\npcap_dir: /proc/nonexistent/pcap\nalert_log: alerts.json\nunknown_vni: auto\n' "$UP" "$HP" >c.yaml
timeout 30 "$VXD" -c c.yaml 2>live2.err &
vxd=$!
for _ in $(seq 100); do grep -q 'ready:' live2.err && break; sleep 0.1; done
before=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP/healthz")
python3 -c '
import socket, struct, sys
f = b"\x02"*6 + b"\x04"*6 + b"\x08\x00" + struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20, 1, 0x4000, 64, 17, 0, bytes([198,18,1,1]), bytes([198,18,2,2]))
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(struct.pack("!II", 0x08000000, 1001 << 8) + f, ("127.0.0.1", int(sys.argv[1])))
' "$UP"
# the directory is made off the packet path; its failure shows within a flush interval
for _ in $(seq 50); do
	after=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$HP/healthz")
	[[ $after == *" 503" ]] && break
	sleep 0.1
done
kill $vxd 2>/dev/null
wait $vxd 2>/dev/null
check "live: /healthz 200 before ($before), 503 once an automatic session cannot write ($after)" \
	'[[ $before == 200 && $after == *"pcap failing for session vni-1001"*" 503" ]]'
# workers: auto counts the CPUs the daemon may run on (its affinity), not every CPU
printf 'listen: "127.0.0.1:%s"\nhttp: {listen: off}\nworkers: auto\npcap_dir: pcap\nalert_log: alerts.json\n' "$UP" >c.yaml
for cpus in 0 "0-$(($(nproc --all) - 1))"; do
	want=$(taskset -c "$cpus" nproc)
	timeout 30 taskset -c "$cpus" "$VXD" -c c.yaml 2>aff.err &
	vxd=$!
	for _ in $(seq 100); do grep -q 'ready:' aff.err && break; sleep 0.1; done
	kill $vxd 2>/dev/null
	wait $vxd 2>/dev/null
	check "live: workers: auto under taskset -c $cpus starts $want worker(s)" \
		"grep -q 'ready: $want worker' aff.err"
done
echo "health: $pass passed, $fail failed"
((fail == 0))
