#!/bin/bash
# VERP through real Postfix instances: with return_path_domain set, tenant-milter
# rewrites the envelope sender of single-recipient mail to a sealed bounce
# address. The receiving site refuses nobody@dest.example; our relay's own
# bounce goes to that address, which a pipe(8) transport hands to
# tenant-feedback dsn with ${original_recipient}. The token names the tenant
# and recipient, so the bounce suppresses without any help from its headers,
# and with forward_bounces the tenant's own return path still gets it.
. "$top_srcdir/contrib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
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
ta_finish
