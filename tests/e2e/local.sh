#!/bin/bash
# Locally submitted mail (sendmail(1) -> pickup -> cleanup -> non_smtpd_milters)
# is resolved and tagged like SMTP mail, and a forged tag is removed.
. "$top_srcdir/contrib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-local

printf 'From: news@acme.example\nX-Tenant: beta\nSubject: local submission\n\nhello\n' |
	sendmail -C "$TB_DIR/pf" -f news@acme.example x@dest.example
ta_eq "sendmail accepted the message" "$?" 0
printf 'From: ceo@beta.example\nSubject: local spoof\n\nhello\n' |
	sendmail -C "$TB_DIR/pf" -f news@acme.example y@dest.example
tb_wait_sink 1
sleep 1
f=$(tb_sink_grep 'Subject: local submission')
ta_eq "local message: exactly one tag" "$(grep -ci '^x-tenant:' "$f")" 1
ta_eq "local message: tagged by its sender domain" "$(grep -i '^x-tenant:' "$f")" "X-Tenant: acme"
ta_eq "local spoof not delivered to its recipient" "$(tb_sink_grep 'X-Rcpt-Args: <y@dest.example>' | wc -l)" 0
tb_wait_sink 2
bounce=$(cat $(tb_sink_grep 'X-Rcpt-Args: <news@acme.example>'))
ta_contains "the local sender gets a bounce (nothing is lost silently)" "$bounce" "Status: 5.7.1"
ta_contains "the bounce explains the refusal" "$bounce" "tenant acme: From domain beta.example is not a domain of"
ta_contains "local spoof refused by the milter" "$(cat "$TB_DIR/milter.log")" "From domain beta.example is not a domain of tenant acme"
ta_contains "resolution logged as sender" "$(cat "$TB_DIR/milter.log")" "tenant=acme via=sender:acme.example"

# cleanup's milter can neither refuse one recipient (that fails the whole message as a
# "configuration error") nor reliably drop one (its delrcpt matches the address as submitted,
# the milter sees it rewritten): a suppressed recipient, in any form Postfix delivers to it,
# fails the message, and the sender's bounce says why
tb_ctl suppress add gone@dest.example --tenant acme --reason complaint >/dev/null
ta_synced
for form in 'dest.example!gone' 'GONE@Dest.Example.' 'gone%dest.example'; do
	n=$(tb_sink_files | wc -l)
	printf 'From: news@acme.example\nSubject: local suppression %s\n\nhello\n' "$form" |
		sendmail -C "$TB_DIR/pf" -f news@acme.example stay@dest.example "$form"
	ta_eq "$form: sendmail accepted the submission" "$?" 0
	tb_wait_sink $((n + 1))
	sleep 0.5
	ta_eq "$form: the message reached nobody" "$(tb_sink_grep 'X-Rcpt-Args: <stay@dest.example>' | wc -l)" 0
	f=$(tb_sink_grep "Subject: local suppression $form" | tail -1)
	ta_contains "$form: the bounce goes to the sender" "$(cat "$f" 2>/dev/null)" "X-Rcpt-Args: <news@acme.example>"
	ta_contains "$form: it names the suppression" "$(cat "$f" 2>/dev/null)" "recipient suppressed"
	ta_contains "$form: and what to do" "$(cat "$f" 2>/dev/null)" "send it again without that recipient"
done
ta_lacks "no suppressed form reached the sink" "$(grep -h X-Rcpt-Args $(tb_sink_files))" "gone"
ta_contains "the refusal is logged with its reason" "$(cat "$TB_DIR/milter.log")" \
	"rcpt=\"gone@dest.example\": <gone@dest.example>: recipient suppressed (complaint"
ta_finish
