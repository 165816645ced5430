#!/usr/bin/env bash
# tests/lab/lab.sh - vxmirrord on real kernel traffic.
#
# Builds network namespaces joined by veth (client, two routers, server and
# a collector), mirrors the server's interface (and in seed 2 the client's)
# the way AWS Traffic Mirroring does (tc clsact + a match-everything filter +
# mirred into a kernel vxlan device, UDP 4789, outer source = the mirrored
# host's own address), runs vxmirrord in the collector namespace, makes real
# transfers (a 4 MB HTTP download with curl, a TLS handshake with a ~14 KB
# certificate chain with openssl) and asserts on the alert log with jq.
# Topologies and scenarios: docs/lab.md.
#
# usage: lab.sh [options] /path/to/vxmirrord
#   --only NAME[,NAME...]  run only these scenarios (--list shows them)
#   --list                 list the scenarios and exit
#   --record               regenerate tests/data/lab-seed1-blackhole.pcap
#                          (and replay it), instead of the scenarios
#   --record-golden DIR    record the mirrored VXLAN of every golden scenario
#                          (tests/golden/README.md) into DIR/NAME.pcap, cut to
#                          the flows that matter; --only picks golden scenarios
#   --keep                 keep the work directory (alerts, pcaps, logs)
#   --repeat N             run each selected scenario N times (false-positive counts)
#   -v                     print every alert of every scenario
# LAB_WORKERS=N runs vxmirrord with `workers: N` (default auto); each
# scenario logs the count the daemon started with.
#
# Root only.  Every address is in 198.18.0.0/15 and lives inside the lab's
# own namespaces (named vxlab<pid>-*); nothing is routed anywhere else.
# Exit status: 0 all scenarios passed, 1 a scenario failed, 2 the lab could
# not run (not root, kernel refused netns/veth/vxlan/tc mirred, ...).
set -Eeuo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$LAB_DIR/../.." && pwd)
DEMO_PCAP=$TOP/tests/data/lab-seed1-blackhole.pcap
DEMO_VNI=1001

# --- addresses (198.18.0.0/15 only) and sizes --------------------------------
CLI=198.18.1.1        # client (the "on-prem application" / VPC A)
RC_C=198.18.1.254     # client-side router, on the client's link
SRV=198.18.2.2        # server (the mirrored ENI: Redshift / VPC B)
RS_S=198.18.2.254     # server-side router, on the server's link
MID_RC=198.18.3.1     # RC-RS link (seed 1: the 1500 hop; seed 2: the 9001 "peering")
MID_RS=198.18.3.2
TGW_RC=198.18.3.5     # seed 2 only: the 8500 "transit gateway" link, server -> client
TGW_RS=198.18.3.6
COL_S=198.19.0.1      # collector end of the server's underlay
UND_S=198.19.0.2      # server end of its underlay
COL_C=198.19.0.5      # collector end of the client's underlay
UND_C=198.19.0.6
UNDER_MTU=9316        # underlay: 9216 + room for the 50-byte VXLAN encapsulation
VX_MTU=9216           # vxlan device: a 9001-byte packet + Ethernet header is never cut
HTTP_PORT=8080
TLS_PORT=443
BLOB_SIZE=$((4 * 1024 * 1024))   # the "few-MB" HTTP download
SMALL_SIZE=$((24 * 1024))        # the --record download (keeps the demo capture small)
XFER_TIMEOUT=6   # s: Linux retransmits at ~0.2, 0.6, 1.4, 3.0 s: 4 retransmits fit
ACCESS_RATE=100mbit  # the client link (tbf): see "kernel_drops" in docs/lab.md

# --- options -------------------------------------------------------------------
ONLY="" RECORD=0 GOLDEN_DIR="" KEEP=0 VERBOSE=0 LIST=0 VXD="" REPEAT=1
while (($#)); do
	case $1 in
	--only) ONLY=${2:?--only needs scenario names}; shift ;;
	--only=*) ONLY=${1#--only=} ;;
	--record) RECORD=1 ;;
	--record-golden) GOLDEN_DIR=${2:?--record-golden needs a directory}; shift ;;
	--keep) KEEP=1 ;;
	--repeat) REPEAT=${2:?--repeat needs a count}; shift ;;
	--list) LIST=1 ;;
	-v) VERBOSE=1 ;;
	-h | --help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "lab: unknown option $1" >&2; exit 2 ;;
	*) VXD=$1 ;;
	esac
	shift
done

SCENARIOS=(healthy seed1 seed1-icmp seed1-fixed seed1-mtu9001 ptb-host-drop-w1 ptb-host-drop-w2
	ptb-host-drop-w4 seed2 seed2-icmp seed2-fixed seed2-route1500 lossy-jumbo demo-capture)
# --record-golden scenarios (gold_NAME below): tests/golden/captures/NAME.pcap
GOLDEN=(healthy seed1 seed1-icmp seed1-fixed seed1-probing ptb-ignored seed2 seed2-icmp
	seed2-fixed seed2-ptb-ignored loss-small lossy-jumbo lossy-jumbo-heavy zero-window frag-src frag-router
	session-silent)
if [[ -n $GOLDEN_DIR ]]; then SCENARIOS=("${GOLDEN[@]}"); fi
if ((LIST)); then
	printf '%s\n' "${SCENARIOS[@]}"
	exit 0
