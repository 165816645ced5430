#!/usr/bin/env bash
# tests/golden/run.sh - golden tests of the analyzer: replay each capture of
# tests/golden/TESTLIST through `vxmirrord -c CONFIG -r CAPTURE --paths F` and
# compare the alert log, the -r summary counters and the path-MTU map with
# the recorded expectation.
#
# usage: run.sh [--update] [-v] /path/to/vxmirrord [NAME...]
#   --update   re-record expected/NAME.jsonl, NAME.summary and NAME.paths
#              (tests/golden/update.sh does this for every case)
#   -v         print the normalised alerts of every case
#   NAME...    run only these cases
#
# Each case runs in its own temp dir (the configs write alerts.json and
# pcap/ relative to it).  Normalised, and only where it must be: the temp
# dir prefix and the checkout's tests/golden/ are removed from the alert lines
# (pcap.file, evidence.extract's config path), and the summary
# keeps the deterministic `summary:` lines (no per-worker lines; the configs
# use workers: 1) plus the exit status.  Exit 0 when every case matches.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
UPDATE=0 VERBOSE=0 VXD="" NAMES=()
while (($#)); do
	case $1 in
	--update) UPDATE=1 ;;
	-v) VERBOSE=1 ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "golden: unknown option $1" >&2; exit 2 ;;
	*) if [[ -z $VXD ]]; then VXD=$1; else NAMES+=("$1"); fi ;;
	esac
	shift
done
[[ -n $VXD && -x $VXD ]] || { echo "golden: usage: run.sh [--update] [-v] VXMIRRORD [NAME...] ($VXD: not executable)" >&2; exit 2; }
VXD=$(cd "$(dirname "$VXD")" && pwd)/$(basename "$VXD")
for t in jq diff mktemp timeout; do
	command -v $t >/dev/null 2>&1 || { echo "golden: FATAL: $t is missing (apt-get install jq diffutils coreutils)" >&2; exit 2; }
done

TMP=$(mktemp -d /tmp/vxgolden.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# normalise_alerts DIR FILE: the alert lines, the temp dir prefix (pcap.file)
# and this checkout's tests/golden/ (the config in evidence.extract) removed;
# every line must be JSON.
normalise_alerts() {
	local d=$1 f=$2
	[[ -e $f ]] || return 0
	jq -e . "$f" >/dev/null || { echo "golden: $f is not valid JSON Lines" >&2; return 1; }
	sed -e "s|$d/||g" -e "s|$HERE/||g" "$f"
}

# summary LOG RC: deterministic counters of the -r summary, and the exit status.
summary() {
	grep '^summary: ' "$1" | grep -v -e '^summary: worker=' -e '^summary: pcap_disk ' || true
	echo "exit: $2"
}

# pretty: one alert per block, keys sorted, for a readable diff.
pretty() { jq -S . "$1" 2>/dev/null || cat "$1"; }

# same NAME WHAT EXPECTED GOT: GOT is byte for byte EXPECTED, else say how not.
same() {
	if [[ ! -e $3 ]]; then
		echo "FAIL $1: no expected/$(basename "$3")"
		return 1
	fi
	cmp -s "$3" "$4" && return 0
	echo "FAIL $1: $2 differs from expected/$(basename "$3"):"
	diff -u --label "expected/$(basename "$3")" --label "got" "$3" "$4" | sed 's/^/    /'
	return 1
}

T0=${EPOCHREALTIME/[.,]/}
PASSED=0 FAILED=0 N=0 FAILS=()
while read -r name cap conf exp rest; do
	[[ -z ${name:-} || $name == \#* ]] && continue
	if ((${#NAMES[@]})) && [[ " ${NAMES[*]} " != *" $name "* ]]; then continue; fi
	N=$((N + 1))
	if [[ -z ${exp:-} || -n ${rest:-} ]]; then
		echo "FAIL $name: TESTLIST line needs exactly: NAME CAPTURE CONFIG EXPECTED"
		FAILED=$((FAILED + 1)) FAILS+=("$name")
		continue
	fi
	d=$TMP/$name
	mkdir -p "$d"
	capf=$HERE/captures/$cap conff=$HERE/conf/$conf
	expf=$HERE/expected/$exp sumf=$HERE/expected/${exp%.jsonl}.summary
	pathf=$HERE/expected/${exp%.jsonl}.paths
	rc=0
	if [[ ! -s $capf || ! -s $conff ]]; then
		echo "FAIL $name: missing capture $capf or config $conff"
		FAILED=$((FAILED + 1)) FAILS+=("$name")
		continue
	fi
	(cd "$d" && timeout 30 "$VXD" -c "$conff" -r "$capf" --paths got.paths) >"$d/stdout" 2>"$d/stderr" || rc=$?
	[[ -e $d/got.paths ]] || : >"$d/got.paths"
	normalise_alerts "$d" "$d/alerts.json" >"$d/got.jsonl" || rc="$rc (alert log not JSON Lines)"
	summary "$d/stderr" "$rc" >"$d/got.summary"
	if ((VERBOSE)); then sed "s/^/  $name: /" "$d/got.jsonl"; fi
	if ((UPDATE)); then
		cp "$d/got.jsonl" "$expf"
		cp "$d/got.summary" "$sumf"
		cp "$d/got.paths" "$pathf"
		echo "recorded $name: $(wc -l <"$expf") alert(s) -> expected/$exp, exit $rc"
		continue
	fi
	ok=1
	if [[ ! -e $expf ]]; then
		echo "FAIL $name: no expected/$exp (record it: tests/golden/update.sh VXMIRRORD)"
		ok=0
	elif ! cmp -s "$expf" "$d/got.jsonl"; then
		echo "FAIL $name: alerts differ from expected/$exp (- expected, + got; keys sorted, one alert per block):"
		pretty "$expf" >"$d/exp.pretty"
		pretty "$d/got.jsonl" >"$d/got.pretty"
		diff -u --label "expected/$exp" --label "got" "$d/exp.pretty" "$d/got.pretty" | sed 's/^/    /'
		if cmp -s "$d/exp.pretty" "$d/got.pretty"; then
			echo "    (same alerts, different field order or spacing: raw lines below)"
			diff -u --label "expected/$exp" --label "got" "$expf" "$d/got.jsonl" | sed 's/^/    /'
		fi
		ok=0
	fi
	same "$name" "-r summary" "$sumf" "$d/got.summary" || ok=0
	same "$name" "the path-MTU map (--paths)" "$pathf" "$d/got.paths" || ok=0
	if ((ok)); then
		echo "PASS $name ($(wc -l <"$d/got.jsonl") alerts)"
		PASSED=$((PASSED + 1))
	else
		[[ $rc == 0 ]] || sed 's/^/    stderr: /' "$d/stderr" | grep -v 'summary:' | tail -5
		FAILED=$((FAILED + 1)) FAILS+=("$name")
	fi
done <"$HERE/TESTLIST"

us=$((${EPOCHREALTIME/[.,]/} - T0))
secs=$((us / 1000000)).$(printf '%03d' $((us / 1000 % 1000)))
if ((UPDATE)); then
	echo "golden: re-recorded $N case(s) in ${secs}s; review with git diff tests/golden/expected"
	exit 0
fi
echo "golden: $PASSED passed, $FAILED failed of $N (${secs}s)${FAILS[*]:+; failed: ${FAILS[*]}}"
((N > 0 && FAILED == 0))
