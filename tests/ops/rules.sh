#!/usr/bin/env bash
# rules.sh RULES TESTS RENDER - the Prometheus alerting rules pass
# `promtool check rules`, their unit tests pass `promtool test rules`, and
# every vxmirror_* metric the rules name is a family metrics_render() writes.
# Needs promtool (Debian package prometheus); without it this test fails.
set -euo pipefail
rules=${1:?usage: rules.sh RULES TESTS RENDER_BINARY}
tests=${2:?usage: rules.sh RULES TESTS RENDER_BINARY}
render=${3:?usage: rules.sh RULES TESTS RENDER_BINARY}
if ! command -v promtool >/dev/null; then
	echo "FAIL: promtool not found; apt-get install prometheus" >&2
	exit 1
fi
tmp=$(mktemp -d /tmp/vx-ops-rules-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0

if ! promtool check rules "$rules" >"$tmp/check.txt" 2>&1; then
	cat "$tmp/check.txt" >&2
	echo "FAIL: promtool check rules $rules" >&2
	fails=$((fails + 1))
fi
if ! promtool test rules "$tests" >"$tmp/test.txt" 2>&1; then
	cat "$tmp/test.txt" >&2
	echo "FAIL: promtool test rules $tests" >&2
	fails=$((fails + 1))
fi

# The unit tests feed the rules the names the rules use, so a misspelt metric
# passes them: check the names against what the daemon really exports.
"$render" >"$tmp/metrics.txt"
awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$tmp/metrics.txt" | sort -u >"$tmp/families"
grep -v '^[[:space:]]*#' "$rules" | grep -o 'vxmirror_[a-z0-9_]*' | sort -u >"$tmp/used" || true
[ -s "$tmp/used" ] || { echo "FAIL: no vxmirror_* metric in $rules" >&2; fails=$((fails + 1)); }
while read -r m; do
	grep -qx "$m" "$tmp/families" || { echo "FAIL: $rules uses $m, not in /metrics" >&2; fails=$((fails + 1)); }
done <"$tmp/used"

[ "$fails" -eq 0 ] || exit 1
echo "rules: $(grep -c '^ *- alert:' "$rules") alerts; promtool check rules and test rules:" \
	"$(grep -c '^ *- interval:' "$tests") cases pass; $(wc -l <"$tmp/used") metrics, all in /metrics"
