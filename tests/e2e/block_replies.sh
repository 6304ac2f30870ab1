#!/bin/bash
# A 5xx block (policy or reputation) never suppresses its recipient, however
# often it repeats (issue 15). Our relay delivers to a second private Postfix
# as the receiving site, which answers with real replies: a content filter's
# 550 5.7.1 "rejected as spam" at the end of DATA (header_checks), Postfix's
# own reject_rbl_client 554 5.7.1 text for a Spamhaus listing (a private
# dnsmasq answers the DNSBL query), and, from smtp-sink, a bare "554 Message
# refused". Each is sent soft_bounce_limit + 1 = 4 times to one address, by
# acme (read from the relay's log with tenant-feedback follow) and by beta
# (its bounces come back to its return path and reach tenant-feedback dsn
# through a pipe(8) transport). The dashboard's blocked counter rises by
# exactly 4, the address is not suppressed, it has no soft-bounce streak,
# and the next message to it is accepted at RCPT. The contrast: a full
# mailbox (552 5.2.2) 4 times is suppressed by the soft-bounce streak, and an
# unknown user (550 5.1.1) after one bounce; the next message to either is
# refused at RCPT.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
command -v dnsmasq >/dev/null || { echo "# dnsmasq missing; run tests/run, which installs it"; exit 99; }
ta_setup e2e-block-replies
FB="$top_builddir/feedback/tenant-feedback"
today=$(date -u +%F)
LIMIT=3 # soft_bounce_limit; every address below gets LIMIT + 1 = 4 messages
echo "soft_bounce_limit = $LIMIT" >>"$TB_CONF"
SPAM_TEXT="550 5.7.1 Message rejected as spam by Content Filtering."
RBL_TEXT="554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/127.0.0.1"
BARE_TEXT="554 Message refused"

# the receiving site: full@ is over quota, rbl@ is checked against zen.spamhaus.org
tb_receiver_start "full@dest.example = 552 5.2.2 Mailbox full" "rbl@dest.example = rbl_listed" || exit 99
rx="$TB_DIR/rx"
# its content filter: a message to spam@ is refused after its data (Exchange Online's words)
printf '/^To:.*spam@dest\\.example/ REJECT 5.7.1 Message rejected as spam by Content Filtering.\n' >"$rx/header_checks"
# (only the message's own headers: our relay's bounces to acme pass it with them attached)
postconf -c "$rx" -e "header_checks = regexp:$rx/header_checks" "nested_header_checks =" "smtpd_restriction_classes = rbl_listed" \
	"rbl_listed = reject_rbl_client zen.spamhaus.org, permit"
# its smtpd runs chrooted, so that its resolver asks our dnsmasq (port 53 on
# 127.0.53.53), which lists our relay's address 127.0.0.1 as Spamhaus does:
# an A record 127.0.0.2 and the lookup URL as TXT
mkdir -p "$rx/queue/etc" "$TB_DIR/dns"
echo "nameserver 127.0.53.53" >"$rx/queue/etc/resolv.conf"
cp /etc/services /etc/localtime "$rx/queue/etc/" 2>/dev/null
sed -i -E 's/^(127\.0\.0\.1:[0-9]+ +inet +n +- +)n /\1y /' "$rx/master.cf"
ta_contains "the receiver's smtpd runs chrooted" "$(head -1 "$rx/master.cf")" " inet n - y - - smtpd"
{
	tb_dnsmasq_head 53 127.0.53.53 "$TB_DIR/dns/dnsmasq.log"
	echo "address=/1.0.0.127.zen.spamhaus.org/127.0.0.2"
	echo 'txt-record=1.0.0.127.zen.spamhaus.org,"https://www.spamhaus.org/query/ip/127.0.0.1"'
} >"$TB_DIR/dns/dnsmasq.conf"
: >"$TB_DIR/dns/dnsmasq.log"
chown nobody "$TB_DIR/dns/dnsmasq.log"
dnsmasq --keep-in-foreground --conf-file="$TB_DIR/dns/dnsmasq.conf" </dev/null >"$TB_DIR/dns/dnsmasq.err" 2>&1 &
echo $! >"$TB_DIR/dns/dnsmasq.fg.pid" # tb_stop_all stops it
ta_status "the DNSBL listens on 127.0.53.53" 0 tb_wait_until 10 bash -c 'exec 3<>/dev/tcp/127.0.53.53/53' 
ta_status "the receiving site reloads with its content filter, DNSBL class and chroot" 0 tb_postfix_reload "$rx"

# our relay: mail to refused@bare.example goes to smtp-sink, which refuses every
# recipient with a bare code; beta's return path is a pipe to tenant-feedback dsn
tb_bouncer_start "$BARE_TEXT" || exit 99
cat >>"$TB_DIR/pf/master.cf" <<MASTER
feedback  unix  -       n       n       -       -       pipe
  flags=Rq user=nobody argv=$FB -c $TB_CONF dsn
