#!/bin/bash
# Nothing lost: the client is a real MTA that retries (a second private
# Postfix relaying into ours from acme's network). Every message our relay
# defers - over the cap, or while Redis is down - stays in the upstream
# queue and is delivered exactly once when the cap allows or Redis is back.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-nothing-lost
tb_upstream_start || exit 99
up_send() { swaks --server 127.0.0.1 --port "$TB_UP_PORT" --helo app.test --hide-all \
	--from news@acme.example --header 'From: <news@acme.example>' "$@"; }
up_queue() { postqueue -c "$TB_DIR/up" -p | grep -c '^[0-9A-F]'; }
# up_queue_settled N - the queue count, once it reads N (a message moving between
# queue directories can be missed by one listing), or what it reads after 5 s
up_queue_settled() {
	local n
	for _ in $(seq 1 50); do n=$(up_queue); [ "$n" = "$1" ] && break; sleep 0.1; done
	echo "$n"
}
# up_flush_until N - flush the customer's queue, again each second, until N messages
# have arrived (30 s). The customer's MTA retries on its own; a flush saves waiting,
# but a flush that meets a message "still being delivered" leaves it for a later
# deferred-queue scan, and a destination its smtp client marked dead after repeated
# 4xx waits for one too (seen: 36 s).
up_flush_until() {
	for _ in $(seq 1 30); do
		[ "$(tb_sink_files | wc -l)" -ge "$1" ] && return 0
		postqueue -c "$TB_DIR/up" -f
		for _ in $(seq 1 10); do [ "$(tb_sink_files | wc -l)" -ge "$1" ] && return 0; sleep 0.1; done
	done
	tb_log "expected $1 delivered messages, have $(tb_sink_files | wc -l)"
	return 1
}
# delivered_once SUBJECT - exactly one delivered copy
delivered() { tb_sink_grep "Subject: $1\$" | wc -l; }

# 1. over the cap: acme may take 2 recipients today; the customer's MTA sends 5
tb_ctl warmup set acme --schedule 2 --active-hours 1 >/dev/null
ta_synced
for i in 1 2 3 4 5; do up_send --to "c$i@dest.example" --header "Subject: cap $i"; done
tb_wait_sink 2
sleep 3 # a few retry rounds of the upstream queue
ta_eq "only the cap's worth delivered" "$(tb_sink_files | wc -l)" 2
ta_eq "the rest wait in the customer's queue" "$(up_queue_settled 3)" 3
ta_contains "the customer's log shows why" "$(cat "$TB_DIR/up/maillog")" "451 4.7.1 tenant acme: warm-up day 1 cap of 2 reached, retry after 00:00 UTC"
tb_ctl warmup set acme --schedule 10 --active-hours 1 >/dev/null # the cap allows more (as the next day would)
# the customer's MTA retries on its own; a flush saves waiting when its qmgr has
# "skipped, still being delivered" a message and set it aside until the next deferred scan
ta_synced
up_flush_until 5
sleep 2
for i in 1 2 3 4 5; do ta_eq "cap $i delivered exactly once" "$(delivered "cap $i")" 1; done
ta_eq "the customer's queue is empty" "$(up_queue_settled 0)" 0

# 2. Redis down: every recipient deferred, then delivered when Redis is back
tb_redis_stop
for i in 1 2 3; do up_send --to "r$i@dest.example" --header "Subject: outage $i"; done
sleep 4 # past tenant_cache_max_age: even MAIL FROM is deferred now
ta_eq "nothing delivered during the outage" "$(tb_sink_files | wc -l)" 5
ta_eq "the outage's mail waits upstream" "$(up_queue_settled 3)" 3
ta_contains "the customer's log shows 4.3.0" "$(cat "$TB_DIR/up/maillog")" "451 4.3.0"
tb_redis_start
up_flush_until 8
sleep 2
for i in 1 2 3; do ta_eq "outage $i delivered exactly once" "$(delivered "outage $i")" 1; done
ta_eq "the customer's queue is empty again" "$(up_queue_settled 0)" 0
ta_eq "no reservation left behind" "$(tb_redis zcard '{t:acme}:resv')" 0
ta_eq "usage matches deliveries" "$(tb_redis hget "{t:acme}:use:$(date -u +%F)" day)" 8

# 3. the milter stopped: milter_default_action = tempfail, so Postfix itself answers 4xx;
# nothing is accepted unchecked, and the customer's MTA delivers it once the milter is back
tb_milter_stop
out=$(ta_send_as_acme --from news@acme.example --header 'From: <news@acme.example>' --to m0@dest.example --header 'Subject: milter down direct')
ta_contains "milter stopped: Postfix answers the client 451 4.7.1" "$out" "451 4.7.1 Service unavailable - try again later"
ta_lacks "...and queues nothing" "$out" "250 2.0.0 Ok: queued"
for i in 1 2; do up_send --to "m$i@dest.example" --header "Subject: milter down $i"; done
for _ in $(seq 1 100); do [ "$(grep -c '451 4.7.1 Service unavailable' "$TB_DIR/up/maillog")" -ge 2 ] && break; sleep 0.1; done
ta_contains "the customer's log shows Postfix's 4.7.1" "$(cat "$TB_DIR/up/maillog")" "451 4.7.1 Service unavailable - try again later"
sleep 1
ta_eq "nothing delivered while the milter is stopped" "$(tb_sink_files | wc -l)" 8
ta_eq "the mail waits upstream" "$(up_queue_settled 2)" 2
tb_milter_start || exit 99
up_flush_until 10
sleep 2
for i in 1 2; do ta_eq "milter down $i delivered exactly once" "$(delivered "milter down $i")" 1; done
f=$(tb_sink_grep 'Subject: milter down 1$' | head -1)
ta_contains "...and checked by the milter: it carries the tenant tag" "$(cat "${f:-/dev/null}")" "X-Tenant: acme"
ta_eq "the customer's queue is empty at last" "$(up_queue_settled 0)" 0
ta_eq "the direct client's message was never delivered" "$(delivered 'milter down direct')" 0
ta_finish
