#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Mutation testing, a test of the tests: plants the known bugs of scripts/mutants.txt in lib/ and
# include/ one at a time, rebuilds incrementally, runs the whole ctest suite (unit tests,
# simulator runs, fuzz corpus replays) and shows which tests fail (the mutant's killers).
# Every mutant must be killed.
#
#   scripts/mutate.sh [--quick] [SEL...]   SEL: a mutant's number or name (default: all)
#   scripts/mutate.sh --list [--quick]     the mutants, numbered
#
#   --quick   only the mutants marked quick (the subset CI runs)
# Environment: VSCSI_MUTATE_BUILD (build directory, default build-mutate),
#   VSCSI_MUTATE_TEST_TIMEOUT (a test's timeout under a mutant is the larger of this, default
#   30 s, and 10 times its time in the baseline run: a mutant that hangs a test is killed by the
#   timeout without waiting the suite's 300 s),
#   VSCSI_MUTATE_TIMEOUT (seconds for one mutant's whole ctest run, default 900).
# Results: the table on stdout and in <build>/mutate-results.md, logs in <build>/mutate-logs/.
# Exit status: 0 iff every selected mutant applied, compiled and was killed; 2 on a usage error.
# The tree is restored after each mutant, on Ctrl-C and on any error; a run killed hard
# (SIGKILL) is repaired by the next run from <build>/mutate-active.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
defs=$top/scripts/mutants.txt
m() { python3 "$top/scripts/mutants.py" "$defs" "$@"; }
usage() { sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

list=0 quick=() sels=()
for a in "$@"; do
  case $a in
    --list) list=1 ;;
    --quick) quick=(--quick) ;;
    -h|--help) usage ;;
    -*) echo "mutate.sh: unknown option $a" >&2; usage ;;
    *) sels+=("$a") ;;
  esac
done
if [ $list = 1 ]; then
  m list "${quick[@]}" | awk -F'\t' '{ printf "%3s  %-30s %-5s %-26s %s\n", $1, $2, $3, $4, $5 }'
  exit
fi
ids=$(m select "${quick[@]}" "${sels[@]}") || exit 2
[ -n "$ids" ] || { echo "mutate.sh: no mutant selected" >&2; exit 2; }

