#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vscsi-sim: every refused argument says why and exits 2; what the issue found, one check each.
set -u
. "$(dirname "$0")/lib.sh"
sim=$1
replay=$2 # a valid replay file (fuzz corpus)

command -v python3 >/dev/null || { echo "FAIL python3 is needed to check the JSON (scripts/deps.sh)"; exit 1; }
common "$sim"
usage "--qd: 'abc' is not a number" "$sim" --qd abc
usage "--qd: '0' out of range 1\.\.16" "$sim" --qd 0
usage "--qd: '17' out of range" "$sim" --qd 17
usage "--qd: '-1' is not a number" "$sim" --qd -1
usage "--qd: ' 8' is not a number" "$sim" --qd " 8"
usage "--qd: '8k' is not a number" "$sim" --qd 8k
usage "--ops: '0' out of range" "$sim" --ops 0 --workload null
usage "--ops: '18446744073709551616' out of range" "$sim" --ops 18446744073709551616
usage "--ops: '0x' is not a number" "$sim" --ops 0x
usage "--seconds: 'nan' is not a number" "$sim" --seconds nan
usage "--seconds: 'inf' is not a number" "$sim" --seconds inf
usage "--seconds: '0' out of range" "$sim" --seconds 0
usage "--seconds: '-1' out of range" "$sim" --seconds -1
usage "--seconds: '1s' is not a number" "$sim" --seconds 1s
usage "--seconds: '0x10' is not a number" "$sim" --seconds 0x10
usage "--seed: 'x' is not a number" "$sim" --seed x
usage "--tape-config: " "$sim" --tape-config capacity=abc
usage "--tape-config: " "$sim" --tape-config bogus=1
usage "--tape-config: " "$sim" --tape-config slots=1,slots=2
usage "--disk-blocks: '63' out of range 64\.\." "$sim" --disk-blocks 63
usage "--luns: unknown kind 'floppy'" "$sim" --luns disk,floppy
usage "--luns: '' has an empty entry" "$sim" --luns ""
usage "--luns: 'disk,,tape' has an empty entry" "$sim" --luns disk,,tape
usage "--luns: more than 6" "$sim" --luns disk,disk,disk,disk,disk,disk,disk
usage "--workload: unknown 'fast'" "$sim" --workload fast
usage "--data-mode: unknown 'zero'" "$sim" --data-mode zero
usage "--workload tape needs a tape LUN" "$sim" --luns disk --workload tape
usage "--workload disk needs a disk LUN" "$sim" --luns tape --workload disk
usage "--workload mixed needs a disk or a tape" "$sim" --luns changer
usage "--inject: bad fault 'bogus'" "$sim" --inject bogus
usage "--inject: bad fault 'sense:nth=x'" "$sim" --inject tape:sense:nth=x
usage "--inject: no tape LUN" "$sim" --luns disk --inject tape:busy:nth=2
usage "--poll needs --threaded" "$sim" --poll
usage "--replay: /: not a regular file" "$sim" --replay /
usage "--replay: /nonexistent/x: No such file" "$sim" --replay /nonexistent/x
usage "unexpected argument 'extra'" "$sim" extra
usage "--json does not apply to --replay" "$sim" --replay "$replay" --json
usage "requires an argument" "$sim" --qd

# What runs: an injected fault is a run, PASS or FAIL, never a usage error.
status 0 "result +PASS" "$sim" --workload null --ops 50 --luns disk --inject busy:nth=2
status 0 "invariants held" "$sim" --replay "$replay"

# --trace --json: stdout is exactly one JSON object, the trace lines on stderr.
run "$sim" --trace --json --workload null --ops 20 --luns disk --no-hotplug
if [ "$rc" = 0 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null &&
   grep -q '^trace: ' "$err"; then
  ok "--trace --json: stdout is one JSON object, trace on stderr"
else
  bad "--trace --json: stdout is not one JSON object (exit $rc)"
fi

# The summary's command counts add up, in the text and in the JSON.
run "$sim" --ops 2000
line=$(grep -E '^  commands ' "$out")
if [[ $line =~ commands\ +([0-9]+)\ \(([0-9]+)\ reads,\ ([0-9]+)\ writes,\ ([0-9]+)\ other\) ]] &&
   [ "${BASH_REMATCH[1]}" = $((BASH_REMATCH[2] + BASH_REMATCH[3] + BASH_REMATCH[4])) ]; then
  ok "commands add up: $line"
else
  bad "commands do not add up: '$line'"
fi
run "$sim" --ops 2000 --json
if python3 - "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["result"] == "pass" and r["commands"] == r["reads"] + r["writes"] + r["other"] else 1)
PY
then ok "JSON commands = reads + writes + other"; else bad "JSON commands do not add up"; fi
finish
