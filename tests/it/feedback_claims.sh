#!/bin/bash
# What tenant-feedback(1) and tenant-milter.conf(5) promise, against a real
# redis-server, as the dashboard and tenantctl see it:
# - soft_bounce_limit (default 3) soft bounces in a row within
#   soft_bounce_window (default 14d) become a soft-bounce-streak suppression;
#   one fewer does not, a streak older than the window starts again, and a
#   delivery resets it;
# - hard_bounce_scope: a hard bounce attributed through a queue id that
#   tenant-milter recorded (tm:qid:QID) suppresses for its tenant only by
#   default, for every tenant with "global";
# - the pipe(8) commands dsn and unsubscribe exit 75 (EX_TEMPFAIL: Postfix
#   keeps the message and retries) when Redis, the keyring or the forwarding
#   fails, and 0 when done; what they did not do is not half done.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
command -v redis-server >/dev/null || { echo "# redis-server missing"; exit 99; }
tb_init it-feedback-claims
trap 'tb_stop_all' EXIT
tb_redis_start || exit 99
tb_ctl tenant add acme >/dev/null && tb_ctl domain add acme acme.example >/dev/null &&
	tb_ctl tenant add beta >/dev/null && tb_ctl domain add beta beta.example >/dev/null &&
	tb_ctl unsubscribe-key generate >/dev/null || exit 99
FIX="$top_srcdir/tests/fixtures/bounce"
SEAL="$top_builddir/bench/seal-tokens"
today=$(date -u +%F)
DOWN=127.0.0.1:$(tb_free_port) # nothing listens there: Redis is down

# outcomes KIND RCPT COUNT [OPTION...] - COUNT delivery records of new acme messages
# to RCPT, each queue id recorded as tenant-milter records it, applied by
# "follow -" (with -o OPTIONs); KIND soft (552 5.2.2, bounced), hard (550 5.1.1,
# bounced) or sent
seq=0
outcomes() {
	local kind=$1 rcpt=$2 count=$3 tail qid
	shift 3
	case $kind in
	soft) tail='dsn=5.2.2, status=bounced (host mx[192.0.2.1] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command))' ;;
	hard) tail='dsn=5.1.1, status=bounced (host mx[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))' ;;
	sent) tail='dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 1A2B3C)' ;;
	esac
	: >"$TB_DIR/records.log"
	for _ in $(seq 1 "$count"); do
		seq=$((seq + 1))
		qid=$(printf 'C%06X' $seq)
		tb_redis hset "tm:qid:$qid" tenant acme "r:$rcpt" 1 >/dev/null
		printf 'Dec  1 12:00:00 relay postfix/smtp[2]: %s: to=<%s>, relay=mx[192.0.2.1]:25, delay=0.1, delays=0/0/0/0.1, %s\n' \
			"$qid" "$rcpt" "$tail" >>"$TB_DIR/records.log"
	done
	ta_fb "$count $kind to $rcpt: follow - exits 0" 0 "$@" follow - <"$TB_DIR/records.log" &&
		ta_contains "...and applies each record" "$ta_err" "$count lines, $count delivery records, $count applied"
}
supp() { tb_redis hget "{t:$1}:supp" "$2" | cut -d'|' -f1; }
streak() { tb_redis hget '{t:acme}:streak' "$1" | cut -d'|' -f1; }
# not_suppressed WHAT ADDR TENANT - tenantctl suppress check says no (exit 1)
not_suppressed() {
	ta_ctl "$1: tenantctl suppress check exits 1" 1 suppress check "$2" --tenant "$3" &&
		ta_contains "$1: ...and says so" "$ta_out" "$2: not suppressed globally or for tenant $3"
}

# 1. the soft-bounce streak, default soft_bounce_limit = 3
outcomes soft two@dest.example 2
ta_eq "2 soft bounces: no suppression" "$(supp acme two@dest.example)" ""
ta_eq "2 soft bounces: the streak counts 2 ({t:acme}:streak)" "$(streak two@dest.example)" 2
not_suppressed "2 soft bounces" two@dest.example acme
outcomes soft three@dest.example 3
ta_eq "3 soft bounces in a row: acme's suppression, reason soft-bounce-streak" "$(supp acme three@dest.example)" soft-bounce-streak
ta_ctl "3 soft bounces: tenantctl suppress check exits 0" 0 suppress check three@dest.example --tenant acme
ta_contains "...and says why and since when" "$ta_out" "three@dest.example: suppressed for tenant acme since $today (soft-bounce-streak), expires never"
ta_eq "...the streak is gone with the suppression" "$(streak three@dest.example)" ""
ta_eq "...only acme's: nothing global" "$(tb_redis hget tm:supp three@dest.example)" ""
not_suppressed "a streak suppresses for its tenant only" three@dest.example beta
ta_eq "dashboard: every final soft bounce counted (bounced_soft)" "$(tb_redis hget "{t:acme}:fb:$today" bounced_soft)" 5
ta_ctl "tenantctl stats acme: exit 0" 0 stats acme
ta_eq "tenantctl stats: today's SOFT column" "$(printf '%s\n' "$ta_out" | awk '$1 == "today" {print $5}')" 5

