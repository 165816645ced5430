#!/usr/bin/env bash
# linktypes.sh VXMIRRORD RELINK SOURCE_DIR: `vxmirrord -r` reads captures of
# every common tool and gives the same result as from Ethernet.
#
# The committed captures (IPv4 underlay: the lab's seed 1; IPv6 underlay:
# the end-to-end scenario) are rewritten with tests/relink.c as LINUX_SLL,
# LINUX_SLL2, RAW, IPV4, IPV6, NULL and LOOP, and the pcapng copy of seed 1
# is read as it is.  Each must give byte-identical alerts, summary lines
# and decapsulated pcaps.  Then the decapsulated Ethernet pcap itself (plain
# frames, no VXLAN) goes through -s under each link type: the alerts must
# match again, and the pcaps written must be DLT_EN10MB with the same
# packets (the synthesized Ethernet header has zero MACs, so only the
# bytes after it are compared).
set -euo pipefail
VXD=$1 RELINK=$2 SRC=$3
W=$(mktemp -d /tmp/vx-linktypes.XXXXXX)
trap 'rm -rf "$W"' EXIT
CONF=$W/plain.yaml
# the default config, plus a session for plain frames and no HTTP
sed -e 's/^offline_session: .*/offline_session: plain/' -e 's/^  listen: "127.0.0.1:9477"/  listen: off/' \
	"$SRC/conf/vxmirror.yaml" >"$CONF"
sed -i 's/^sessions:$/sessions:\n  - {name: plain, vni: 999999}/' "$CONF"
fails=0 passed=0
declare -A seen

# run NAME CAPTURE: replay into $W/NAME; alerts, summary, pcap list there.
run() {
	local d=$W/$1
	mkdir -p "$d"
	(cd "$d" && "$VXD" -c "$CONF" -r "$2" >stdout 2>stderr) || {
		echo "FAIL $1: vxmirrord -r exit $?: $(tail -3 "$d/stderr")"
		return 1
	}
	grep '^summary:' "$d/stderr" | grep -v '^summary: pcap_disk ' >"$d/summary"
	# the alert's pcap reference is absolute: the run's directory becomes DIR
	sed "s|$d/|DIR/|g" "$d/vxmirror-out/alerts.json" >"$d/alerts"
	(cd "$d/vxmirror-out" && find pcap -type f | sort) >"$d/pcaps"
}

# same REF NAME WHAT: compare the alert log, the summary and the pcaps.
same() {
	local r=$W/$1 d=$W/$2 f ok=1
	if ! cmp -s "$r/alerts" "$d/alerts"; then
		echo "FAIL $2: alerts differ from $1:"
		diff -u "$r/alerts" "$d/alerts" | head -20
		ok=0
	fi
	if ! diff -u "$r/summary" "$d/summary"; then
		echo "FAIL $2: summary differs from $1"
		ok=0
	fi
	if ! diff -u "$r/pcaps" "$d/pcaps"; then
		echo "FAIL $2: other pcap files than $1"
		ok=0
	fi
	while read -r f; do
		if [[ $3 == plain ]]; then
			# the frames after the Ethernet header, and the link type
			if [[ $(tcpdump -r "$d/vxmirror-out/$f" -nn -x 2>/dev/null | sed -n 's/^\s*0x[0-9a-f]*:\s*//p' | md5sum) != \
				$(tcpdump -r "$r/vxmirror-out/$f" -nn -x 2>/dev/null | sed -n 's/^\s*0x[0-9a-f]*:\s*//p' | md5sum) ]] ||
				! tcpdump -r "$d/vxmirror-out/$f" 2>&1 >/dev/null | grep -q 'link-type EN10MB'; then
				echo "FAIL $2: $f is not the same packets as Ethernet"
				ok=0
			fi
		elif ! cmp -s "$r/vxmirror-out/$f" "$d/vxmirror-out/$f"; then
			echo "FAIL $2: $f differs from $1"
			ok=0
		fi
	done <"$r/pcaps"
	if ((ok)); then passed=$((passed + 1)); echo "ok   $2: same alerts ($(wc -l <"$d/alerts")), summary and pcaps as $1"; else fails=$((fails + 1)); fi
}