b=${VSCSI_MUTATE_BUILD:-$top/build-mutate}
case $b in /*) ;; *) b=$top/$b ;; esac
tmo=${VSCSI_MUTATE_TIMEOUT:-900}
test_tmo=${VSCSI_MUTATE_TEST_TIMEOUT:-30}
logs=$b/mutate-logs active=$b/mutate-active backup=$b/mutate-backup
mkdir -p "$logs"

# Restores the file a mutant changed, if one is planted. Copied without its old mtime, so the
# next build recompiles what the mutant had changed.
restore() {
  [ -f "$active" ] || return 0
  local f; f=$(cat "$active")
  cp "$backup" "$top/$f" && rm -f "$active" "$backup"
}
restore || { echo "mutate.sh: cannot restore $(cat "$active") from $backup" >&2; exit 1; }
trap 'restore' EXIT
trap 'interrupted' INT TERM HUP

[ ! -x "$top/scripts/deps.sh" ] || "$top/scripts/deps.sh"
# No -Werror: a mutant may leave a helper unused, and that must not hide what the tests say.
cmake -S "$top" -B "$b" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVSCSI_WERROR=OFF >"$logs/configure.log" 2>&1 \
  || { tail -20 "$logs/configure.log"; echo "mutate.sh: configure failed" >&2; exit 1; }

interrupted() { echo; echo "mutate.sh: interrupted, source restored" >&2; exit 130; }
# make and ctest catch Ctrl-C themselves and exit normally, so bash may never run the INT trap:
# a child killed by a signal, or make saying Interrupt, counts as Ctrl-C too.
build() {
  local rc=0
  cmake --build "$b" -j"$(nproc)" >"$1" 2>&1 || rc=$?
  if [ "$rc" -gt 128 ] || tail -n 1 "$1" | grep -q 'Interrupt$'; then interrupted; fi
  return "$rc"
}
# Caps each test's TIMEOUT in this build at max(VSCSI_MUTATE_TEST_TIMEOUT, 10 x its baseline
# time), in the generated files only: configure (at every start) puts the suite's own back,
# so the baseline runs with those. Done again before each run, in case a build reconfigured.
cap_timeouts() {
  [ ! -f "$logs/baseline-test.log" ] || m cap-timeouts "$b" "$logs/baseline-test.log" "$test_tmo"
}
# Runs ctest; prints the failed tests, one "name" or "name(why)" per line (only the FAILED list:
# a test that skips is not a killer). Returns 1 if the whole run hit VSCSI_MUTATE_TIMEOUT, 2 if
# ctest was killed by a signal (Ctrl-C).
run_tests() {
  local log=$1 rc=0
  cap_timeouts
  timeout --foreground "$tmo" ctest --test-dir "$b" -j"$(nproc)" --output-on-failure >"$log" 2>&1 || rc=$?
  if [ "$rc" -gt 128 ]; then return 2; fi
  sed -n '/^The following tests FAILED:/,/^[^[:space:]]/s/^[[:space:]]*[0-9]* - \(.*\) (\(.*\))$/\1(\2)/p' "$log" |
    sed -e 's/(Failed)$//' -e 's/(Subprocess aborted)$/(aborted)/'
  [ "$rc" != 124 ]
}

printf '=== mutate: baseline (unmutated tree must pass)\n'
rm -f "$logs/baseline-test.log"
build "$logs/baseline-build.log" || { tail -30 "$logs/baseline-build.log"; echo "mutate.sh: the unmutated tree does not build" >&2; exit 1; }
rc=0
fails=$(run_tests "$logs/baseline-test.log") || rc=$?
[ "$rc" != 2 ] || interrupted
[ "$rc" = 0 ] || fails="$fails hang"
if [ -n "$fails" ]; then
  echo "mutate.sh: the unmutated tree fails: $fails (log: $logs/baseline-test.log)" >&2
  exit 1
fi
ntests=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\)/\1/p' "$logs/baseline-test.log")
echo "baseline: $ntests tests pass"

results=$b/mutate-results.md
{
  echo "| # | mutant | file | what it plants | killed by |"
  echo "|---|---|---|---|---|"
} >"$results"
bad=()
t0=$SECONDS
for n in $ids; do
  name=$(m name "$n") file=$(m file "$n") what=$(m what "$n")
  printf '=== mutant %s %s (%s)\n' "$n" "$name" "$file"
  cp "$top/$file" "$backup" && echo "$file" >"$active" || { echo "mutate.sh: cannot back up $file" >&2; exit 1; }
  verdict=""
  if ! m apply "$n" "$top"; then
    verdict="NO LONGER APPLIES"
    echo "mutant $n no longer applies" >&2
  elif ! build "$logs/$n-build.log"; then
    verdict="DOES NOT COMPILE (log: $logs/$n-build.log)"
    grep -m3 -E 'error' "$logs/$n-build.log" | sed 's/^/    /'
  else
    rc=0
    killers=$(run_tests "$logs/$n-test.log") || rc=$?
    [ "$rc" != 2 ] || interrupted
    [ "$rc" = 0 ] || killers="$killers ctest-timeout-${tmo}s"
    killers=$(echo $killers)
    if [ -z "$killers" ]; then verdict="SURVIVED"; fi
  fi
  restore || { echo "mutate.sh: cannot restore $file" >&2; exit 1; }
  if [ -n "$verdict" ]; then
    echo "  $verdict"
    bad+=("$n:$name")
    echo "| $n | \`$name\` | $file | $what | **$verdict** |" >>"$results"
  else
    echo "  killed by: $killers"
    echo "| $n | \`$name\` | $file | $what | ${killers// /, } |" >>"$results"
  fi
done
# Leave the build matching the restored source.
build "$logs/final-build.log" || echo "mutate.sh: rebuilding the restored tree failed (log: $logs/final-build.log)" >&2

echo
cat "$results"
echo
echo "mutate: $(echo $ids | wc -w) mutants in $((SECONDS - t0)) s; table in $results"
if [ ${#bad[@]} -gt 0 ]; then
  echo "mutate: FAILED: ${bad[*]}" >&2
  exit 1
fi
echo "mutate: every mutant killed"