# a delivery resets the streak
outcomes soft reset@dest.example 2
outcomes sent reset@dest.example 1
ta_eq "a delivery after 2 soft bounces clears the streak" "$(streak reset@dest.example)" ""
outcomes soft reset@dest.example 2
ta_eq "2 more soft bounces after the delivery: no suppression (4 soft, not in a row)" "$(supp acme reset@dest.example)" ""
outcomes soft reset@dest.example 1
ta_eq "a third one in a row after the delivery: soft-bounce-streak" "$(supp acme reset@dest.example)" soft-bounce-streak

# soft_bounce_limit = 5
outcomes soft five@dest.example 4 -o soft_bounce_limit=5
ta_eq "soft_bounce_limit=5: 4 soft bounces suppress nothing" "$(supp acme five@dest.example)" ""
outcomes soft five@dest.example 1 -o soft_bounce_limit=5
ta_eq "soft_bounce_limit=5: the 5th does" "$(supp acme five@dest.example)" soft-bounce-streak

# soft_bounce_window (default 14d = 1209600 s), from the streak's first bounce;
# the streak's documented form is count|first (unix s): age its start
now=$(tb_redis time | head -1)
tb_redis hset '{t:acme}:streak' old@dest.example "2|$((now - 1209600 - 120))" >/dev/null
outcomes soft old@dest.example 1
ta_eq "2 soft bounces 14 days and 2 minutes ago, then one: no suppression" "$(supp acme old@dest.example)" ""
ta_eq "...the streak starts again at 1" "$(streak old@dest.example)" 1
tb_redis hset '{t:acme}:streak' recent@dest.example "2|$((now - 1209600 + 120))" >/dev/null
outcomes soft recent@dest.example 1
ta_eq "2 soft bounces 13 days 23:58 ago, then one: soft-bounce-streak" "$(supp acme recent@dest.example)" soft-bounce-streak
tb_redis hset '{t:acme}:streak' short@dest.example "2|$((now - 7200))" >/dev/null
outcomes soft short@dest.example 1 -o soft_bounce_window=1h
ta_eq "soft_bounce_window=1h: 2 soft bounces 2 hours ago, then one: no suppression" "$(supp acme short@dest.example)" ""
ta_eq "...the streak starts again at 1" "$(streak short@dest.example)" 1

# 2. hard_bounce_scope for a hard bounce attributed through a recorded queue id
outcomes hard tscope@dest.example 1
ta_eq "hard_bounce_scope = tenant (default): acme's suppression" "$(supp acme tscope@dest.example)" hard-bounce
ta_eq "...not the global list" "$(tb_redis hget tm:supp tscope@dest.example)" ""
not_suppressed "hard_bounce_scope = tenant: beta may still mail it" tscope@dest.example beta
outcomes hard gscope@dest.example 1 -o hard_bounce_scope=global
ta_eq "hard_bounce_scope = global: the global list (tm:supp)" "$(tb_redis hget tm:supp gscope@dest.example | cut -d'|' -f1)" hard-bounce
ta_ctl "hard_bounce_scope = global: tenantctl suppress check for beta exits 0" 0 suppress check gscope@dest.example --tenant beta
ta_contains "...suppressed globally, as a hard bounce" "$ta_out" "gscope@dest.example: suppressed globally since $today (hard-bounce)"
ta_ctl "tenantctl suppress list: exit 0" 0 suppress list
ta_contains "...the global list shows it" "$ta_out" "gscope@dest.example"
# the same through dsn: our own bounce, whose X-Postfix-Queue-ID acme's message was recorded under
tb_redis hset tm:qid:DQ1 tenant acme r:dscope@dest.example 1 >/dev/null
sed -e 's/3F2A1C0/DQ1/' -e 's/nobody@dest.example/dscope@dest.example/g' "$FIX/postfix-user-unknown.eml" >"$TB_DIR/dscope.eml"
ta_fb "dsn, hard_bounce_scope = global: exit 0" 0 -o hard_bounce_scope=global dsn <"$TB_DIR/dscope.eml"
ta_contains "...applied for the recorded recipient" "$ta_err" "dsn: tenant=acme rcpt=dscope@dest.example category=hard"
ta_lacks "...not refused" "$ta_err" "not applied"
ta_eq "...into the global list" "$(tb_redis hget tm:supp dscope@dest.example | cut -d'|' -f1)" hard-bounce
ta_eq "...not acme's" "$(supp acme dscope@dest.example)" ""