# the IPv6-underlay part of the end-to-end capture, for the IPV6 link type
tcpdump -r "$SRC/tests/data/e2e-vxlan.pcap" -w "$W/e2e-ip6.pcap" ip6 2>/dev/null
[[ $(tcpdump -r "$W/e2e-ip6.pcap" 2>/dev/null | wc -l) -gt 0 ]] || { echo "FAIL: no IPv6 underlay frames"; exit 1; }
for cap in lab-seed1-blackhole e2e-vxlan e2e-ip6; do
	f=$SRC/tests/data/$cap.pcap
	[[ $cap == e2e-ip6 ]] && f=$W/$cap.pcap
	run "$cap-EN10MB" "$f"
	if [[ $cap == lab-seed1-blackhole && ! -s $W/$cap-EN10MB/alerts ]]; then
		echo "FAIL $cap: no alert from Ethernet at all"
		fails=$((fails + 1))
	fi
	for t in LINUX_SLL LINUX_SLL2 RAW IPV4 IPV6 NULL LOOP; do
		"$RELINK" "$t" "$f" "$W/$cap-$t.pcap" 2>"$W/relink.log"
		if ! grep -q ' 0 left out' "$W/relink.log"; then
			continue # IPV4 of an IPv6 underlay, or the other way round
		fi
		run "$cap-$t" "$W/$cap-$t.pcap" || { fails=$((fails + 1)); continue; }
		same "$cap-EN10MB" "$cap-$t" vxlan
		seen[$t]=1
	done
done

# pcapng (written by editcap -F pcapng from the Ethernet capture)
run lab-seed1-pcapng "$SRC/tests/data/lab-seed1-blackhole.pcapng"
same lab-seed1-blackhole-EN10MB lab-seed1-pcapng vxlan
seen[pcapng]=1

# plain frames: the decapsulated pcap of seed 1, as the server's own tcpdump
inner=$W/lab-seed1-blackhole-EN10MB/vxmirror-out/$(head -1 "$W/lab-seed1-blackhole-EN10MB/pcaps")
cp "$inner" "$W/inner.pcap"
run inner-EN10MB "$W/inner.pcap"
[[ -s $W/inner-EN10MB/alerts ]] || { echo "FAIL inner: no alert from plain Ethernet frames"; fails=$((fails + 1)); }
for t in LINUX_SLL LINUX_SLL2 RAW IPV4 NULL LOOP; do
	"$RELINK" "$t" "$W/inner.pcap" "$W/inner-$t.pcap" 2>/dev/null
	run "inner-$t" "$W/inner-$t.pcap" || { fails=$((fails + 1)); continue; }
	same inner-EN10MB "inner-$t" plain
done

for t in LINUX_SLL LINUX_SLL2 RAW IPV4 IPV6 NULL LOOP pcapng; do
	[[ -n ${seen[$t]:-} ]] || { echo "FAIL $t: never compared"; fails=$((fails + 1)); }
done
# a link type -r does not read is refused, naming the ones it does
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x69\0\0\0' >"$W/wifi.pcap" # DLT_IEEE802_11
if (cd "$W" && "$VXD" -c "$CONF" -r wifi.pcap 2>wifi.err); then
	echo "FAIL: an 802.11 capture was accepted"
	fails=$((fails + 1))
elif grep -q 'link type IEEE802_11 (105) is not supported (supported: EN10MB, LINUX_SLL' "$W/wifi.err"; then
	passed=$((passed + 1))
	echo "ok   802.11: refused: $(grep -o "link type.*" "$W/wifi.err")"
else
	echo "FAIL: 802.11 refused without the list: $(cat "$W/wifi.err")"
	fails=$((fails + 1))
fi
echo "linktypes: $passed passed, $fails failed"
((fails == 0))
