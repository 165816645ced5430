#!/usr/bin/env bash
# tests/golden/update.sh VXMIRRORD [NAME...]: re-record every expected file
# (expected/NAME.jsonl and expected/NAME.summary) from today's vxmirrord, so
# that a behaviour change shows up as a git diff of tests/golden/expected/.
# Review that diff before committing it: it is the change in behaviour.
set -euo pipefail
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/run.sh" --update "$@"