# a remote MTA's bounce after our delivery: the log counted the delivery ("sent") under our
# queue id, which the bounce names only in its returned original's Received field; it counts
outcomes sent late@dest.example 1
lq=$(printf 'C%06X' $seq)
sed -e '/^X-Postfix-Queue-ID:/d' -e 's/nobody@dest.example/late@dest.example/g' \
	-e "s/^X-Tenant: acme/Received: from client (client [192.0.2.9])\n\tby relay.example (Postfix) with ESMTPSA id $lq;\n\tMon, 1 Dec 2026 11:59:00 +0000/" \
	"$FIX/postfix-user-unknown.eml" >"$TB_DIR/late.eml"
ta_contains "(the returned original names our queue id in its Received field)" "$(cat "$TB_DIR/late.eml")" "(Postfix) with ESMTPSA id $lq;"
ta_fb "dsn, a remote bounce after the log's \"sent\": exit 0" 0 dsn <"$TB_DIR/late.eml"
ta_eq "...applied, not taken for the delivery already counted" "$ta_err" "tenant-feedback: dsn: tenant=acme rcpt=late@dest.example category=hard"
ta_eq "...acme's suppression" "$(supp acme late@dest.example)" hard-bounce
ta_eq "...counted once per that message and kind of report" "$(tb_redis exists "tm:fb:seen:R$lq.hard:late@dest.example")" 1
sed "s/^Reporting-MTA: .*/&\nX-Postfix-Queue-ID: INVENTED1/" "$TB_DIR/late.eml" >"$TB_DIR/late-replay.eml"
ta_contains "(the replay names a queue id of its own)" "$(cat "$TB_DIR/late-replay.eml")" "X-Postfix-Queue-ID: INVENTED1"
ta_fb "dsn, it replayed with an invented reporter's queue id: exit 0" 0 dsn <"$TB_DIR/late-replay.eml"
ta_eq "...already counted for acme (the queue id that attributed it is the key)" "$ta_err" "tenant-feedback: dsn: tenant=acme rcpt=late@dest.example category=hard (not applied: already counted)"

# 3. dsn: 75 when Redis is down, and the retry applies it once
tb_redis hset tm:qid:DQ2 tenant acme r:retry@dest.example 1 >/dev/null
sed -e 's/3F2A1C0/DQ2/' -e 's/nobody@dest.example/retry@dest.example/g' "$FIX/postfix-user-unknown.eml" >"$TB_DIR/retry.eml"
ta_fb "dsn, Redis down: exit 75 (EX_TEMPFAIL)" 75 -o redis_server=$DOWN dsn <"$TB_DIR/retry.eml"
ta_contains "...and says why" "$ta_err" "tenant-feedback: redis $DOWN: Connection refused"
tb_redis replicaof 127.0.0.1 "$(tb_free_port)" >/dev/null # a replica of nobody refuses writes (READONLY)
ta_fb "dsn, Redis read-only: exit 75" 75 dsn <"$TB_DIR/retry.eml"
ta_contains "...and says why" "$ta_err" "READONLY"
tb_redis replicaof no one >/dev/null
ta_eq "...nothing was applied" "$(supp acme retry@dest.example)" ""
ta_fb "dsn, Redis back: the retry exits 0" 0 dsn <"$TB_DIR/retry.eml"
ta_contains "...and applies the report" "$ta_err" "dsn: tenant=acme rcpt=retry@dest.example category=hard"
ta_eq "...acme's suppression" "$(supp acme retry@dest.example)" hard-bounce
ta_eq "dashboard: bounced_hard counts the 4 hard bounces above and the retried report once" "$(tb_redis hget "{t:acme}:fb:$today" bounced_hard)" 5

# a feedback loop's verified report: the tenant it names is checked in the tenant directory
fbl=(-o feedback_loop_authserv_id=mx.relay.test -o feedback_loop_domains=fbl.provider.example)
{
	printf 'Authentication-Results: mx.relay.test; dkim=pass header.d=fbl.provider.example\n'
	sed 's/complainer@provider.example/fbl@dest.example/' "$FIX/arf-abuse.eml"
} >"$TB_DIR/fbl.eml"
ta_fb "dsn, a verified feedback-loop report, Redis down: exit 75" 75 "${fbl[@]}" -o redis_server=$DOWN dsn <"$TB_DIR/fbl.eml"
ta_eq "...and says why, and tries nothing else" "$ta_err" "tenant-feedback: warning: dsn: cannot read the tenant directory to check the report's tenant: redis $DOWN: Connection refused; the message is kept for a retry"
ta_fb "...Redis back: exit 0" 0 "${fbl[@]}" dsn <"$TB_DIR/fbl.eml"
ta_contains "...applied for the tenant it names" "$ta_err" "dsn: tenant=acme rcpt=fbl@dest.example category=complaint via=fbl:fbl.provider.example"
ta_eq "...acme's complaint suppression" "$(supp acme fbl@dest.example)" complaint

