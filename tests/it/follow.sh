#!/bin/bash
# tenant-feedback follow against a real redis-server, killed with SIGKILL in
# the middle of its batches and started again: every delivery record of a
# 40,000-line log counts exactly once. Also "follow -" from a pipe, and log
# rotation by rename and by truncation, under a running follow and between two.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
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
# Rotation under a running follow: by rename (logrotate's default: the log is
# moved, syslog writes on into the moved file until it reopens, and a new file
# appears at the path) and by truncation (copytruncate). The records are
# deferrals of tenant rot: each counts, so a record read twice would show
# (final bounces and deliveries count once per queue id and recipient anyway).
rlog="$TB_DIR/rot.log"
rseq=0
# deferrals FILE COUNT - COUNT deferral records appended to FILE, each queue id recorded for tenant rot first
deferrals() {
	local i
	for i in $(seq $((rseq + 1)) $((rseq + $2))); do
		printf 'HSET tm:qid:R%06X tenant rot r:d%d@dest.example 1\n' "$i" "$i"
	done | tb_redis >/dev/null
	for i in $(seq $((rseq + 1)) $((rseq + $2))); do
		printf 'Nov 23 12:00:00 relay postfix/smtp[4]: R%06X: to=<d%d@dest.example>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx.dest.example[192.0.2.1]:25: Connection refused)\n' "$i" "$i"
	done >>"$1"
	rseq=$((rseq + $2))
}
deferred() { tb_redis hget "{t:rot}:fb:$today" deferred; }
# wait_deferred N - until tenant rot's deferred counter is N (at most 20 s)
wait_deferred() {
	for _ in $(seq 1 200); do
		[ "$(deferred)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# wait_log TEXT - until the running follow has logged TEXT (at most 20 s)
wait_log() {
	for _ in $(seq 1 200); do
		grep -qF -- "$1" "$TB_DIR/rotate.log" && return 0
		sleep 0.1
	done
	return 1
}
deferrals "$rlog" 100
"$FB" -c "$TB_CONF" follow --from-start "$rlog" 2>"$TB_DIR/rotate.log" &
fpid=$!
wait_deferred 100
ta_eq "the running follow applies the log" "$(deferred)" 100
mv "$rlog" "$rlog.1" && : >"$rlog" # logrotate: rename, then create
# until postrotate's HUP, syslog still writes into the moved file; a follow
# that switched to the empty new file within these few 200 ms polls would lose
# what comes (a wait for something that must not happen has no event to wait on)
sleep 0.6
deferrals "$rlog.1" 50 # written by syslog into the moved file before it reopens
deferrals "$rlog" 70   # and then into the new file
wait_deferred 220
ta_eq "rotation by rename: the moved file's last records and the new file's, each once" "$(deferred)" 220
wait_log "was rotated; following the new file"
ta_contains "...and the rotation is logged" "$(cat "$TB_DIR/rotate.log")" "tenant-feedback: $rlog was rotated; following the new file"
cp "$rlog" "$rlog.2" && : >"$rlog" # copytruncate; what follows is shorter than what was cut
deferrals "$rlog" 30
wait_deferred 250
ta_eq "rotation by truncation: the records written after it, each once" "$(deferred)" 250
wait_log "was truncated; reading it from the start"
ta_contains "...and the truncation is logged" "$(cat "$TB_DIR/rotate.log")" "tenant-feedback: $rlog was truncated; reading it from the start"
deferrals "$rlog" 5
wait_deferred 255
ta_eq "records after both rotations: nothing read twice, nothing lost" "$(deferred)" 255
kill -TERM $fpid
wait $fpid
ta_eq "the follow stopped by SIGTERM exits 0" "$?" 0
ta_contains "...having read each line once: 100 + 50 + 70 + 30 + 5" "$(cat "$TB_DIR/rotate.log")" \
	"tenant-feedback: 255 lines, 255 delivery records, 255 applied"
ta_eq "...its position is the end of the new file" "$(tb_redis get "tm:fb:pos:$rlog")" "$(stat -c %i:%s "$rlog")"
ta_eq "the counter is exact after the stop" "$(deferred)" 255
# rotated while no follow ran: the next one reads the new file from its start
: >"$rlog"
deferrals "$rlog" 3
ta_fb "truncated while stopped: follow --once exits 0" 0 follow --once "$rlog"
ta_contains "...reads the file from its start" "$ta_err" "3 lines, 3 delivery records, 3 applied"
ta_eq "...each record once" "$(deferred)" 258
mv "$rlog" "$rlog.3"
deferrals "$rlog" 4
ta_fb "renamed while stopped: follow --once exits 0" 0 follow --once "$rlog"
ta_contains "...reads the new file from its start" "$ta_err" "4 lines, 4 delivery records, 4 applied"
ta_eq "...each record once" "$(deferred)" 262
ta_fb "another follow --once: exit 0" 0 follow --once "$rlog"
ta_contains "...reads nothing" "$ta_err" "0 lines, 0 delivery records, 0 applied"
ta_eq "...and counts nothing twice" "$(deferred)" 262
ta_finish
