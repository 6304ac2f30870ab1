#!/bin/bash
# Delivery feedback through real Postfix instances: our relay delivers to a
# second private Postfix acting as the receiving site, which refuses an
# unknown user (550 5.1.1) and defers one address (451 4.7.0). tenant-feedback
# follows our relay's log: the hard bounce becomes a suppression that the
# milter then enforces at RCPT, the deferral counts as throttle, and a second
# pass counts nothing again. An ARF report fed through a pipe(8) transport
# suppresses its recipient. With hard_bounce_scope = global a hard bounce
# suppresses for every tenant: another tenant's message is refused.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-feedback
tb_receiver_start || exit 99
FB="$top_builddir/feedback/tenant-feedback"
today=$(date -u +%F)
from_acme=(--from news@acme.example --header 'From: <news@acme.example>')

for to in nobody ok slow; do
	ta_send_as_acme "${from_acme[@]}" --to "$to@dest.example" --header "Subject: to $to" >/dev/null
done
for _ in $(seq 1 100); do grep -q 'to=<nobody@dest.example>.*status=bounced' "$TB_DIR/pf/maillog" && break; sleep 0.1; done
for _ in $(seq 1 100); do grep -q 'to=<slow@dest.example>.*status=deferred' "$TB_DIR/pf/maillog" && break; sleep 0.1; done
ta_contains "the receiving site refused the unknown user" "$(cat "$TB_DIR/pf/maillog")" "said: 550 5.1.1 <nobody@dest.example>: Recipient address rejected: User unknown"
qid=$(sed -n 's/.* \([0-9A-F]*\): to=<nobody@dest.example>.*status=bounced.*/\1/p' "$TB_DIR/pf/maillog" | head -1)
ta_eq "the milter recorded the queue id for the tenant" "$(tb_redis hget "tm:qid:$qid" tenant)" acme
ta_eq "and for the recipient it accepted" "$(tb_redis hget "tm:qid:$qid" r:nobody@dest.example)" 1

deferrals=$(grep -c 'to=<slow@dest.example>.*status=deferred' "$TB_DIR/pf/maillog")
out=$("$FB" -c "$TB_CONF" follow --from-start --once "$TB_DIR/pf/maillog" 2>&1); rc=$?
ta_eq "follow exits 0" "$rc" 0
ta_contains "follow applies the log" "$out" "delivery records, "
ta_eq "no deferral was logged while follow read the log" "$(grep -c 'to=<slow@dest.example>.*status=deferred' "$TB_DIR/pf/maillog")" "$deferrals"
ta_eq "the hard bounce became acme's suppression" "$(tb_redis hget '{t:acme}:supp' nobody@dest.example | cut -d'|' -f1)" hard-bounce
ta_eq "dashboard: bounced_hard" "$(tb_redis hget "{t:acme}:fb:$today" bounced_hard)" 1
[ "$deferrals" -ge 1 ] && ta_ok "the receiving site deferred slow@ ($deferrals times)" || ta_fail "no deferral in the maillog"
ta_eq "dashboard: each 451 4.7.0 deferral counts as throttle, once" "$(tb_redis hget "{t:acme}:fb:$today" throttled)" "$deferrals"
ta_eq "dashboard: delivered" "$(tb_redis hget "{t:acme}:fb:$today" delivered)" 1
ta_eq "dashboard: by transport" "$(tb_redis hget "{t:acme}:fb:$today" transport:postfix/smtp:bounced_hard)" 1
before=$(tb_redis hgetall "{t:acme}:fb:$today" | paste -sd' ')
"$FB" -c "$TB_CONF" follow --once "$TB_DIR/pf/maillog" >/dev/null 2>&1
ta_eq "a second pass counts nothing twice" "$(tb_redis hgetall "{t:acme}:fb:$today" | paste -sd' ')" "$before"

out=$(ta_send_as_acme "${from_acme[@]}" --to nobody@dest.example --header 'Subject: again')
ta_contains "the next message to the bounced address is refused at RCPT" "$out" "550 5.7.1 <nobody@dest.example>: recipient suppressed (hard-bounce, $today)"
out=$(ta_send_as_beta --from b@beta.example --header 'From: <b@beta.example>' --to nobody@dest.example --header 'Subject: beta')
ta_contains "another tenant is not affected (hard_bounce_scope = tenant): its message is queued" "$out" "250 2.0.0 Ok: queued"
ta_lacks "...and its recipient was not refused" "$out" "suppressed"

