#!/bin/bash
# unsubscribe.sh - issue 5's two benchmarks, each against its baseline in the same run.
#
#   sudo bench/unsubscribe.sh [MESSAGES] [SESSIONS] [ROUNDS] [POSTS]
#
# 1. Signing cost. One private Postfix relays to smtp-sink; smtp-source sends
#    MESSAGES bulk-stream messages over SESSIONS sessions. Measured in turn:
#    bare Postfix; OpenDKIM (Debian's opendkim) signing alone, rsa-sha256
#    2048-bit, relaxed/relaxed, unix socket and TCP; tenant-milter doing
#    everything (tag, caps, suppression, unsubscribe headers with a sealed
#    token, RSA-2048 signing), unix socket and TCP. Medians of ROUNDS, with
#    the ratio to bare Postfix and to OpenDKIM over the same socket kind.
# 2. Endpoint throughput. tenant-httpd answers POSTS one-click POSTs, each a
#    distinct sealed token, so each writes Redis (suppression, source, counter);
#    wrk, 4 threads and 32 connections. Baseline: GET /healthz on the same
#    server (one Redis PING per request).
set -uo pipefail
cd "$(dirname "$0")/.."
top_srcdir=$(pwd); top_builddir=$top_srcdir
. tests/lib/testbed.sh
. bench/lib.sh
N=${1:-2000}; S=${2:-20}; ROUNDS=${3:-3}; POSTS=${4:-200000}
[ "$(id -u)" = 0 ] || { echo "run as root (it starts a private Postfix)" >&2; exit 1; }
[ -x "$TB_MILTER" ] && [ -x bench/seal-tokens ] || { echo "build first (make)" >&2; exit 1; }
command -v opendkim >/dev/null && command -v wrk >/dev/null || { echo "apt-get install opendkim wrk" >&2; exit 1; }

tb_init bench-unsub
trap 'tb_milter_stop; tb_httpd_stop; tb_stop_all; kill ${TCP_PID:-} ${OD_PID:-} ${OD_TCP_PID:-} 2>/dev/null; rm -rf "${OD:-/nonexistent}"' EXIT
sed -i 's/^log_level = .*//' "$TB_CONF"
cat >>"$TB_CONF" <<CONF
log_level = warning
dkim_keys = $TB_DIR/dkim.keys
dkim_key_dir = $TB_DIR/dkim
unsubscribe_url_host = unsub.bench.test
unsubscribe_mailto_domain = unsub.bench.test
httpd_client_rate = 100000000/s
CONF
tb_redis_start && tb_sink_start || exit 1
kill "$(cat "$TB_DIR/sink.pid")"; sleep 0.2 # count only, no disk writes
smtp-sink -u postfix -h sink.test "127.0.0.1:$TB_SINK_PORT" 1024 </dev/null >/dev/null 2>&1 &
echo $! >"$TB_DIR/sink.pid"
tb_wait_port "$TB_SINK_PORT"
tb_ctl tenant add bench >/dev/null
tb_ctl domain add bench bench.example --stream bulk >/dev/null
tb_ctl identity add bench --network 127.0.0.1/32 >/dev/null
tb_ctl warmup set bench --schedule 100000000 --active-hours 12 \
	--provider google=100000000,microsoft=100000000,yahoo=100000000,apple=100000000,other=100000000 >/dev/null
tb_ctl rate set bench 100000/s >/dev/null
seq 1 1000 | awk '{print "gone" $1 "@dest.example,unsubscribe"}' >"$TB_DIR/small.csv"
tb_ctl suppress import "$TB_DIR/small.csv" --tenant bench >/dev/null
tb_ctl unsubscribe-key generate >/dev/null
tb_ctl dkim generate bench bench.example --selector s1 >/dev/null || exit 1
tb_milter_start || exit 1
TCP_PORT=$(tb_free_port)
"$TB_MILTER" -f -c "$TB_CONF" -o "milter_socket=inet:$TCP_PORT@127.0.0.1" -o "pid_file=$TB_DIR/run/tcp.pid" \
	</dev/null >>"$TB_DIR/milter-tcp.log" 2>&1 &
TCP_PID=$!
tb_wait_port "$TCP_PORT"

# OpenDKIM with the same key, the same canonicalization and headers. It refuses
# files under a directory others can write (/var/tmp), so its own go under /run.
OD=$(mktemp -d /run/tenant-bench-opendkim.XXXXXX); chmod 755 "$OD"; chown postfix "$OD"
cp "$TB_DIR/dkim/bench.example.s1.key" "$OD/od.key"; chown postfix "$OD/od.key"; chmod 600 "$OD/od.key"
OD_TCP=$(tb_free_port)
for kind in unix tcp; do
	sock="local:$OD/opendkim.sock"; [ $kind = tcp ] && sock="inet:$OD_TCP@127.0.0.1"
	cat >"$OD/opendkim-$kind.conf" <<OD
Syslog no
Mode s
Domain bench.example
SubDomains yes
Selector s1
KeyFile $OD/od.key
Canonicalization relaxed/relaxed
SignatureAlgorithm rsa-sha256
SignHeaders From,To,Subject,Date,Message-ID,MIME-Version,Content-Type,List-Unsubscribe,List-Unsubscribe-Post
OversignHeaders From,List-Unsubscribe,List-Unsubscribe-Post
UserID postfix
Socket $sock
PidFile $OD/opendkim-$kind.pid
UMask 007
OD
	opendkim -f -x "$OD/opendkim-$kind.conf" </dev/null >>"$TB_DIR/opendkim.log" 2>&1 &
	[ $kind = unix ] && OD_PID=$! || OD_TCP_PID=$!
