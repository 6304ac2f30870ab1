#!/bin/bash
# tenant-feedback follow reads its bounce rules again on SIGHUP, against a
# real redis-server: the records after the signal are classified with the new
# rules, the ones before it keep their outcome, and a rules file with errors
# is refused with a warning while the rules in use stay.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
command -v redis-server >/dev/null || { echo "# redis-server missing"; exit 99; }
tb_init it-rules-reload
trap 'kill $pid 2>/dev/null; tb_stop_all' EXIT
tb_redis_start || exit 99
FB="$top_builddir/feedback/tenant-feedback"
today=$(date -u +%F)
log="$TB_DIR/maillog"
rules="$TB_DIR/bounce-rules.conf"
: >"$log"
# record N RCPT - a bounce of acme's queue id RN to RCPT with a reply the shipped rules do not know
record() {
	tb_redis hset "tm:qid:R$1" tenant acme "r:$2" 1 >/dev/null
	printf 'Dec  2 12:00:00 relay postfix/smtp[2]: R%s: to=<%s>, relay=mx[192.0.2.1]:25, delay=0.1, delays=0/0/0/0.1, dsn=5.0.0, status=bounced (host mx said: 550 frobnicated by the gnome (in reply to RCPT TO command))\n' "$1" "$2" >>"$log"
}
supp() { tb_redis hget '{t:acme}:supp' "$1" | cut -d'|' -f1; }
printf '# source: this test\ntext=/frobnicated/ => spam-content\n' >"$rules"
"$FB" -c "$TB_CONF" -o log_level=info -r "$rules" follow --from-start "$log" 2>"$TB_DIR/follow.log" &
pid=$!
record 1 one@dest.example
tb_wait_until 10 test "$(tb_redis hget "{t:acme}:fb:$today" blocked)" = 1
ta_eq "the first rules: \"frobnicated\" is spam-content, counted as blocked" "$(tb_redis hget "{t:acme}:fb:$today" blocked)" 1
ta_eq "...and one@ is not suppressed" "$(supp one@dest.example)" ""

printf '# source: this test, edited\ntext=/frobnicated/ => user-unknown\n' >"$rules"
kill -HUP $pid
tb_wait_until 10 grep -q "SIGHUP: bounce rules reloaded" "$TB_DIR/follow.log"
ta_contains "SIGHUP: the rules are read again" "$(cat "$TB_DIR/follow.log")" "SIGHUP: bounce rules reloaded from $rules: 1 rules"
record 2 two@dest.example
tb_wait_until 10 test "$(supp two@dest.example)" = hard-bounce
ta_eq "after it, the same reply is user-unknown: two@ suppressed" "$(supp two@dest.example)" hard-bounce
ta_eq "...counted as a hard bounce" "$(tb_redis hget "{t:acme}:fb:$today" bounced_hard)" 1
ta_eq "...and one@, classified before, stays unsuppressed" "$(supp one@dest.example)" ""

printf 'text=/frobnicated/ => hard\ncode=550 => bogus\n' >"$rules"
kill -HUP $pid
tb_wait_until 10 grep -q "the bounce rules in use stay" "$TB_DIR/follow.log"
ta_contains "a rules file with errors: refused with each problem, on one line" "$(cat "$TB_DIR/follow.log")" \
	"SIGHUP: $rules:1: \"hard\" is a category: a rule names a reason, and the reason its category (user-unknown, mailbox-full, spam-content, ...: tenant-feedback(1));$rules:2: unknown reason \"bogus\""
record 3 three@dest.example
tb_wait_until 10 test "$(supp three@dest.example)" = hard-bounce
ta_eq "...and the rules in use stay: three@ suppressed as user-unknown" "$(supp three@dest.example)" hard-bounce
kill -0 $pid 2>/dev/null && ta_ok "follow is still running" || ta_fail "follow died"
kill $pid; wait $pid
ta_eq "follow stops on SIGTERM with exit 0" "$?" 0
ta_contains "its summary counts the three records" "$(cat "$TB_DIR/follow.log")" "3 delivery records, 3 applied"
tb_sanitizer_clean "$TB_DIR/follow.log"
ta_finish