MASTER
postconf -c "$TB_DIR/pf" -e "transport_maps = inline:{ bare.example=smtp:[127.0.0.1]:$TB_BOUNCER_PORT, b@beta.example=feedback: }"
ta_status "our relay reloads with the bouncer's route and the pipe transport" 0 tb_postfix_reload "$TB_DIR/pf"

from_acme=(--from news@acme.example --header 'From: <news@acme.example>')
from_beta=(--from b@beta.example --header 'From: <b@beta.example>')
# fb T COUNTER - tenant T's dashboard counter today (0 when absent)
fb() { local v; v=$(tb_redis hget "{t:$1}:fb:$today" "$2"); echo "${v:-0}"; }
# bounced ADDR - how many messages to ADDR our relay logged as bounced
bounced() { grep -c "to=<$1>.*status=bounced" "$TB_DIR/pf/maillog"; }
# piped - how many bounces our relay delivered to tenant-feedback dsn
piped() { grep -c 'relay=feedback.*status=sent' "$TB_DIR/pf/maillog"; }
# rcpt_reply ADDR - our relay's reply to RCPT TO:<ADDR> in the last swaks dialogue ($ta_out)
rcpt_reply() { grep -A1 -F -- "-> RCPT TO:<$1>" <<<"$ta_out" | sed -n '2s/^ *<[~*-]* *//p'; }
# follow - tenant-feedback follow over our relay's log, from where it left off
follow() { ta_fb "tenant-feedback follow $1: exit 0" 0 follow --once "$TB_DIR/pf/maillog"; }

# send TENANT ADDR N WHAT - N separate messages to ADDR; one check: swaks exited 0
# each time and our relay accepted each at RCPT (250)
send() {
	local who=$1 to=$2 n=$3 i ok=0 rc
	for i in $(seq 1 "$n"); do
		if [ "$who" = acme ]; then
			ta_out=$(ta_send_as_acme "${from_acme[@]}" --to "$to" --header "Subject: $4 $i"); rc=$?
		else
			ta_out=$(ta_send_as_beta "${from_beta[@]}" --to "$to" --header "Subject: $4 $i"); rc=$?
		fi
		[ "$rc" = 0 ] && [ "$(rcpt_reply "$to")" = "250 2.1.5 Ok" ] && ok=$((ok + 1))
	done
	if [ "$ok" = "$n" ]; then
		ta_ok "$who: our relay accepted all $n messages to $to at RCPT"
	else
		ta_fail "$who: our relay accepted $ok of $n messages to $to at RCPT; the last dialogue (exit $rc):" "$ta_out"
	fi
}

# block_case ADDR REPLY - 4 messages to ADDR from each tenant, blocked by REPLY
block_case() {
	local to=$1 reply=$2 a0 b0 p0 ah0 as0 bh0 bs0
	a0=$(fb acme blocked) ah0=$(fb acme bounced_hard) as0=$(fb acme bounced_soft)
	b0=$(fb beta blocked) bh0=$(fb beta bounced_hard) bs0=$(fb beta bounced_soft)
	p0=$(piped)
	send acme "$to" 4 "to $to"
	send beta "$to" 4 "to $to"
	tb_wait_until 10 bash -c "[ \$(grep -c 'to=<$to>.*status=bounced' '$TB_DIR/pf/maillog') -ge 8 ]"
	ta_eq "$to: our relay logged 8 bounces" "$(bounced "$to")" 8
	ta_contains "$to: with the receiving site's reply" "$(grep "to=<$to>.*status=bounced" "$TB_DIR/pf/maillog" | head -1)" \
		"said: $reply"
	tb_wait_until 10 bash -c "[ \$(grep -c 'relay=feedback.*status=sent' '$TB_DIR/pf/maillog') -ge $((p0 + 4)) ]"
	ta_eq "$to: beta's 4 bounces went through the pipe to tenant-feedback dsn" "$(($(piped) - p0))" 4
	# beta, through the DSN path alone (follow has not read these yet)
	ta_eq "$to: dsn: beta's blocked counter rose by 4" "$(($(fb beta blocked) - b0))" 4
	ta_eq "$to: dsn: ...and neither bounce counter" "$(($(fb beta bounced_hard) - bh0)) $(($(fb beta bounced_soft) - bs0))" "0 0"
	ta_ctl "$to: dsn: tenantctl suppress check --tenant beta exits 1" 1 suppress check "$to" --tenant beta
	ta_eq "$to: dsn: ...not suppressed" "$ta_out" "$to: not suppressed globally or for tenant beta"
	ta_eq "$to: dsn: ...and no soft-bounce streak" "$(tb_redis hexists '{t:beta}:streak' "$to")" 0
	# acme, through the log
	follow "after the bounces to $to"
	ta_eq "$to: log: acme's blocked counter rose by 4" "$(($(fb acme blocked) - a0))" 4
	ta_eq "$to: log: ...and neither bounce counter" "$(($(fb acme bounced_hard) - ah0)) $(($(fb acme bounced_soft) - as0))" "0 0"
	ta_eq "$to: log: beta's bounces counted once (the log and the DSN)" "$(($(fb beta blocked) - b0))" 4
	ta_ctl "$to: log: tenantctl suppress check --tenant acme exits 1" 1 suppress check "$to" --tenant acme
	ta_eq "$to: log: ...not suppressed" "$ta_out" "$to: not suppressed globally or for tenant acme"
	ta_eq "$to: log: ...and no soft-bounce streak" "$(tb_redis hexists '{t:acme}:streak' "$to")" 0
	ta_eq "$to: in neither list" "$(tb_redis hexists '{t:acme}:supp' "$to") $(tb_redis hexists '{t:beta}:supp' "$to") $(tb_redis hexists tm:supp "$to")" "0 0 0"
	# the next message from each tenant is accepted at RCPT; it bounces once more
	send acme "$to" 1 "next to $to"
	send beta "$to" 1 "next to $to"
	tb_wait_until 10 bash -c "[ \$(grep -c 'to=<$to>.*status=bounced' '$TB_DIR/pf/maillog') -ge 10 ]"
	tb_wait_until 10 bash -c "[ \$(grep -c 'relay=feedback.*status=sent' '$TB_DIR/pf/maillog') -ge $((p0 + 5)) ]"
	follow "after the next bounces to $to"
	ta_eq "$to: the fifth block counts as blocked too" "$(($(fb acme blocked) - a0)) $(($(fb beta blocked) - b0))" "5 5"
}