# an ARF complaint through a pipe(8) transport, received on an inbound listener
# without the milter (reports come from providers, not from tenants)
FBL_PORT=$(tb_free_port)
cat >>"$TB_DIR/pf/master.cf" <<MASTER
127.0.0.1:$FBL_PORT inet n - n - - smtpd -o smtpd_milters=
feedback  unix  -       n       n       -       -       pipe
  flags=Rq user=nobody argv=$FB -c $TB_CONF dsn
MASTER
postconf -c "$TB_DIR/pf" -e "transport_maps = inline:{ fbl@relay.test=feedback: }"
ta_status "Postfix reloads with the inbound listener and the pipe transport" 0 tb_postfix_reload "$TB_DIR/pf"
# a real report returns the message as delivered: with our Received field, which names our queue id
ta_send_as_acme "${from_acme[@]}" --to angry@dest.example --header 'Subject: to angry' >/dev/null
for _ in $(seq 1 100); do grep -q 'to=<angry@dest.example>.*status=sent' "$TB_DIR/pf/maillog" && break; sleep 0.1; done
aqid=$(sed -n 's/.* \([0-9A-F]*\): to=<angry@dest.example>.*status=sent.*/\1/p' "$TB_DIR/pf/maillog" | head -1)
sed -e 's/complainer@provider.example/angry@dest.example/' \
	-e "s/^From: <news@acme.example>\$/Received: from client.test (unknown [127.0.0.2])\n\tby relay.test (Postfix) with ESMTP id $aqid\n\tfor <angry@dest.example>; Thu,  8 Mar 2026 14:00:00 +0000 (UTC)\nFrom: <news@acme.example>/" \
	"$top_srcdir/tests/fixtures/bounce/arf-abuse.eml" >"$TB_DIR/arf.eml"
tb_wait_port "$FBL_PORT"
out=$(swaks --server 127.0.0.1 --port "$FBL_PORT" --helo fbl.provider.test --from fbl@provider.example --to fbl@relay.test \
	--data "$TB_DIR/arf.eml" --hide-informational 2>&1)
ta_contains "the report is accepted for the pipe transport" "$out" "250 2.0.0 Ok: queued"
for _ in $(seq 1 100); do [ -n "$(tb_redis hget '{t:acme}:supp' angry@dest.example)" ] && break; sleep 0.1; done
ta_eq "the complaint suppresses its recipient for the tenant" "$(tb_redis hget '{t:acme}:supp' angry@dest.example | cut -d'|' -f1)" complaint
ta_eq "dashboard: complaints" "$(tb_redis hget "{t:acme}:fb:$today" complaints)" 1
ta_contains "Postfix delivered it through the pipe" "$(cat "$TB_DIR/pf/maillog")" "relay=feedback"

# an ARF opt-out, the same way: an unsubscribe suppression, and the tenant's next
# message to that address is refused at RCPT
ta_send_as_acme "${from_acme[@]}" --to leaver@dest.example --header 'Subject: to leaver' >/dev/null
for _ in $(seq 1 100); do grep -q 'to=<leaver@dest.example>.*status=sent' "$TB_DIR/pf/maillog" && break; sleep 0.1; done
lqid=$(sed -n 's/.* \([0-9A-F]*\): to=<leaver@dest.example>.*status=sent.*/\1/p' "$TB_DIR/pf/maillog" | head -1)
sed -e 's/complainer@provider.example/leaver@dest.example/' -e 's/^Feedback-Type: abuse/Feedback-Type: opt-out/' \
	-e "s/^From: <news@acme.example>\$/Received: from client.test (unknown [127.0.0.2])\n\tby relay.test (Postfix) with ESMTP id $lqid\n\tfor <leaver@dest.example>; Thu,  8 Mar 2026 14:00:00 +0000 (UTC)\nFrom: <news@acme.example>/" \
	"$top_srcdir/tests/fixtures/bounce/arf-abuse.eml" >"$TB_DIR/optout.eml"
ta_contains "the opt-out report is an opt-out" "$(cat "$TB_DIR/optout.eml")" "Feedback-Type: opt-out"
out=$(swaks --server 127.0.0.1 --port "$FBL_PORT" --helo fbl.provider.test --from fbl@provider.example --to fbl@relay.test \
	--data "$TB_DIR/optout.eml" --hide-informational 2>&1)
