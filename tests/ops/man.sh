#!/usr/bin/env bash
# man.sh SRC_DIR VXMIRRORD - the man pages lint clean (`mandoc -T lint`, at
# warning level) and are accurate: every long option of `vxmirrord --help`
# is in vxmirrord(8), and every key of docs/config.md is in vxmirror.yaml(5).
# Needs mandoc; without it this test fails.
set -euo pipefail
src=${1:?usage: man.sh SRC_DIR VXMIRRORD}
bin=${2:?}
if ! command -v mandoc >/dev/null; then
	echo "FAIL: mandoc not found; apt-get install mandoc" >&2
	exit 1
fi
fails=0
for page in "$src/man/vxmirrord.8" "$src/man/vxmirror.yaml.5"; do
	if ! out=$(mandoc -T lint -W warning "$page" 2>&1) || [ -n "$out" ]; then
		echo "FAIL: mandoc -T lint $page:" >&2
		echo "$out" >&2
		fails=$((fails + 1))
	fi
	mandoc -T utf8 "$page" >/dev/null
done

# Options: "--config" in --help must appear as "Fl c , -config" in mdoc.
opts=$("$bin" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
if [ "$(echo "$opts" | wc -w)" -lt 5 ]; then
	echo "FAIL: '$bin --help' lists no long options" >&2
	exit 1
fi
for opt in $opts; do
	grep -q -- " ${opt#-}\$\| ${opt#-} " "$src/man/vxmirrord.8" ||
		{ echo "FAIL: vxmirrord.8 does not document $opt" >&2; fails=$((fails + 1)); }
done

# Config keys: every `key` in the first column of docs/config.md's tables.
for key in $(grep -o '^| `[a-z_.]*\(\[\]\)\?[a-z_.]*`' "$src/docs/config.md" |
	sed 's/^| `\(.*\)`/\1/; s/.*\.//; s/\[\]//' | sort -u); do
	grep -q "^\.It Cm $key\\b" "$src/man/vxmirror.yaml.5" ||
		grep -q "Cm $key :" "$src/man/vxmirror.yaml.5" ||
		grep -q "Cm $key\\b" "$src/man/vxmirror.yaml.5" ||
		{ echo "FAIL: vxmirror.yaml.5 does not document '$key'" >&2; fails=$((fails + 1)); }
done
[ "$fails" -eq 0 ] || exit 1
echo "man pages: lint clean, every option and config key documented"
