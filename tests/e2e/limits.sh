#!/bin/bash
# Warm-up caps, rate limits and suppression through a real Postfix: the
# per-recipient replies a client sees, what reaches the next hop, and the
# counters a dashboard reads. Tenant acme is on its network, beta
# authenticates; both share one relay and one Redis.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-limits
today=$(date -u +%F)
from_acme=(--from news@acme.example --header 'From: <news@acme.example>')
from_beta=(--from b@beta.example --header 'From: <b@beta.example>')

# --- a warm-up cap: acme may take 3 recipients today; beta is not limited
tb_ctl warmup set acme --schedule 3,6 --active-hours 1 >/dev/null
ta_synced
for i in 1 2; do
	out=$(ta_send_as_acme "${from_acme[@]}" --to "r$i@dest.example" --header "Subject: acme $i")
	ta_contains "acme message $i within the cap is queued" "$out" "250 2.0.0 Ok: queued"
done
# a message refused at end of message gives its reservation back
out=$(ta_send_as_acme --from news@acme.example --header 'From: <x@elsewhere.example>' --to r9@dest.example)
ta_contains "a message refused at end of message" "$out" "550 5.7.1"
out=$(ta_send_as_acme "${from_acme[@]}" --to r3@dest.example --header "Subject: acme 3")
ta_contains "the refused message's slot came back: the third is queued" "$out" "250 2.0.0 Ok: queued"
out=$(ta_send_as_acme "${from_acme[@]}" --to r4@dest.example --header "Subject: acme 4")
ta_contains "over the cap: 451 4.7.1 with a sentence the tenant can act on" "$out" \
	"451 4.7.1 tenant acme: warm-up day 1 cap of 3 reached, retry after 00:00 UTC"
out=$(ta_send_as_beta "${from_beta[@]}" --to b1@dest.example --header "Subject: beta flows")
ta_contains "beta keeps delivering while acme is capped" "$out" "250 2.0.0 Ok: queued"
tb_wait_sink 4
ta_eq "acme's over-cap message was not delivered" "$(tb_sink_grep 'Subject: acme 4' | wc -l)" 0
ta_eq "dashboard: acme accepted 3" "$(tb_redis hget "{t:acme}:stats:$today" accepted)" 3
ta_eq "dashboard: acme deferred_cap 1" "$(tb_redis hget "{t:acme}:stats:$today" deferred_cap)" 1
ta_eq "dashboard: acme used 3 today" "$(tb_redis hget "{t:acme}:use:$today" day)" 3
ta_eq "no reservation left behind" "$(tb_redis zcard '{t:acme}:resv')" 0
ta_contains "tenantctl stats shows used/cap" "$(tb_ctl stats acme)" "warm-up day 1: used 3 of 3"
ta_contains "tenantctl top lists both tenants" "$(tb_ctl top)" "acme                     active    $today             3/3"
ta_contains "the deferral is logged" "$(cat "$TB_DIR/milter.log")" "defer-rcpt: tenant=acme rcpt=\"<r4@dest.example>\" provider=other: tenant acme: warm-up day 1 cap of 3 reached"

# --- a provider cap on top of the tenant's: beta may send one message to google a day
tb_ctl warmup set beta --schedule 1000 --provider google=1 >/dev/null
ta_synced
out=$(ta_send_as_beta "${from_beta[@]}" --to someone@gmail.com --header "Subject: beta google 1")
ta_contains "first google recipient queued" "$out" "250 2.0.0 Ok: queued"
out=$(ta_send_as_beta "${from_beta[@]}" --to other@googlemail.com --header "Subject: beta google 2")
ta_contains "the provider cap covers googlemail.com too" "$out" \
	"451 4.7.1 tenant beta: daily cap of 1 for google recipients reached, retry after 00:00 UTC"
out=$(ta_send_as_beta "${from_beta[@]}" --to someone@outlook.com --header "Subject: beta microsoft")
ta_contains "other providers still flow" "$out" "250 2.0.0 Ok: queued"
ta_eq "dashboard: per-provider counter" "$(tb_redis hget "{t:beta}:stats:$today" google:deferred_cap)" 1

