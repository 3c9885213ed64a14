# SPDX-License-Identifier: MIT
# Helpers for the tools' argument tests: run a command, check its exit code and what it said.
# Sourced by <tool>_args.sh; each check prints one line, the script fails if any check failed.
fails=0
checks=0
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# run CMD...: leaves the exit code in $rc, stdout in $out, stderr in $err. Never waits forever:
# a tool that hangs on a bad argument is a failure of that check, not of the whole suite.
run() {
  rc=0
  timeout 20 "$@" </dev/null >"$out" 2>"$err" || rc=$?
}

ok() { checks=$((checks + 1)); echo "ok   $*"; }
bad() {
  checks=$((checks + 1)); fails=$((fails + 1))
  echo "FAIL $*"
  sed 's/^/     stdout: /' "$out" | head -5
  sed 's/^/     stderr: /' "$err" | head -5
}

# usage REGEX CMD...: exit 2, stderr names the problem (REGEX, extended, case-sensitive),
# says where help is, stdout empty, and nothing was opened (no "cannot open").
usage() {
  local want=$1; shift
  run "$@"
  if [ "$rc" != 2 ]; then bad "$* : exit $rc, want 2"; return; fi
  if ! grep -Eq -- "$want" "$err"; then bad "$* : stderr lacks /$want/"; return; fi
  if ! grep -q -- "--help" "$err"; then bad "$* : stderr lacks the --help hint"; return; fi
  if [ -s "$out" ]; then bad "$* : printed on stdout"; return; fi
  if grep -qi "cannot open" "$err"; then bad "$* : opened something before refusing"; return; fi
  ok "$* -> 2: $(head -1 "$err")"
}

# status N REGEX CMD...: exit N and REGEX in stdout+stderr.
status() {
  local want_rc=$1 want=$2; shift 2
  run "$@"
  if [ "$rc" != "$want_rc" ]; then bad "$* : exit $rc, want $want_rc"; return; fi
  if ! cat "$out" "$err" | grep -Eq -- "$want"; then bad "$* : output lacks /$want/"; return; fi
  ok "$* -> $rc"
}

# common PROG: --version, -h, --help, an unknown option.
common() {
  local prog=$1 name; name=$(basename "$1")
  status 0 "^$name \(libvscsiif\) [0-9]+\.[0-9]+\.[0-9]+$" "$prog" --version
  status 0 "^usage: $name" "$prog" -h
  status 0 "exit status: 0" "$prog" --help
  usage "unrecognized option" "$prog" --no-such-option
}

# No Xen here: a tool given good arguments gets as far as opening Xen and says it cannot
# (exit 1). That is what proves the refusals above came before any open. Skipped on a Xen host.
no_xen() {
  [ ! -e /dev/xen/xenbus ] && [ ! -e /proc/xen/xenbus ] && [ ! -S /var/run/xenstored/socket ] &&
    [ ! -S /run/xenstored/socket ]
}

finish() {
  echo "$checks checks, $fails failed"
  [ "$fails" = 0 ]
}
