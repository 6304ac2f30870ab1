#!/bin/bash
# Locally submitted mail (sendmail(1) -> pickup -> cleanup -> non_smtpd_milters)
# is resolved and tagged like SMTP mail, and a forged tag is removed. A null sender
# from sendmail(1) passes untagged, and only root and the service users may submit one
# once local_login_sender_maps is set as tenantctl postfix-config prints it.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
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

# A null sender submitted with sendmail(1) passes the milter untagged, as Postfix's own
# bounces do (tenant-feedback's forward_bounces copies). That is safe only when postdrop's
# local_login_sender_maps keeps "sendmail -f '<>'" to root and the service users: without
# it the milter warns, at start and with -n; with the line tenantctl postfix-config prints,
# Postfix refuses everyone else.
guard="local_login_sender_maps is not set in $TB_DIR/pf/main.cf: any local user can submit mail with a null sender"
ta_contains "no local_login_sender_maps: the milter's start-up log warns" "$(cat "$TB_DIR/milter.log")" "warning: $guard"
out=$("$TB_MILTER" -n -c "$TB_CONF" 2>&1); rc=$?
ta_eq "tenant-milter -n: the warning is no error (exit 0)" "$rc" 0
ta_eq "...and no sanitizer report" "$(grep -cE 'Sanitizer|runtime error:' <<<"$out")" 0
ta_contains "...it still prints configuration OK" "$out" "configuration OK"
ta_contains "...after the warning, in plain words" "$out" "warning: $guard through sendmail(1), which tenant-milter passes untagged; add the line tenantctl postfix-config prints"
line=$(tb_ctl postfix-config | grep '^local_login_sender_maps = ')
ta_contains "tenantctl postfix-config prints a local_login_sender_maps line" "$line" "local_login_sender_maps = "
postconf -c "$TB_DIR/pf" -e "$line"
postfix -c "$TB_DIR/pf" reload >/dev/null 2>&1
sleep 1
out=$("$TB_MILTER" -n -c "$TB_CONF" 2>&1); rc=$?
ta_eq "with the line: tenant-milter -n exits 0" "$rc" 0
ta_eq "...no sanitizer report" "$(grep -cE 'Sanitizer|runtime error:' <<<"$out")" 0
ta_contains "...prints configuration OK" "$out" "configuration OK"
ta_lacks "...and no longer warns" "$out" "local_login_sender_maps"

out=$(cd / && printf 'From: <ceo@beta.example>\nSubject: null sender from nobody\n\nhello\n' |
	runuser -u nobody -- sendmail -C "$TB_DIR/pf" -f '<>' x@dest.example 2>&1); rc=$?
ta_eq "nobody: sendmail -f '<>' fails" "$([ "$rc" -ne 0 ] && echo failed)" failed
ta_contains "...because postdrop refuses the sender" "$out" "not authorized to use sender=''"
out=$(cd / && printf 'Subject: own name from nobody\n\nhello\n' |
	runuser -u nobody -- sendmail -C "$TB_DIR/pf" x@dest.example 2>&1); rc=$?
ta_eq "nobody may still submit under its own name" "$rc" 0
printf 'From: <mailer-daemon@relay.test>\nSubject: null sender from root\n\nhello\n' |
	sendmail -C "$TB_DIR/pf" -f '<>' x@dest.example
ta_eq "root: sendmail -f '<>' is still accepted" "$?" 0
f=
for _ in $(seq 1 200); do f=$(tb_sink_grep 'Subject: null sender from root' | head -1); [ -n "$f" ] && break; sleep 0.1; done
ta_eq "...delivered" "$([ -n "$f" ] && echo delivered)" delivered
ta_contains "...with its null sender" "$(grep -i '^X-Mail-Args' "$f" 2>/dev/null)" "<>"
ta_eq "...untagged" "$(grep -ci '^x-tenant:' "$f" 2>/dev/null)" 0
ta_contains "...passed by the null-sender rule" "$(cat "$TB_DIR/milter.log")" \
	"sender=<>: a notification submitted on this host with sendmail(1) passes untagged"
ta_eq "nobody's null-sender message reached no one" "$(tb_sink_grep 'Subject: null sender from nobody' | wc -l)" 0
ta_finish
