#!/bin/bash
# 1. The stream is decided once, from the envelope sender, by tenant-policyd
#    (the pool) and tenant-milter (the unsubscribe headers) alike
#    (docs/egress.md, "The decision"): a From domain of the other stream
#    changes neither, and tenant-milter logs it.
# 2. One runtime generation (tenant-milter(8), SIGHUP): a reload whose DKIM
#    table does not load keeps the whole running generation, the new tag name
#    of the same reload included, and the warning names the part; once the
#    table loads, the whole new generation is used.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-stream
cat >>"$TB_CONF" <<CONF
unsubscribe_url_host = unsub.relay.test
CONF
tb_ctl transport add out-tx --ip 127.0.0.2 --helo tx.relay.test --nexthop "[127.0.0.1]:$TB_SINK_PORT" >/dev/null
tb_ctl transport add out-bulk --ip 127.0.0.4 --helo bulk.relay.test --nexthop "[127.0.0.1]:$TB_SINK_PORT" >/dev/null
tb_ctl pool add ptx out-tx >/dev/null
tb_ctl pool add pbulk out-bulk >/dev/null
tb_ctl pool assign acme ptx --stream transactional >/dev/null
tb_ctl pool assign acme pbulk --stream bulk >/dev/null
tb_ctl domain add acme news.acme.example --stream bulk >/dev/null
ta_ctl "tenantctl unsubscribe-key generate" 0 unsubscribe-key generate
ta_status "the milter restarts with the token keys" 0 ta_milter_restart
tb_policyd_start || exit 99
ta_status "postfix takes the generated lines" 0 tb_postfix_egress
ta_synced

# sink_file SUBJECT - the delivered message with that subject (waits 10 s)
sink_file() {
	local f
	for _ in $(seq 1 100); do f=$(tb_sink_grep "^Subject: $1\$" | head -1); [ -n "$f" ] && break; sleep 0.1; done
	echo "$f"
}
# seen SUBJECT - "ADDRESS HELO LIST-UNSUBSCRIBE-COUNT" of the delivered message, or "no message"
seen() {
	local f
	f=$(sink_file "$1")
	[ -n "$f" ] || { echo "no message"; return; }
	printf '%s %s %s\n' "$(sed -n 's/^X-Client-Addr: //p' "$f")" "$(sed -n 's/^X-Helo-Args: //p' "$f")" \
		"$(grep -ci '^List-Unsubscribe:' "$f")"
}

out=$(ta_send_as_acme --from a@acme.example --header 'From: <news@news.acme.example>' --to x@dest.example --header 'Subject: tx envelope bulk from')
ta_contains "transactional envelope, bulk From: queued" "$out" "250 2.0.0 Ok: queued"
ta_eq "...leaves through the transactional transport, without bulk headers" "$(seen 'tx envelope bulk from')" "127.0.0.2 tx.relay.test 0"
ta_contains "...and the milter says why" "$(cat "$TB_DIR/milter.log")" \
	"tenant acme: From domain news.acme.example is bulk mail but the envelope sender's domain acme.example is transactional: sent as transactional, as the envelope sender decides"

out=$(ta_send_as_acme --from news@news.acme.example --header 'From: <a@acme.example>' --to y@dest.example --header 'Subject: bulk envelope tx from')
ta_contains "bulk envelope, transactional From: queued" "$out" "250 2.0.0 Ok: queued"
ta_eq "...leaves through the bulk transport, with its unsubscribe header" "$(seen 'bulk envelope tx from')" "127.0.0.4 bulk.relay.test 1"
ta_contains "...logged the other way round" "$(cat "$TB_DIR/milter.log")" \
	"tenant acme: From domain acme.example is transactional mail but the envelope sender's domain news.acme.example is bulk: sent as bulk"

out=$(ta_send_as_acme --from news@news.acme.example --header 'From: <news@news.acme.example>' --to z@dest.example --header 'Subject: bulk both')
ta_eq "bulk envelope and From: the bulk transport, the header" "$(seen 'bulk both')" "127.0.0.4 bulk.relay.test 1"
ta_eq "...and no stream warning for it" "$(grep -c "From domain news.acme.example is bulk mail but" "$TB_DIR/milter.log")" 1

# hup LINE - SIGHUP the milter and wait (10 s) for one more log line matching LINE
hup() {
	local n
	n=$(grep -c "$1" "$TB_DIR/milter.log")
	kill -HUP "$(cat "$TB_DIR/milter.fg.pid")" || return 1
	for _ in $(seq 1 100); do
		[ "$(grep -c "$1" "$TB_DIR/milter.log")" -gt "$n" ] && return 0
		sleep 0.1
	done
	tb_log "tenant-milter did not log \"$1\""
	return 1
}
cp "$TB_CONF" "$TB_DIR/conf.before"
printf 'acme.example acme s1 %s/no-such.key\n' "$TB_DIR" >"$TB_DIR/broken.keys"
printf 'tenant_header = X-Customer\ndkim_keys = %s/broken.keys\n' "$TB_DIR" >>"$TB_CONF"
ta_status "SIGHUP with a DKIM table whose key file is missing: the reload fails" 0 hup 'reload failed; keeping the running configuration'
ta_contains "...and the warning names the part" "$(grep -A1 'reload failed' "$TB_DIR/milter.log" | tail -2)" "the DKIM keys did not load"
out=$(ta_send_as_acme --from a@acme.example --header 'From: <a@acme.example>' --to k1@dest.example --header 'Subject: kept generation')
ta_contains "a message after the failed reload: queued" "$out" "250 2.0.0 Ok: queued"
ta_contains "...tagged with the running generation's tag name" "$(cat "$(sink_file 'kept generation')")" "X-Tenant: acme"
ta_lacks "...not the new one, which came with the broken part" "$(cat "$(sink_file 'kept generation')")" "X-Customer"
cp "$TB_DIR/conf.before" "$TB_CONF"
echo "tenant_header = X-Customer" >>"$TB_CONF"
ta_status "SIGHUP once the DKIM table loads: the reload succeeds" 0 hup 'configuration reloaded from'
ta_send_as_acme --from a@acme.example --header 'From: <a@acme.example>' --to k2@dest.example --header 'Subject: new generation' >/dev/null
ta_contains "...and the new tag name is used" "$(cat "$(sink_file 'new generation')")" "X-Customer: acme"
ta_finish
