#!/bin/bash
# throughput.sh - Postfix throughput with and without tenant-milter, in one run.
#
#   sudo bench/throughput.sh [MESSAGES] [SESSIONS] [ROUNDS] [SUPPRESSED]
#
# One private Postfix instance relays to smtp-sink. Each round measures, in
# turn: bare Postfix (no milter); a null milter (bench/null-milter.c: libmilter
# answering only end of message, the floor any milter pays); tenant-milter
# over a unix socket; and tenant-milter over TCP. A measurement is the wall time from the first
# connection of smtp-source until Postfix has logged every message as
# delivered to the sink; messages/s is MESSAGES divided by that time. The
# median of the rounds is reported, with the ratio to bare Postfix.
#
# tenant-milter runs with everything of issue 3 active and set high enough
# that nothing is refused: a warm-up schedule with hourly smoothing, provider
# caps for every group, a GCRA rate, and global and tenant suppression lists.
# Redis's INFO commandstats, read around each tenant-milter run, gives the
# Redis calls per recipient. Last, SUPPRESSED addresses (default 1,000,000)
# are imported with tenantctl: the import rate, Redis memory per million, and
# the per-recipient cost again with the big list loaded.
#
# BASELINE_MILTER=PATH (bench/against.sh sets it) adds, in every round, the
# tenant-milter binary at PATH (an earlier commit's build) on its own unix
# socket, with the same configuration, Redis and tenant: both builds are
# measured in the same run, under the same load, and compared.
set -uo pipefail
cd "$(dirname "$0")/.."
top_srcdir=$(pwd); top_builddir=$top_srcdir
. tests/lib/testbed.sh
. bench/lib.sh
N=${1:-2000}; S=${2:-20}; ROUNDS=${3:-3}; SUPP=${4:-1000000}
[ "$(id -u)" = 0 ] || { echo "run as root (it starts a private Postfix)" >&2; exit 1; }
[ -x "$TB_MILTER" ] || { echo "build first (make)" >&2; exit 1; }

tb_init bench
trap 'tb_milter_stop; tb_stop_all; kill ${TCP_PID:-} ${NULL_PID:-} ${BASE_PID:-} 2>/dev/null' EXIT
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
# every limit active, none reached
tb_ctl warmup set bench --schedule 100000000 --active-hours 12 \
	--provider google=100000000,microsoft=100000000,yahoo=100000000,apple=100000000,other=100000000 >/dev/null
tb_ctl rate set bench 100000/s >/dev/null
seq 1 1000 | awk '{print "gone" $1 "@dest.example,unsubscribe"}' >"$TB_DIR/small.csv"
tb_ctl suppress import "$TB_DIR/small.csv" >/dev/null
tb_ctl suppress import "$TB_DIR/small.csv" --tenant bench >/dev/null
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
BASE=${BASELINE_MILTER:-}
if [ -n "$BASE" ]; then
	ASAN_OPTIONS=detect_leaks=0 "$BASE" -f -c "$TB_CONF" -o "milter_socket=unix:$TB_DIR/run/base.sock" \
		-o "pid_file=$TB_DIR/run/base.pid" </dev/null >>"$TB_DIR/milter-base.log" 2>&1 &
	BASE_PID=$!
	for _ in $(seq 1 50); do [ -S "$TB_DIR/run/base.sock" ] && break; sleep 0.1; done
	[ -S "$TB_DIR/run/base.sock" ] || { echo "the baseline milter did not start:" >&2; cat "$TB_DIR/milter-base.log" >&2; exit 1; }
fi
tb_postfix_start || exit 1
postconf -c "$TB_DIR/pf" -e "default_process_limit = 200" "smtpd_client_connection_rate_limit = 0" \
	"smtpd_client_connection_count_limit = 0"

# tenant-policyd: one transport bound to 127.0.0.2, handing to the sink
tb_policyd_start || exit 1
tb_ctl transport add out-bench --ip 127.0.0.2 --helo bench.relay.test --nexthop "[127.0.0.1]:$TB_SINK_PORT" >/dev/null
tb_ctl pool add bench-pool out-bench >/dev/null
tb_ctl pool assign bench bench-pool >/dev/null
tb_postfix_egress || exit 1
PD_RESTRICTION=$(postconf -c "$TB_DIR/pf" -h smtpd_data_restrictions)
PD_SOCKETMAP=$(postconf -c "$TB_DIR/pf" -h sender_dependent_default_transport_maps)

{
	printf 'From: Bench <news@bench.example>\nTo: <rcpt@dest.example>\nSubject: throughput\n'
	printf 'Message-ID: <bench@bench.example>\nMIME-Version: 1.0\nContent-Type: text/plain\n\n'
	for i in $(seq 1 40); do printf 'line %02d of a typical two-kilobyte newsletter body, padded out to size.\n' "$i"; done
} >"$TB_DIR/message.eml"

