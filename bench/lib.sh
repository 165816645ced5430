# bench/lib.sh - shared by run.sh, offline.sh and flood.sh (sourced, not run).
# shellcheck shell=bash disable=SC2034 # the variables are for the scripts that source this
#
# Environment (all optional):
#   BUILD      a Release build directory with vxmirrord and bench/vxgen,
#              bench/vxsink (default: build-bench in the repository; configured
#              and built when a program is missing)
#   BENCH_DIR  scratch directory for pcaps and logs (default /dev/shm/vxbench:
#              tmpfs, so the benchmarks measure CPU, not the disk)
#   PORT       UDP port on 127.0.0.1 (default 24789, away from a real 4789)
#   ROTATE_SIZE  pcap.rotate_size of the generated configs (default 100MiB)
#   KEEP_RMEM  1: leave net.core.rmem_max alone (default: raise it to 32 MiB,
#              what vxmirrord asks for, and restore it at exit)

set -euo pipefail

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_SRC/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/dev/shm/vxbench}
PORT=${PORT:-24789}
CLK_TCK=$(getconf CLK_TCK)

log() { printf '%s\n' "$*" >&2; }

# usage: the script's header comment (from line 2 to the `source` line).
usage() { sed -n '2,/^source/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
# -h/--help as the first argument: the usage on stdout, exit 0
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	usage
	exit 0
fi

fail() { log "bench: $*"; exit 1; }

# find_build: set BUILD and the program paths; configure (Release) when the
# build directory is new, and always bring the three programs up to date.
find_build() {
	BUILD=${BUILD:-$REPO/build-bench}
	if [[ ! -f $BUILD/CMakeCache.txt ]]; then
		log "bench: configuring $BUILD (Release)"
		cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DVX_BENCH=ON -DVX_TESTS=OFF >/dev/null
	fi
	cmake --build "$BUILD" -j"$(nproc)" --target vxmirrord vxgen vxsink >/dev/null ||
		fail "build failed in $BUILD"
	[[ $(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt") == Release ]] ||
		log "bench: warning: $BUILD is not a Release build"
	VXMIRRORD=$BUILD/vxmirrord
	VXGEN=$BUILD/bench/vxgen
	VXSINK=$BUILD/bench/vxsink
}

# need_pkg CMD PKG: apt-get install PKG when CMD is missing.
need_pkg() {
	command -v "$1" >/dev/null 2>&1 && return 0
	log "bench: installing $2"
	if [[ $2 == tshark ]]; then
		echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	fi
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"; } >/dev/null ||
		fail "cannot install $2"
}

need_root() {
	[[ $(id -u) == 0 ]] || fail "run as root (raw socket for per-flow outer source ports, sysctl, apt-get)"
}

# raise_rmem: net.core.rmem_max to 32 MiB for the run, restored by restore_rmem.
RMEM_SAVED=
raise_rmem() {
	[[ ${KEEP_RMEM:-0} == 1 ]] && return 0
	RMEM_SAVED=$(sysctl -n net.core.rmem_max)
	if ((RMEM_SAVED < 33554432)); then
		sysctl -qw net.core.rmem_max=33554432
	fi
}
restore_rmem() {
	[[ -n $RMEM_SAVED ]] && sysctl -qw net.core.rmem_max="$RMEM_SAVED"
	RMEM_SAVED=
}

# write_conf FILE MAX_FLOWS WORKERS VNI...: a config with one session per VNI,
# pcaps and analyzer on, listening on 127.0.0.1:$PORT.  /healthz and
# /metrics only when HTTP_LISTEN (ADDR:PORT) is set.
write_conf() {
	local f=$1 maxf=$2 workers=$3
	shift 3
	{
		echo "listen: \"127.0.0.1:$PORT\""
		echo "workers: $workers"
		if [[ -n ${HTTP_LISTEN:-} ]]; then
			echo "http: {listen: \"$HTTP_LISTEN\"}"
		else
			echo "http: {listen: off}"
		fi
		echo "rcvbuf: 32MiB"
		echo "pcap_dir: $BENCH_DIR/out/pcap"
		echo "alert_log: $BENCH_DIR/out/alerts.json"
		echo "pcap: {rotate_size: ${ROTATE_SIZE:-100MiB}, rotate_interval: 5m, keep_files: 8}"
		echo "unknown_vni: drop"
		echo "sessions:"
		for v in "$@"; do
			echo "  - {name: bench-$v, vni: $v, path_mtu: 9001}"
		done
		echo "analyzer: {max_flows: $maxf}"
	} >"$f"
	"$VXMIRRORD" -c "$f" --check-config >/dev/null || fail "bad generated config $f"
}

# vnis_list "100,101" -> "100 101"
vnis_list() { tr ',' ' ' <<<"$1"; }

# cpu_ticks PID: utime+stime of the whole process (all threads), in clock ticks.
cpu_ticks() {
	awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

# udp_snmp FIELD: a counter of the Udp: line of /proc/net/snmp.
udp_snmp() {
	awk -v f="$1" '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) idx[$i] = i; h = 1 } else print $idx[f] }' /proc/net/snmp
}

# softnet_drops: packets dropped by a full per-CPU backlog, summed over CPUs.
softnet_drops() {
	local s=0 d
	while read -r _ d _; do s=$((s + 16#$d)); done </proc/net/softnet_stat
	echo "$s"
}

# cpu_stat [CPULIST]: "busy softirq" jiffies from /proc/stat (busy includes
# softirq) of the CPUs in CPULIST (taskset syntax: 1 or 0,2-3), or of all.
cpu_stat() {
	local want="" part
	if [[ -n ${1:-} ]]; then
		for part in ${1//,/ }; do
			if [[ $part == *-* ]]; then want+=" $(seq -s ' ' "${part%-*}" "${part#*-}")"; else want+=" $part"; fi
		done
	fi
	awk -v want="$want" '
		BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) sel["cpu" w[i]] = 1 }
		(n == 0 && $1 == "cpu") || (n > 0 && ($1 in sel)) { b += $2 + $3 + $4 + $7 + $8 + $9; s += $8 }
		END { print b, s }' /proc/stat
}

# kv KEY TEXT: the value of KEY=value in TEXT (first match).
kv() { grep -o "\b$1=[^ ]*" <<<"$2" | head -1 | cut -d= -f2; }

# wait_for FILE PATTERN PID: until FILE has PATTERN (10 s), or PID died.
wait_for() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# stop_pid PID: SIGTERM and wait (SIGKILL after 30 s).
stop_pid() {
	local i
	kill -TERM "$1" 2>/dev/null || return 0
	for ((i = 0; i < 300; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

machine_info() {
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc --all) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM"
	echo "- kernel: $(uname -sr)"
	echo "- vxmirror: $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown), build $BUILD ($(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt"))"
	echo "- load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
}