# Microsoft's JMRP (not ARF): the same gate - forged, nothing; from a verified feedback loop, its tenant's complaint
jmrp() { # jmrp RCPT: a JMRP report returning acme's message to RCPT
	printf 'From: staff@hotmail.com\nTo: fbl@relay.example\nSubject: complaint about message from 192.0.2.1\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="j"\n\n--j\nContent-Type: message/rfc822\n\n'
	printf 'X-HmXmrOriginalRecipient: %s\nFrom: <news@acme.example>\nTo: <%s>\nSubject: offer\nX-Tenant: acme\n\nbuy\n--j--\n' "$1" "$1"
}
jmrp jmrp-forged@dest.example >"$TB_DIR/jmrp-forged.eml"
ta_fb "dsn, a JMRP report nobody vouches for: exit 0" 0 dsn <"$TB_DIR/jmrp-forged.eml"
ta_contains "...read as a complaint, not applied, and why" "$ta_err" "rcpt=jmrp-forged@dest.example category=complaint (not applied"
ta_eq "...no suppression" "$(supp acme jmrp-forged@dest.example)" ""
{
	printf 'Authentication-Results: mx.relay.test; dkim=pass header.d=fbl.provider.example\n'
	jmrp jmrp-real@dest.example
} >"$TB_DIR/jmrp.eml"
ta_fb "dsn, a JMRP report from a verified feedback loop: exit 0" 0 "${fbl[@]}" dsn <"$TB_DIR/jmrp.eml"
ta_contains "...applied for the tenant it names" "$ta_err" "dsn: tenant=acme rcpt=jmrp-real@dest.example category=complaint via=fbl:fbl.provider.example"
ta_eq "...acme's complaint suppression" "$(supp acme jmrp-real@dest.example)" complaint

