#!/bin/bash
# VERP through real Postfix instances: with return_path_domain set, tenant-milter
# rewrites the envelope sender of single-recipient mail to a sealed bounce
# address. The receiving site refuses nobody@dest.example; our relay's own
# bounce goes to that address, which a pipe(8) transport hands to
# tenant-feedback dsn with ${original_recipient}. The token names the tenant
# and recipient, so the bounce suppresses without any help from its headers,
# and with forward_bounces the tenant's own return path still gets it. Only
# a bounce or report to a VERP token goes on: other mail to the VERP address,
# an unsubscribe token used as one and a forged token are never forwarded.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-verp
tb_receiver_start || exit 99
FB="$top_builddir/feedback/tenant-feedback"
today=$(date -u +%F)
tb_ctl unsubscribe-key generate >/dev/null
chown nobody "$TB_DIR/token.keys" # the pipe transport's user reads it
cat >>"$TB_CONF" <<CONF
return_path_domain = rp.relay.test
forward_bounces = yes
sendmail_path = /usr/sbin/sendmail -C $TB_DIR/pf
CONF
ta_milter_restart
cat >>"$TB_DIR/pf/master.cf" <<MASTER
feedback  unix  -       n       n       -       -       pipe
  flags=Rq user=nobody argv=$FB -c $TB_CONF dsn \${original_recipient}
MASTER
postconf -c "$TB_DIR/pf" -e "transport_maps = inline:{ rp.relay.test=feedback: }"
postfix -c "$TB_DIR/pf" reload >/dev/null 2>&1
sleep 1

# sink_wait PATTERN - the first delivered file with PATTERN, waiting up to 20 s
sink_wait() {
	for _ in $(seq 1 200); do
		tb_sink_grep "$1" | head -1 | grep . && return 0
		sleep 0.1
	done
	return 1
}

from_acme=(--from news@acme.example --header 'From: <news@acme.example>')
ta_send_as_acme "${from_acme[@]}" --to ok@dest.example --header 'Subject: verp ok' >/dev/null
ta_send_as_acme "${from_acme[@]}" --to 'ok@dest.example,ok2@dest.example' --header 'Subject: verp two' >/dev/null
ta_send_as_acme "${from_acme[@]}" --to nobody@dest.example --header 'Subject: verp nobody' >/dev/null
f=$(sink_wait 'Subject: verp ok')
ta_contains "the single-recipient message left with a VERP return path" "$(grep -i '^X-Mail-Args' "$f")" "bounce+"
verp_addr=$(grep -i '^X-Mail-Args' "$f" | grep -o 'bounce+[A-Za-z0-9_-]*@rp\.relay\.test' | head -1)
ta_contains "...at return_path_domain" "$(grep -i '^X-Mail-Args' "$f")" "@rp.relay.test"
ta_lacks "...and the token does not show the recipient" "$(grep -i '^X-Mail-Args' "$f")" "ok@"
f=$(sink_wait 'Subject: verp two')
ta_contains "a two-recipient message keeps the tenant's sender" "$(grep -i '^X-Mail-Args' "$f")" "news@acme.example"

for _ in $(seq 1 150); do grep -q 'relay=feedback.*status=sent' "$TB_DIR/pf/maillog" && break; sleep 0.1; done
ta_contains "our relay's bounce went to the VERP address, through the pipe" "$(cat "$TB_DIR/pf/maillog")" "relay=feedback"
ta_eq "the VERP bounce suppressed the recipient for its tenant" "$(tb_redis hget '{t:acme}:supp' nobody@dest.example | cut -d'|' -f1)" hard-bounce
ta_contains "the dsn command says how it knew" "$(grep 'relay=feedback' "$TB_DIR/pf/maillog" | head -1)" "via=verp"
ta_eq "dashboard: bounced_hard" "$(tb_redis hget "{t:acme}:fb:$today" bounced_hard)" 1
fwd=$(sink_wait 'Undelivered Mail Returned to Sender')
ta_contains "forward_bounces: the tenant's own return path got the bounce" "$(grep -i '^X-Rcpt-Args' "$fwd" 2>/dev/null)" "news@acme.example"
ta_contains "...with a null sender, so it cannot loop" "$(grep -i '^X-Mail-Args' "$fwd" 2>/dev/null)" "<>"
ta_contains "the milter let the locally submitted copy pass" "$(cat "$TB_DIR/milter.log")" "a notification submitted on this host with sendmail(1) passes untagged"
out=$(tb_send --from '' --to x@dest.example --header 'Subject: null over smtp')
ta_contains "a null sender over SMTP from no tenant is still refused" "$out" "550 5.7.1 no tenant for this message"

