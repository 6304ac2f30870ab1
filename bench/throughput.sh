#!/bin/bash
# throughput.sh - Postfix throughput with and without tenant-milter, in one run.
#
#   sudo bench/throughput.sh [MESSAGES] [SESSIONS] [ROUNDS]
#
# One private Postfix instance relays to smtp-sink. Each round measures, in
# turn: bare Postfix (no milter); a null milter (bench/null-milter.c: libmilter
# answering only end of message, the floor any milter pays); tenant-milter
# over a unix socket; and tenant-milter over TCP. A measurement is the wall time from the first
# connection of smtp-source until Postfix has logged every message as
# delivered to the sink; messages/s is MESSAGES divided by that time. The
# median of the rounds is reported, with the ratio to bare Postfix.
set -uo pipefail
cd "$(dirname "$0")/.."
top_srcdir=$(pwd); top_builddir=$top_srcdir
. contrib/testbed.sh
N=${1:-2000}; S=${2:-20}; ROUNDS=${3:-3}
[ "$(id -u)" = 0 ] || { echo "run as root (it starts a private Postfix)" >&2; exit 1; }
[ -x "$TB_MILTER" ] || { echo "build first (make)" >&2; exit 1; }

tb_init bench
trap 'tb_milter_stop; tb_stop_all; kill ${TCP_PID:-} ${NULL_PID:-} 2>/dev/null' EXIT
sed -i 's/^log_level = .*//' "$TB_CONF"
echo "log_level = warning" >>"$TB_CONF"
tb_redis_start && tb_sink_start || exit 1
# smtp-sink without a dump directory: count only, no disk writes
kill "$(cat "$TB_DIR/sink.pid")"; sleep 0.2
smtp-sink -u postfix -h sink.test "127.0.0.1:$TB_SINK_PORT" 1024 </dev/null >/dev/null 2>&1 &
echo $! >"$TB_DIR/sink.pid"
tb_wait_port "$TB_SINK_PORT"
tb_ctl tenant add bench >/dev/null
tb_ctl domain add bench bench.example >/dev/null
tb_ctl identity add bench --network 127.0.0.1/32 >/dev/null
tb_milter_start || exit 1
TCP_PORT=$(tb_free_port)
ASAN_OPTIONS=detect_leaks=0 "$TB_MILTER" -f -c "$TB_CONF" -o "milter_socket=inet:$TCP_PORT@127.0.0.1" \
	-o "pid_file=$TB_DIR/run/tcp.pid" </dev/null >>"$TB_DIR/milter-tcp.log" 2>&1 &
TCP_PID=$!
tb_wait_port "$TCP_PORT"
cc -O2 -o "$TB_DIR/null-milter" bench/null-milter.c -lmilter -lpthread || exit 1
"$TB_DIR/null-milter" "unix:$TB_DIR/null.sock" </dev/null >/dev/null 2>&1 &
NULL_PID=$!
for _ in $(seq 1 50); do [ -S "$TB_DIR/null.sock" ] && break; sleep 0.1; done
chown postfix "$TB_DIR/null.sock"
tb_postfix_start || exit 1
postconf -c "$TB_DIR/pf" -e "default_process_limit = 200" "smtpd_client_connection_rate_limit = 0" \
	"smtpd_client_connection_count_limit = 0"

{
	printf 'From: Bench <news@bench.example>\nTo: <rcpt@dest.example>\nSubject: throughput\n'
	printf 'Message-ID: <bench@bench.example>\nMIME-Version: 1.0\nContent-Type: text/plain\n\n'
	for i in $(seq 1 40); do printf 'line %02d of a typical two-kilobyte newsletter body, padded out to size.\n' "$i"; done
} >"$TB_DIR/message.eml"

sent_count() { awk '/status=sent/ {n++} END {print n + 0}' "$TB_DIR/pf/maillog" 2>/dev/null; }

# measure MILTERS - messages per second, printed with two decimals
measure() {
	postconf -c "$TB_DIR/pf" -e "smtpd_milters = $1" "non_smtpd_milters = $1"
	postfix -c "$TB_DIR/pf" reload >/dev/null 2>&1
	sleep 1.5
	local before start end target
	before=$(sent_count); target=$((before + N))
	start=$(date +%s.%N)
	smtp-source -s "$S" -m "$N" -f news@bench.example -t rcpt@dest.example -F "$TB_DIR/message.eml" \
		"127.0.0.1:$TB_SMTP_PORT" >/dev/null 2>&1
	until [ "$(sent_count)" -ge "$target" ]; do sleep 0.05; done
	end=$(date +%s.%N)
	echo "$N $start $end" | awk '{printf "%.2f\n", $1 / ($3 - $2)}'
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -a bare null unix tcp
for r in $(seq 1 "$ROUNDS"); do
	bare+=("$(measure "")")
	null+=("$(measure "unix:$TB_DIR/null.sock")")
	unix+=("$(measure "$TB_MILTER_SOCKET")")
	tcp+=("$(measure "inet:127.0.0.1:$TCP_PORT")")
	echo "round $r: bare ${bare[-1]}, null milter ${null[-1]}, unix ${unix[-1]}, tcp ${tcp[-1]} msg/s"
done
b=$(printf '%s\n' "${bare[@]}" | median)
n=$(printf '%s\n' "${null[@]}" | median)
u=$(printf '%s\n' "${unix[@]}" | median)
t=$(printf '%s\n' "${tcp[@]}" | median)

echo
echo "messages per run: $N, parallel sessions: $S, rounds: $ROUNDS (median shown)"
printf '%-34s %10s %8s\n' "configuration" "msg/s" "ratio"
printf '%-34s %10s %8s\n' "bare Postfix" "$b" "1.00"
printf '%-34s %10s %8s\n' "null milter (protocol floor), unix" "$n" "$(awk -v a="$n" -v b="$b" 'BEGIN{printf "%.2f", a/b}')"
printf '%-34s %10s %8s\n' "tenant-milter, unix socket" "$u" "$(awk -v a="$u" -v b="$b" 'BEGIN{printf "%.2f", a/b}')"
printf '%-34s %10s %8s\n' "tenant-milter, TCP 127.0.0.1" "$t" "$(awk -v a="$t" -v b="$b" 'BEGIN{printf "%.2f", a/b}')"
grep -qE 'AddressSanitizer|runtime error' "$TB_DIR/milter.log" && echo "note: this build has sanitizer reports"
grep -q -- '\$ .*configure .*--enable-sanitizers' "$top_builddir/config.log" 2>/dev/null &&
	echo "note: this is a sanitizer build; for real figures build without --enable-sanitizers"
