#!/bin/bash
# Resolution and tagging through a real Postfix: by client network, by SASL
# login; a forged tag is removed and exactly one correct tag arrives; an
# unknown sender is refused.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-resolve

out=$(ta_send_as_acme --from news@acme.example --to a@dest.example --header 'Subject: by network' \
	--header 'X-Tenant: beta' --header 'x-TENANT: beta')
ta_contains "network tenant accepted" "$out" "250 2.0.0 Ok: queued"
out=$(ta_send_as_beta --from b@beta.example --to b@dest.example --header 'Subject: by sasl' \
	--header-X-Tenant "acme, folded
	onto a second line")
ta_contains "SASL tenant accepted" "$out" "250 2.0.0 Ok: queued"
tb_wait_sink 2

f=$(tb_sink_grep 'Subject: by network')
ta_eq "network message: exactly one tag" "$(grep -ci '^x-tenant:' "$f")" 1
ta_eq "network message: the tag names acme" "$(grep -i '^x-tenant:' "$f")" "X-Tenant: acme"
f=$(tb_sink_grep 'Subject: by sasl')
ta_eq "SASL message: exactly one tag" "$(grep -ci '^x-tenant:' "$f")" 1
ta_eq "SASL message: the tag names beta" "$(grep -i '^x-tenant:' "$f")" "X-Tenant: beta"
ta_lacks "SASL message: folded forgery gone" "$(cat "$f")" "second line"

out=$(tb_send --local-interface 127.0.0.7 --from someone@unknown.example --to c@dest.example)
ta_contains "unknown sender refused" "$out" "550 5.7.1 no tenant for this message: not authenticated, client 127.0.0.7 is in no tenant network, sender domain unknown.example belongs to no tenant"

log=$(cat "$TB_DIR/milter.log")
ta_contains "log line per message (network)" "$log" "accept: tenant=acme via=network:127.0.0.2/32 sender=\"news@acme.example\" from=acme.example tags_removed=2"
ta_contains "log line per message (sasl)" "$log" "accept: tenant=beta via=sasl:beta-user"
ta_contains "log line for the refusal" "$log" "reject: tenant=- via=none sender=\"someone@unknown.example\""
ta_eq "nothing else was delivered" "$(tb_sink_files | wc -l)" 2
ta_finish
