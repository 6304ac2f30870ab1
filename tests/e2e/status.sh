#!/bin/bash
# Tenant status and freshness through a real Postfix: a paused tenant gets
# 451 with the reason, and after resume the same message goes through; a
# disabled tenant gets 550; tenantctl changes apply within seconds; SIGHUP
# reloads the configuration.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-status

# wait_for MARKER - until the milter has loaded the store version that tenantctl just wrote
wait_version() {
	local v; v=$(tb_redis get tm:version)
	for _ in $(seq 1 50); do grep -q "loaded: version $v," "$TB_DIR/milter.log" && return 0; sleep 0.1; done
	echo "# milter did not load version $v"
}

tb_ctl tenant pause acme --reason "invoice 1042 overdue" >/dev/null; wait_version
msg=(--from news@acme.example --to x@dest.example --header 'Subject: retry me')
out=$(ta_send_as_acme "${msg[@]}")
ta_contains "paused tenant: 451 with the reason" "$out" "451 4.7.1 tenant acme is paused: invoice 1042 overdue"
out=$(ta_send_as_beta --from b@beta.example --to x@dest.example --header 'Subject: beta flows')
ta_contains "other tenants keep flowing" "$out" "250 2.0.0 Ok: queued"

tb_ctl tenant resume acme >/dev/null; wait_version
out=$(ta_send_as_acme "${msg[@]}")
ta_contains "after resume the same message goes through" "$out" "250 2.0.0 Ok: queued"
tb_wait_sink 2
ta_contains "the retried message arrived" "$(cat $(tb_sink_grep 'Subject: retry me'))" "X-Tenant: acme"

tb_ctl tenant disable beta --reason "account closed" >/dev/null; wait_version
out=$(ta_send_as_beta --from b@beta.example --to x@dest.example)
ta_contains "disabled tenant: 550" "$out" "550 5.7.1 tenant beta is disabled: account closed"

# a domain added now is usable within seconds, with no restart
out=$(ta_send_as_acme --from a@acme-new.example --to x@dest.example)
ta_contains "new domain not yet owned" "$out" "550 5.7.1"
tb_ctl domain add acme acme-new.example >/dev/null; wait_version
out=$(ta_send_as_acme --from a@acme-new.example --to x@dest.example --header 'From: a@acme-new.example')
ta_contains "new domain accepted after tenantctl" "$out" "250 2.0.0 Ok: queued"

# SIGHUP: a new tag name; a broken file keeps the running configuration
echo "tenant_header = X-Customer" >>"$TB_CONF"
kill -HUP "$(cat "$TB_DIR/milter.fg.pid")"
for _ in $(seq 1 50); do grep -q "configuration reloaded" "$TB_DIR/milter.log" && break; sleep 0.1; done
out=$(ta_send_as_acme --from a@acme.example --to x@dest.example --header 'Subject: after reload')
ta_contains "accepted after reload" "$out" "250 2.0.0 Ok: queued"
tb_wait_sink 4
ta_contains "the reloaded tag name is used" "$(cat $(tb_sink_grep 'Subject: after reload'))" "X-Customer: acme"
echo "bogus_setting = 1" >>"$TB_CONF"
bogus_line=$(wc -l <"$TB_CONF")
kill -HUP "$(cat "$TB_DIR/milter.fg.pid")"
sleep 0.5
ta_contains "a bad reload is refused and logged" "$(cat "$TB_DIR/milter.log")" "reload failed; keeping the running configuration"
ta_contains "the error names file and line" "$(cat "$TB_DIR/milter.log")" "tenant-milter.conf:$bogus_line: unknown setting \"bogus_setting\""
ta_eq "the milter survived both reloads" "$(kill -0 "$(cat "$TB_DIR/milter.fg.pid")" && echo alive)" alive
ta_finish
