#!/bin/bash
# What the manuals promise and no other test showed, through real Postfix:
# 1. SIGHUP, not a restart (the milter's pid stays), loads a DKIM key made with
#    "tenantctl dkim generate" (README: publish, then reload) and a rotated one;
#    a rotated token key seals the milter's next links, tenant-httpd opens them
#    after its own SIGHUP, and a retired key's links are refused.
# 2. existing_unsubscribe, bulk_multi_recipient and unsubscribe_list_header,
#    default and not (tenant-milter.conf(5)).
# 3. SASL logins compare exactly, letter case included (README, Security notes);
#    sender_ownership = enforce, warn and off.
# 4. sendmail(1) mail while tenant-policyd is down waits in the queue, and leaves
#    once, through the tenant's transport, when tenant-policyd is back.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-claims
VERIFY="$top_srcdir/tests/lib/dkim_verify.py"
cat >>"$TB_CONF" <<CONF
dkim_keys = $TB_DIR/dkim.keys
dkim_key_dir = $TB_DIR/dkim
unsubscribe_url_host = unsub.relay.test
unsubscribe_mailto_domain = unsub.relay.test
CONF
tb_ctl domain add acme news.acme.example --stream bulk >/dev/null
ta_ctl "tenantctl unsubscribe-key generate" 0 unsubscribe-key generate
ta_milter_restart || exit 99 # the token keys must be there at start
tb_httpd_start || exit 99
U="http://127.0.0.1:$TB_HTTP_PORT"
MPID=$(cat "$TB_DIR/milter.fg.pid")
starts=$(grep -c 'starting: listening on' "$TB_DIR/milter.log")

# hup NAME - SIGHUP the daemon (milter or httpd) and wait for its reload line (10 s)
hup() {
	local line n
	case "$1" in
	milter) line='configuration reloaded from' ;;
	httpd) line='reload: [0-9]* token key(s)' ;;
	esac
	n=$(grep -c "$line" "$TB_DIR/$1.log")
	kill -HUP "$(cat "$TB_DIR/$1.fg.pid")" || return 1
	for _ in $(seq 1 100); do
		[ "$(grep -c "$line" "$TB_DIR/$1.log")" -gt "$n" ] && return 0
		sleep 0.1
	done
	tb_log "tenant-$1 did not log its reload"
	return 1
}
# sink_file SUBJECT - the delivered message with that subject (waits 10 s)
sink_file() {
	local f
	for _ in $(seq 1 100); do f=$(tb_sink_grep "^Subject: $1\$" | head -1); [ -n "$f" ] && break; sleep 0.1; done
	echo "$f"
}
# sig SUBJECT - the delivered DKIM-Signature, unfolded and without blanks
sig() { grep -A6 '^DKIM-Signature' "$(sink_file "$1")" | sed '/^[^ \t]/{/^DKIM-Signature/!q}' | tr -d '\n\t '; }
# record SELECTOR OUTPUT - keep the printed TXT record's value for the verifier
record() { printf '%s\n' "$2" | grep '_domainkey' | grep -o '"[^"]*"' | tr -d '"\n' >"$TB_DIR/$1.txt"; }
# lu SUBJECT - the delivered List-Unsubscribe value
lu() { sed -n 's/^List-Unsubscribe: //p' "$(sink_file "$1")"; }
# path_of SUBJECT - the /u/TOKEN path of its https link
path_of() { lu "$1" | sed -n 's/.*<https:\/\/unsub\.relay\.test\(\/u\/[^>]*\)>.*/\1/p'; }
post() { curl -s --max-time 20 -o /dev/null -w '%{http_code}' -X POST -d 'List-Unsubscribe=One-Click' "$U$1"; }
get() { curl -s --max-time 20 -o /dev/null -w '%{http_code}' "$U$1"; }
tx=(--from a@acme.example --header 'From: <a@acme.example>')
bulk=(--from news@news.acme.example --header 'From: <news@news.acme.example>')

