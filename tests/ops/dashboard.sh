#!/usr/bin/env bash
# dashboard.sh RENDER DASHBOARD - the Grafana dashboard is valid JSON, has the
# datasource and instance variables and a panel for each area (ingest, kernel
# drops, sessions, alerts, disk), and every vxmirror_* metric its PromQL
# (panel targets, nested rows included, and templating queries) names is a
# family metrics_render() writes.  Needs jq; without it this test fails.
set -euo pipefail
render=${1:?usage: dashboard.sh RENDER_BINARY DASHBOARD}
dash=${2:?usage: dashboard.sh RENDER_BINARY DASHBOARD}
if ! command -v jq >/dev/null; then
	echo "FAIL: jq not found; apt-get install jq" >&2
	exit 1
fi
tmp=$(mktemp -d /tmp/vx-ops-dash-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

jq -e . "$dash" >/dev/null || { echo "FAIL: $dash is not valid JSON" >&2; exit 1; }
jq -e '.schemaVersion >= 36' "$dash" >/dev/null || fail "schemaVersion $(jq .schemaVersion "$dash") < 36"
jq -e '[.templating.list[] | select(.type == "datasource" and .query == "prometheus")] | length == 1' "$dash" >/dev/null ||
	fail "no Prometheus datasource variable"
jq -e '[.templating.list[] | select(.name == "instance" and .type == "query")] | length == 1' "$dash" >/dev/null ||
	fail "no instance variable"

# Every PromQL expression: panel targets (at any depth, so collapsed rows
# count) and templating queries (string or {query: ...}).
jq -r '(.. | objects | select(has("targets")) | .targets[]? | .expr // empty),
	(.templating.list[]? | select(.type == "query") | .query | if type == "object" then .query else . end // empty)' \
	"$dash" >"$tmp/exprs"
[ -s "$tmp/exprs" ] || fail "no PromQL expressions in $dash"

"$render" >"$tmp/metrics.txt"
awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$tmp/metrics.txt" | sort -u >"$tmp/families"
grep -o 'vxmirror_[a-z0-9_]*' "$tmp/exprs" | sort -u >"$tmp/used" || true
while read -r m; do
	grep -qx "$m" "$tmp/families" || fail "$dash queries $m, which /metrics does not have"
done <"$tmp/used"

# One panel at least per area: AREA TITLE_REGEX EXPR_REGEX (jq test, case-insensitive title).
area() {
	jq -e --arg t "$2" --arg e "$3" \
		'[.. | objects | select(has("targets") and ((.title // "") | test($t; "i"))) | .targets[]? | .expr // "" | select(test($e))] | length > 0' \
		"$dash" >/dev/null || fail "no $1 panel (title ~ /$2/, expr ~ /$3/)"
}
area "ingest datagrams/s" 'ingest' 'rate\(vxmirror_datagrams_total'
area "ingest bytes/s" 'ingest' 'rate\(vxmirror_datagram_bytes_total'
area "kernel drops" 'kernel' 'rate\(vxmirror_kernel_drops_total'
area "session packets" 'session' 'by \(instance, session\) \(rate\(vxmirror_session_packets_total'
area "session pcap bytes" 'session' 'by \(instance, session\) \(rate\(vxmirror_session_pcap_bytes_total'
area "alerts by type and session" 'alert' 'sum by \(type, session\) \(increase\(vxmirror_alerts_total'
area "disk" 'disk' 'rate\(vxmirror_session_pcap_bytes_total'

[ "$fails" -eq 0 ] || exit 1
echo "dashboard: $(jq '[.. | objects | select(has("targets"))] | length' "$dash") panels," \
	"$(wc -l <"$tmp/exprs") expressions, $(wc -l <"$tmp/used") metrics, all in /metrics; every area has a panel"