# a complaint whose recipient the provider redacted (no Original-Rcpt-To, the original
# "To: undisclosed-recipients:;") counts only from a verified feedback loop: for the tenant
# its tag names, or whose recorded queue id the original's Received field names, once per
# queue id; no one is suppressed
redacted() { # redacted QID [TENANT-TAG]: such a report about acme's message QID
	sed -e '/^Original-Rcpt-To:/d' -e 's/^To: <complainer@provider.example>/To: undisclosed-recipients:;/' \
		-e "s/^X-Tenant: acme/Received: from client (client [192.0.2.9])\n\tby relay.example (Postfix) with ESMTPSA id $1;\n\tThu, 8 Mar 2026 13:59:00 -0500${2:+\nX-Tenant: $2}/" \
		"$FIX/arf-abuse.eml"
}
verified() { printf 'Authentication-Results: mx.relay.test; dkim=pass header.d=fbl.provider.example\n'; redacted "$@"; }
fbh() { tb_redis hget "{t:$1}:fb:$today" "$2"; }
redacted RQ0A1B2 >"$TB_DIR/redacted.eml"
ta_lacks "(the report names no recipient)" "$(cat "$TB_DIR/redacted.eml")" "complainer@"
ta_fb "classify, a redacted complaint: exit 0" 0 classify "$TB_DIR/redacted.eml"
ta_eq "...a complaint about no one" "$ta_out" "$TB_DIR/redacted.eml: - - complaint (feedback-abuse)"
before=$(fbh acme complaints) supp_before=$(tb_redis hlen '{t:acme}:supp') unattr=$(tb_redis hget "tm:stats:$today" fb_unattributed)
tb_redis hset tm:qid:RQ0A1B2 tenant acme r:someone@dest.example 1 >/dev/null
ta_fb "dsn, a redacted complaint about a message of acme's, from anyone: exit 0" 0 "${fbl[@]}" dsn <"$TB_DIR/redacted.eml"
ta_contains "...not applied, and why (anyone who saw the message knows its queue id)" "$ta_err" "dsn: tenant=- rcpt=(redacted) category=complaint (not applied: a report that names no recipient counts only from a verified feedback loop)"
ta_eq "...acme's complaints unchanged" "$(fbh acme complaints)" "$before"
ta_eq "...counted as unattributed" "$(tb_redis hget "tm:stats:$today" fb_unattributed)" "$((${unattr:-0} + 1))"
verified RQ0A1B2 >"$TB_DIR/redacted-v.eml"
ta_fb "dsn, the same from a verified feedback loop: exit 0" 0 "${fbl[@]}" dsn <"$TB_DIR/redacted-v.eml"
ta_eq "...logged as a complaint charged to acme, whose queue id it is" "$ta_err" "tenant-feedback: dsn: tenant=acme rcpt=(redacted) category=complaint"
ta_eq "dashboard: acme's complaints count it" "$(fbh acme complaints)" "$((before + 1))"
ta_eq "dashboard: ...and redacted:complaints says it named no one" "$(fbh acme redacted:complaints)" 1
ta_eq "...no one is suppressed" "$(tb_redis hlen '{t:acme}:supp')" "$supp_before"
ta_eq "...nor the recorded recipient's streak touched" "$(streak someone@dest.example)" ""
ta_fb "dsn, the same report again: exit 0" 0 "${fbl[@]}" dsn <"$TB_DIR/redacted-v.eml"
ta_eq "...counted once per message, for acme" "$ta_err" "tenant-feedback: dsn: tenant=acme rcpt=(redacted) category=complaint (not applied: already counted)"
ta_eq "...acme's complaints unchanged" "$(fbh acme complaints)" "$((before + 1))"
verified RQ0FFFF >"$TB_DIR/redacted-unknown.eml"
ta_fb "dsn, a verified redacted complaint naming a queue id nobody recorded: exit 0" 0 "${fbl[@]}" dsn <"$TB_DIR/redacted-unknown.eml"
ta_eq "...not applied, and why" "$ta_err" "tenant-feedback: dsn: tenant=- rcpt=(redacted) category=complaint (not applied: no queue id of ours)"
ta_eq "...beta is untouched" "$(fbh beta complaints)" ""
verified RQ0FFFE acme >"$TB_DIR/redacted-fbl.eml"
ta_fb "dsn, a redacted complaint from a verified feedback loop, tagged acme: exit 0" 0 "${fbl[@]}" dsn <"$TB_DIR/redacted-fbl.eml"
ta_eq "...applied for the tenant it names" "$ta_err" "tenant-feedback: dsn: tenant=acme rcpt=(redacted) category=complaint via=fbl:fbl.provider.example"
ta_eq "...acme's complaints count it" "$(fbh acme complaints)" "$((before + 2))"
ta_eq "...redacted:complaints too" "$(fbh acme redacted:complaints)" 2
ta_fb "dsn, the provider sends it twice: exit 0" 0 "${fbl[@]}" dsn <"$TB_DIR/redacted-fbl.eml"
ta_contains "...counted once per its message's queue id" "$ta_err" "category=complaint via=fbl:fbl.provider.example (not applied: already counted)"
ta_eq "...acme's complaints unchanged" "$(fbh acme complaints)" "$((before + 2))"
# a tagged one whose original kept no Received field of ours: the report's own Message-ID
# (the provider's) dedups it; the original's is the tenant's to write, and one it repeated
# on every message must not hide its complaints
{ printf 'Message-ID: <r1@fbl.provider.example>\n'; grep -v -e '^Received: from client' -e 'by relay.example (Postfix)' -e '^	Thu, 8 Mar 2026 13:59:00' "$TB_DIR/redacted-fbl.eml"; } >"$TB_DIR/redacted-noqid.eml"
ta_lacks "(its original names no queue id)" "$(cat "$TB_DIR/redacted-noqid.eml")" "RQ0FFFE"
ta_fb "dsn, a tagged redacted complaint naming no queue id: exit 0" 0 "${fbl[@]}" dsn <"$TB_DIR/redacted-noqid.eml"
ta_eq "...applied for the tenant it names" "$ta_err" "tenant-feedback: dsn: tenant=acme rcpt=(redacted) category=complaint via=fbl:fbl.provider.example"
ta_fb "dsn, the provider sends it twice: exit 0" 0 "${fbl[@]}" dsn <"$TB_DIR/redacted-noqid.eml"
ta_contains "...counted once, by the report's Message-ID" "$ta_err" "category=complaint via=fbl:fbl.provider.example (not applied: already counted)"
sed 's/^Message-ID: <r1@fbl.provider.example>/Message-ID: <r2@fbl.provider.example>/' "$TB_DIR/redacted-noqid.eml" >"$TB_DIR/redacted-noqid2.eml"
ta_contains "(a second report, about a message with the same Message-ID)" "$(cat "$TB_DIR/redacted-noqid2.eml")" "8787KJKJ3K4J3K4J3K4J3.mail@acme.example"
ta_fb "dsn, another report, its original's Message-ID the same: exit 0" 0 "${fbl[@]}" dsn <"$TB_DIR/redacted-noqid2.eml"
ta_eq "...applied: the tenant's Message-ID does not fold complaints together" "$ta_err" "tenant-feedback: dsn: tenant=acme rcpt=(redacted) category=complaint via=fbl:fbl.provider.example"
ta_eq "dashboard: acme's complaints count the two reports" "$(fbh acme complaints)" "$((before + 4))"