# measure MILTERS [EGRESS] - messages per second, printed with two decimals; EGRESS=1
# adds tenant-policyd (check_policy_service at DATA and the socketmap)
measure() {
	postconf -c "$TB_DIR/pf" -e "smtpd_milters = $1" "non_smtpd_milters = $1" \
		"smtpd_data_restrictions = ${2:+$PD_RESTRICTION}" \
		"sender_dependent_default_transport_maps = ${2:+$PD_SOCKETMAP}"
	postfix -c "$TB_DIR/pf" reload >/dev/null 2>&1
	sleep 1.5
	bench_send news@bench.example
}

# cmdstat NAME FIELD - one field of INFO commandstats (0 if the command never ran)
cmdstat() {
	tb_redis info commandstats | tr -d '\r' | awk -F'[:,=]' -v c="cmdstat_$1" -v f="$2" \
		'$1 == c { for (i = 2; i < NF; i += 2) if ($i == f) v = $(i + 1) } END { print v + 0 }'
}
# cmdstat_clients - commands clients sent: EVALSHA, EVAL, SCRIPT and the milters' GET polls
# (commandstats also counts the commands a script runs, so those are left out)
cmdstat_clients() { echo $(( $(cmdstat evalsha calls) + $(cmdstat eval calls) + $(cmdstat 'script|load' calls) )); }
# measure_counted MILTERS [FILE] - like measure, and add the run's EVALSHA count, script
# calls and EVALSHA time to FILE (default $TB_DIR/calls)
measure_counted() {
	local e0 c0 u0 e1 c1 u1
	e0=$(cmdstat evalsha calls); c0=$(cmdstat_clients); u0=$(cmdstat evalsha usec)
	measure "$1"
	e1=$(cmdstat evalsha calls); c1=$(cmdstat_clients); u1=$(cmdstat evalsha usec)
	echo "$((e1 - e0)) $((c1 - c0)) $((u1 - u0))" >>"${2:-$TB_DIR/calls}"
}


declare -a bare null unix tcp both base
for r in $(seq 1 "$ROUNDS"); do
	bare+=("$(measure "")")
	null+=("$(measure "unix:$TB_DIR/null.sock")")
	[ -n "$BASE" ] && base+=("$(measure_counted "unix:$TB_DIR/run/base.sock" "$TB_DIR/calls-base")")
	unix+=("$(measure_counted "$TB_MILTER_SOCKET")")
	tcp+=("$(measure "inet:127.0.0.1:$TCP_PORT")")
	both+=("$(measure "$TB_MILTER_SOCKET" egress)")
	echo "round $r: bare ${bare[-1]}, null milter ${null[-1]},${BASE:+ baseline unix ${base[-1]},} unix ${unix[-1]}, tcp ${tcp[-1]}, milter+policyd ${both[-1]} msg/s"
done
b=$(printf '%s\n' "${bare[@]}" | median)
n=$(printf '%s\n' "${null[@]}" | median)
u=$(printf '%s\n' "${unix[@]}" | median)
t=$(printf '%s\n' "${tcp[@]}" | median)
m=$(printf '%s\n' "${both[@]}" | median)

echo
echo "messages per run: $N, parallel sessions: $S, rounds: $ROUNDS (median shown)"
printf '%-34s %10s %8s\n' "configuration" "msg/s" "ratio"
printf '%-34s %10s %8s\n' "bare Postfix" "$b" "1.00"
printf '%-34s %10s %8s\n' "null milter (protocol floor), unix" "$n" "$(ratio "$n" "$b")"
printf '%-34s %10s %8s\n' "tenant-milter, unix socket" "$u" "$(ratio "$u" "$b")"
printf '%-34s %10s %8s\n' "tenant-milter, TCP 127.0.0.1" "$t" "$(ratio "$t" "$b")"
printf '%-34s %10s %8s\n' "tenant-milter + tenant-policyd" "$m" "$(ratio "$m" "$b")"
if [ -n "$BASE" ]; then
	bb=$(printf '%s\n' "${base[@]}" | median)
	read -r bev _ < <(awk '{e += $1} END {print e + 0}' "$TB_DIR/calls-base")
	echo
	echo "this build against the baseline ($BASE), unix socket, same run:"
	printf '  baseline %s msg/s (ratio to bare %s), this build %s msg/s (ratio to bare %s): this/baseline = %s\n' \
		"$bb" "$(ratio "$bb" "$b")" "$u" "$(ratio "$u" "$b")" "$(ratio "$u" "$bb")"
	printf '  EVALSHA per message of one recipient: baseline %.2f, this build %.2f\n' \
		"$(awk -v e="$bev" -v n="$((N * ROUNDS))" 'BEGIN{print e / n}')" \
		"$(awk -v e="$(awk '{e += $1} END {print e + 0}' "$TB_DIR/calls")" -v n="$((N * ROUNDS))" 'BEGIN{print e / n}')"
fi
delivered_via=$(grep -c 'postfix-out-bench/smtp.*status=sent' "$TB_DIR/pf/maillog")
echo "  (messages delivered through the tenant's transport out-bench: $delivered_via)"

