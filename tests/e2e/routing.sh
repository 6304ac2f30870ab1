#!/bin/bash
# Routing that holds behind a smarthost and after VERP. Our relay sends
# through a relayhost (a second private Postfix, the "smarthost", which
# passes everything to the sink); acme's transport has no next hop of its
# own; VERP rewrites every single-recipient sender. Tenant mail, SMTP and
# local alike, must leave through acme's transport (source 127.0.0.2, HELO
# a.relay.test) to the smarthost, and wait when acme's pool is down; mail
# to a transport_maps destination must go where transport_maps says.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-routing
tb_receiver_start || exit 99 # the smarthost: relayhost = [127.0.0.1]:$TB_RX_PORT
tb_ctl unsubscribe-key generate >/dev/null
echo "return_path_domain = rp.relay.test" >>"$TB_CONF"
ta_milter_restart || exit 99
tb_policyd_start -v || exit 99 # -v: it logs each decision
tb_ctl transport add out-a --ip 127.0.0.2 --helo a.relay.test >/dev/null
tb_ctl pool add pa out-a >/dev/null
tb_ctl pool assign acme pa >/dev/null
ta_status "postfix check accepts the generated lines" 0 tb_postfix_egress
postconf -c "$TB_DIR/pf" -e "transport_maps = inline:{ direct.example=smtp:[127.0.0.1]:$TB_SINK_PORT }"
postfix -c "$TB_DIR/pf" reload >/dev/null 2>&1
sleep 1
ta_synced
ta_eq "the relay sends through a smarthost" "$(postconf -c "$TB_DIR/pf" -h relayhost)" "[127.0.0.1]:$TB_RX_PORT"
from_acme=(--from news@acme.example --header 'From: <news@acme.example>')

# via_smarthost SUBJECT - "ADDR HELO" of the client the smarthost saw for that message, from its Received field
via_smarthost() {
	local f
	for _ in $(seq 1 100); do f=$(tb_sink_grep "Subject: $1\$" | head -1); [ -n "$f" ] && break; sleep 0.1; done
	[ -n "$f" ] && sed -n 's/^Received: from \([^ ]*\) (unknown \[\([0-9.]*\)\])$/\2 \1/p' "$f" | head -1
}
mail_from() { sed -n 's/^X-Mail-Args: <\([^>]*\)>.*/\1/p' $(tb_sink_grep "Subject: $1\$" | head -1); }

out=$(ta_send_as_acme "${from_acme[@]}" --to x@dest.example --header 'Subject: smtp verp')
ta_contains "SMTP tenant mail accepted" "$out" "250 2.0.0 Ok: queued"
ta_eq "SMTP: through acme's transport to the smarthost" "$(via_smarthost 'smtp verp')" "127.0.0.2 a.relay.test"
ta_contains "SMTP: with its VERP sender" "$(mail_from 'smtp verp')" "@rp.relay.test"
ta_contains "the policy service left it to the socketmap (DUNNO)" "$(grep 'policy:' "$TB_DIR/policyd.log" | tail -1)" ": DUNNO"

printf 'From: <news@acme.example>\nSubject: local verp\n\nhello\n' | sendmail -C "$TB_DIR/pf" -f news@acme.example l@dest.example
ta_eq "local submission: accepted" "$?" 0
ta_eq "local, VERP-rewritten: through acme's transport to the smarthost" "$(via_smarthost 'local verp')" "127.0.0.2 a.relay.test"
ta_contains "local: with its VERP sender" "$(mail_from 'local verp')" "@rp.relay.test"
ta_contains "the socketmap opened the VERP sender's token" "$(cat "$TB_DIR/pf/maillog")" "postfix-out-a/smtp"

# a transport_maps destination goes where transport_maps says, not through acme's transport
out=$(ta_send_as_acme "${from_acme[@]}" --to u@direct.example --header 'Subject: to direct')
ta_contains "mail to a transport_maps destination accepted" "$out" "250 2.0.0 Ok: queued"
f=""
for _ in $(seq 1 100); do f=$(tb_sink_grep 'Subject: to direct$' | head -1); [ -n "$f" ] && break; sleep 0.1; done
ta_eq "transport_maps: straight to its next hop, with the relay's own HELO" "$(sed -n 's/^X-Helo-Args: //p' "$f" 2>/dev/null)" relay.test
ta_lacks "transport_maps: not through the smarthost" "$(cat "$f" 2>/dev/null)" "by mx.dest.test"

# acme's pool down: VERP mail waits, it never leaves through the default transport
tb_ctl transport disable out-a --reason test >/dev/null
ta_synced
n=$(tb_sink_files | wc -l)
printf 'From: <news@acme.example>\nSubject: local while down\n\nhello\n' | sendmail -C "$TB_DIR/pf" -f news@acme.example w@dest.example
out=$(ta_send_as_acme "${from_acme[@]}" --to y@dest.example --header 'Subject: smtp while down')
ta_contains "SMTP while the pool is down: the client is told to retry" "$out" "451 4.3.0"
sleep 3
ta_eq "while the pool is down nothing leaves" "$(tb_sink_files | wc -l)" "$n"
ta_contains "the local message waits in the queue" "$(postqueue -c "$TB_DIR/pf" -p)" "w@dest.example"
ta_contains "Postfix logs why" "$(cat "$TB_DIR/pf/maillog")" "every transport of pool pa is down"
tb_ctl transport enable out-a >/dev/null
ta_synced
# qmgr keeps its last resolver answer (one entry) until another address is resolved, as
# any traffic does; the flush then retries the waiting message
ta_send_as_acme "${from_acme[@]}" --to z@dest.example --header 'Subject: after enable' >/dev/null
ta_eq "mail after the pool is back leaves through acme's transport" "$(via_smarthost 'after enable')" "127.0.0.2 a.relay.test"
postqueue -c "$TB_DIR/pf" -f
ta_eq "once the pool is back, the waiting message leaves through acme's transport" "$(via_smarthost 'local while down')" "127.0.0.2 a.relay.test"
ta_finish
