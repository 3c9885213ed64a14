#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vscsi-back: arguments are checked before Xen is opened (and before a fake disk is made).
set -u
. "$(dirname "$0")/lib.sh"
t=$1
have_fake=$2 # 1 when built with the simulator's fake target
tmp=$(mktemp -d)
trap 'rm -f "$out" "$err"; rm -rf "$tmp"' EXIT

common "$t"
usage "unexpected argument 'x'" "$t" x
usage "--max-segs: '5' out of range \(0 or 26\.\.13312\)" "$t" --max-segs 5
usage "--max-segs: '13313' out of range" "$t" --max-segs 13313
usage "--max-segs: 'many' is not a number" "$t" --max-segs many
usage "--sg-timeout: '0' out of range" "$t" --sg-timeout 0
usage "--sg-timeout: '1m' is not a number" "$t" --sg-timeout 1m
usage "--sg-op-timeout: bad opcode in '0x100=5'" "$t" --sg-op-timeout 0x100=5
usage "--sg-op-timeout: bad seconds in '0x19=0'" "$t" --sg-op-timeout 0x19=0
usage "--sg-op-timeout: trailing ','" "$t" --sg-op-timeout 0x19=5,
usage "--fake-disk-mb: 'abc' is not a number" "$t" --fake disk --fake-disk-mb abc
usage "--fake-disk-mb: '0' out of range" "$t" --fake disk --fake-disk-mb 0
usage "--fake-disk-mb needs --fake" "$t" --fake-disk-mb 8
usage "--fake-dir: /nonexistent: No such file or directory" "$t" --fake disk --fake-dir /nonexistent
usage "--fake-dir: $tmp/f: not a directory" "$t" --fake disk --fake-dir "$(touch "$tmp/f"; echo "$tmp/f")"
usage "--fake-dir needs --fake" "$t" --fake-dir "$tmp"
usage "--fake-tape needs --fake" "$t" --fake-tape capacity=1G
if [ "$have_fake" = 1 ]; then
  usage "--fake-tape: " "$t" --fake tape --fake-tape capacity=abc
fi
usage "--fake: unknown kind 'floppy'" "$t" --fake disk,floppy
usage "--fake: 'disk,' has an empty entry" "$t" --fake disk,
usage "--fake: more than 16" "$t" --fake disk,disk,disk,disk,disk,disk,disk,disk,disk,disk,disk,disk,disk,disk,disk,disk,disk
# The settings file: strict, line numbers, exit 2, checked before Xen; --check-config.
printf '# comment\n\nsg = yes\nmax-segs = 5\n' >"$tmp/bad.conf"
usage "config $tmp/bad.conf:4: max-segs: '5' out of range" "$t" --config "$tmp/bad.conf"
printf 'sg = yes\nbogus = 1\n' >"$tmp/unk.conf"
usage "config $tmp/unk.conf:2: unknown setting 'bogus'" "$t" --config "$tmp/unk.conf"
printf 'sg yes\n' >"$tmp/noeq.conf"
usage "config $tmp/noeq.conf:1: expected 'name = value'" "$t" --config "$tmp/noeq.conf"
printf 'sg = maybe\n' >"$tmp/flag.conf"
usage "config $tmp/flag.conf:1: sg: 'maybe' is not yes/no" "$t" --config "$tmp/flag.conf"
printf 'log = journal\n' >"$tmp/log.conf"
usage "config $tmp/log.conf:1: log: 'journal' is not stderr or syslog" "$t" --config "$tmp/log.conf"
printf 'domains-dir = relative/dir\n' >"$tmp/rel.conf"
usage "config $tmp/rel.conf:1: domains-dir: relative/dir: not an absolute path" "$t" --config "$tmp/rel.conf"
printf 'fake-dir = %s\n' "$tmp" >"$tmp/nofake.conf"
usage "config: fake-dir needs fake" "$t" --config "$tmp/nofake.conf"
printf 'sg = yes\nsg-op-timeout = 0x100=5\n' >"$tmp/op.conf"
usage "config: sg-op-timeout: bad opcode in '0x100=5'" "$t" --config "$tmp/op.conf"
usage "config $tmp/none.conf: No such file" "$t" --config "$tmp/none.conf"
usage "--log-level: 'loud' is not err" "$t" --no-config --log-level loud
usage "--max-vhosts: '0' out of range" "$t" --no-config --max-vhosts 0
usage "--drain-timeout: 'x' is not a number" "$t" --no-config --drain-timeout x
usage "--attach-backend: '32752' out of range" "$t" --no-config --attach-backend 32752
printf 'sg = yes\nsg-timeout = 300\nlog = syslog\nlog-level = debug\ndomains-dir = %s\n' "$tmp" >"$tmp/good.conf"
status 0 "settings good in $tmp/good.conf" "$t" --config "$tmp/good.conf" --check-config
# The command line wins over the file, and is checked on top of it.
usage "--max-segs: '5' out of range" "$t" --config "$tmp/good.conf" --max-segs 5 --check-config
status 0 "settings good \(no file\)" "$t" --no-config --check-config
if no_xen; then
  status 1 "cannot open Xen interfaces" "$t" --config "$tmp/good.conf" --log stderr
  # The pid file is created before Xen is opened: a bad path is said, exit 1.
  status 1 "--pidfile /nonexistent/p: No such file" "$t" --pidfile /nonexistent/p
  status 1 "cannot open Xen interfaces" "$t" --max-segs 0 --sg-timeout 5
  if [ "$have_fake" = 1 ]; then
    status 1 "cannot open Xen interfaces" "$t" --fake disk,tape,changer --fake-disk-mb 1 --fake-dir "$tmp"
    [ -f "$tmp/disk0.img" ] && ok "fake disk file made in --fake-dir" || bad "no $tmp/disk0.img"
  fi
fi
finish