# ---- 1. DKIM keys on SIGHUP ----
ta_send_as_acme "${tx[@]}" --to d0@dest.example --header 'Subject: no key yet' >/dev/null
ta_eq "before any key: delivered unsigned" "$(grep -c '^DKIM-Signature' "$(sink_file 'no key yet')")" 0
ta_ctl "tenantctl dkim generate acme acme.example --selector s1" 0 dkim generate acme acme.example --selector s1
record s1 "$ta_out"
ta_status "SIGHUP: the milter logs its reload" 0 hup milter
ta_contains "...and has read the new key" "$(tail -5 "$TB_DIR/milter.log")" "DKIM: 1 key(s) loaded from $TB_DIR/dkim.keys"
ta_send_as_acme "${tx[@]}" --to d1@dest.example --header 'Subject: after s1' >/dev/null
ta_contains "the next message is signed with selector s1" "$(sig 'after s1')" "d=acme.example;s=s1;"
ta_contains "...and dkimpy verifies it against s1's record" \
	"$(/usr/bin/python3 "$VERIFY" "$TB_DIR/s1.txt" "$(sink_file 'after s1')" 2>&1)" ": pass"
ta_ctl "tenantctl dkim generate acme acme.example --selector s2 (a rotation)" 0 dkim generate acme acme.example --selector s2
record s2 "$ta_out"
ta_status "SIGHUP again" 0 hup milter
ta_contains "...both keys read" "$(tail -5 "$TB_DIR/milter.log")" "DKIM: 2 key(s) loaded from $TB_DIR/dkim.keys"
ta_send_as_acme "${tx[@]}" --to d2@dest.example --header 'Subject: after s2' >/dev/null
ta_contains "after the rotation: signed with the new selector s2" "$(sig 'after s2')" "d=acme.example;s=s2;"
ta_contains "...dkimpy verifies it against s2's record" \
	"$(/usr/bin/python3 "$VERIFY" "$TB_DIR/s2.txt" "$(sink_file 'after s2')" 2>&1)" ": pass"
ta_contains "...and not against s1's: the new key signed it" \
	"$(/usr/bin/python3 "$VERIFY" "$TB_DIR/s1.txt" "$(sink_file 'after s2')" 2>&1)" ": fail"

# ---- 1b. token keys on SIGHUP ----
# a token is base64url of version 2, purpose 1 (unsubscribe), key id, ...: "AgEB" is key 1, "AgEC" key 2
ta_send_as_acme "${bulk[@]}" --to t1@dest.example --header 'Subject: token 1' >/dev/null
p1=$(path_of 'token 1')
ta_eq "the first link is sealed with key 1" "${p1:3:4}" AgEB
ta_ctl "tenantctl unsubscribe-key rotate" 0 unsubscribe-key rotate
ta_contains "...adds key 2" "$ta_out" "key 2 added"
ta_status "SIGHUP: the milter reloads" 0 hup milter
ta_send_as_acme "${bulk[@]}" --to t2@dest.example --header 'Subject: token 2' >/dev/null
p2=$(path_of 'token 2')
ta_eq "after the milter's SIGHUP its new links are sealed with key 2" "${p2:3:4}" AgEC
ta_eq "tenant-httpd, not yet reloaded, does not know key 2: 400" "$(get "$p2")" 400
ta_status "SIGHUP: tenant-httpd logs its reload" 0 hup httpd
ta_contains "...with both keys" "$(tail -3 "$TB_DIR/httpd.log")" "reload: 2 token key(s)"
ta_eq "...then it opens the key-2 link" "$(get "$p2")" 200
ta_eq "...and the key-1 link still opens after the rotation" "$(get "$p1")" 200
ta_ctl "tenantctl unsubscribe-key retire 1" 0 unsubscribe-key retire 1
ta_status "SIGHUP: tenant-httpd reloads" 0 hup httpd
ta_status "SIGHUP: the milter reloads" 0 hup milter
ta_eq "a link of the retired key is refused: 400" "$(post "$p1")" 400
ta_eq "...and unsubscribes nobody" "$(tb_redis hget '{t:acme}:supp' t1@dest.example)" ""
ta_eq "the key-2 link works: 200" "$(post "$p2")" 200
ta_eq "...and suppresses its recipient" "$(tb_redis hget '{t:acme}:supp' t2@dest.example | cut -d'|' -f1)" unsubscribe
ta_send_as_acme "${bulk[@]}" --to t3@dest.example --header 'Subject: token 3' >/dev/null
p3=$(path_of 'token 3')
ta_eq "after retiring key 1 the milter still seals with key 2" "${p3:3:4}" AgEC
ta_eq "every reload was a SIGHUP: the milter kept its pid" "$(cat "$TB_DIR/milter.fg.pid")" "$MPID"
ta_eq "...it runs" "$(cat "/proc/$MPID/comm" 2>/dev/null)" tenant-milter
ta_eq "...and never started again" "$(grep -c 'starting: listening on' "$TB_DIR/milter.log")" "$starts"

