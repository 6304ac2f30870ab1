#!/bin/bash
# tenant-milter as a daemon: it detaches, writes its pid file, drops to
# run_as_user, hands its unix socket to that user (mode 0660), and on SIGTERM
# exits cleanly and removes the pid file.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
tb_init it-daemon
trap 'tb_stop_all; [ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null' EXIT
tb_redis_start || exit 99
sock="$TB_DIR/run/daemon/milter.sock"
pidfile="$TB_DIR/run/daemon/tenant-milter.pid"

ASAN_OPTIONS=detect_leaks=0 "$TB_MILTER" -c "$TB_CONF" -o "milter_socket=unix:$sock" -o "pid_file=$pidfile"
ta_eq "the parent returns at once with status 0" "$?" 0
for _ in $(seq 1 50); do [ -S "$sock" ] && [ -s "$pidfile" ] && break; sleep 0.1; done
pid=$(cat "$pidfile" 2>/dev/null)
ta_eq "pid file names a running process" "$(kill -0 "$pid" 2>/dev/null && echo running)" running
ta_eq "runs as run_as_user" "$(ps -o user= -p "$pid" | tr -d ' ')" postfix
ta_eq "detached from the terminal (own session)" "$(ps -o sid= -p "$pid" | tr -d ' ')" "$pid"
ta_eq "socket owned by run_as_user, mode 0660" "$(stat -c '%U %a' "$sock")" "postfix 660"
ta_eq "socket directory created for run_as_user" "$(stat -c '%U' "$(dirname "$sock")")" postfix
kill -TERM "$pid"
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
ta_eq "SIGTERM: the process exits" "$(kill -0 "$pid" 2>/dev/null && echo running || echo gone)" gone
ta_eq "SIGTERM: the pid file is removed" "$([ -e "$pidfile" ] && echo present || echo removed)" removed
pid=""

out=$("$TB_MILTER" -c "$TB_CONF" -o run_as_user=no-such-user-x -o "milter_socket=unix:$TB_DIR/x.sock" 2>&1)
ta_eq "an unknown run_as_user stops start-up" "$?" 1
ta_contains "... with a clear message" "$out" "run_as_user: no such user \"no-such-user-x\""
ta_finish