# --- a rate limit: two a minute for beta, per recipient
tb_ctl warmup clear beta >/dev/null
tb_ctl rate set beta 2/min >/dev/null
ta_synced
out=$(ta_send_as_beta "${from_beta[@]}" --to 'q1@dest.example,q2@dest.example,q3@dest.example' --header "Subject: beta rate")
ta_contains "within the rate: queued" "$out" "250 2.0.0 Ok: queued"
ta_contains "the third recipient in a minute waits" "$out" "451 4.7.1 tenant beta: rate limit of 2/min reached, retry in"
tb_ctl rate clear beta >/dev/null

# --- suppression: one recipient refused, the others of the message delivered
tb_ctl suppress add 'Gone@Dest.Example' --tenant acme --reason unsubscribe >/dev/null
tb_ctl warmup clear acme >/dev/null
ta_synced
out=$(ta_send_as_acme "${from_acme[@]}" --to 'gone@dest.example,stay@dest.example' --header "Subject: acme suppression")
ta_contains "the suppressed recipient is refused, with reason and date" "$out" \
	"550 5.7.1 <gone@dest.example>: recipient suppressed (unsubscribe, $today)"
ta_contains "the message still goes to the others" "$out" "250 2.0.0 Ok: queued"
out=$(ta_send_as_beta "${from_beta[@]}" --to gone@dest.example --header "Subject: beta to acme's unsubscriber")
ta_contains "a tenant's list binds only that tenant" "$out" "250 2.0.0 Ok: queued"
tb_wait_sink 8
f=$(tb_sink_grep 'Subject: acme suppression')
ta_contains "delivered to the other recipient" "$(cat $f)" "X-Rcpt-Args: <stay@dest.example>"
ta_eq "never to the suppressed one" "$(grep -c 'X-Rcpt-Args: <gone@dest.example>' $f)" 0

tb_ctl suppress add complainer@dest.example --reason complaint >/dev/null
out=$(ta_send_as_acme "${from_acme[@]}" --to complainer@dest.example)
ta_contains "global suppression binds acme" "$out" "550 5.7.1 <complainer@dest.example>: recipient suppressed (complaint, $today)"
out=$(ta_send_as_beta "${from_beta[@]}" --to Complainer@DEST.example)
ta_contains "global suppression binds beta, whatever the case" "$out" "550 5.7.1"
ta_eq "dashboard: rejected_suppressed" "$(tb_redis hget "{t:acme}:stats:$today" rejected_suppressed)" 2
tb_ctl suppress remove complainer@dest.example >/dev/null
out=$(ta_send_as_beta "${from_beta[@]}" --to complainer@dest.example)
ta_contains "removed from the list: delivered again" "$out" "250 2.0.0 Ok: queued"

# --- suppressed_action = discard: accepted at RCPT, dropped at end of message
ta_milter_restart -o suppressed_action=discard
before=$(tb_sink_files | wc -l)
out=$(ta_send_as_acme "${from_acme[@]}" --to 'gone@dest.example,kept@dest.example' --header "Subject: discard some")
ta_contains "discard: every RCPT accepted" "$out" "250 2.0.0 Ok: queued"
ta_eq "discard: no 550 is given" "$(grep -c '550 5.7.1' <<<"$out")" 0
out=$(ta_send_as_acme "${from_acme[@]}" --to gone@dest.example --header "Subject: discard all")
ta_contains "discard: a message with only suppressed recipients is accepted..." "$out" "250 2.0.0 Ok"
tb_wait_sink $((before + 1))
sleep 1
f=$(tb_sink_grep 'Subject: discard some')
ta_contains "discard: delivered to the kept recipient" "$(cat $f)" "X-Rcpt-Args: <kept@dest.example>"
ta_eq "discard: the suppressed recipient was dropped" "$(grep -c 'X-Rcpt-Args: <gone@dest.example>' $f)" 0
ta_eq "...and never delivered" "$(tb_sink_grep 'Subject: discard all' | wc -l)" 0
ta_contains "discard: logged" "$(cat "$TB_DIR/milter.log")" "discard: tenant=acme sender=\"news@acme.example\": every recipient is suppressed"
ta_finish