# ---- 2. existing_unsubscribe, bulk_multi_recipient, unsubscribe_list_header ----
theirs='<https://lists.acme.example/u/123>'
complete=(--header "List-Unsubscribe: $theirs" --header 'List-Unsubscribe-Post: List-Unsubscribe=One-Click')
ta_send_as_acme "${bulk[@]}" --to k1@dest.example --header 'Subject: keep complete' "${complete[@]}" >/dev/null
ta_eq "existing_unsubscribe = keep (default): a complete set of the tenant's is kept" "$(lu 'keep complete')" "$theirs"
ta_eq "...one List-Unsubscribe-Post, the tenant's" "$(grep -c '^List-Unsubscribe-Post: List-Unsubscribe=One-Click$' "$(sink_file 'keep complete')")" 1
ta_send_as_acme "${bulk[@]}" --to k2@dest.example --header 'Subject: keep incomplete' \
	--header "List-Unsubscribe: $theirs" >/dev/null
ta_contains "...an incomplete one (no Post header) is replaced by ours" "$(lu 'keep incomplete')" "<https://unsub.relay.test/u/"
ta_eq "...leaving one List-Unsubscribe" "$(grep -c '^List-Unsubscribe:' "$(sink_file 'keep incomplete')")" 1
ta_milter_restart -o existing_unsubscribe=replace || exit 99
ta_send_as_acme "${bulk[@]}" --to k3@dest.example --header 'Subject: replace complete' "${complete[@]}" >/dev/null
ta_contains "existing_unsubscribe = replace: even a complete set gets ours" "$(lu 'replace complete')" "<https://unsub.relay.test/u/"
ta_eq "...one List-Unsubscribe" "$(grep -c '^List-Unsubscribe:' "$(sink_file 'replace complete')")" 1
ta_eq "...one List-Unsubscribe-Post" "$(grep -c '^List-Unsubscribe-Post:' "$(sink_file 'replace complete')")" 1

out=$(ta_send_as_acme "${bulk[@]}" --to m1@dest.example,m2@dest.example --header 'Subject: multi accept')
ta_contains "bulk_multi_recipient = accept (default): two recipients are accepted" "$out" "250 2.0.0 Ok: queued"
ta_eq "...sent without unsubscribe headers" "$(grep -ci '^List-Unsubscribe' "$(sink_file 'multi accept')")" 0
ta_contains "...and logged" "$(cat "$TB_DIR/milter.log")" \
	"tenant acme: bulk mail must be sent one recipient per message, so each can carry its own unsubscribe link; this message has 2 recipients: sent without unsubscribe headers (bulk_multi_recipient=accept)"
ta_milter_restart -o bulk_multi_recipient=reject || exit 99
out=$(ta_send_as_acme "${bulk[@]}" --to m3@dest.example,m4@dest.example --header 'Subject: multi reject')
ta_contains "bulk_multi_recipient = reject: 550 5.7.0 with the reason" "$out" \
	"550 5.7.0 tenant acme: bulk mail must be sent one recipient per message, so each can carry its own unsubscribe link; this message has 2 recipients"
out=$(ta_send_as_acme "${bulk[@]}" --to m5@dest.example --header 'Subject: multi reject single')
ta_contains "...one recipient still passes" "$out" "250 2.0.0 Ok: queued"

