#!/bin/bash
# tenant-feedback follow against a real redis-server, killed with SIGKILL in
# the middle of its batches and started again: every delivery record of a
# 40,000-line log counts exactly once. Also "follow -" from a pipe.
. "$top_srcdir/contrib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
command -v redis-server >/dev/null || { echo "# redis-server missing"; exit 99; }
tb_init it-follow
trap 'tb_stop_all' EXIT
tb_redis_start || exit 99
FB="$top_builddir/feedback/tenant-feedback"
today=$(date -u +%F)
log="$TB_DIR/maillog"
N=20000
# N delivered records for acme, each with a smtpd line before it; queue ids mapped to acme
awk -v n=$N 'BEGIN { for (i = 0; i < n; i++) {
	printf "Nov 23 12:00:00 relay postfix/smtpd[1]: Q%06X: client=unknown[127.0.0.2]\n", i
	printf "Nov 23 12:00:00 relay postfix/smtp[2]: Q%06X: to=<r%d@dest.example>, relay=mx[192.0.2.1]:25, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)\n", i, i } }' >"$log"
awk -v n=$N 'BEGIN { for (i = 0; i < n; i++) printf "HSET tm:qid:Q%06X tenant acme r:r%d@dest.example 1\n", i, i }' | tb_redis >/dev/null

"$FB" -c "$TB_CONF" follow --from-start "$log" 2>"$TB_DIR/follow1.log" &
pid=$!
for _ in $(seq 1 200); do
	n=$(tb_redis hget "{t:acme}:fb:$today" delivered)
	[ "${n:-0}" -gt 0 ] && break
	sleep 0.02
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
first=$(tb_redis hget "{t:acme}:fb:$today" delivered)
[ "${first:-0}" -gt 0 ] && [ "${first:-0}" -lt $N ] && ta_ok "follow was killed mid-log, after $first of $N records" ||
	ta_fail "the kill did not land mid-log ($first of $N)"
pos=$(tb_redis get "tm:fb:pos:$log")
ta_contains "its position is stored as inode:offset" "$pos" ":"
ta_fb "the restarted follow --once: exit 0" 0 follow --once "$log"
printf '%s\n' "$ta_err" >"$TB_DIR/follow2.log"
ta_eq "after a restart every record counts exactly once" "$(tb_redis hget "{t:acme}:fb:$today" delivered)" $N
ta_fb "a third follow --once: exit 0" 0 follow --once "$log"
ta_eq "a third pass adds nothing" "$(tb_redis hget "{t:acme}:fb:$today" delivered)" $N

# "follow -": records from a pipe, as from journalctl -f -o cat
printf '%s\n' "Nov 23 12:00:01 relay postfix-out-acme/smtp[3]: QPIPE1: to=<gone@dest.example>, relay=mx[192.0.2.1]:25, delay=0.1, delays=0/0/0/0.1, dsn=5.1.1, status=bounced (host mx said: 550 5.1.1 User unknown (in reply to RCPT TO command))" \
	'garbage line' "" >"$TB_DIR/pipe.log"
tb_redis hset tm:qid:QPIPE1 tenant acme r:gone@dest.example 1 >/dev/null
ta_fb "follow - from a pipe: exit 0" 0 follow - <"$TB_DIR/pipe.log"
ta_contains "follow - reads a pipe to its end" "$ta_out$ta_err" "3 lines, 1 delivery records, 1 applied"
ta_eq "...and applies what it reads" "$(tb_redis hget '{t:acme}:supp' gone@dest.example | cut -d'|' -f1)" hard-bounce
ta_finish