# dsn to a VERP address: the keyring must be read
vtok=$("$SEAL" "$TB_DIR/token.keys" acme 1 news@acme.example)
ta_contains "a VERP token sealed for acme (version 2, VERP)" "$vtok" "AgIB"
verp="bounce+$vtok@rp.relay.test"
V=(-o return_path_domain=rp.relay.test)
ta_fb "dsn to a VERP address, no keyring: exit 75" 75 "${V[@]}" -o token_keys="$TB_DIR/none.keys" dsn "$verp" <"$FIX/postfix-user-unknown.eml"
ta_eq "...and one log line says why" "$ta_err" "tenant-feedback: warning: dsn: $TB_DIR/none.keys: cannot open: No such file or directory; the message is kept for a retry"
cp -p "$TB_DIR/token.keys" "$TB_DIR/open.keys" && chmod 644 "$TB_DIR/open.keys"
ta_fb "dsn to a VERP address, keyring readable by others: exit 75" 75 "${V[@]}" -o token_keys="$TB_DIR/open.keys" dsn "$verp" <"$FIX/postfix-user-unknown.eml"
ta_contains "...and says why" "$ta_err" "dsn: $TB_DIR/open.keys: readable by group or others (mode 644); keys must be mode 0600; the message is kept for a retry"
ta_eq "...the token's recipient is not suppressed" "$(supp acme r0@dest.example)" ""