ta_milter_restart || exit 99
ta_send_as_acme "${bulk[@]}" --to l1@dest.example --header 'Subject: list default' --header 'X-Campaign: spring-2026' >/dev/null
ta_eq "unsubscribe_list_header empty (default): the link unsubscribes" "$(post "$(path_of 'list default')")" 200
ta_eq "...and records no list id" "$(tb_redis hget '{t:acme}:unsub' l1@dest.example | cut -d'|' -f1,3)" "one-click|"
ta_milter_restart -o unsubscribe_list_header=X-Campaign || exit 99
ta_send_as_acme "${bulk[@]}" --to l2@dest.example --header 'Subject: list set' --header 'X-Campaign: spring-2026' >/dev/null
ta_eq "unsubscribe_list_header = X-Campaign: the link unsubscribes" "$(post "$(path_of 'list set')")" 200
ta_eq "...and records the header's value as the list id" "$(tb_redis hget '{t:acme}:unsub' l2@dest.example | cut -d'|' -f1,3)" "one-click|spring-2026"
long=$(printf 'c%.0s' $(seq 1 250))
ta_send_as_acme "${bulk[@]}" --to l3@dest.example --header 'Subject: list long' --header "X-Campaign: $long" >/dev/null
post "$(path_of 'list long')" >/dev/null
ta_eq "...its first 200 bytes" "$(tb_redis hget '{t:acme}:unsub' l3@dest.example | cut -d'|' -f3)" "${long:0:200}"

# ---- 3. SASL login case; sender_ownership ----
# Dovecot lower-cases logins by default (auth_username_format = %Lu), so Postfix would pass
# "alice" for "Alice"; a back end that keeps the case lets the two be different accounts
# (smtpd keeps its connection to the old auth process across a reload: restart both)
doveadm -c "$TB_DIR/sasl/dovecot.conf" stop >/dev/null 2>&1
for _ in $(seq 1 50); do [ -S "$TB_DIR/sasl/auth" ] || break; sleep 0.1; done
echo 'auth_username_format = %u' >>"$TB_DIR/sasl/dovecot.conf"
ta_status "Dovecot starts again, keeping the login's case" 0 dovecot -c "$TB_DIR/sasl/dovecot.conf"
for _ in $(seq 1 50); do [ -S "$TB_DIR/sasl/auth" ] && break; sleep 0.1; done
ta_status "...and Postfix reloads" 0 tb_postfix_reload "$TB_DIR/pf"
tb_sasl_user Alice alice-pass
tb_sasl_user alice alice-pass
ta_ctl "tenantctl identity add beta --sasl Alice" 0 identity add beta --sasl Alice
ta_synced
as() { tb_send --local-interface 127.0.0.9 --auth PLAIN --auth-user "$1" --auth-password alice-pass "${@:2}"; }
beta=(--from b@beta.example --header 'From: <b@beta.example>')
out=$(as Alice "${beta[@]}" --to s1@dest.example --header 'Subject: sasl Alice')
ta_contains "the login Alice resolves to beta" "$out" "250 2.0.0 Ok: queued"
ta_contains "...logged as via=sasl:Alice" "$(cat "$TB_DIR/milter.log")" "tenant=beta via=sasl:Alice "
ta_eq "...tagged beta" "$(grep '^X-Tenant:' "$(sink_file 'sasl Alice')")" "X-Tenant: beta"
out=$(as alice "${beta[@]}" --to s2@dest.example --header 'Subject: sasl alice')
ta_contains "the login alice is not Alice: refused as unknown, though the sender domain is beta's" "$out" \
	"550 5.7.1 no tenant for this message: SASL login alice belongs to no tenant, and a login is never resolved by its client network or sender domain"
out=$(tb_send --local-interface 127.0.0.2 --auth PLAIN --auth-user alice --auth-password alice-pass \
	"${tx[@]}" --to s3@dest.example --header 'Subject: sasl alice on acme')
ta_contains "...and on acme's network" "$out" "550 5.7.1 no tenant for this message: SASL login alice belongs to no tenant"

foreign=(--from ceo@globex.example --header 'From: <ceo@globex.example>')
out=$(ta_send_as_acme "${foreign[@]}" --to o1@dest.example --header 'Subject: own enforce')
ta_contains "sender_ownership = enforce (default): a foreign envelope sender is refused" "$out" \
	"550 5.7.1 tenant acme: sender domain globex.example is not a domain of tenant acme"
