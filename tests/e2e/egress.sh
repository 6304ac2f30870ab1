#!/bin/bash
# Each tenant's mail leaves through its own transport and source address, as
# the next hop sees it. The transports name the sink as their next hop: the
# test bed makes no DNS lookups, so MX routing (the default) is not used. The Postfix lines come from "tenantctl
# postfix-config", pasted as an administrator would; tenant-policyd answers
# smtpd_data_restrictions (FILTER) and the socketmap for local submissions.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-egress
tb_policyd_start || exit 99

tb_ctl transport add out-a --ip 127.0.0.2 --helo a.relay.test --nexthop "[127.0.0.1]:$TB_SINK_PORT" --concurrency 5 >/dev/null
tb_ctl transport add out-b --ip 127.0.0.3 --helo b.relay.test --nexthop "[127.0.0.1]:$TB_SINK_PORT" >/dev/null
tb_ctl transport add out-bulk --ip 127.0.0.4 --helo bulk.relay.test --nexthop "[127.0.0.1]:$TB_SINK_PORT" --rate-delay 1s >/dev/null
tb_ctl transport add out-d --ip 127.0.0.5 --helo d.relay.test --nexthop "[127.0.0.1]:$TB_SINK_PORT" >/dev/null
tb_ctl pool add pa out-a >/dev/null
tb_ctl pool add pbulk out-bulk >/dev/null
tb_ctl pool add pb out-b >/dev/null
tb_ctl pool assign acme pa --stream transactional >/dev/null
tb_ctl pool assign acme pbulk --stream bulk >/dev/null
tb_ctl pool assign beta pb >/dev/null
tb_ctl domain add acme news.acme.example --stream bulk >/dev/null
ta_status "postfix check accepts the generated lines" 0 tb_postfix_egress
ta_contains "master.cf has the transport" "$(cat "$TB_DIR/pf/master.cf")" "-o smtp_bind_address_enforce=yes"
ta_eq "main.cf has its concurrency" "$(postconf -c "$TB_DIR/pf" -h out-a_destination_concurrency_limit)" 5
ta_contains "main.cf calls the policy service at DATA" "$(postconf -c "$TB_DIR/pf" -h smtpd_data_restrictions)" "check_policy_service unix:$TB_DIR/run/policy.sock"

# postfix-config reads the running Postfix. The test bed has nothing chrooted, runs as
# postfix and gives every transport a next hop: no warning. With its smtpd chrooted (as
# Debian's master.cf has it), the sockets outside its queue directory cannot work, and
# postfix-config, tenant-policyd -n and tenant-milter -n say so.
ta_ctl "postfix-config" 0 postfix-config
ta_lacks "the test bed: no warning on stdout" "$ta_out" "# warning:"
ta_lacks "...nor on stderr" "$ta_err" "warning"
ta_contains "...it prints the milter line too" "$ta_out" "smtpd_milters = unix:$TB_DIR/milter.sock"
smtpd="127.0.0.1:$TB_SMTP_PORT/inet"
postconf -c "$TB_DIR/pf" -F "$smtpd/chroot=y"
chrooted="is outside queue_directory $TB_DIR/pf/queue, and master.cf runs smtpd"
ta_ctl "postfix-config with a chrooted smtpd" 0 postfix-config
ta_contains "...warns about the policy socket" "$ta_out" "# warning: policy_socket unix:$TB_DIR/run/policy.sock $chrooted (check_policy_service) chrooted there ($smtpd, chroot = y): it cannot reach the socket, so mail tempfails; use policy_socket = unix:$TB_DIR/pf/queue/tenant-milter/policy.sock, or set chroot = n for $smtpd"
ta_contains "...and the milter socket" "$ta_out" "# warning: milter_socket unix:$TB_DIR/milter.sock $chrooted (smtpd_milters) chrooted there"
ta_contains "...on stderr too" "$ta_err" "tenantctl: warning: policy_socket unix:$TB_DIR/run/policy.sock $chrooted"
ta_lacks "...not about cleanup or trivial-rewrite, still unchrooted" "$ta_out" "non_smtpd_milters) chrooted"
ta_lacks "...nor the socketmap" "$ta_out" "warning: socketmap_socket"
ta_run "tenant-policyd -n with a chrooted smtpd" 0 "$TB_POLICYD" -n -c "$TB_CONF"
ta_contains "...prints configuration OK" "$ta_out" "configuration OK"
ta_contains "...after the same warning" "$ta_err" "tenant-policyd: warning: policy_socket unix:$TB_DIR/run/policy.sock $chrooted (check_policy_service)"
ta_run "tenant-milter -n with a chrooted smtpd" 0 "$TB_MILTER" -n -c "$TB_CONF"
ta_contains "...prints configuration OK" "$ta_out" "configuration OK"
ta_contains "...after the milter's warning" "$ta_err" "tenant-milter: warning: milter_socket unix:$TB_DIR/milter.sock $chrooted (smtpd_milters)"
ta_lacks "...and not tenant-policyd's" "$ta_err" "policy_socket"
postconf -c "$TB_DIR/pf" -F "$smtpd/chroot=n"
ta_ctl "smtpd unchrooted again" 0 postfix-config
ta_lacks "...no warning" "$ta_out$ta_err" "warning"
ta_synced

