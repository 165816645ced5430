#!/usr/bin/env bash
# format.sh SRC_DIR - every tracked C file is formatted with the repo's
# .clang-format (clang-format --dry-run -Werror).  Needs clang-format
# (Debian package clang-format); without it this test fails.
set -euo pipefail
src=${1:?usage: format.sh SRC_DIR}
cd "$src"
if ! command -v clang-format >/dev/null; then
	echo "FAIL: clang-format not found; apt-get install clang-format" >&2
	exit 1
fi
if [ -d .git ] && command -v git >/dev/null; then
	mapfile -t files < <(git ls-files '*.c' '*.h')
else
	mapfile -t files < <(find daemon include tests fuzz bench -name '*.[ch]' | sort)
fi
bad=0
for f in "${files[@]}"; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "FAIL: $f is not clang-formatted (clang-format -i $f)" >&2
		bad=$((bad + 1))
	fi
done
if [ "$bad" -ne 0 ]; then
	exit 1
fi
echo "format: ${#files[@]} files clang-formatted"
