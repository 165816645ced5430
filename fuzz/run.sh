#!/bin/sh
# fuzz/run.sh - build the libFuzzer targets with clang, seed them, run them.
#
#   fuzz/run.sh [--smoke] [-t SECONDS] [-b BUILDDIR] [TARGET...]
#
# Builds with clang (-DVX_FUZZ=ON, ASan+UBSan) in its own build directory
# (default $TMPDIR/vxmirror-fuzz), writes the seed corpora from
# tests/data/*.pcap and conf/*.yaml (fuzz_seeds), replays the regression
# inputs in tests/data/fuzz/TARGET/, then runs each TARGET (default: all)
# for SECONDS (default 600; --smoke: 20, for CI).  The corpus grows in
# BUILDDIR/corpus/TARGET across runs; crashing inputs are saved as
# BUILDDIR/artifacts/TARGET-crash-*.  Prints one line per target:
#   fuzz: TARGET seconds=N execs=N corpus=N crashes=N
# and exits 1 when a target crashed or a regression input fails, 2 when
# clang or libFuzzer is missing (apt-get install clang libclang-rt-14-dev).
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
secs=600
build=${TMPDIR:-/tmp}/vxmirror-fuzz
targets=

while [ $# -gt 0 ]; do
	case $1 in
	--smoke) secs=${VX_FUZZ_SMOKE_SECONDS:-20} ;;
	-t) secs=$2; shift ;;
	-b) build=$2; shift ;;
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	-*) echo "fuzz/run.sh: unknown option $1" >&2; exit 2 ;;
	*) targets="$targets $1" ;;
	esac
	shift
done
[ -n "$targets" ] || targets="fuzz_decode fuzz_analyzer fuzz_config"

# check_clang: clang must be able to link a libFuzzer binary.
check_clang() {
	mkdir -p "$build"
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' \
		>"$build/probe.c"
	if ! command -v clang >/dev/null 2>&1 ||
		! clang -fsanitize=fuzzer,address,undefined -o "$build/probe" "$build/probe.c" \
			>"$build/probe.log" 2>&1; then
		echo "fuzz/run.sh: clang with libFuzzer is required:" \
			"apt-get install -y clang libclang-rt-14-dev" >&2
		cat "$build/probe.log" >&2 2>/dev/null || true
		exit 2
	fi
}

# max_len: input size limit per target.
max_len() {
	case $1 in
	fuzz_decode) echo 9100 ;;
	fuzz_analyzer) echo 16384 ;;
	*) echo 4096 ;;
	esac
}

# seeds_of: the seed directory of a target.
seeds_of() {
	echo "$build/seeds/${1#fuzz_}"
}

# replay: run every regression input of a target once.
replay() {
	dir=$src/tests/data/fuzz/${1#fuzz_}
	[ -d "$dir" ] || return 0
	set -- "$1" "$dir"/*
	[ -e "$2" ] || return 0
	t=$1
	shift
	if ! "$build/cmake/fuzz/$t" -runs=1 "$@" >"$build/$t.replay.log" 2>&1; then
		echo "fuzz: $t: a regression input in $dir fails:" >&2
		tail -40 "$build/$t.replay.log" >&2
		return 1
	fi
}

# run_one: fuzz one target for $secs seconds and print its line.
run_one() {
	t=$1
	log=$build/$t.log
	corpus=$build/corpus/$t
	mkdir -p "$corpus" "$build/artifacts"
	set -- -max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-"
	[ "$t" = fuzz_config ] && set -- "$@" -dict="$src/fuzz/config.dict"
	rc=0
	"$build/cmake/fuzz/$t" "$@" "$corpus" "$(seeds_of "$t")" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	units=$(find "$corpus" -type f | wc -l)
	crashes=0
	if [ $rc -ne 0 ]; then
		crashes=1
		echo "fuzz: $t failed (exit $rc):" >&2
		grep -A40 '^==[0-9]*==ERROR\|runtime error\|deadly signal\|Test unit written' "$log" \
			| head -80 >&2 || tail -40 "$log" >&2
	fi
	echo "fuzz: $t seconds=$secs execs=${execs:-0} corpus=$units crashes=$crashes"
	return $rc
}

check_clang
CC=clang cmake -S "$src" -B "$build/cmake" -DVX_FUZZ=ON -DVX_TESTS=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/cmake.log" 2>&1 ||
	{ cat "$build/cmake.log" >&2; exit 2; }
# shellcheck disable=SC2086
cmake --build "$build/cmake" -j2 --target fuzz_seeds $targets >>"$build/cmake.log" 2>&1 ||
	{ tail -40 "$build/cmake.log" >&2; exit 1; }
rm -rf "$build/seeds"
mkdir -p "$build/seeds"
"$build/cmake/fuzz/fuzz_seeds" "$build/seeds" "$src"/tests/data/*.pcap "$src"/conf/*.yaml

fail=0
for t in $targets; do
	replay "$t" || fail=1
done
for t in $targets; do
	run_one "$t" || fail=1
done
exit $fail