# seen_from SUBJECT - the client address and HELO the sink saw for that message
seen_from() {
	local f
	tb_wait_sink "$(($(tb_sink_files | wc -l)))" >/dev/null 2>&1
	for _ in $(seq 1 100); do f=$(tb_sink_grep "Subject: $1\$" | head -1); [ -n "$f" ] && break; sleep 0.1; done
	[ -n "$f" ] && printf '%s %s\n' "$(sed -n 's/^X-Client-Addr: //p' "$f")" "$(sed -n 's/^X-Helo-Args: //p' "$f")"
}

# sink_count SUBJECT REGEX - how many header lines match REGEX in the message with
# that subject; "no message" when there is none, so a lost message never reads as 0
sink_count() {
	local f
	seen_from "$1" >/dev/null
	f=$(tb_sink_grep "Subject: $1\$" | head -1)
	if [ -n "$f" ] && [ -f "$f" ]; then grep -ci -- "$2" "$f"; else echo "no message with Subject: $1"; fi
}

out=$(ta_send_as_acme --from a@acme.example --header 'From: <a@acme.example>' --to x@dest.example --header 'Subject: acme transactional')
ta_contains "acme transactional queued" "$out" "250 2.0.0 Ok: queued"
ta_eq "acme's transactional mail leaves from 127.0.0.2" "$(seen_from 'acme transactional')" "127.0.0.2 a.relay.test"
out=$(ta_send_as_beta --from b@beta.example --header 'From: <b@beta.example>' --to y@dest.example --header 'Subject: beta one')
ta_eq "beta's mail leaves from 127.0.0.3" "$(seen_from 'beta one')" "127.0.0.3 b.relay.test"
out=$(ta_send_as_acme --from news@news.acme.example --header 'From: <news@news.acme.example>' --to z@dest.example --header 'Subject: acme bulk')
ta_eq "acme's bulk mail leaves through its bulk transport" "$(seen_from 'acme bulk')" "127.0.0.4 bulk.relay.test"
ta_contains "Postfix logs the chosen transport" "$(cat "$TB_DIR/pf/maillog")" "postfix-out-bulk/smtp"

# a transport taken down: new mail moves to the pool's other one, never to another tenant's
tb_ctl pool add pb out-b out-d >/dev/null
tb_ctl transport disable out-b --reason "listed at a blocklist" >/dev/null
ta_synced
tb_postfix_egress >/dev/null
for i in 1 2 3; do
	ta_send_as_beta --from b@beta.example --header 'From: <b@beta.example>' --to "d$i@dest.example" --header "Subject: beta moved $i" >/dev/null
done
for i in 1 2 3; do ta_eq "with out-b down, beta message $i leaves from 127.0.0.5" "$(seen_from "beta moved $i")" "127.0.0.5 d.relay.test"; done
tb_ctl transport disable out-d >/dev/null
ta_synced
out=$(ta_send_as_beta --from b@beta.example --header 'From: <b@beta.example>' --to e@dest.example --header 'Subject: beta nowhere')
# trivial-rewrite asks the socketmap first (at RCPT), so Postfix words the reply
ta_contains "every transport of the pool down: 451 4.3.0" "$out" "451 4.3.0 <e@dest.example>: Temporary lookup failure"
ta_contains "...and Postfix logs tenant-policyd's reason" "$(cat "$TB_DIR/pf/maillog")" "socketmap server temporary error: tenant beta: every transport of pool pb is down"
ta_eq "...and nothing went out through someone else's address" "$(tb_sink_grep 'Subject: beta nowhere' | wc -l)" 0
tb_ctl transport enable out-b >/dev/null