done
for _ in $(seq 1 50); do [ -S "$OD/opendkim.sock" ] && break; sleep 0.1; done
[ -S "$OD/opendkim.sock" ] || { echo "opendkim did not start:" >&2; cat "$TB_DIR/opendkim.log" >&2; exit 1; }
tb_wait_port "$OD_TCP"
tb_postfix_start || exit 1
postconf -c "$TB_DIR/pf" -e "default_process_limit = 200" "smtpd_client_connection_rate_limit = 0" \
	"smtpd_client_connection_count_limit = 0"
{
	printf 'From: Bench News <news@news.bench.example>\nTo: <rcpt@dest.example>\nSubject: throughput\n'
	printf 'Date: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <bench@bench.example>\nMIME-Version: 1.0\nContent-Type: text/plain\n\n'
	for i in $(seq 1 40); do printf 'line %02d of a typical two-kilobyte newsletter body, padded out to size.\n' "$i"; done
} >"$TB_DIR/message.eml"

measure() {
	postconf -c "$TB_DIR/pf" -e "smtpd_milters = $1" "non_smtpd_milters = $1"
	postfix -c "$TB_DIR/pf" reload >/dev/null 2>&1
	sleep 1.5
	bench_send news@news.bench.example
}

# one message first: both signers really sign
measure "unix:$OD/opendkim.sock" >/dev/null
measure "$TB_MILTER_SOCKET" >/dev/null
declare -a bare odu odt tmu tmt
for r in $(seq 1 "$ROUNDS"); do
	bare+=("$(measure "")")
	odu+=("$(measure "unix:$OD/opendkim.sock")")
	odt+=("$(measure "inet:127.0.0.1:$OD_TCP")")
	tmu+=("$(measure "$TB_MILTER_SOCKET")")
	tmt+=("$(measure "inet:127.0.0.1:$TCP_PORT")")
	echo "round $r: bare ${bare[-1]}, opendkim unix ${odu[-1]}, tcp ${odt[-1]}; tenant-milter unix ${tmu[-1]}, tcp ${tmt[-1]} msg/s"
done
b=$(printf '%s\n' "${bare[@]}" | median); ou=$(printf '%s\n' "${odu[@]}" | median)
ot=$(printf '%s\n' "${odt[@]}" | median); tu=$(printf '%s\n' "${tmu[@]}" | median)
tt=$(printf '%s\n' "${tmt[@]}" | median)
echo
echo "signing: messages per run $N, sessions $S, rounds $ROUNDS (median)"
printf '%-44s %9s %9s %12s\n' configuration msg/s "vs bare" "vs OpenDKIM"
printf '%-44s %9s %9s %12s\n' "bare Postfix" "$b" 1.00 -
printf '%-44s %9s %9s %12s\n' "OpenDKIM signing, unix socket" "$ou" "$(ratio "$ou" "$b")" 1.00
printf '%-44s %9s %9s %12s\n' "OpenDKIM signing, TCP" "$ot" "$(ratio "$ot" "$b")" 1.00
printf '%-44s %9s %9s %12s\n' "tenant-milter, everything + signing, unix" "$tu" "$(ratio "$tu" "$b")" "$(ratio "$tu" "$ou")"
printf '%-44s %9s %9s %12s\n' "tenant-milter, everything + signing, TCP" "$tt" "$(ratio "$tt" "$b")" "$(ratio "$tt" "$ot")"
echo "tenant-milter warnings (a failed signature would show here): $(grep -c warning "$TB_DIR/milter.log")"

# 2. the endpoint
tb_httpd_start || exit 1
bench/seal-tokens "$TB_DIR/token.keys" bench "$POSTS" >"$TB_DIR/tokens"
cat >"$TB_DIR/post.lua" <<'LUA'
local tokens, i = {}, 0
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
wrk.method = "POST"
wrk.body = "List-Unsubscribe=One-Click"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
	i = i + 1
	return wrk.format(nil, "/u/" .. tokens[(i - 1) % #tokens + 1])
end
LUA
U="http://127.0.0.1:$TB_HTTP_PORT"
h=$(wrk -t4 -c32 -d10s "$U/healthz" | awk '/Requests\/sec/ {print $2}')
before=$(tb_redis hlen '{t:bench}:supp')
# threads each walk the list from the start: the duration keeps the posts under the token count
TOKENS="$TB_DIR/tokens" wrk -t1 -c32 -d8s -s "$TB_DIR/post.lua" "$U" >"$TB_DIR/wrk-post.txt"
p=$(awk '/Requests\/sec/ {print $2}' "$TB_DIR/wrk-post.txt")
lat=$(awk '/Latency/ {print $2}' "$TB_DIR/wrk-post.txt")
after=$(tb_redis hlen '{t:bench}:supp')
echo
echo "endpoint: wrk, 32 connections"
printf '%-44s %12s\n' "GET /healthz (one PING)" "$h req/s"
printf '%-44s %12s   (mean latency %s, ratio to healthz %s)\n' "POST /u/TOKEN (suppression written)" "$p req/s" "$lat" "$(ratio "$p" "$h")"
echo "suppressions written during the run: $((after - before)); non-2xx: $(awk '/Non-2xx/ {print $NF}' "$TB_DIR/wrk-post.txt")"
