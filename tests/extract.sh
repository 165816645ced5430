#!/usr/bin/env bash
# extract.sh VXMIRRORD SOURCE_DIR: `vxmirrord --extract` on the daemon's own
# pcaps.  The lab's seed-1 capture is replayed with 64 KiB rotation, so each
# connection spans files and its handshake is in the older one; then the
# first alert line, piped in as `jq ... | vxmirrord --extract -`, must give
# exactly that connection's frames (both directions, from every file),
# and a flow that is not there must exit 1.
set -euo pipefail
VXD=$1 SRC=$2
W=$(mktemp -d /tmp/vx-extract.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
sed -e 's/rotate_size: 100MiB/rotate_size: 64KiB/' -e 's/^  listen: "127.0.0.1:9477"/  listen: off/' \
	"$SRC/conf/vxmirror.yaml" >c.yaml
"$VXD" -c c.yaml -r "$SRC/tests/data/lab-seed1-blackhole.pcap" 2>replay.log
fail=0 pass=0
check() { if eval "$2"; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi; }
nfiles=$(ls vxmirror-out/pcap/vni-1001/*.pcap | wc -l)
check "the replay rotated ($nfiles files)" '((nfiles >= 2))'
alert=$(head -1 vxmirror-out/alerts.json)
sport=$(jq -r .flow.sport <<<"$alert") dport=$(jq -r .flow.dport <<<"$alert")
flt="tcp and port $sport and port $dport"
want=0
for f in vxmirror-out/pcap/vni-1001/*.pcap; do
	want=$((want + $(tcpdump -nr "$f" "$flt" 2>/dev/null | wc -l)))
done
first=$(tcpdump -nr "$(ls vxmirror-out/pcap/vni-1001/*.pcap | head -1)" "$flt" 2>/dev/null | wc -l)
check "the older file holds part of the connection ($first of $want frames)" '((first > 0 && first < want))'
rc=0
head -1 vxmirror-out/alerts.json | jq -c . | "$VXD" -c c.yaml --extract - -w x.pcap 2>x.log || rc=$?
check "--extract - exits 0: $(tail -1 x.log)" '((rc == 0))'
got=$(tcpdump -nr x.pcap 2>/dev/null | wc -l)
check "x.pcap has the connection's $want frames, and only those (got $got)" \
	'((got == want)) && [[ $(tcpdump -nr x.pcap "not ($flt)" 2>/dev/null | wc -l) == 0 ]]'
check "x.pcap starts with the SYN from the older file" \
	'tcpdump -nr x.pcap -c 1 2>/dev/null | grep -q "Flags \[S\]"'
check "x.pcap is in time order" \
	'[[ $(tcpdump -tt -nr x.pcap 2>/dev/null | awk "{print \$1}" | sort -c -n 2>&1) == "" ]]'
# the alert's own evidence.extract command, pasted as it is (vxmirrord on PATH)
mkdir -p bin && ln -sf "$VXD" bin/vxmirrord
cmd=$(head -1 vxmirror-out/alerts.json | jq -r .evidence.extract)
pat="vxmirrord -c $W/c.yaml --extract '* vni-1001 20*Z' -w *"
check "evidence.extract names this config, the session and a TIME: $cmd" '[[ $cmd == $pat ]]'
rc=0
(PATH=$W/bin:$PATH && eval "$cmd") 2>z.log || rc=$?
out=$(sed 's/.* -w //' <<<"$cmd")
got=$(tcpdump -nr "$out" 2>/dev/null | wc -l)
check "evidence.extract exits 0 and writes the same $want frames (got $got): $(tail -1 z.log)" \
	'((rc == 0 && got == want)) && cmp -s <(tcpdump -nr x.pcap 2>/dev/null) <(tcpdump -nr "$out" 2>/dev/null)'
ws=$(head -1 vxmirror-out/alerts.json | jq -r .evidence.wireshark)
check "evidence.wireshark is the flow's filter: $ws" \
	'[[ $ws == "ip.addr=="*" && ip.addr=="*" && tcp.port==$sport && tcp.port==$dport" ]]'
rc=0
"$VXD" -c c.yaml --extract "tcp 198.18.2.2:1 198.18.1.1:2 vni-1001" -w y.pcap 2>y.log || rc=$?
check "a flow that is not there exits 1: $(tail -1 y.log)" '((rc == 1))'
rc=0
"$VXD" -c c.yaml --extract "tcp nonsense" -w y.pcap 2>y.log || rc=$?
check "a bad spec exits 1 with a message: $(tail -1 y.log)" '((rc == 1)) && grep -q "expected" y.log'
echo "extract: $pass passed, $fail failed"
((fail == 0))
