#!/usr/bin/env bash
# deb.sh BUILD_DIR - build the .deb with CPack and check what it installs:
# `dpkg -I` (control: name, depends from the shared libraries, conffiles,
# maintainer scripts) and `dpkg -x` into a scratch root (binary, unit,
# config, logrotate snippet, man pages), then run the packaged binary on the
# packaged config and check that the unit names the packaged paths.
# Needs cpack, dpkg-deb, dpkg-shlibdeps (dpkg-dev) and file; without them
# this test fails.
set -euo pipefail
build=${1:?usage: deb.sh BUILD_DIR}
for tool in cpack dpkg-deb dpkg-shlibdeps file; do
	if ! command -v "$tool" >/dev/null; then
		echo "FAIL: $tool not found; apt-get install cmake dpkg-dev file" >&2
		exit 1
	fi
done
tmp=$(mktemp -d /tmp/vx-ops-deb-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# Build the package in a scratch directory (not the build dir's _CPack_Packages).
if ! (cd "$build" && cpack -G DEB -B "$tmp/out") >"$tmp/cpack.log" 2>&1; then
	cat "$tmp/cpack.log" >&2
	echo "FAIL: cpack -G DEB" >&2
	exit 1
fi
deb=$(ls "$tmp"/out/vxmirror_*.deb)
echo "built $(basename "$deb")"

# Control data.
dpkg -I "$deb" >"$tmp/info.txt"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = vxmirror ] || fail "Package is '$(field Package)'"
[ -n "$(field Version)" ] || fail "no Version"
depends=$(field Depends)
for lib in libevent-2.1-7 libevent-pthreads-2.1-7 libpcap0.8 libjansson4 libyaml-0-2 libc6; do
	case ", $depends," in
	*", $lib,"* | *", $lib "*) ;;
	*) fail "Depends lacks $lib: $depends" ;;
	esac
done
mkdir "$tmp/control"
dpkg-deb -e "$deb" "$tmp/control"
printf '%s\n' /etc/vxmirror/vxmirror.yaml /etc/logrotate.d/vxmirror >"$tmp/want-conffiles"
diff -u "$tmp/want-conffiles" "$tmp/control/conffiles" || fail "conffiles"
for s in postinst prerm postrm; do
	[ -x "$tmp/control/$s" ] || fail "maintainer script $s missing or not executable"
	sh -n "$tmp/control/$s" || fail "$s: syntax"
done

# Contents.
root="$tmp/root"
dpkg -x "$deb" "$root"
for f in usr/sbin/vxmirrord etc/vxmirror/vxmirror.yaml lib/systemd/system/vxmirrord.service \
	etc/logrotate.d/vxmirror usr/share/man/man8/vxmirrord.8.gz \
	usr/share/man/man5/vxmirror.yaml.5.gz usr/share/doc/vxmirror/runbook.md \
	usr/share/vxmirror/vxmirror.rules.yml usr/share/vxmirror/vxmirror.json \
	usr/lib/sysusers.d/vxmirror.conf; do
	[ -f "$root/$f" ] || fail "/$f not in the package"
done
[ -x "$root/usr/sbin/vxmirrord" ] || fail "/usr/sbin/vxmirrord not executable"
dpkg -c "$deb" >"$tmp/contents.txt"
grep -q ' ./usr/sbin/vxmirrord$' "$tmp/contents.txt" || fail "dpkg -c lists no ./usr/sbin/vxmirrord"

# The packaged config is valid and uses the FHS paths the unit provides.
conf="$root/etc/vxmirror/vxmirror.yaml"
"$root/usr/sbin/vxmirrord" -c "$conf" --check-config >"$tmp/check.txt" 2>&1 ||
	{ cat "$tmp/check.txt" >&2; fail "packaged config does not pass --check-config"; }
grep -q '^pcap_dir: "\?/var/lib/vxmirror/pcap"\?$' "$tmp/check.txt" || fail "pcap_dir is not /var/lib/vxmirror/pcap"
grep -q '^alert_log: "\?/var/log/vxmirror/alerts.json"\?$' "$tmp/check.txt" || fail "alert_log is not /var/log/vxmirror/alerts.json"

# The unit runs the packaged binary on the packaged config.
unit="$root/lib/systemd/system/vxmirrord.service"
grep -q '^ExecStart=/usr/sbin/vxmirrord -c /etc/vxmirror/vxmirror.yaml$' "$unit" ||
	fail "ExecStart does not run /usr/sbin/vxmirrord -c /etc/vxmirror/vxmirror.yaml"
grep -q '^Type=notify$' "$unit" || fail "unit is not Type=notify"

# A static user and group (issue 12: read access without root): the unit runs
# as vxmirror:vxmirror, the postinst creates them from the packaged
# sysusers.d file, and that file, applied to a scratch root, makes a system
# user and group with no login.
grep -q '^User=vxmirror$' "$unit" || fail "unit has no User=vxmirror"
grep -q '^Group=vxmirror$' "$unit" || fail "unit has no Group=vxmirror"
! grep -q '^DynamicUser=' "$unit" || fail "unit still sets DynamicUser="
grep -q 'systemd-sysusers vxmirror.conf' "$tmp/control/postinst" || fail "postinst does not run systemd-sysusers"
if command -v systemd-sysusers >/dev/null; then
	sys="$tmp/sysroot"
	mkdir -p "$sys/etc"
	systemd-sysusers --root="$sys" "$root/usr/lib/sysusers.d/vxmirror.conf" ||
		fail "systemd-sysusers rejects the packaged vxmirror.conf"
	pw=$(grep '^vxmirror:' "$sys/etc/passwd" || true)
	gr=$(grep '^vxmirror:' "$sys/etc/group" || true)
	[ -n "$pw" ] || fail "no vxmirror user after systemd-sysusers"
	[ -n "$gr" ] || fail "no vxmirror group after systemd-sysusers"
	uid=$(echo "$pw" | cut -d: -f3) gid=$(echo "$pw" | cut -d: -f4)
	[ "$uid" -gt 0 ] && [ "$uid" -lt 1000 ] || fail "vxmirror uid $uid is not a system uid"
	[ "$gid" = "$(echo "$gr" | cut -d: -f3)" ] || fail "vxmirror's primary group is not vxmirror"
	echo "$pw" | grep -q ':/var/lib/vxmirror:/usr/sbin/nologin$' || fail "vxmirror user: $pw"
	echo "deb: systemd-sysusers made $pw"
else
	fail "systemd-sysusers not found (apt-get install systemd)"
fi

# The man pages are gzipped roff with a title line, and the logrotate
# snippet signals the daemon.
for m in man8/vxmirrord.8 man5/vxmirror.yaml.5; do
	zcat "$root/usr/share/man/$m.gz" >"$tmp/page"
	grep -q '^\.Dt ' "$tmp/page" || fail "$m.gz is not an mdoc page"
done
grep -q 'postrotate' "$root/etc/logrotate.d/vxmirror" || fail "logrotate snippet has no postrotate"
grep -q 'vxmirrord.service' "$root/etc/logrotate.d/vxmirror" || fail "logrotate snippet does not signal vxmirrord"

if [ "$fails" -ne 0 ]; then
	echo "--- dpkg -I" >&2
	cat "$tmp/info.txt" >&2
	echo "--- dpkg -c" >&2
	cat "$tmp/contents.txt" >&2
	exit 1
fi
echo "deb: $(basename "$deb"): Depends: $depends"
echo "deb: conffiles, maintainer scripts, binary, unit, config, logrotate and man pages OK"
