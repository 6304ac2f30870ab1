#!/bin/bash
# policy.sh - tenant-policyd against postfwd, answering the same requests in one run.
#
#   sudo bench/policy.sh [REQUESTS]
#
# Both listen on TCP 127.0.0.1 and get the same requests from
# bench/policy-load (about 30 attributes each, as Postfix sends at
# smtpd_data_restrictions, ten tenants, unique instances), over persistent
# connections, at 1, 10 and 100 concurrent clients. postfwd runs Debian's
# package with its default settings (request cache on) and one rule per
# tenant giving the same FILTER answer tenant-policyd gives.
set -uo pipefail
cd "$(dirname "$0")/.."
top_srcdir=$(pwd); top_builddir=$top_srcdir
. tests/lib/testbed.sh
N=${1:-20000}
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
command -v postfwd >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y postfwd >/dev/null ||
	{ echo "postfwd is needed: apt-get install postfwd" >&2; exit 1; }
LOAD="$top_builddir/bench/policy-load"
[ -x "$LOAD" ] && [ -x "$TB_POLICYD" ] || { echo "build first (make)" >&2; exit 1; }

tb_init bench-policy
trap 'tb_stop_all; [ -f "$TB_DIR/postfwd.pid" ] && kill "$(cat "$TB_DIR/postfwd.pid")" 2>/dev/null' EXIT
echo "log_level = warning" >>"$TB_CONF"
tb_redis_start || exit 1
for t in 0 1 2 3 4 5 6 7 8 9; do
	tb_ctl tenant add "t$t" >/dev/null
	tb_ctl domain add "t$t" "t$t.example" >/dev/null
done
tb_ctl transport add out-a --ip 127.0.0.2 --helo a.relay.test >/dev/null
tb_ctl pool add shared out-a >/dev/null
for t in 0 1 2 3 4 5 6 7 8 9; do tb_ctl pool assign "t$t" shared >/dev/null; done
PD_PORT=$(tb_free_port)
tb_policyd_start -o "policy_socket=inet:$PD_PORT@127.0.0.1" || exit 1

PF_PORT=$(tb_free_port)
for t in 0 1 2 3 4 5 6 7 8 9; do
	echo "id=T$t; sender=~/@t$t\\.example\$/; action=FILTER out-a:"
done >"$TB_DIR/postfwd.cf"
postfwd --file "$TB_DIR/postfwd.cf" --interface 127.0.0.1 --port "$PF_PORT" --user postfix --group postfix \
	--pidfile "$TB_DIR/postfwd.pid" --daemon >/dev/null 2>&1 || { echo "postfwd did not start" >&2; exit 1; }
tb_wait_port "$PF_PORT" || exit 1
sleep 1

# run NAME PORT CLIENTS - "rps p99_ms" of one run
run() {
	local out
	out=$("$LOAD" -c "$3" -n "$N" -t 10 "inet:127.0.0.1:$2")
	grep -q "errors 0" <<<"$out" || { echo "errors from $1: $out" >&2; }
	grep -q "x action=FILTER out-a:" <<<"$out" || echo "unexpected answers from $1: $out" >&2
	awk '/^clients/ {for (i = 1; i < NF; i++) {if ($i == "rps") r = $(i+1); if ($i == "p99_ms") p = $(i+1)}} END {print r, p}' <<<"$out"
}

echo "requests per run: $N; both answer FILTER out-a: for every request"
printf '%-8s %16s %12s %16s %12s %10s\n' clients "policyd req/s" "p99 ms" "postfwd req/s" "p99 ms" "ratio"
for c in 1 10 100; do
	"$LOAD" -c "$c" -n 2000 -t 10 "inet:127.0.0.1:$PD_PORT" >/dev/null # warm up both
	"$LOAD" -c "$c" -n 2000 -t 10 "inet:127.0.0.1:$PF_PORT" >/dev/null
	read -r pr pp < <(run tenant-policyd "$PD_PORT" "$c")
	read -r fr fp < <(run postfwd "$PF_PORT" "$c")
	printf '%-8s %16s %12s %16s %12s %10s\n' "$c" "$pr" "$pp" "$fr" "$fp" "$(awk -v a="$pr" -v b="$fr" 'BEGIN{printf "%.1fx", a/b}')"
done
grep -qE 'AddressSanitizer|runtime error' "$TB_DIR/policyd.log" && echo "note: this build has sanitizer reports"
grep -q -- '\$ .*configure .*--enable-sanitizers' "$top_builddir/config.log" 2>/dev/null &&
	echo "note: this is a sanitizer build; for real figures build without --enable-sanitizers"