fi
for o in ${ONLY//,/ }; do
	[[ " ${SCENARIOS[*]} " == *" $o "* ]] || { echo "lab: no scenario '$o' (--list shows them)" >&2; exit 2; }
done

die() {
	echo "lab: FATAL: $*" >&2
	echo "lab: FAIL (the lab could not run; this is not a pass)" >&2
	exit 2
}

[[ -n $VXD ]] || die "usage: lab.sh [--record] [--only NAMES] [--keep] [-v] /path/to/vxmirrord"
[[ -x $VXD ]] || die "$VXD: not an executable (build it: cmake --build build --target vxmirrord)"
VXD=$(cd "$(dirname "$VXD")" && pwd)/$(basename "$VXD")
[[ $(id -u) -eq 0 ]] || die "the lab needs root (network namespaces, veth, tc, iptables); run it as root"

# Namespaces left by a lab run that was killed outright (SIGKILL, e.g. a CTest
# timeout) are named vxlab<pid>-*; remove those whose run is gone.
sweep_stale() {
	local ns pid p
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^vxlab[0-9]+-' || true); do
		pid=${ns#vxlab}
		pid=${pid%%-*}
		kill -0 "$pid" 2>/dev/null && continue
		echo "lab: removing namespace $ns left by lab run $pid"
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
	done
}
sweep_stale

PFX=vxlab$$
WORK=$(mktemp -d /tmp/vxlab.XXXXXX)
NSLIST=()   # namespaces this run created
BGPIDS=()   # background processes this run started (outside the namespaces' own pids)

cleanup() {
	local rc=$? ns p
	trap - EXIT INT TERM ERR
	set +e
	for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
	for ns in "${NSLIST[@]}"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	if ((KEEP)); then
		echo "lab: work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR

log() { printf '%s\n' "$*"; }

# --- prerequisites ---------------------------------------------------------------
prereqs() {
	local -A pkg=([ip]=iproute2 [tc]=iproute2 [ss]=iproute2 [ethtool]=ethtool
		[iptables]=iptables [openssl]=openssl [curl]=curl [python3]=python3
		[tcpdump]=tcpdump [jq]=jq [timeout]=coreutils)
	local c missing=()
	for c in "${!pkg[@]}"; do
		command -v "$c" >/dev/null 2>&1 || missing+=("${pkg[$c]}")
	done
	if ((${#missing[@]})); then
		mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
		command -v apt-get >/dev/null 2>&1 ||
			die "missing packages: ${missing[*]} (and no apt-get to install them)"
		log "lab: installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive timeout 200 apt-get update -qq ||
			die "apt-get update failed"
		DEBIAN_FRONTEND=noninteractive timeout 200 apt-get install -y -qq \
			--no-install-recommends "${missing[@]}" >/dev/null ||
			die "apt-get install ${missing[*]} failed"
		for c in "${!pkg[@]}"; do
			command -v "$c" >/dev/null 2>&1 || die "$c still missing after installing ${pkg[$c]}"
		done
	fi
	# The distribution's python3 starts faster than a pyenv shim.
	PYTHON=$(command -v /usr/bin/python3 || command -v python3)
	# Modules are normally autoloaded; help when they are not (no failure here:
	# the probe below is the judge).
	if command -v modprobe >/dev/null 2>&1; then
		for c in veth vxlan sch_ingress act_mirred cls_matchall xt_TCPMSS; do
			modprobe -q "$c" 2>/dev/null || true
		done
	fi
}

# --- namespace helpers -----------------------------------------------------------
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# psys NS KEY VALUE: write /proc/sys/KEY inside NS (silently skips a missing key,
# e.g. IPv6 when the kernel was booted with ipv6.disable=1).
psys() {
	nsx "$1" sh -c "[ ! -e /proc/sys/$2 ] || echo $3 > /proc/sys/$2"
}

mkns() {
	local ns=$1
	ip netns add "$ns" || die "kernel refused a network namespace ($ns)"
	NSLIST+=("$ns")
	nsx "$ns" ip link set lo up
	# IPv4 only (no IPv6 ND noise in the mirror), no reverse-path filter (the
	# seed-2 paths are asymmetric and the collector has no route back to the
	# outer source), ARP with the outgoing interface's address.
	# Plain PMTUD, exactly what the seeds had: no MTU probing, DF on.
	nsx "$ns" sh -c 'for kv in ipv6/conf/all/disable_ipv6=1 ipv6/conf/default/disable_ipv6=1 \
		ipv4/conf/all/rp_filter=0 ipv4/conf/default/rp_filter=0 \
		ipv4/conf/all/arp_announce=2 ipv4/conf/default/arp_announce=2 \
		ipv4/tcp_mtu_probing=0 ipv4/ip_no_pmtu_disc=0; do
		f=/proc/sys/net/${kv%%=*}; [ ! -e "$f" ] || echo "${kv#*=}" >"$f" || exit 1; done' ||
		die "cannot set the sysctls of namespace $ns"
}

delns_all() {
	local ns p
	for ns in "${NSLIST[@]}"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
	done
	NSLIST=()
}

# nooffload NS IF: wire-sized packets (no TSO/GSO/GRO) and real checksums.
nooffload() {
	nsx "$1" ethtool -K "$2" tso off gso off gro off tx off >/dev/null 2>&1 ||
		die "ethtool -K $2 tso off gso off gro off tx off failed in $1"
}

# vlink NS1 IF1 MTU1 NS2 IF2 MTU2: a veth pair, offloads off, both ends up.
vlink() {
	ip -n "$1" link add "$2" mtu "$3" type veth peer name "$5" netns "$4" mtu "$6" ||
		die "kernel refused a veth pair ($1/$2 - $4/$5)"
	nooffload "$1" "$2"
	nooffload "$4" "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# --- kernel probe: fail loudly, never pass quietly -------------------------------
kernel_probe() {
	local a=$PFX-probe-a b=$PFX-probe-b
	mkns "$a"
	mkns "$b"
	ip -n "$a" link add v0 mtu 9000 type veth peer name v1 netns "$b" ||
		die "kernel refused a veth pair (CONFIG_VETH)"
	ip -n "$a" link set v0 up
	ip -n "$a" addr add 198.18.255.1/30 dev v0
	ip -n "$a" link add vxp type vxlan id 7 local 198.18.255.1 remote 198.18.255.2 \
		dstport 4789 dev v0 2>/dev/null || die "kernel refused a vxlan device (CONFIG_VXLAN)"
	ip -n "$a" link set vxp up
	nsx "$a" tc qdisc add dev v0 clsact 2>/dev/null ||
		die "kernel refused tc qdisc clsact (CONFIG_NET_SCH_INGRESS)"
	# The classifier that matches every packet: matchall where the kernel has
	# it (CONFIG_NET_CLS_MATCHALL), else u32 with an all-zero mask (match u32 0 0).
	if nsx "$a" tc filter add dev v0 ingress protocol ip matchall \
		action mirred egress mirror dev vxp 2>/dev/null; then
		MATCH_ALL=(matchall)
	elif nsx "$a" tc filter add dev v0 ingress protocol ip u32 match u32 0 0 \
		action mirred egress mirror dev vxp 2>/dev/null; then
		MATCH_ALL=(u32 match u32 0 0)
	else
		die "kernel refused tc mirred with both matchall and u32 (CONFIG_NET_ACT_MIRRED, CONFIG_NET_CLS_MATCHALL or CONFIG_NET_CLS_U32)"
	fi
	nsx "$a" iptables -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP 2>/dev/null ||
		die "iptables refused an ICMP rule in a namespace"
	nsx "$a" iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN \
		-j TCPMSS --set-mss 1000 2>/dev/null ||
		die "iptables refused TCPMSS --set-mss (CONFIG_NETFILTER_XT_TARGET_TCPMSS)"
	delns_all
}

# --- certificates: root -> 2 intermediates -> leaf with many SANs ------------------
# The chain the server sends is ~14 KB (a leaf with 290 SANs), so the server's
# TLS flight needs full 9000/9001-byte segments: the seed 1 ServerHello flight
# was 5154 bytes, but seed 2 needs more than 8500 bytes in one segment to hit
# the transit gateway's limit.  (OpenSSL writes the flight as 4096 bytes and
# then the rest; with a ~10 KB chain the rest is 6942 bytes and passes 8500.)
make_certs() {
	local d=$WORK/certs i sans
	mkdir -p "$d"
	(
		cd "$d"
		printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >ca.ext
		sans="DNS:lab.vxmirror.test"
		for i in $(seq 1 290); do sans+=",DNS:service-$i.eu-west-1.lab.vxmirror.test"; done
		printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$sans" >leaf.ext
		openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 2 \
			-subj "/O=vxmirror lab/CN=vxmirror lab root CA" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
		openssl req -newkey rsa:2048 -nodes -keyout int1.key -out int1.csr \
			-subj "/O=vxmirror lab/CN=vxmirror lab intermediate CA 1"
		openssl x509 -req -in int1.csr -CA root.pem -CAkey root.key -CAcreateserial \
			-days 2 -extfile ca.ext -out int1.pem
		openssl req -newkey rsa:2048 -nodes -keyout int2.key -out int2.csr \
			-subj "/O=vxmirror lab/CN=vxmirror lab intermediate CA 2"
		openssl x509 -req -in int2.csr -CA int1.pem -CAkey int1.key -CAcreateserial \
			-days 2 -extfile ca.ext -out int2.pem
		openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr \
			-subj "/O=vxmirror lab/CN=lab.vxmirror.test"
		openssl x509 -req -in leaf.csr -CA int2.pem -CAkey int2.key -CAcreateserial \
			-days 2 -extfile leaf.ext -out leaf.pem
		cat int2.pem int1.pem >chain.pem
	) >"$WORK/certs.log" 2>&1 || { cat "$WORK/certs.log" >&2; die "openssl could not make the certificate chain"; }
	CERTS=$d
	local sz=0 f
	for f in leaf int2 int1; do
		sz=$((sz + $(openssl x509 -in "$d/$f.pem" -outform DER | wc -c)))
	done
	CHAIN_BYTES=$sz
}

# --- one scenario's world ------------------------------------------------------------
# Knobs, set by each scenario before build():
#   C_MTU S_MTU      the client's and the server's link MTU
#   FWD_MTU REV_MTU  client->server and server->client path between the routers
#                    (equal: one link both ways; different: two links, asymmetric routes)
#   ICMP             drop | allow   frag-needed from the routers
#   CLAMP            MSS the server-side router writes into SYNs it sends on the
#                    reverse (server->client) link, like a transit gateway; "" = none
#   SRV_VNIS CLI_VNIS  mirror sessions (VNIs) on the server's / the client's interface
#   SESSIONS         the sessions: YAML list items for the daemon's config
SCN_N=0
build() {
	SCN_N=$((SCN_N + 1))
	local p=$PFX-$SCN_N
	NS_C=$p-cli NS_RC=$p-rc NS_RS=$p-rs NS_S=$p-srv NS_COL=$p-col
	W=$WORK/$SCN
	if ((REPEAT > 1)); then W+=-$REP; fi
	mkdir -p "$W"
	local ns
	for ns in "$NS_C" "$NS_RC" "$NS_RS" "$NS_S" "$NS_COL"; do mkns "$ns"; done
	psys "$NS_RC" net/ipv4/ip_forward 1
	psys "$NS_RS" net/ipv4/ip_forward 1

	vlink "$NS_C" eth0 "$C_MTU" "$NS_RC" c0 "$C_MTU"
	# The client's access link is a 100 Mbit/s bottleneck.  Unshaped, a veth
	# moves the 4 MB download in ~0.1 s; mirrored 2-3 times that is ~40000
	# datagrams/s and overflows the collector's socket buffer (kernel_drops),
	# and net.core.rmem_max is global, not per namespace, so the lab does not
	# raise it.  Downstream of the mirror, so the server still sends at its
	# ACK-clocked pace, as on a real path.  See "kernel_drops" in docs/lab.md.
	nsx "$NS_RC" tc qdisc add dev c0 root tbf rate $ACCESS_RATE burst 64kb latency 50ms ||
		die "tc qdisc tbf refused (CONFIG_NET_SCH_TBF)"
	vlink "$NS_RS" s0 "$S_MTU" "$NS_S" eth0 "$S_MTU"
	ip -n "$NS_C" addr add $CLI/24 dev eth0
	ip -n "$NS_RC" addr add $RC_C/24 dev c0
	ip -n "$NS_S" addr add $SRV/24 dev eth0
	ip -n "$NS_RS" addr add $RS_S/24 dev s0
	# No default routes: only the lab's own prefixes are reachable.
	ip -n "$NS_C" route add 198.18.0.0/16 via $RC_C
	ip -n "$NS_S" route add 198.18.0.0/16 via $RS_S
	if [[ $FWD_MTU == "$REV_MTU" ]]; then
		vlink "$NS_RC" m0 "$FWD_MTU" "$NS_RS" m0 "$FWD_MTU"
		ip -n "$NS_RC" addr add $MID_RC/30 dev m0
		ip -n "$NS_RS" addr add $MID_RS/30 dev m0
		ip -n "$NS_RC" route add 198.18.2.0/24 via $MID_RS
		ip -n "$NS_RS" route add 198.18.1.0/24 via $MID_RC
		REV_IF=m0
	else
		# Seed 2: client -> server over "peering" (p0), server -> client over
		# the "transit gateway" (t0).
		vlink "$NS_RC" p0 "$FWD_MTU" "$NS_RS" p0 "$FWD_MTU"
		vlink "$NS_RC" t0 "$REV_MTU" "$NS_RS" t0 "$REV_MTU"
		ip -n "$NS_RC" addr add $MID_RC/30 dev p0
		ip -n "$NS_RS" addr add $MID_RS/30 dev p0
		ip -n "$NS_RC" addr add $TGW_RC/30 dev t0
		ip -n "$NS_RS" addr add $TGW_RS/30 dev t0
		ip -n "$NS_RC" route add 198.18.2.0/24 via $MID_RS dev p0
		ip -n "$NS_RS" route add 198.18.1.0/24 via $TGW_RC dev t0
		REV_IF=t0
	fi
	if [[ $ICMP == drop ]]; then
		for ns in "$NS_RC" "$NS_RS"; do
			nsx "$ns" iptables -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP
			nsx "$ns" iptables -A FORWARD -p icmp --icmp-type fragmentation-needed -j DROP
		done
	fi
	if [[ -n $CLAMP ]]; then
		nsx "$NS_RS" iptables -t mangle -A FORWARD -o "$REV_IF" -p tcp \
			--tcp-flags SYN,RST SYN -j TCPMSS --set-mss "$CLAMP"
	fi

	if [[ -n $SRV_VNIS ]]; then mirror "$NS_S" $SRV $UND_S $COL_S us0 "$SRV_VNIS"; fi
	if [[ -n $CLI_VNIS ]]; then mirror "$NS_C" $CLI $UND_C $COL_C uc0 "$CLI_VNIS"; fi
}

# mirror NS ENI_IP UNDER_IP COLLECTOR_IP COLLECTOR_IF "VNI...": what an AWS mirror
# session does to ENI eth0: every IP packet in and out, as it is on the wire,
# VXLAN-encapsulated to the target with the ENI's primary IP as outer source.
# (ARP is not mirrored, as on AWS: "protocol ip".)
mirror() {
	local ns=$1 eni=$2 under=$3 col=$4 colif=$5 vnis=$6 vni i=0 acts=()
	vlink "$ns" und0 $UNDER_MTU "$NS_COL" "$colif" $UNDER_MTU
	ip -n "$ns" addr add "$under/30" dev und0
	ip -n "$NS_COL" addr add "$col/30" dev "$colif"
	for vni in $vnis; do
		ip -n "$ns" link add "vxm$i" mtu $VX_MTU type vxlan id "$vni" local "$eni" \
			remote "$col" dstport 4789 dev und0 nolearning ||
			die "kernel refused vxlan device vxm$i (VNI $vni)"
		ip -n "$ns" link set "vxm$i" up
		acts+=(action mirred egress mirror dev "vxm$i")
		i=$((i + 1))
	done
	nsx "$ns" tc qdisc add dev eth0 clsact || die "tc qdisc clsact failed"
	nsx "$ns" tc filter add dev eth0 ingress protocol ip "${MATCH_ALL[@]}" "${acts[@]}" ||
		die "tc ${MATCH_ALL[*]} + mirred (ingress) failed"
	nsx "$ns" tc filter add dev eth0 egress protocol ip "${MATCH_ALL[@]}" "${acts[@]}" ||
		die "tc ${MATCH_ALL[*]} + mirred (egress) failed"
}

# wait_for DESC TRIES CMD...: poll every 0.1 s, at most TRIES times.
wait_for() {
	local desc=$1 tries=$2 i
	shift 2
	for ((i = 0; i < tries; i++)); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	log "  lab: timed out waiting for $desc"
	return 1
}

listening() { nsx "$1" ss -Hltn "sport = :$2" | grep -q LISTEN; }

start_servers() {
	local size=${1:-$BLOB_SIZE}
	mkdir -p "$W/www"
	head -c "$size" /dev/urandom >"$W/www/blob.bin"
	BLOB_BYTES=$size
	ip netns exec "$NS_S" timeout 120 "$PYTHON" -m http.server --bind $SRV --directory "$W/www" \
		$HTTP_PORT >"$W/http.log" 2>&1 &
	BGPIDS+=($!)
	disown $! # killed with its namespace; no job notice
	ip netns exec "$NS_S" timeout 120 openssl s_server -accept $SRV:$TLS_PORT -cert "$CERTS/leaf.pem" \
		-key "$CERTS/leaf.key" -cert_chain "$CERTS/chain.pem" -quiet -naccept 10 \
		</dev/null >"$W/s_server.log" 2>&1 &
	BGPIDS+=($!)
	disown $!
	wait_for "the HTTP server" 50 listening "$NS_S" $HTTP_PORT || die "python3 http.server did not start: $(cat "$W/http.log")"
	wait_for "the TLS server" 50 listening "$NS_S" $TLS_PORT || die "openssl s_server did not start: $(cat "$W/s_server.log")"
}

write_config() {
	cat >"$W/vxmirror.yaml" <<-EOF
		# vxmirrord config of lab scenario $SCN (generated by tests/lab/lab.sh)
		listen: ["0.0.0.0:4789"]
		workers: ${LAB_WORKERS:-auto}
		allowed_sources: [$SRV, $CLI]   # the mirrored "ENIs": outer source = their primary IP
		pcap_dir: $W/pcap
		alert_log: $W/alerts.json
		paths_log: $W/paths.json   # the path-MTU map, written at shutdown
		paths_interval: 1d
		unknown_vni: drop
		sessions:
		$SESSIONS
		analyzer:
		  retransmit_threshold: 3
	EOF
}

DPID=""
start_daemon() {
	write_config
	: >"$W/alerts.json"
	ip netns exec "$NS_COL" "$VXD" -c "$W/vxmirror.yaml" >"$W/daemon.out" 2>"$W/daemon.log" &
	DPID=$!
	BGPIDS+=("$DPID")
	local i
	for ((i = 0; i < 100; i++)); do
		if grep -q 'ready:' "$W/daemon.log" 2>/dev/null; then
			log "  vxmirrord $(grep -o 'ready: [0-9]* workers*' "$W/daemon.log")"
			return 0
		fi
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# stop_daemon: SIGTERM, at most 10 s; DAEMON_RC is its exit status.
stop_daemon() {
	local i
	DAEMON_RC=""
	kill -TERM "$DPID" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DPID" 2>/dev/null; then
		kill -KILL "$DPID" 2>/dev/null || true
		DAEMON_RC=killed
	fi
	local rc=0
	wait "$DPID" 2>/dev/null || rc=$?
	[[ -n $DAEMON_RC ]] || DAEMON_RC=$rc
}

# transfers [PATH]: the HTTP download and the TLS handshake, at the same time,
# each bounded by XFER_TIMEOUT.  Sets CURL_RC CURL_BYTES TLS_OK.
transfers() {
	local path=${1:-blob.bin} cp tp
	ip netns exec "$NS_C" timeout $((XFER_TIMEOUT + 2)) curl -sS --max-time $XFER_TIMEOUT \
		--connect-timeout 3 -o "$W/download" -w '%{http_code} %{size_download} %{time_total}\n' \
		"http://$SRV:$HTTP_PORT/$path" >"$W/curl.out" 2>"$W/curl.err" &
	cp=$!
	ip netns exec "$NS_C" timeout $XFER_TIMEOUT openssl s_client -connect $SRV:$TLS_PORT \
		-servername lab.vxmirror.test -CAfile "$CERTS/root.pem" -verify_return_error -brief \
		</dev/null >"$W/s_client.log" 2>&1 &
	tp=$!
	CURL_RC=0
	wait "$cp" || CURL_RC=$?
	TLS_RC=0
	wait "$tp" || TLS_RC=$?
	CURL_BYTES=$(awk '{print $2}' "$W/curl.out" 2>/dev/null || true)
	CURL_BYTES=${CURL_BYTES:-0}
	TLS_OK=0
	if grep -q 'CONNECTION ESTABLISHED' "$W/s_client.log" &&
		grep -q 'Verification: OK' "$W/s_client.log"; then
		TLS_OK=1
	fi
	# The last retransmits and the FINs are still on their way to the collector.
	sleep 1
}

# --- checks ----------------------------------------------------------------------------
CHECKS=0 CHECK_FAILS=0
ok() { CHECKS=$((CHECKS + 1)); log "  ok    $*"; }
bad() { CHECKS=$((CHECKS + 1)); CHECK_FAILS=$((CHECK_FAILS + 1)); log "  FAIL  $*"; }

# jq definitions the conditions may use.  $S and $C are the server's and the
# client's address.  pmtud_blackhole: docs/alerts.md proposed `confidence`
# ("confirmed"/"inferred") and `largest_acked_ip_len`; the analyzer emits
# `confirmed` (boolean) and `largest_passed`.  Either spelling is accepted
# until the schema in docs/alerts.md settles.
JQ_DEFS='
def confirmed: (.confirmed == true or .confidence == "confirmed");
def inferred: (.confirmed == false or .confidence == "inferred");
def largest: (.largest_passed // .largest_acked_ip_len);
def has_number($n): any(.. | numbers; . == $n);
'

# acount JQ_CONDITION: how many alerts the condition holds for.
acount() {
	jq -c --arg S $SRV --arg C $CLI "$JQ_DEFS select($1)" "$W/alerts.json" 2>/dev/null | wc -l
}

# pexpect DESC COUNT_TEST JQ_CONDITION: the same over the path-MTU map that
# vxmirrord wrote to paths.json at shutdown (docs/paths.md), e.g.
# pexpect "..." '==1' '.session=="srv" and .dst==$C and .ptb_mtu==1500'
pexpect() {
	local desc=$1 want=$2 cond=$3 n
	n=$(jq -c --arg S $SRV --arg C $CLI "select($cond)" "$W/paths.json" 2>/dev/null | wc -l)
	if [[ $(jq -n "$n $want") == true ]]; then
		ok "map: $desc [$n]"
	else
		bad "map: $desc: $n entr(ies) match, want $want"
		log "        jq: select($cond) over: $(jq -c '{session,dst,passed_max,failed_min,ptb_mtu,path_mtu_min,path_mtu_max,configured_mtu,config_contradicted}' "$W/paths.json" 2>/dev/null | tr '\n' ' ')"
	fi
}

# expect DESC COUNT_TEST JQ_CONDITION: e.g. expect "..." '>=1' '.type=="icmp_ptb"'
expect() {
	local desc=$1 want=$2 cond=$3 n
	n=$(acount "$cond")
	if [[ $(jq -n "$n $want") == true ]]; then
		ok "$desc [$n]"
	else
		bad "$desc: $n alert(s) match, want $want"
		log "        jq: select($cond)"
	fi
}

# sumval KEY: KEY=value from the daemon's first summary line.
sumval() {
	sed -n 's/^summary: datagrams=/datagrams=/p' "$W/daemon.log" | tr ' ' '\n' |
		sed -n "s/^$1=//p" | head -1
}

check_daemon() {
	local k v
	if [[ $DAEMON_RC == 0 ]]; then ok "vxmirrord stopped cleanly on SIGTERM"; else
		bad "vxmirrord exit status $DAEMON_RC"
		tail -20 "$W/daemon.log" | sed 's/^/        /'
	fi
	if jq -c . "$W/alerts.json" >/dev/null 2>&1; then ok "alert log is valid JSON Lines"; else
		bad "alert log is not valid JSON Lines: $(head -c 300 "$W/alerts.json")"
	fi
	v=$(sumval datagrams)
	if [[ -n $v && $v -gt 0 ]]; then ok "mirrored datagrams received: $v"; else
		bad "no mirrored datagrams reached vxmirrord (datagrams=${v:-?})"
	fi
	# not_allowed=0 with allowed_sources = the ENIs' own addresses proves the
	# outer source is the mirrored ENI's IP, as on AWS.
	for k in not_allowed bad_vxlan unknown_vni truncated decode_errors kernel_drops oversize; do
		v=$(sumval "$k")
		if [[ $v == 0 ]]; then ok "summary $k=0"; else bad "summary $k=${v:-missing}, want 0"; fi
	done
}

# check_pcaps "SESSION..." [MIN_IP_LEN]: each session wrote pcaps that open;
# with MIN_IP_LEN, one of them holds a packet from the server at least that big.
pcount() { # FILE [FILTER]: packets tcpdump reads from FILE (0 when it cannot)
	local n
	n=$(timeout 20 tcpdump -nn -r "$1" --count ${2:+"$2"} 2>/dev/null | awk '/packets?$/ {print $1}')
	echo "${n:-0}"
}

check_pcaps() {
	local s files f n big=0
	for s in $1; do
		files=("$W/pcap/$s"/*.pcap)
		if [[ ! -e ${files[0]} ]]; then
			bad "session $s: no .pcap under $W/pcap/$s"
			continue
		fi
		n=0
		for f in "${files[@]}"; do
			n=$((n + $(pcount "$f")))
			if [[ -n ${2:-} ]]; then
				big=$((big + $(pcount "$f" "src host $SRV and ip[2:2] >= $2")))
			fi
		done
		if ((n > 0)); then ok "session $s: ${#files[@]} pcap(s), $n packets, tcpdump -r reads them"; else
			bad "session $s: pcaps do not open or are empty"
		fi
	done
	if [[ -n ${2:-} ]]; then
		if ((big > 0)); then ok "pcaps hold the server's ${2}-byte packets ($big)"; else
			bad "pcaps hold no packet of $2+ bytes from the server"
		fi
	fi
}

check_stalled() {
	if [[ $CURL_RC == 28 && $CURL_BYTES -lt $BLOB_BYTES ]]; then
		ok "lab: HTTP download stalled (curl timed out after $CURL_BYTES of $BLOB_BYTES bytes)"
	else
		bad "lab: HTTP download did not stall (curl exit $CURL_RC, $CURL_BYTES of $BLOB_BYTES bytes): the topology does not black-hole"
	fi
	if ((TLS_OK == 0)); then ok "lab: TLS handshake stalled (s_client exit $TLS_RC)"; else
		bad "lab: TLS handshake completed: the topology does not black-hole"
	fi
}

check_completed() {
	if [[ $CURL_RC == 0 && $CURL_BYTES == "$BLOB_BYTES" ]] && cmp -s "$W/download" "$W/www/blob.bin"; then
		ok "lab: HTTP download of $BLOB_BYTES bytes completed"
	else
		bad "lab: HTTP download failed (curl exit $CURL_RC, $CURL_BYTES of $BLOB_BYTES bytes): $(head -c 200 "$W/curl.err")"
	fi
	if ((TLS_OK)); then ok "lab: TLS handshake completed and verified"; else
		bad "lab: TLS handshake failed (exit $TLS_RC): $(tr '\n' ' ' <"$W/s_client.log" | head -c 300)"
	fi
}

show_alerts() {
	local n
	n=$(wc -l <"$W/alerts.json")
	log "  alerts: $n"
	jq -r '"    \(.session) \(.type) \(.flow.src):\(.flow.sport) > \(.flow.dst):\(.flow.dport)" +
		(if has("confirmed") then " confirmed=\(.confirmed)" else "" end) +
		(if .confidence then " confidence=\(.confidence)" else "" end) +
		(if .ip_len then " ip_len=\(.ip_len)" else "" end) +
		(if .effective_send_size then " send=\(.effective_send_size)" else "" end) +
		(if .path_mtu then " path_mtu=\(.path_mtu)" else "" end) +
		(if .mtu then " mtu=\(.mtu)" else "" end)' "$W/alerts.json" 2>/dev/null | sort | uniq -c | sed 's/^/  /' || true
	if ((VERBOSE)); then jq -c . "$W/alerts.json" | sed 's/^/    /'; fi
}

# run: the common body of a live scenario; RUN_OK=1 when vxmirrord ran.
# (Never called as `run || ...`: that would switch off errexit inside it, and
# a failing setup command must stop the lab.)
run() {
	RUN_OK=0
	log "   $DESC"
	build
	"${RUN_EXTRA:-:}"
	start_servers ${RUN_BLOB:-}
	if ! start_daemon; then
		bad "vxmirrord did not start: $(tail -5 "$W/daemon.log" | tr '\n' ' ')"
		return 0
	fi
	"${RUN_TRAFFIC:-transfers}"
	stop_daemon
	show_alerts
	check_daemon
	RUN_OK=1
}

# Common session definitions.  srv: the mirrored server with the path MTU
# towards the client configured; srv-nomtu: a second mirror session of the
# same ENI (AWS allows several) with no MTU at all, so black holes must be
# inferred; cli: the client's ENI, mirrored too (seed 2).
sess_srv() { # MTU_TOWARDS_CLIENT
	printf '  - name: srv\n    vni: 10\n    routes:\n      - {prefix: 198.18.1.0/24, mtu: %s}\n' "$1"
}
sess_nomtu() { printf '  - name: srv-nomtu\n    vni: 11\n'; }
sess_cli() { # MTU_TOWARDS_SERVER
	printf '  - name: cli\n    vni: 20\n    routes:\n      - {prefix: 198.18.2.0/24, mtu: %s}\n' "$1"
}

# --- scenarios -------------------------------------------------------------------------
# The conditions are jq (see JQ_DEFS); they name the fields of docs/alerts.md.

scn_healthy() {
	DESC="healthy jumbo: 9001 everywhere, path_mtu 9001 configured: no alert at all"
	C_MTU=9001 S_MTU=9001 FWD_MTU=9001 REV_MTU=9001 ICMP=drop CLAMP=""
	SRV_VNIS="10 11" CLI_VNIS=""
	SESSIONS="$(printf '  - name: srv\n    vni: 10\n    path_mtu: 9001\n')
$(sess_nomtu)"
	run
	((RUN_OK)) || return 0
	check_completed
	check_pcaps "srv srv-nomtu" 9001
	expect "no alert of any type" '==0' 'true'
	pexpect "towards the client: 9001 acknowledged, nothing failed, config agrees" '==2' \
		'.dst==$C and .passed_max==9001 and .failed_min==null and .ptb_mtu==null and .config_contradicted==null'
}

scn_seed1() {
	DESC="seed 1: server MTU 9000, a 1500 hop towards the client, ICMP frag-needed dropped"
	C_MTU=9000 S_MTU=9000 FWD_MTU=1500 REV_MTU=1500 ICMP=drop CLAMP=""
	SRV_VNIS="10 11" CLI_VNIS=""
	SESSIONS="$(sess_srv 1500)
$(sess_nomtu)"
	run
	((RUN_OK)) || return 0
	check_stalled
	check_pcaps "srv srv-nomtu" 9000
	local bh='.type=="pmtud_blackhole" and .flow.proto=="tcp" and .flow.src==$S and .flow.dst==$C'
	expect "srv: pmtud_blackhole confirmed on the HTTP download (9000 > route 1500, >=3 retransmits, no PTB)" '==1' \
		"$bh and .session==\"srv\" and .flow.sport==$HTTP_PORT and confirmed and .ip_len==9000 and .path_mtu==1500 and .df==true and .retransmits>=3 and .ptb_seen==false and .severity==\"critical\" and .direction==\"egress\""
	expect "srv: pmtud_blackhole confirmed on the TLS handshake (server flight > 1500)" '==1' \
		"$bh and .session==\"srv\" and .flow.sport==$TLS_PORT and confirmed and .ip_len>1500 and .path_mtu==1500 and .retransmits>=3 and .ptb_seen==false"
	expect "srv-nomtu: pmtud_blackhole inferred on the HTTP download (smaller segments were acked)" '==1' \
		"$bh and .session==\"srv-nomtu\" and .flow.sport==$HTTP_PORT and inferred and .ip_len==9000 and .retransmits>=3 and .ptb_seen==false and (largest|type)==\"number\" and largest<.ip_len"
	expect "srv-nomtu: pmtud_blackhole inferred on the TLS handshake" '==1' \
		"$bh and .session==\"srv-nomtu\" and .flow.sport==$TLS_PORT and inferred and .ip_len>1500 and largest<.ip_len"
	expect "srv, srv-nomtu: two sessions of one ENI are one mirror point (no other_session)" '==4' \
		"$bh and .other_session==null"
	expect "srv: oversize_df for the server's 9000-byte packets (route 1500)" '>=1' \
		'.type=="oversize_df" and .session=="srv" and .flow.src==$S and .ip_len==9000 and .path_mtu==1500 and .path_mtu_source=="route 198.18.1.0/24" and .df==true and .truncated==false'
	expect "srv: mss_exceeds_path_mtu: server may send 9000 (MSS 8960) into 1500" '>=1' \
		'.type=="mss_exceeds_path_mtu" and .session=="srv" and .flow.src==$S and .mss_received_from_peer==8960 and .effective_send_size==9000 and .path_mtu==1500'
	expect "srv-nomtu: no check that needs a configured path MTU fired" '==0' \
		'.session=="srv-nomtu" and ((.type=="oversize_df" and .basis=="configured") or .type=="mss_exceeds_path_mtu" or (.type=="pmtud_blackhole" and confirmed))'
	expect "srv-nomtu: an observed oversize_df is about a path already seen to fail at that size" '==0' \
		'.session=="srv-nomtu" and .type=="oversize_df" and .basis=="observed" and .ip_len<=.path_mtu'
	expect "no icmp_ptb, ptb_ignored or fragmented (ICMP is dropped, TCP sets DF)" '==0' \
		'.type=="icmp_ptb" or .type=="ptb_ignored" or .type=="fragmented"'
	expect "no alert about the client's packets" '==0' '.flow.src==$C and .type!="mss_clamp_asymmetry"'
	pexpect "towards the client: the bounds hold the true MTU 1500 (failed_min from the black holes, passed_max from SACKed segments)" '==2' \
		'.dst==$C and .failed_min!=null and .failed_min>1500 and .path_mtu_min<=1500 and .path_mtu_max>=1500 and .ptb_mtu==null'
	pexpect "srv: the route's 1500 agrees with the evidence" '==1' \
		'.session=="srv" and .dst==$C and .configured_mtu==1500 and .config_contradicted==null'
}

scn_seed1_icmp() {
	DESC="seed 1 with ICMP allowed: the router's frag-needed reaches the server, PMTUD works"
	C_MTU=9000 S_MTU=9000 FWD_MTU=1500 REV_MTU=1500 ICMP=allow CLAMP=""
	SRV_VNIS="10 11" CLI_VNIS=""
	SESSIONS="$(sess_srv 1500)
$(sess_nomtu)"
	run
	((RUN_OK)) || return 0
	check_completed
	check_pcaps "srv srv-nomtu"
	expect "icmp_ptb: next-hop MTU 1500, matched to a server flow" '>=1' \
		'.type=="icmp_ptb" and .session=="srv" and .flow.src==$S and .mtu==1500 and .severity=="info"'
	expect "srv-nomtu: icmp_ptb too (needs no configured MTU)" '>=1' \
		'.type=="icmp_ptb" and .session=="srv-nomtu" and .flow.src==$S and .mtu==1500'
	expect "no pmtud_blackhole" '==0' '.type=="pmtud_blackhole"'
	expect "no ptb_ignored (the server obeyed the PTB; packets already in flight do not count)" '==0' \
		'.type=="ptb_ignored"'
	pexpect "towards the client: ptb_mtu 1500, the path MTU known exactly" '==2' \
		'.dst==$C and .ptb_mtu==1500 and .path_mtu==1500 and .failed_min==null'
}

# ptb-host-drop-wN: seed 1 with ICMP allowed on the routers, but the server's
# own host firewall drops the frag-needed.  The mirror sees the PTB arrive at
# the server's ENI, so the answer is icmp_ptb + ptb_ignored (look at the
# sender's host), never pmtud_blackhole.  With N workers: the PTB must reach
# the worker of the flow it quotes (steering by the quoted header).
ptb_host_drop() { # WORKERS
	# The client's address is chosen so that steering by the PTB's own
	# addresses (198.18.2.254 -> 198.18.2.2) would pick another worker than
	# the flow's (198.18.1.6 <-> 198.18.2.2) with 2 and with 4 workers; the
	# default 198.18.1.1 lands on the same worker either way, by chance.
	local CLI=198.18.1.6
	DESC="PTB dropped by the server's host firewall, workers: $1, client $CLI"
	C_MTU=9000 S_MTU=9000 FWD_MTU=1500 REV_MTU=1500 ICMP=allow CLAMP=""
	SRV_VNIS="10 11" CLI_VNIS=""
	SESSIONS="$(sess_srv 1500)
$(sess_nomtu)"
	LAB_WORKERS=$1 RUN_EXTRA=x_srv_drop_ptb run
	((RUN_OK)) || return 0
	if grep -q "ready: $1 worker" "$W/daemon.log"; then ok "vxmirrord runs $1 worker(s)"; else
		bad "vxmirrord did not start $1 worker(s): $(grep -m1 'ready:' "$W/daemon.log" || true)"
	fi
	check_stalled
	local s
	for s in srv srv-nomtu; do
		expect "$s: icmp_ptb (mtu 1500) matched to the server's flow on its own worker" '>=1' \
			".type==\"icmp_ptb\" and .session==\"$s\" and .flow.src==\$S and .mtu==1500 and .flow_known==true"
		expect "$s: no icmp_ptb left without its flow (wrong worker)" '==0' \
			".type==\"icmp_ptb\" and .session==\"$s\" and .flow_known==false"
		expect "$s: ptb_ignored, advice about the sender's own host" '>=1' \
			".type==\"ptb_ignored\" and .session==\"$s\" and .flow.src==\$S and (.advice|contains(\"host firewall on \" + \$S))"
	done
	expect "no pmtud_blackhole (the PTB was sent: not a black hole in the network)" '==0' \
		'.type=="pmtud_blackhole"'
}
scn_ptb_host_drop_w1() { ptb_host_drop 1; }
scn_ptb_host_drop_w2() { ptb_host_drop 2; }
scn_ptb_host_drop_w4() { ptb_host_drop 4; }

# lossy-jumbo: a healthy jumbo path (9000 everywhere) with 10% random loss
# on the server-side router (both directions), 20 parallel 2 MiB downloads,
# zero-config (a session without any MTU).  Jumbo segments are lost, even
# several times in a row, and retransmitted: loss, never a black hole.  Run
# it many times to count false positives: lab.sh --only lossy-jumbo --repeat 50.
x_loss10_fwd() { nsx "$NS_RS" iptables -A FORWARD -m statistic --mode random --probability 0.10 -j DROP; }
t_parallel20() {
	local i pids=()
	for ((i = 0; i < 20; i++)); do
		ip netns exec "$NS_C" timeout 40 curl -sS --max-time 38 --connect-timeout 5 \
			-o "$W/download.$i" -w '%{http_code} %{size_download}\n' \
			"http://$SRV:$HTTP_PORT/blob.bin" >"$W/curl.$i.out" 2>>"$W/curl.err" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || true; done
	sleep 1
}
scn_lossy_jumbo() {
	DESC="healthy jumbo path, 10% random loss, 20 parallel 2 MiB downloads, zero-config"
	C_MTU=9000 S_MTU=9000 FWD_MTU=9000 REV_MTU=9000 ICMP=drop CLAMP=""
	SRV_VNIS="11" CLI_VNIS=""
	SESSIONS="$(sess_nomtu)"
	RUN_EXTRA=x_loss10_fwd RUN_TRAFFIC=t_parallel20 RUN_BLOB=$((2 * 1024 * 1024)) run
	((RUN_OK)) || return 0
	local done=0 i
	for ((i = 0; i < 20; i++)); do
		[[ $(cat "$W/curl.$i.out" 2>/dev/null) == "200 $BLOB_BYTES" ]] && done=$((done + 1))
	done
	if ((done >= 18)); then ok "lab: $done of 20 downloads of $BLOB_BYTES bytes completed"; else
		bad "lab: only $done of 20 downloads completed: the loss is too heavy to say anything"
	fi
	expect "no critical alert (loss is not a black hole)" '==0' '.severity=="critical"'
	expect "no warning about MTU (nothing configured, nothing too big)" '==0' '.severity=="warning"'
	log "   withdrawn pmtud_blackhole lines: $(acount '.type=="pmtud_blackhole" and .withdrawn==true')"
}

scn_seed1_fixed() {
	DESC="seed 1 fixed: server MTU 1500 (MSS 1460), ICMP still dropped"
	C_MTU=9000 S_MTU=1500 FWD_MTU=1500 REV_MTU=1500 ICMP=drop CLAMP=""
	SRV_VNIS="10 11" CLI_VNIS=""
	SESSIONS="$(sess_srv 1500)
$(sess_nomtu)"
	run
	((RUN_OK)) || return 0
	check_completed
	check_pcaps "srv srv-nomtu"
	expect "no alert at all" '==0' 'true'
}

scn_seed2() {
	DESC="seed 2: client->server over a 9001 path, server->client over an 8500 'TGW' that clamps SYN-ACK MSS to 8460 and sends no ICMP; both ends mirrored"
	C_MTU=9001 S_MTU=9001 FWD_MTU=9001 REV_MTU=8500 ICMP=drop CLAMP=8460
	SRV_VNIS="10 11" CLI_VNIS="20"
	SESSIONS="$(sess_srv 8500)
$(sess_nomtu)
$(sess_cli 9001)"
	run
	((RUN_OK)) || return 0
	check_stalled
	check_pcaps "srv srv-nomtu cli" 9001
	local bh='.type=="pmtud_blackhole" and .flow.proto=="tcp" and .flow.src==$S and .flow.dst==$C'
	expect "srv: pmtud_blackhole confirmed on the HTTP download (9001 > route 8500)" '==1' \
		"$bh and .session==\"srv\" and .flow.sport==$HTTP_PORT and confirmed and .ip_len==9001 and .path_mtu==8500 and .retransmits>=3 and .ptb_seen==false and .direction==\"egress\""
	expect "srv: pmtud_blackhole confirmed on the TLS handshake (9001 > 8500)" '==1' \
		"$bh and .session==\"srv\" and .flow.sport==$TLS_PORT and confirmed and .ip_len==9001 and .path_mtu==8500"
	expect "srv-nomtu: pmtud_blackhole inferred on the HTTP download" '==1' \
		"$bh and .session==\"srv-nomtu\" and .flow.sport==$HTTP_PORT and inferred and .ip_len==9001 and largest<.ip_len"
	expect "srv: where it died: the client's mirror (cli) saw smaller packets of the download, never the 9001-byte one" '==1' \
		"$bh and .session==\"srv\" and .flow.sport==$HTTP_PORT and .other_session==\"cli\" and .other_session_saw_it==false and .other_session_largest_ip_len<=8500 and (.message|contains(\"dies between the two mirror points\"))"
	expect "srv: oversize_df 9001 > 8500" '>=1' \
		'.type=="oversize_df" and .session=="srv" and .flow.src==$S and .ip_len==9001 and .path_mtu==8500'
	expect "srv: mss_exceeds_path_mtu: server got MSS 8961 unclamped, sends 9001 into 8500" '>=1' \
		'.type=="mss_exceeds_path_mtu" and .session=="srv" and .flow.src==$S and .sender==$S and .mss_received_from_peer==8961 and .mss_sent_by_sender==8961 and .effective_send_size==9001 and .path_mtu==8500 and .path_mtu_source=="route 198.18.1.0/24"'
	local p clamp='.type=="mss_clamp_asymmetry" and ((.flow.src==$C and .flow.dst==$S) or (.flow.src==$S and .flow.dst==$C)) and has_number(8961) and has_number(8460)'
	for p in $HTTP_PORT $TLS_PORT; do
		expect "mss_clamp_asymmetry on the :$p connection: SYN MSS 8961 unclamped, SYN-ACK clamped to 8460 (either session)" '>=1' \
			"$clamp and (.flow.sport==$p or .flow.dport==$p)"
	done
	expect "cli: the client side is not at risk (it received MSS 8460, path 9001)" '==0' \
		'.session=="cli" and .flow.src==$C and (.type=="mss_exceeds_path_mtu" or .type=="oversize_df" or .type=="pmtud_blackhole")'
	expect "no icmp_ptb or ptb_ignored (the TGW sends no ICMP)" '==0' \
		'.type=="icmp_ptb" or .type=="ptb_ignored"'
	pexpect "srv, towards the client: 9001 black-holed, the bounds hold the TGW's 8500" '==1' \
		'.session=="srv" and .dst==$C and .failed_min==9001 and .path_mtu_min<=8500 and .path_mtu_max>=8500'
}

scn_seed2_icmp() {
	DESC="seed 2 with a TGW that sends Packet Too Big (as since late 2024)"
	C_MTU=9001 S_MTU=9001 FWD_MTU=9001 REV_MTU=8500 ICMP=allow CLAMP=8460
	SRV_VNIS="10 11" CLI_VNIS="20"
	SESSIONS="$(sess_srv 8500)
$(sess_nomtu)
$(sess_cli 9001)"
	run
	((RUN_OK)) || return 0
	check_completed
	check_pcaps "srv srv-nomtu cli"
	expect "icmp_ptb: next-hop MTU 8500, matched to a server flow" '>=1' \
		'.type=="icmp_ptb" and .session=="srv" and .flow.src==$S and .mtu==8500'
	expect "no pmtud_blackhole" '==0' '.type=="pmtud_blackhole"'
	expect "no ptb_ignored" '==0' '.type=="ptb_ignored"'
	expect "srv: mss_exceeds_path_mtu still warns (the risk is the same, PMTUD happens to work)" '>=1' \
		'.type=="mss_exceeds_path_mtu" and .session=="srv" and .flow.src==$S and .effective_send_size==9001 and .path_mtu==8500'
}

scn_seed2_fixed() {
	DESC="seed 2 fixed: server MTU 8500 (MSS 8460), same asymmetric paths, no ICMP"
	C_MTU=9001 S_MTU=8500 FWD_MTU=9001 REV_MTU=8500 ICMP=drop CLAMP=8460
	SRV_VNIS="10 11" CLI_VNIS="20"
	SESSIONS="$(sess_srv 8500)
$(sess_nomtu)
$(sess_cli 9001)"
	run
	((RUN_OK)) || return 0
	check_completed
	check_pcaps "srv srv-nomtu cli" 8500
	expect "no pmtud_blackhole" '==0' '.type=="pmtud_blackhole"'
	expect "no oversize_df, icmp_ptb or ptb_ignored" '==0' \
		'.type=="oversize_df" or .type=="icmp_ptb" or .type=="ptb_ignored"'
	expect "the server (own MSS 8460) is not flagged by mss_exceeds_path_mtu" '==0' \
		'.type=="mss_exceeds_path_mtu" and .flow.src==$S'
}

# seed1-mtu9001: seed 1 with the session configured as an SRE types it first,
# path_mtu 9001 (the AWS default).  The black-holed segments fit 9001, yet
# they are black holes: raised from the evidence (basis observed), and the
# config is called out as too high.
scn_seed1_mtu9001() {
	DESC="seed 1 with the session configured at path_mtu 9001: the black hole is still raised"
	C_MTU=9000 S_MTU=9000 FWD_MTU=1500 REV_MTU=1500 ICMP=drop CLAMP=""
	SRV_VNIS="10" CLI_VNIS=""
	SESSIONS="$(printf '  - name: srv\n    vni: 10\n    path_mtu: 9001\n')"
	run
	((RUN_OK)) || return 0
	check_stalled
	local bh='.type=="pmtud_blackhole" and .session=="srv" and .flow.src==$S and .flow.dst==$C'
	expect "pmtud_blackhole on the HTTP download, basis observed, path_mtu 9001 reported" '==1' \
		"$bh and .flow.sport==$HTTP_PORT and .basis==\"observed\" and .confirmed==false and .path_mtu==9001 and .ip_len==9000 and .severity==\"critical\""
	expect "pmtud_blackhole on the TLS handshake, basis observed" '==1' \
		"$bh and .flow.sport==$TLS_PORT and .basis==\"observed\""
	expect "path_mtu_mismatch too_high (a black hole below 9001), once" '==1' \
		'.type=="path_mtu_mismatch" and .session=="srv" and .kind=="too_high" and .evidence_kind=="black hole" and .path_mtu==9001 and .path_mtu_max<9001 and .flow.dst==$C'
	expect "no oversize_df or mss_exceeds_path_mtu on the strength of 9001" '==0' \
		'.type=="mss_exceeds_path_mtu" or (.type=="oversize_df" and .basis=="configured")'
	pexpect "towards the client: config_contradicted too_high, bounds hold 1500" '==1' \
		'.session=="srv" and .dst==$C and .configured_mtu==9001 and .config_contradicted=="too_high" and .path_mtu_min<=1500 and .path_mtu_max>=1500'
}

# seed2-route1500: seed 2 fixed (healthy: the server's MTU is 8500) with a
# route MTU of 1500 towards the client that the 8500-byte packets disprove.
scn_seed2_route1500() {
	DESC="seed 2 healthy, route MTU 1500 configured: the traffic proves it too low"
	C_MTU=9001 S_MTU=8500 FWD_MTU=9001 REV_MTU=8500 ICMP=drop CLAMP=8460
	SRV_VNIS="10" CLI_VNIS=""
	SESSIONS="$(sess_srv 1500)"
	run
	((RUN_OK)) || return 0
	check_completed
	expect "path_mtu_mismatch too_low (an 8500-byte DF packet was acknowledged), once" '==1' \
		'.type=="path_mtu_mismatch" and .session=="srv" and .kind=="too_low" and .evidence_kind=="acknowledged" and .path_mtu==1500 and .observed>1500 and .flow.dst==$C'
	expect "no oversize_df flood: at most one per connection, before the proof" '<=2' '.type=="oversize_df"'
	expect "no pmtud_blackhole, icmp_ptb or ptb_ignored" '==0' \
		'.type=="pmtud_blackhole" or .type=="icmp_ptb" or .type=="ptb_ignored"'
	expect "no critical alert" '==0' '.severity=="critical"'
	pexpect "towards the client: 8500 acknowledged, config_contradicted too_low" '==1' \
		'.session=="srv" and .dst==$C and .passed_max==8500 and .configured_mtu==1500 and .config_contradicted=="too_low" and .failed_min==null'
}

# demo-capture: the committed capture, replayed with the default config as the
# README shows, gives a real pmtud_blackhole (inferred: the lab's VNI has no
# session in conf/vxmirror.yaml, so unknown_vni: auto opens "vni-1001").
scn_demo_capture() {
	DESC="tests/data/$(basename "$DEMO_PCAP") replayed with conf/vxmirror.yaml (README demo)"
	log "   $DESC"
	W=$WORK/$SCN
	mkdir -p "$W"
	if [[ ! -s $DEMO_PCAP ]]; then
		bad "$DEMO_PCAP is missing (make it with: lab.sh --record VXMIRRORD)"
		return 0
	fi
	replay_demo
}

replay_demo() {
	local rc=0
	(cd "$W" && timeout 60 "$VXD" -c "$TOP/conf/vxmirror.yaml" -r "$DEMO_PCAP") \
		>"$W/daemon.out" 2>"$W/daemon.log" || rc=$?
	if [[ $rc == 0 ]]; then ok "vxmirrord -r exit 0"; else
		bad "vxmirrord -r exit $rc: $(tail -3 "$W/daemon.log" | tr '\n' ' ')"
	fi
	mv "$W/vxmirror-out/alerts.json" "$W/alerts.json" 2>/dev/null || : >"$W/alerts.json"
	show_alerts
	local v t d
	v=$(sumval datagrams) t=$(sumval truncated) d=$(sumval decode_errors)
	if [[ ${v:-0} -gt 0 && $t == 0 && $d == 0 ]]; then ok "replayed $v datagrams, truncated=0 decode_errors=0"; else
		bad "replay summary: datagrams=${v:-?} truncated=${t:-?} decode_errors=${d:-?}"
	fi
	expect "pmtud_blackhole inferred, session vni-$DEMO_VNI, from the server" '>=1' \
		".type==\"pmtud_blackhole\" and .session==\"vni-$DEMO_VNI\" and inferred and .flow.src==\$S and .ip_len==9000 and .ptb_seen==false"
	expect "pcap reference of the alert points into a written file" '>=1' \
		'.type=="pmtud_blackhole" and (.pcap.frame|type)=="number"'
}

# record: seed 1 again, smaller download, one mirror session with VNI 1001,
# and tcpdump on the collector's underlay: the mirrored VXLAN as
# `tcpdump -i eth0 -w` on an AWS mirror target records it.
record() {
	SCN=record
	DESC="record $(basename "$DEMO_PCAP")"
	C_MTU=9000 S_MTU=9000 FWD_MTU=1500 REV_MTU=1500 ICMP=drop CLAMP=""
	SRV_VNIS="$DEMO_VNI" CLI_VNIS=""
	build
	start_servers $SMALL_SIZE
	ip netns exec "$NS_COL" timeout 60 tcpdump -i us0 -nn -s 0 -U -w "$W/capture.pcap" \
		"udp dst port 4789" >"$W/tcpdump.log" 2>&1 &
	local tp=$!
	BGPIDS+=("$tp")
	wait_for "tcpdump" 50 grep -q 'listening on' "$W/tcpdump.log" || die "tcpdump did not start"
	transfers blob.bin
	kill -INT $tp 2>/dev/null || true
	wait $tp 2>/dev/null || true
	cat "$W/tcpdump.log"
	check_stalled
	[[ -s $W/capture.pcap ]] || die "tcpdump wrote nothing"
	cp "$W/capture.pcap" "$DEMO_PCAP"
	log "lab: wrote $DEMO_PCAP ($(wc -c <"$DEMO_PCAP") bytes, $(pcount "$DEMO_PCAP") packets)"
	delns_all
	SCN=demo-capture
	W=$WORK/$SCN
	mkdir -p "$W"
	replay_demo
}

# --- golden captures (--record-golden DIR) -------------------------------------------
# Each gold_NAME sets the knobs of build(), the VNIs (one per mirrored host:
# the configs in tests/golden/conf/ give a VNI a path MTU or none, so one
# capture serves the confirmed and the inferred case), TRAFFIC (a function
# run while tcpdump records the collector's underlay us0, and uc0 when the
# client is mirrored too) and EXTRA (a function run after build: firewall
# rules, sysctls).  No daemon runs: the capture is the product, replayed by
# tests/golden/run.sh.  CUT is the tcpdump filter that keeps the flows that
# matter (inner TCP ports at udp[50:2]/udp[52:2]: outer UDP 8 + VXLAN 8 +
# inner Ethernet 14 + inner IPv4 20).
GSMALL=$((24 * 1024))
CUT_VXLAN='udp dst port 4789'
CUT_HTTP="udp dst port 4789 and (udp[50:2] = $HTTP_PORT or udp[52:2] = $HTTP_PORT)"

g_defaults() {
	C_MTU=9000 S_MTU=9000 FWD_MTU=1500 REV_MTU=1500 ICMP=drop CLAMP=""
	SRV_VNIS=10 CLI_VNIS="" TRAFFIC=t_transfers EXTRA=: CUT=$CUT_VXLAN
	XFER_TIMEOUT=6 GBLOB=$GSMALL
}

t_transfers() { transfers blob.bin; }

# t_downloads N: N small downloads one after the other (each bounded).
t_downloads() {
	local i
	for ((i = 0; i < $1; i++)); do
		ip netns exec "$NS_C" timeout $((XFER_TIMEOUT + 2)) curl -sS --max-time $XFER_TIMEOUT \
			--connect-timeout 3 -o "$W/download.$i" "http://$SRV:$HTTP_PORT/blob.bin" \
			>>"$W/curl.out" 2>>"$W/curl.err" || true
	done
	sleep 1
}
t_downloads5() { t_downloads 5; }

# t_zero_window: a client with a small receive buffer asks for the 4 MiB
# blob and never reads: the server fills the window and sends zero-window
# probes for 4 s; then the client closes (RST: unread data).
t_zero_window() {
	ip netns exec "$NS_C" timeout 10 "$PYTHON" - "$SRV" "$HTTP_PORT" <<-'PY' >"$W/zw.log" 2>&1 || true
		import socket, sys, time
		s = socket.socket()
		s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
		s.connect((sys.argv[1], int(sys.argv[2])))
		s.sendall(b"GET /blob.bin HTTP/1.0\r\n\r\n")
		time.sleep(4)
		s.close()
	PY
	sleep 1
}

# t_udp_nodf SRC_NS DST: three 4000-byte UDP datagrams to DST:514 without DF
# (IP_MTU_DISCOVER = IP_PMTUDISC_DONT), 1.2 s apart.
t_udp_nodf() {
	ip netns exec "$1" timeout 10 "$PYTHON" - "$2" <<-'PY' >"$W/udp.log" 2>&1 || true
		import socket, sys, time
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER, IP_PMTUDISC_DONT
		for i in range(3):
		    s.sendto(b"x" * 4000, (sys.argv[1], 514))
		    time.sleep(1.2)
	PY
	sleep 0.5
}
t_frag_src() { t_udp_nodf "$NS_S" $CLI; }
t_frag_router() { t_udp_nodf "$NS_C" $SRV; }

# The seeds as the lab runs them (one VNI per mirrored host).
gold_healthy() { C_MTU=9001 S_MTU=9001 FWD_MTU=9001 REV_MTU=9001; }
gold_seed1() { :; }
gold_seed1_icmp() { ICMP=allow; }
gold_seed1_fixed() { S_MTU=1500; }
# seed 1 with tcp_mtu_probing=1 on the server: after ~3 s of timeouts Linux
# falls back to 1064-byte segments: pmtud_blackhole and its follow-up line.
gold_seed1_probing() { EXTRA=x_probing XFER_TIMEOUT=10 CUT=$CUT_HTTP; }
x_probing() { psys "$NS_S" net/ipv4/tcp_mtu_probing 1; }
# The routers send frag-needed, the server's host firewall drops it: the
# mirror (tc ingress, before netfilter) sees the PTB, the server does not.
gold_ptb_ignored() { ICMP=allow EXTRA=x_srv_drop_ptb; }
x_srv_drop_ptb() { nsx "$NS_S" iptables -A INPUT -p icmp --icmp-type fragmentation-needed -j DROP; }
gold_seed2() { C_MTU=9001 S_MTU=9001 FWD_MTU=9001 REV_MTU=8500 CLAMP=8460 CLI_VNIS=20; }
gold_seed2_icmp() { gold_seed2; ICMP=allow; }
gold_seed2_fixed() { gold_seed2; S_MTU=8500; }
# seed 2 with a TGW that sends PTB, dropped by the server's host firewall.
gold_seed2_ptb_ignored() { gold_seed2; ICMP=allow EXTRA=x_srv_drop_ptb; }
# Loss, not MTU: 1500 everywhere, 10% of the packets forwarded by the
# server-side router dropped (both directions), five 24 KiB downloads.
gold_loss_small() {
	C_MTU=1500 S_MTU=1500 FWD_MTU=1500 REV_MTU=1500 EXTRA=x_loss10 TRAFFIC=t_downloads5
}
x_loss10() { nsx "$NS_RS" iptables -A FORWARD -m statistic --mode random --probability 0.10 -j DROP; }
# A lossy but healthy jumbo path: 9000 everywhere, 10% loss, eight downloads
# (jumbo data segments are lost and retransmitted, then acknowledged).
gold_lossy_jumbo() {
	C_MTU=9000 S_MTU=9000 FWD_MTU=9000 REV_MTU=9000 EXTRA=x_loss TRAFFIC=t_downloads8 LOSS=0.10
}
# The same with 30% loss: not in TESTLIST (a probe for false positives).
gold_lossy_jumbo_heavy() { gold_lossy_jumbo; LOSS=0.30; }
x_loss() { nsx "$NS_RS" iptables -A FORWARD -m statistic --mode random --probability "$LOSS" -j DROP; }
t_downloads8() { t_downloads 8; }
gold_zero_window() {
	C_MTU=9001 S_MTU=9001 FWD_MTU=9001 REV_MTU=9001 TRAFFIC=t_zero_window GBLOB=$BLOB_SIZE
}
# Fragments: the server (MTU 1500) sends 4000-byte UDP without DF (fragmented
# at the source); the client sends them over the 1500 hop (fragmented by the
# router, seen arriving at the server).
gold_frag_src() { S_MTU=1500 TRAFFIC=t_frag_src; }
gold_frag_router() { ICMP=allow TRAFFIC=t_frag_router; }

# Silence (expect_traffic): both hosts mirrored on a healthy 9001 path, a
# 100-byte download every 0.4 s for 12 s; from the 9th to the 22nd the
# client's mirror stops (its vxlan device down: from the target this is what
# a deleted mirror session, a changed filter or a security group that drops
# the VXLAN looks like), so VNI 20 is silent for ~5.6 s while VNI 10 is not.
gold_session_silent() {
	C_MTU=9001 S_MTU=9001 FWD_MTU=9001 REV_MTU=9001 CLI_VNIS=20 TRAFFIC=t_silence GBLOB=100
}
t_silence() {
	local i
	for ((i = 0; i < 30; i++)); do
		case $i in
		8) ip -n "$NS_C" link set vxm0 down ;;
		22) ip -n "$NS_C" link set vxm0 up ;;
		esac
		ip netns exec "$NS_C" timeout 4 curl -sS --max-time 3 --connect-timeout 2 -o /dev/null \
			-w '%{http_code} ' "http://$SRV:$HTTP_PORT/blob.bin" >>"$W/curl.out" 2>>"$W/curl.err" || true
		sleep 0.4
	done
	sleep 0.5
}

record_golden() {
	local out=$GOLDEN_DIR/$SCN.pcap ifs=(us0) i tps=() files=()
	g_defaults
	"gold_${SCN//-/_}"
	DESC="record golden capture $out"
	log "   $DESC"
	build
	"$EXTRA"
	start_servers "$GBLOB"
	if [[ -n $CLI_VNIS ]]; then ifs+=(uc0); fi
	for i in "${ifs[@]}"; do
		ip netns exec "$NS_COL" timeout 60 tcpdump -i "$i" -nn -s 0 -U -w "$W/$i.pcap" \
			"udp dst port 4789" >"$W/tcpdump-$i.log" 2>&1 &
		tps+=($!)
		BGPIDS+=($!)
		files+=("$W/$i.pcap")
		wait_for "tcpdump on $i" 50 grep -q 'listening on' "$W/tcpdump-$i.log" || die "tcpdump did not start"
	done
	"$TRAFFIC"
	for i in "${tps[@]}"; do kill -INT "$i" 2>/dev/null || true; wait "$i" 2>/dev/null || true; done
	if ((${#files[@]} > 1)); then
		mergecap -F pcap -w "$W/all.pcap" "${files[@]}" || die "mergecap failed"
	else
		cp "${files[0]}" "$W/all.pcap"
	fi
	timeout 20 tcpdump -r "$W/all.pcap" -w "$W/cut.pcap" "$CUT" 2>/dev/null || die "tcpdump could not cut $W/all.pcap"
	mkdir -p "$GOLDEN_DIR"
	cp "$W/cut.pcap" "$out"
	ok "wrote $out ($(wc -c <"$out") bytes, $(pcount "$out") of $(pcount "$W/all.pcap") packets; curl: $(cat "$W/curl.out" 2>/dev/null | tr "\n" " " | head -c 120 || true))"
}

# --- main ------------------------------------------------------------------------------
T0=$(date +%s)
prereqs
kernel_probe
log "lab: vxmirrord $VXD; work directory $WORK; tc classifier: ${MATCH_ALL[*]}"
make_certs
log "lab: certificate chain sent by the TLS server: $CHAIN_BYTES bytes (leaf + 2 intermediates)"

PASSED=0 FAILED=0 RESULTS=()
finish_scenario() {
	local secs=$(($(date +%s) - S0))
	if ((CHECK_FAILS == 0 && CHECKS > 0)); then
		PASSED=$((PASSED + 1))
		RESULTS+=("PASS $SCN (${secs}s, $CHECKS checks)")
		log "PASS $SCN (${secs}s, $CHECKS checks)"
	else
		FAILED=$((FAILED + 1))
		RESULTS+=("FAIL $SCN (${secs}s, $CHECK_FAILS of $CHECKS checks failed)")
		log "FAIL $SCN (${secs}s, $CHECK_FAILS of $CHECKS checks failed)"
	fi
}

if [[ -n $GOLDEN_DIR ]]; then
	command -v mergecap >/dev/null 2>&1 || die "--record-golden needs mergecap (apt-get install wireshark-common)"
	mkdir -p "$GOLDEN_DIR"
	GOLDEN_DIR=$(cd "$GOLDEN_DIR" && pwd)
	for SCN in "${GOLDEN[@]}"; do
		if [[ -n $ONLY && ",$ONLY," != *",$SCN,"* ]]; then continue; fi
		S0=$(date +%s) CHECKS=0 CHECK_FAILS=0
		log ""
		log "== golden $SCN"
		record_golden
		delns_all
		finish_scenario
	done
elif ((RECORD)); then
	S0=$(date +%s) CHECKS=0 CHECK_FAILS=0
	log ""
	log "== record: $DEMO_PCAP"
	record
	finish_scenario
else
	for ((REP = 1; REP <= REPEAT; REP++)); do
		for SCN in "${SCENARIOS[@]}"; do
			if [[ -n $ONLY && ",$ONLY," != *",$SCN,"* ]]; then continue; fi
			S0=$(date +%s) CHECKS=0 CHECK_FAILS=0
			log ""
			if ((REPEAT > 1)); then log "== $SCN (run $REP of $REPEAT)"; else log "== $SCN"; fi
			"scn_${SCN//-/_}"
			delns_all
			finish_scenario
			# many runs: keep the alerts and logs, not the pcaps
			if ((REPEAT > 1)); then rm -rf "$W/pcap" "$W"/download*; fi
		done
	done
fi

log ""
printf '%s\n' "${RESULTS[@]}"
log "lab: $PASSED passed, $FAILED failed ($(($(date +%s) - T0)) s)"
((FAILED == 0 && PASSED > 0)) || exit 1
exit 0
