#!/usr/bin/env bash
# promtool.sh RENDER - `promtool check metrics` finds nothing to say about
# what metrics_render() writes (every family, every kind of session).
# The real daemon's /metrics is checked the same way in test_ops (daemon suite).
# Needs promtool (Debian package prometheus); without it this test fails.
set -euo pipefail
render=${1:?usage: promtool.sh RENDER_BINARY}
if ! command -v promtool >/dev/null; then
	echo "FAIL: promtool not found; apt-get install prometheus" >&2
	exit 1
fi
out=$(mktemp -d /tmp/vx-ops-prom-XXXXXX)
trap 'rm -rf "$out"' EXIT
"$render" >"$out/metrics.txt"
if ! promtool check metrics <"$out/metrics.txt" >"$out/lint.txt" 2>&1 || [ -s "$out/lint.txt" ]; then
	echo "FAIL: promtool check metrics:" >&2
	cat "$out/lint.txt" >&2
	exit 1
fi
echo "promtool check metrics: clean ($(grep -c '^# TYPE' "$out/metrics.txt") families," \
	"$(grep -vc '^#' "$out/metrics.txt") samples)"