# local submission: never passes smtpd, routed by the socketmap on the sender
printf 'From: <news@acme.example>\nTo: <l@dest.example>\nSubject: acme local\n\nhello\n' |
	sendmail -C "$TB_DIR/pf" -f news@acme.example l@dest.example
ta_eq "locally submitted mail is routed through the socketmap" "$(seen_from 'acme local')" "127.0.0.2 a.relay.test"

# the policy service survives a hostile client while serving Postfix
printf 'request=smtpd_access_policy\nsender\n\n' | timeout 5 socat - "UNIX-CONNECT:$TB_DIR/run/policy.sock" >/dev/null 2>&1 ||
	python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b'request=smtpd_access_policy\nsender\n\n'); s.recv(10)" "$TB_DIR/run/policy.sock"
ta_contains "garbage is logged and its connection closed" "$(cat "$TB_DIR/policyd.log")" "malformed attribute line \"sender\": expected name=value; closing the connection"
out=$(ta_send_as_acme --from a@acme.example --header 'From: <a@acme.example>' --to x2@dest.example --header 'Subject: acme after garbage')
ta_eq "and mail still flows" "$(seen_from 'acme after garbage')" "127.0.0.2 a.relay.test"
# one-click unsubscribe on bulk mail (RFC 8058): a sealed token per recipient
tb_ctl unsubscribe-key generate >/dev/null
ta_milter_restart -o unsubscribe_url_host=unsub.relay.test -o unsubscribe_mailto_domain=unsub.relay.test
ta_send_as_acme --from news@news.acme.example --header 'From: <news@news.acme.example>' --to fan@dest.example \
	--header 'Subject: bulk single' --header 'List-Unsubscribe: <mailto:old@acme.example>' >/dev/null
ta_send_as_acme --from a@acme.example --header 'From: <a@acme.example>' --to r@dest.example --header 'Subject: transactional' >/dev/null
ta_send_as_acme --from news@news.acme.example --header 'From: <news@news.acme.example>' --to 'm1@dest.example,m2@dest.example' \
	--header 'Subject: bulk multi' >/dev/null
seen_from 'bulk single' >/dev/null
f=$(tb_sink_grep 'Subject: bulk single$' | head -1)
[ -n "$f" ] || f=/dev/null
ta_contains "bulk mail carries an https one-click URI and a mailto" "$(cat "$f")" "List-Unsubscribe: <https://unsub.relay.test/u/"
ta_contains "...and the Post header" "$(cat "$f")" "List-Unsubscribe-Post: List-Unsubscribe=One-Click"
ta_eq "the client's incomplete header was replaced, never duplicated" "$(sink_count 'bulk single' '^List-Unsubscribe:')" 1
ta_lacks "the token does not show the address" "$(grep -i '^List-Unsubscribe:' "$f")" "fan"
ta_eq "transactional mail carries no unsubscribe header" "$(sink_count 'transactional' '^List-Unsubscribe')" 0
ta_eq "a bulk message with two recipients gets none" "$(sink_count 'bulk multi' '^List-Unsubscribe')" 0
ta_contains "...and is logged" "$(cat "$TB_DIR/milter.log")" "bulk mail must be sent one recipient per message"

# tenant-policyd down: the client is told to retry; nothing leaves unrouted
tb_policyd_stop
before=$(tb_sink_files | wc -l)
out=$(ta_send_as_acme --from a@acme.example --header 'From: <a@acme.example>' --to x3@dest.example --header 'Subject: acme policyd down')
ta_contains "tenant-policyd down: the client gets 451" "$out" "<** 451 4.3."
sleep 1
ta_eq "...and nothing was delivered" "$(tb_sink_files | wc -l)" "$before"
ta_eq "every message went to its transport's next hop; none bounced" "$(grep -c 'status=bounced' "$TB_DIR/pf/maillog")" 0
ta_finish