# Redis calls per recipient, from INFO commandstats around the unix runs
read -r ev calls usec < <(awk '{e += $1; g += $2; u += $3} END {print e, g, u}' "$TB_DIR/calls")
runs=$(wc -l <"$TB_DIR/calls")
echo
echo "Redis calls over $runs tenant-milter runs of $N messages, one recipient each:"
printf '  EVALSHA: %d = %.2f per message of one recipient (one RCPT check plus one end-of-message commit)\n' "$ev" \
	"$(awk -v e="$ev" -v n="$((N * runs))" 'BEGIN{print e / n}')"
printf '  every script call (EVALSHA, EVAL, SCRIPT LOAD): %d\n' "$calls"
printf '  script time per EVALSHA: %.1f us\n' "$(awk -v u="$usec" -v e="$ev" 'BEGIN{print e ? u / e : 0}')"
echo "  the tenant's counters: $(tb_redis hgetall "{t:bench}:stats:$(date -u +%F)" | paste -sd' ') (nothing deferred or refused)"

# several recipients per message: one EVALSHA per RCPT, plus one per message
R=5; M=$((N / 10))
e0=$(cmdstat evalsha calls)
before=$(sent_count)
postconf -c "$TB_DIR/pf" -e "smtpd_milters = $TB_MILTER_SOCKET" "non_smtpd_milters = $TB_MILTER_SOCKET"
postfix -c "$TB_DIR/pf" reload >/dev/null 2>&1; sleep 1.5
smtp-source -s "$S" -m "$M" -r "$R" -f news@bench.example -t rcpt@dest.example -F "$TB_DIR/message.eml" \
	"127.0.0.1:$TB_SMTP_PORT" >/dev/null 2>&1
until [ "$(sent_count)" -ge $((before + M * R)) ]; do sleep 0.05; done
e1=$(cmdstat evalsha calls)
printf '  %d messages of %d recipients: %d EVALSHA = %.2f per recipient, %.2f per message (%d RCPT checks + 1 commit)\n' \
	"$M" "$R" "$((e1 - e0))" "$(awk -v e="$((e1 - e0))" -v n="$((M * R))" 'BEGIN{print e / n}')" \
	"$(awk -v e="$((e1 - e0))" -v n="$M" 'BEGIN{print e / n}')" "$R"

if [ "$SUPP" -gt 0 ]; then
	echo
	echo "suppression at scale: $SUPP addresses"
	awk -v n="$SUPP" 'BEGIN { print "address,reason"; for (i = 1; i <= n; i++) printf "user%d@list%d.example,unsubscribe\n", i, i % 997 }' >"$TB_DIR/big.csv"
	m0=$(tb_redis info memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}')
	t0=$(date +%s.%N)
	tb_ctl suppress import "$TB_DIR/big.csv" --tenant bench | sed 's/^/  /'
	t1=$(date +%s.%N)
	m1=$(tb_redis info memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}')
	printf '  import wall time %.2f s: %.0f addresses/s\n' "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')" \
		"$(awk -v a="$t0" -v b="$t1" -v n="$SUPP" 'BEGIN{print n / (b - a)}')"
	printf '  Redis memory: %.1f MiB for %d entries = %.1f MiB per million (%.0f bytes each)\n' \
		"$(awk -v a="$m0" -v b="$m1" 'BEGIN{print (b - a) / 1048576}')" "$SUPP" \
		"$(awk -v a="$m0" -v b="$m1" -v n="$SUPP" 'BEGIN{print (b - a) / 1048576 * 1000000 / n}')" \
		"$(awk -v a="$m0" -v b="$m1" -v n="$SUPP" 'BEGIN{print (b - a) / n}')"
	: >"$TB_DIR/calls"
	declare -a big
	for r in $(seq 1 "$ROUNDS"); do big+=("$(measure_counted "$TB_MILTER_SOCKET")"); done
	g=$(printf '%s\n' "${big[@]}" | median)
	read -r ev2 _ usec2 < <(awk '{e += $1; g += $2; u += $3} END {print e, g, u}' "$TB_DIR/calls")
	printf '  with the list loaded: tenant-milter, unix %s msg/s (ratio %s), %.2f EVALSHA per recipient, %.1f us each (was %.1f)\n' \
		"$g" "$(ratio "$g" "$b")" \
		"$(awk -v e="$ev2" -v n="$((N * ROUNDS))" 'BEGIN{print e / n}')" \
		"$(awk -v u="$usec2" -v e="$ev2" 'BEGIN{print e ? u / e : 0}')" \
		"$(awk -v u="$usec" -v e="$ev" 'BEGIN{print e ? u / e : 0}')"
	out=$(swaks --server 127.0.0.1 --port "$TB_SMTP_PORT" --from news@bench.example --to user4242@list254.example 2>&1)
	grep -q '550 5.7.1 <user4242@list254.example>: recipient suppressed' <<<"$out" &&
		echo "  check: a listed address is refused (550 5.7.1 ... recipient suppressed)" ||
		echo "  check FAILED: a listed address was not refused"
fi
grep -qE 'AddressSanitizer|runtime error' "$TB_DIR/milter.log" && echo "note: this build has sanitizer reports"
grep -q -- '\$ .*configure .*--enable-sanitizers' "$top_builddir/config.log" 2>/dev/null &&
	echo "note: this is a sanitizer build; for real figures build without --enable-sanitizers"