# forward_bounces: forwarding first, and 75 when it fails
F=("${V[@]}" -o forward_bounces=yes)
ta_fb "dsn, forwarding fails (sendmail_path exits 1): exit 75" 75 "${F[@]}" -o sendmail_path=/bin/false dsn "$verp" <"$FIX/postfix-user-unknown.eml"
ta_contains "...and says why" "$ta_err" "dsn: tenant=acme: forwarding to <news@acme.example> failed: /bin/false exited with 1; the message is kept for a retry"
ta_fb "dsn, sendmail_path missing: exit 75" 75 "${F[@]}" -o sendmail_path="$TB_DIR/no-sendmail" dsn "$verp" <"$FIX/postfix-user-unknown.eml"
ta_contains "...and says why" "$ta_err" "forwarding to <news@acme.example> failed: $TB_DIR/no-sendmail exited with 127"
ta_fb "dsn, forwarding, Redis down (the tenant directory): exit 75" 75 "${F[@]}" -o sendmail_path=/bin/true -o redis_server=$DOWN dsn "$verp" <"$FIX/postfix-user-unknown.eml"
ta_contains "...and says why" "$ta_err" "dsn: tenant=acme: cannot read the tenant directory to check the return path: redis $DOWN: Connection refused; the message is kept for a retry"
ta_eq "...a failed forward applies nothing: the retry will" "$(supp acme r0@dest.example)" ""
cat >"$TB_DIR/sendmail" <<SH
#!/bin/sh
echo "\$*" >"$TB_DIR/sendmail.args"
cat >"$TB_DIR/sendmail.msg"
SH
chmod 755 "$TB_DIR/sendmail"
ta_fb "dsn, forwarding works: exit 0" 0 "${F[@]}" -o sendmail_path="$TB_DIR/sendmail" dsn "$verp" <"$FIX/postfix-user-unknown.eml"
ta_contains "...applied for the token's tenant and recipient, and forwarded" "$ta_err" "dsn: tenant=acme rcpt=r0@dest.example category=hard via=verp forwarded"
ta_eq "...to the sealed return path, with a null sender" "$(cat "$TB_DIR/sendmail.args")" "-i -f <> -- news@acme.example"
ta_eq "...the message unchanged" "$(cmp "$TB_DIR/sendmail.msg" "$FIX/postfix-user-unknown.eml" && echo same)" same
ta_eq "...acme's suppression" "$(supp acme r0@dest.example)" hard-bounce
# our own bounce names the original's queue id (X-Postfix-Queue-ID), as its log record does:
# the same report again counts once
hard_before=$(tb_redis hget "{t:acme}:fb:$today" bounced_hard)
ta_fb "dsn, the same report to the same VERP address again: exit 0" 0 "${V[@]}" dsn "$verp" <"$FIX/postfix-user-unknown.eml"
ta_contains "...counted once (its token; its queue id was never recorded)" "$ta_err" "dsn: tenant=acme rcpt=r0@dest.example category=hard via=verp (not applied: already counted)"
ta_eq "...bounced_hard unchanged" "$(tb_redis hget "{t:acme}:fb:$today" bounced_hard)" "$hard_before"
# a remote MTA's bounce names no queue id of ours: the token, sealed once per message, is the key
grep -v '^X-Postfix-Queue-ID:' "$FIX/postfix-user-unknown.eml" >"$TB_DIR/remote-bounce.eml"
vtok2=$("$SEAL" "$TB_DIR/token.keys" acme 1 news@acme.example) vtok3=$("$SEAL" "$TB_DIR/token.keys" acme 1 news@acme.example)
ta_contains "(two messages' tokens, same tenant and recipient, differ)" "$([ "$vtok2" != "$vtok3" ] && echo differ)" differ
ta_fb "dsn, a remote bounce to a VERP address: exit 0" 0 "${V[@]}" dsn "bounce+$vtok2@rp.relay.test" <"$TB_DIR/remote-bounce.eml"
ta_eq "...applied" "$ta_err" "tenant-feedback: dsn: tenant=acme rcpt=r0@dest.example category=hard via=verp"
ta_fb "dsn, the same remote bounce replayed to the same VERP address: exit 0" 0 "${V[@]}" dsn "bounce+$vtok2@rp.relay.test" <"$TB_DIR/remote-bounce.eml"
ta_eq "...counted once per message (its token)" "$ta_err" "tenant-feedback: dsn: tenant=acme rcpt=r0@dest.example category=hard via=verp (not applied: already counted)"
ta_fb "dsn, the same bounce to the second message's VERP address: exit 0" 0 "${V[@]}" dsn "bounce+$vtok3@rp.relay.test" <"$TB_DIR/remote-bounce.eml"
ta_eq "...applied: another message" "$ta_err" "tenant-feedback: dsn: tenant=acme rcpt=r0@dest.example category=hard via=verp"
ta_eq "dashboard: bounced_hard counts the two messages, not the replay" "$(tb_redis hget "{t:acme}:fb:$today" bounced_hard)" "$((hard_before + 2))"
# a queue id written into a report to a VERP address is anyone's to write: it is a dedup key
# only when its map shows the token's message (tenant and recipient); the token always is
for i in 4 5 6 7 8; do eval "vtok$i=\$(\"\$SEAL\" \"\$TB_DIR/token.keys\" acme 1 news@acme.example)"; done
# with_qid QID - the Postfix bounce naming QID as its X-Postfix-Queue-ID, as $TB_DIR/QID.eml
with_qid() { sed "s/3F2A1C0/$1/" "$FIX/postfix-user-unknown.eml" >"$TB_DIR/$1.eml"; }
# verp_dsn WHAT TOKEN QID - that bounce to TOKEN's VERP address, exit 0
verp_dsn() { ta_fb "$1: exit 0" 0 "${V[@]}" dsn "bounce+$2@rp.relay.test" <"$TB_DIR/$3.eml"; }
applied="tenant-feedback: dsn: tenant=acme rcpt=r0@dest.example category=hard via=verp"
counted="$applied (not applied: already counted)"
for q in FORGED1 FORGED2 VQ1 VQ2 VQ3; do with_qid $q; done
verp_dsn "dsn, a report naming a queue id nobody recorded, to a VERP address" "$vtok4" FORGED1
ta_eq "...applied" "$ta_err" "$applied"
ta_eq "...the invented id is no key" "$(tb_redis exists "tm:fb:seen:FORGED1:r0@dest.example")" 0
verp_dsn "dsn, replayed with another invented queue id" "$vtok4" FORGED2
ta_eq "...counted once (the token, not the invented id)" "$ta_err" "$counted"
tb_redis hset tm:qid:VQ1 tenant acme r:r0@dest.example 1 >/dev/null
tb_redis hset tm:qid:VQ2 tenant beta r:r0@dest.example 1 >/dev/null
verp_dsn "dsn, our own bounce of a recorded message of acme's, to its VERP address" "$vtok5" VQ1
ta_eq "...applied" "$ta_err" "$applied"
ta_eq "...its confirmed queue id is a key (the log's record of it counts once)" "$(tb_redis exists "tm:fb:seen:VQ1:r0@dest.example")" 1
verp_dsn "dsn, the same bounce to another VERP address of acme's" "$vtok6" VQ1
ta_eq "...counted once (its confirmed queue id)" "$ta_err" "$counted"
verp_dsn "dsn, replayed to the first VERP address with an invented queue id" "$vtok5" FORGED2
ta_eq "...counted once (the token is a key too)" "$ta_err" "$counted"
verp_dsn "dsn, a report naming beta's recorded queue id, to a fresh VERP address of acme's" "$vtok7" VQ2
ta_eq "...beta's id is not acme's key: counted, once per acme's token" "$ta_err" "$applied"
ta_eq "...beta's message's key untouched" "$(tb_redis exists "tm:fb:seen:VQ2:r0@dest.example")" 0
# the log's record of our own bounce, then its DSN to the VERP address: one bounce, counted once
tb_redis hset tm:qid:VQ3 tenant acme r:r0@dest.example 1 >/dev/null
printf 'Dec  1 12:00:00 relay postfix-out-acme/smtp[2]: VQ3: to=<r0@dest.example>, relay=mx[192.0.2.1]:25, delay=0.1, delays=0/0/0/0.1, dsn=5.1.1, status=bounced (host mx[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))\n' >"$TB_DIR/vq3.log"
ta_fb "follow, the log's record of a bounce of VQ3: exit 0" 0 follow - <"$TB_DIR/vq3.log"
ta_contains "...applied" "$ta_err" "1 lines, 1 delivery records, 1 applied"
verp_dsn "dsn, our own bounce of VQ3 to its VERP address" "$vtok8" VQ3
ta_eq "...counted once with the log's record" "$ta_err" "$counted"
verp_dsn "dsn, it replayed to that VERP address with an invented queue id" "$vtok8" FORGED2
ta_eq "...counted once (the token's key was set with the answer already counted)" "$ta_err" "$counted"
ta_eq "dashboard: bounced_hard counts each message once: two, forged1, vq1, vq2, vq3" "$(tb_redis hget "{t:acme}:fb:$today" bounced_hard)" "$((hard_before + 6))"
compl_before=$(tb_redis hget "{t:acme}:fb:$today" complaints)
ta_fb "dsn, a complaint about the first message, to its VERP address after its bounce: exit 0" 0 "${V[@]}" dsn "bounce+$vtok2@rp.relay.test" <"$FIX/arf-abuse.eml"
ta_eq "...applied: another kind of report about it" "$ta_err" "tenant-feedback: dsn: tenant=acme rcpt=r0@dest.example category=complaint via=verp"
ta_eq "dashboard: complaints count it" "$(tb_redis hget "{t:acme}:fb:$today" complaints)" "$((${compl_before:-0} + 1))"

