#!/usr/bin/env bash
# systemd.sh UNIT VXMIRRORD MANDIR - the unit passes `systemd-analyze verify`
# and `systemd-analyze security --offline=yes` scores at most 2.0.
#
# verify checks that every Exec*= binary exists and that every
# Documentation=man: page resolves, so it runs on a copy of the unit whose
# /usr/sbin/vxmirrord is the freshly built binary, with MANPATH pointing at
# the built (gzipped) man pages.  The packaged unit's literal path is
# checked by deb.sh against the .deb's contents.
# Needs systemd-analyze (Debian package systemd); without it this test fails.
set -euo pipefail
unit=${1:?usage: systemd.sh UNIT VXMIRRORD MANDIR}
bin=${2:?}
mandir=${3:?}
max=2.0
if ! command -v systemd-analyze >/dev/null; then
	echo "FAIL: systemd-analyze not found; apt-get install systemd" >&2
	exit 1
fi
tmp=$(mktemp -d /tmp/vx-ops-systemd-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
name=$(basename "$unit")

# verify: no output at all is the pass mark (it also warns with exit 0).
mkdir -p "$tmp/unit" "$tmp/man/man8" "$tmp/man/man5"
sed "s#/usr/sbin/vxmirrord#$bin#g" "$unit" >"$tmp/unit/$name"
cp "$mandir"/vxmirrord.8.gz "$tmp/man/man8/"
cp "$mandir"/vxmirror.yaml.5.gz "$tmp/man/man5/"
if ! MANPATH="$tmp/man" systemd-analyze verify "$tmp/unit/$name" >"$tmp/verify.txt" 2>&1 ||
	[ -s "$tmp/verify.txt" ]; then
	echo "FAIL: systemd-analyze verify $name:" >&2
	cat "$tmp/verify.txt" >&2
	exit 1
fi
echo "systemd-analyze verify $name: clean"

# security: parse "Overall exposure level for X: 1.1 OK" and compare.
systemd-analyze security --offline=yes --no-pager "$unit" >"$tmp/security.txt" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$tmp/security.txt")
if [ -z "$score" ]; then
	echo "FAIL: no exposure level in the output of systemd-analyze security:" >&2
	cat "$tmp/security.txt" >&2
	exit 1
fi
if ! awk -v s="$score" -v m="$max" 'BEGIN { exit !(s + 0 <= m + 0) }'; then
	echo "FAIL: exposure level $score > $max; what counts:" >&2
	grep -a '✗' "$tmp/security.txt" >&2 || true
	exit 1
fi
# --threshold is exposure x 10: the same limit, checked by systemd itself.
systemd-analyze security --offline=yes --threshold=20 "$unit" >/dev/null 2>&1 || {
	echo "FAIL: systemd-analyze security --threshold=20 disagrees" >&2
	exit 1
}
echo "systemd-analyze security $name: exposure $score (at most $max)"