block_case spam@dest.example "$SPAM_TEXT"
ta_contains "the content filter refused spam@ at the end of DATA" \
	"$(grep 'to=<spam@dest.example>.*status=bounced' "$TB_DIR/pf/maillog" | head -1)" "(in reply to end of DATA command)"
block_case rbl@dest.example "$RBL_TEXT"
ta_contains "the receiving site asked the DNSBL" "$(cat "$TB_DIR/dns/dnsmasq.log")" "query[A] 1.0.0.127.zen.spamhaus.org"
block_case refused@bare.example "$BARE_TEXT"

# the contrast: a full mailbox, soft_bounce_limit + 1 times, is suppressed by the streak
s0=$(fb acme bounced_soft)
send acme full@dest.example 4 "to full"
tb_wait_until 10 bash -c "[ \$(grep -c 'to=<full@dest.example>.*status=bounced' '$TB_DIR/pf/maillog') -ge 4 ]"
ta_contains "full@: the receiving site's reply" "$(grep 'to=<full@dest.example>.*status=bounced' "$TB_DIR/pf/maillog" | head -1)" \
	"said: 552 5.2.2 <full@dest.example>: Recipient address rejected: Mailbox full"
follow "after the bounces to full@"
ta_eq "full@: acme's bounced_soft rose by 4" "$(($(fb acme bounced_soft) - s0))" 4
ta_ctl "full@: tenantctl suppress check --tenant acme exits 0" 0 suppress check full@dest.example --tenant acme
ta_contains "full@: ...suppressed by the soft-bounce streak" "$ta_out" "full@dest.example: suppressed for tenant acme since $today (soft-bounce-streak)"
ta_run "full@: the next message: swaks exits 24 (no recipient accepted)" 24 ta_send_as_acme "${from_acme[@]}" \
	--to full@dest.example --header 'Subject: next to full'
ta_eq "full@: ...refused at RCPT" "$(rcpt_reply full@dest.example)" "550 5.7.1 <full@dest.example>: recipient suppressed (soft-bounce-streak, $today)"

# and an unknown user after its first bounce
send acme nobody@dest.example 1 "to nobody"
tb_wait_until 10 bash -c "[ \$(grep -c 'to=<nobody@dest.example>.*status=bounced' '$TB_DIR/pf/maillog') -ge 1 ]"
follow "after the bounce to nobody@"
ta_ctl "nobody@: tenantctl suppress check --tenant acme exits 0" 0 suppress check nobody@dest.example --tenant acme
ta_contains "nobody@: ...suppressed as a hard bounce" "$ta_out" "nobody@dest.example: suppressed for tenant acme since $today (hard-bounce)"
ta_run "nobody@: the next message: swaks exits 24" 24 ta_send_as_acme "${from_acme[@]}" \
	--to nobody@dest.example --header 'Subject: next to nobody'
ta_eq "nobody@: ...refused at RCPT" "$(rcpt_reply nobody@dest.example)" "550 5.7.1 <nobody@dest.example>: recipient suppressed (hard-bounce, $today)"
ta_finish