# 4. unsubscribe: 75 when Redis or the keyring cannot be read, 0 when done or the token is bad
utok=$("$SEAL" "$TB_DIR/token.keys" beta 1)
U=(-o unsubscribe_mailto_domain=u.relay.test)
uaddr="unsubscribe+$utok@u.relay.test"
ta_fb "unsubscribe, Redis down: exit 75" 75 "${U[@]}" -o redis_server=$DOWN unsubscribe "$uaddr" </dev/null
ta_contains "...and says why" "$ta_err" "unsubscribe: redis $DOWN: Connection refused; the message is kept for a retry"
ta_fb "unsubscribe, no keyring: exit 75" 75 "${U[@]}" -o token_keys="$TB_DIR/none.keys" unsubscribe "$uaddr" </dev/null
ta_eq "...and one log line says why" "$ta_err" "tenant-feedback: warning: unsubscribe: $TB_DIR/none.keys: cannot open: No such file or directory; the message is kept for a retry"
ta_eq "...nothing recorded" "$(supp beta r0@dest.example)" ""
ta_fb "unsubscribe, a forged token: exit 0 (a bounce would be backscatter)" 0 "${U[@]}" unsubscribe "unsubscribe+AgEB${utok:4:20}x@u.relay.test" </dev/null
ta_contains "...logged" "$ta_err" "unsubscribe: refused token: "
ta_eq "...nothing recorded" "$(supp beta r0@dest.example)" ""
ta_fb "unsubscribe: exit 0" 0 "${U[@]}" unsubscribe "$uaddr" <"$FIX/not-a-bounce.eml"
ta_eq "...logged" "$ta_err" "tenant-feedback: unsubscribe: tenant=beta rcpt=r0@dest.example source=mailto"
ta_ctl "...tenantctl suppress check exits 0" 0 suppress check r0@dest.example --tenant beta
ta_contains "...beta's suppression, reason unsubscribe" "$ta_out" "r0@dest.example: suppressed for tenant beta since $today (unsubscribe)"
ta_eq "dashboard: beta's unsubscribes" "$(tb_redis hget "{t:beta}:fb:$today" unsubscribes)" 1
# a DSN from a site that rewrote the address: Final-Recipient is its alias's target,
# Original-Recipient the address acme sent to, which is the one recorded and suppressed
tb_redis hset tm:qid:DQ2 tenant acme r:alias@dest.example 1 >/dev/null
sed -e 's/3F2A1C0/DQ2/' -e 's/^Final-Recipient: rfc822; nobody@dest.example/Final-Recipient: rfc822; target@mailhost.dest.example/' \
	-e 's/^Original-Recipient: rfc822;nobody@dest.example/Original-Recipient: rfc822;alias@dest.example/' \
	"$FIX/postfix-user-unknown.eml" >"$TB_DIR/dorig.eml"
ta_contains "(the report names both)" "$(cat "$TB_DIR/dorig.eml")" "Original-Recipient: rfc822;alias@dest.example"
ta_fb "dsn, Original-Recipient differs from Final-Recipient: exit 0" 0 dsn <"$TB_DIR/dorig.eml"
ta_lacks "...not refused as unrecorded" "$ta_err" "not applied"
ta_eq "...the address acme sent to is suppressed" "$(supp acme alias@dest.example)" hard-bounce
ta_eq "...not the receiving site's alias target" "$(supp acme target@mailhost.dest.example)" ""
ta_finish