ta_contains "the opt-out report is accepted for the pipe transport" "$out" "250 2.0.0 Ok: queued"
for _ in $(seq 1 100); do [ -n "$(tb_redis hget '{t:acme}:supp' leaver@dest.example)" ] && break; sleep 0.1; done
ta_eq "the opt-out suppresses its recipient for the tenant, as an unsubscribe" \
	"$(tb_redis hget '{t:acme}:supp' leaver@dest.example | cut -d'|' -f1)" unsubscribe
ta_eq "dashboard: unsubscribes" "$(tb_redis hget "{t:acme}:fb:$today" unsubscribes)" 1
out=$(ta_send_as_acme "${from_acme[@]}" --to leaver@dest.example --header 'Subject: to leaver again')
ta_contains "acme's next message to it is refused, with the reason" "$out" "550 5.7.1 <leaver@dest.example>: recipient suppressed (unsubscribe"

# the DSN of the bounce already counted from the log counts once (the third report through the pipe)
sed "s/3F2A1C0/$qid/" "$top_srcdir/tests/fixtures/bounce/postfix-user-unknown.eml" >"$TB_DIR/dsn.eml"
swaks --server 127.0.0.1 --port "$FBL_PORT" --helo mx.test --from '' --to fbl@relay.test --data "$TB_DIR/dsn.eml" \
	--hide-all >/dev/null 2>&1
for _ in $(seq 1 100); do [ "$(grep -c 'relay=feedback.*status=sent' "$TB_DIR/pf/maillog")" -ge 3 ] && break; sleep 0.1; done
ta_contains "the DSN went through the pipe too" "$(grep 'relay=feedback' "$TB_DIR/pf/maillog" | tail -1)" "category=hard (not applied"
ta_eq "and bounced_hard is still 1" "$(tb_redis hget "{t:acme}:fb:$today" bounced_hard)" 1
stats=$(tb_ctl stats acme)
# today's row: DELIVERED HARD COMPLAINTS HARD%, as counted above
ta_eq "tenantctl stats shows today's feedback counts and rate" "$(printf '%s\n' "$stats" | awk '$1 == "today" {print $2, $4, $8, $10}')" "1 1 1 50.00%"
ta_contains "and flags the hard-bounce rate (1 of 2 sent)" "$stats" "hard-bounce rate over 0.5%"
ta_contains "stats --json carries the rates" "$(tb_ctl stats acme --json)" '"hard_bounce_rate":0.5'
# hard_bounce_scope = global: a hard bounce of acme's message, attributed
# through the queue id the milter recorded, suppresses its recipient for every
# tenant, and beta's next message to it is refused at RCPT
ta_send_as_acme "${from_acme[@]}" --to gone@dest.example --header 'Subject: to gone' >/dev/null
for _ in $(seq 1 100); do grep -q 'to=<gone@dest.example>.*status=sent' "$TB_DIR/pf/maillog" && break; sleep 0.1; done
gqid=$(sed -n 's/.* \([0-9A-F]*\): to=<gone@dest.example>.*status=sent.*/\1/p' "$TB_DIR/pf/maillog" | head -1)
ta_eq "the milter recorded gone@dest.example under its queue id" "$(tb_redis hget "tm:qid:$gqid" r:gone@dest.example)" 1
sed -e "s/3F2A1C0/$gqid/" -e 's/nobody@dest.example/gone@dest.example/g' "$top_srcdir/tests/fixtures/bounce/postfix-user-unknown.eml" >"$TB_DIR/gone.eml"
ta_fb "its hard bounce, hard_bounce_scope = global: dsn exits 0" 0 -o hard_bounce_scope=global dsn <"$TB_DIR/gone.eml"
ta_contains "...applied for the recorded recipient" "$ta_err" "dsn: tenant=acme rcpt=gone@dest.example category=hard"
ta_eq "...into the global list" "$(tb_redis hget tm:supp gone@dest.example | cut -d'|' -f1)" hard-bounce
ta_ctl "tenantctl suppress check gone@dest.example: exit 0" 0 suppress check gone@dest.example
ta_contains "...suppressed globally" "$ta_out" "gone@dest.example: suppressed globally since $today (hard-bounce)"
ta_run "beta's message to it: swaks exits 24 (no recipient accepted)" 24 ta_send_as_beta --from b@beta.example \
	--header 'From: <b@beta.example>' --to gone@dest.example --header 'Subject: beta to gone'
ta_contains "...refused at RCPT: the suppression applies to another tenant" "$ta_out" "550 5.7.1 <gone@dest.example>: recipient suppressed (hard-bounce, $today)"
ta_finish