# a forged token is refused and logged; the report is read without it
cp "$top_srcdir/tests/fixtures/bounce/postfix-user-unknown.eml" "$TB_DIR/forged.eml"
out=$("$FB" -c "$TB_CONF" dsn 'bounce+AQEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA@rp.relay.test' <"$TB_DIR/forged.eml" 2>&1)
ta_eq "a forged VERP token is no reason to retry (exit 0)" "$?" 0
ta_contains "...and is logged" "$out" "VERP token refused"
dsn_out=$out

# mail to a real VERP address that is no bounce: applied as nothing, and never forwarded
printf 'From: <someone@dest.example>\nTo: <%s>\nSubject: verp not a bounce\n\njust a note\n' "$verp_addr" >"$TB_DIR/note.eml"
out=$("$FB" -c "$TB_CONF" dsn "$verp_addr" <"$TB_DIR/note.eml" 2>&1)
ta_eq "a note to a VERP address: exit 0" "$?" 0
ta_contains "...is not forwarded, and the log says why" "$out" "dsn: tenant=acme rcpt=ok@dest.example: not forwarded: the message is no bounce or report"
dsn_out+=$out
# an unsubscribe token (its list id is the tenant's text) does not open as a VERP token
utok=$("$top_builddir/bench/seal-tokens" "$TB_DIR/token.keys" acme 1)
ta_contains "an unsubscribe token sealed for acme" "$utok" "AgEB"
out=$("$FB" -c "$TB_CONF" dsn "bounce+$utok@rp.relay.test" <"$TB_DIR/forged.eml" 2>&1)
ta_eq "an unsubscribe token as a VERP address: exit 0" "$?" 0
ta_contains "...is refused as a VERP token" "$out" "an unsubscribe token is no VERP token"
ta_lacks "...and nothing is forwarded" "$out" "forwarded"
dsn_out+=$out
# a real bounce to the same VERP address is forwarded to the tenant's return path
sed 's/^Subject: .*/Subject: verp direct bounce/' "$top_srcdir/tests/fixtures/bounce/postfix-user-unknown.eml" >"$TB_DIR/direct.eml"
out=$("$FB" -c "$TB_CONF" dsn "$verp_addr" <"$TB_DIR/direct.eml" 2>&1)
ta_eq "a bounce to a VERP address: exit 0" "$?" 0
ta_contains "...applied for the token's tenant and recipient, and forwarded" "$out" "dsn: tenant=acme rcpt=ok@dest.example category=hard via=verp forwarded"
dsn_out+=$out
fwd=$(sink_wait 'Subject: verp direct bounce')
ta_contains "...the return path got it" "$(grep -i '^X-Rcpt-Args' "$fwd" 2>/dev/null)" "news@acme.example"
ta_contains "...with a null sender" "$(grep -i '^X-Mail-Args' "$fwd" 2>/dev/null)" "<>"
ta_eq "the note never reached the return path" "$(tb_sink_grep 'Subject: verp not a bounce')" ""
ta_lacks "no sanitizer report from the dsn runs" "$dsn_out" "Sanitizer"
ta_lacks "...nor a runtime error" "$dsn_out" "runtime error"
ta_finish
