#!/usr/bin/env bash
# Run one of the README's two copy-paste commands exactly as written there:
# the fenced block right after the marker <!-- readme:NAME --> (NAME = run
# or test).  CI uses this, so the README cannot drift from what CI runs.
set -euo pipefail
name=${1:?usage: readme_commands.sh run|test}
top=$(cd "$(dirname "$0")/.." && pwd)
cmd=$(awk -v m="<!-- readme:$name -->" '
	$0 == m { found = 1; next }
	found && /^```/ { if (inblock) exit; inblock = 1; next }
	inblock { print }' "$top/README.md")
if [ -z "$cmd" ]; then
	echo "readme_commands.sh: no '<!-- readme:$name -->' block in README.md" >&2
	exit 1
fi
cd "$top"
echo "+ $cmd"
bash -euo pipefail -c "$cmd"