out=$(ta_send_as_acme "${tx[@]}" --to o1@dest.example --header 'From: <ceo@globex.example>' --header 'Subject: own enforce from')
ta_contains "...a foreign From too" "$out" "550 5.7.1 tenant acme: From domain globex.example is not a domain of tenant acme"
ta_milter_restart -o sender_ownership=warn || exit 99
out=$(ta_send_as_acme "${foreign[@]}" --to o2@dest.example --header 'Subject: own warn')
ta_contains "sender_ownership = warn: accepted" "$out" "250 2.0.0 Ok: queued"
ta_contains "...with a warning" "$(cat "$TB_DIR/milter.log")" \
	"tenant acme: sender domain globex.example is not a domain of tenant acme (sender_ownership=warn)"
ta_milter_restart -o sender_ownership=off || exit 99
n=$(grep -c 'sender_ownership=warn' "$TB_DIR/milter.log")
out=$(ta_send_as_acme "${foreign[@]}" --to o3@dest.example --header 'Subject: own off')
ta_contains "sender_ownership = off: a foreign sender and From are accepted" "$out" "250 2.0.0 Ok: queued"
ta_eq "...delivered, tagged acme" "$(grep '^X-Tenant:' "$(sink_file 'own off')")" "X-Tenant: acme"
ta_contains "...logged as acme's, with the foreign domains" "$(cat "$TB_DIR/milter.log")" \
	"accept: tenant=acme via=network:127.0.0.2/32 sender=\"ceo@globex.example\" from=globex.example"
ta_eq "...without an ownership warning" "$(grep -c 'sender_ownership=warn' "$TB_DIR/milter.log")" "$n"
ta_milter_restart || exit 99

# ---- 4. local submission while tenant-policyd is down ----
tb_policyd_start || exit 99
tb_ctl transport add out-a --ip 127.0.0.2 --helo a.relay.test >/dev/null
tb_ctl pool add pa out-a >/dev/null
tb_ctl pool assign acme pa >/dev/null
ta_status "Postfix takes the lines tenantctl postfix-config prints" 0 tb_postfix_egress
ta_synced
# via SUBJECT - "CLIENT-ADDRESS HELO" the sink saw for that message
via() { f=$(sink_file "$1"); [ -n "$f" ] && echo "$(sed -n 's/^X-Client-Addr: //p' "$f") $(sed -n 's/^X-Helo-Args: //p' "$f")"; }
printf 'From: <a@acme.example>\nSubject: local before\n\nhello\n' | sendmail -C "$TB_DIR/pf" -f a@acme.example p1@dest.example
ta_eq "with tenant-policyd up, local mail leaves through acme's transport" "$(via 'local before')" "127.0.0.2 a.relay.test"
tb_policyd_stop
n=$(tb_sink_files | wc -l)
defers=$(grep -c 'to=<p2@dest.example>.*status=deferred' "$TB_DIR/pf/maillog")
printf 'From: <a@acme.example>\nSubject: local while policyd down\n\nhello\n' | sendmail -C "$TB_DIR/pf" -f a@acme.example p2@dest.example
ta_eq "sendmail(1) takes the message while tenant-policyd is down" "$?" 0
for _ in $(seq 1 100); do
	[ "$(grep -c 'to=<p2@dest.example>.*status=deferred' "$TB_DIR/pf/maillog")" -gt "$defers" ] && break
	sleep 0.1
done
ta_contains "Postfix defers it, as the README says" "$(grep "to=<p2@dest.example>" "$TB_DIR/pf/maillog")" "dsn=4.3.0, status=deferred (address resolver failure)"
ta_contains "...it waits in the queue" "$(postqueue -c "$TB_DIR/pf" -p)" "p2@dest.example"
ta_eq "...and nothing left, through any transport" "$(tb_sink_files | wc -l)" "$n"
tb_policyd_start || exit 99
# qmgr keeps its last resolver answer, the failure, until another address is resolved, as
# any traffic does (routing.sh); the flush then retries the waiting message
ta_send_as_acme "${tx[@]}" --to p3@dest.example --header 'Subject: traffic' >/dev/null
postqueue -c "$TB_DIR/pf" -f
ta_eq "with tenant-policyd back it leaves through acme's transport" "$(via 'local while policyd down')" "127.0.0.2 a.relay.test"
sleep 2 # a second copy would come within Postfix's retry (1-2 s here)
ta_eq "...exactly once" "$(tb_sink_grep '^Subject: local while policyd down$' | wc -l)" 1
ta_lacks "...and the queue is empty" "$(postqueue -c "$TB_DIR/pf" -p)" "p2@dest.example"
ta_finish
