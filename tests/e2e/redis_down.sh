#!/bin/bash
# Redis stopped: cached tenants still resolve MAIL FROM until
# tenant_cache_max_age, but recipients cannot be checked against caps and
# suppression lists, so each gets 451 4.3.0 (store_error_action = tempfail);
# past the maximum age MAIL FROM itself gets 451 4.3.0. Nothing is delivered
# unchecked, and the milter keeps running. When Redis returns, mail flows.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-redis-down

tb_redis_stop
out=$(ta_send_as_acme --from a@acme.example --to x@dest.example --header 'Subject: within max age')
ta_contains "within the cache's maximum age: MAIL FROM served from cache" "$out" "250 2.1.0 Ok"
ta_contains "but each recipient is deferred: limits cannot be checked" "$out" "451 4.3.0 tenant limits temporarily unavailable, try again later"
sleep 2.5 # tenant_cache_max_age = 2s in the test bed
out=$(ta_send_as_acme --from a@acme.example --to x@dest.example --header 'Subject: too old')
ta_contains "past the maximum age: 451 4.3.0" "$out" "451 4.3.0 tenant directory temporarily unavailable, try again later"
out=$(tb_send --local-interface 127.0.0.7 --from x@unknown.example --to x@dest.example)
ta_contains "even an unknown sender gets 4xx, not an accept" "$out" "451 4.3.0"
ta_eq "the outage is logged once, not at every poll" "$(grep -c "tenant store unavailable" "$TB_DIR/milter.log")" 1
ta_eq "the milter keeps running" "$(kill -0 "$(cat "$TB_DIR/milter.fg.pid")" && echo alive)" alive
sleep 0.5
ta_eq "nothing delivered unchecked" "$(tb_sink_files | wc -l)" 0

tb_redis_start
for _ in $(seq 1 30); do grep -q "reachable again" "$TB_DIR/milter.log" && break; sleep 0.1; done
out=$(ta_send_as_acme --from a@acme.example --to x@dest.example --header 'Subject: back')
ta_contains "Redis back: accepted again" "$out" "250 2.0.0 Ok: queued"

# a hung Redis (accepts connections, never answers): redis_timeout bounds every call
kill -STOP "$(cat "$TB_DIR/redis/redis.pid")"
start=$(date +%s%N)
out=$(ta_send_as_acme --from a@acme.example --to x@dest.example --header 'Subject: hung, fresh cache')
took=$(( ($(date +%s%N) - start) / 1000000 ))
ta_contains "hung Redis, fresh cache: the recipient gets 451 4.3.0" "$out" "451 4.3.0 tenant limits temporarily unavailable"
[ "$took" -lt 1500 ] && ta_ok "hung Redis: the RCPT check gives up after redis_timeout (${took} ms)" || ta_fail "hung Redis: RCPT answer took ${took} ms"
sleep 2.7
start=$(date +%s%N)
out=$(ta_send_as_acme --from a@acme.example --to x@dest.example --header 'Subject: hung')
took=$(( ($(date +%s%N) - start) / 1000000 ))
ta_contains "hung Redis: 451 4.3.0 once the cache is too old" "$out" "451 4.3.0"
[ "$took" -lt 3000 ] && ta_ok "hung Redis: the client is answered promptly (${took} ms)" || ta_fail "hung Redis: answer took ${took} ms"
ta_contains "hung Redis: the timeout is logged" "$(cat "$TB_DIR/milter.log")" "Resource temporarily unavailable"
kill -CONT "$(cat "$TB_DIR/redis/redis.pid")"
for _ in $(seq 1 30); do [ "$(grep -c 'reachable again' "$TB_DIR/milter.log")" -ge 2 ] && break; sleep 0.1; done
out=$(ta_send_as_acme --from a@acme.example --to x@dest.example --header 'Subject: thawed')
ta_contains "Redis answers again: accepted" "$out" "250 2.0.0 Ok: queued"

# Redis answers, but with an error: OOM, then READONLY (a primary demoted to replica)
tb_redis config set maxmemory-policy noeviction >/dev/null
tb_redis config set maxmemory 1 >/dev/null
out=$(ta_send_as_acme --from a@acme.example --to x@dest.example --header 'Subject: oom')
ta_contains "Redis OOM: the recipient gets 451 4.3.0" "$out" "451 4.3.0 tenant limits temporarily unavailable"
ta_contains "Redis OOM: the error is logged" "$(cat "$TB_DIR/milter.log")" "OOM command not allowed"
tb_redis config set maxmemory 0 >/dev/null
tb_redis replicaof 127.0.0.1 1 >/dev/null
out=$(ta_send_as_acme --from a@acme.example --to x@dest.example --header 'Subject: readonly')
ta_contains "Redis READONLY: the recipient gets 451 4.3.0" "$out" "451 4.3.0 tenant limits temporarily unavailable"
ta_contains "Redis READONLY: the error is logged" "$(cat "$TB_DIR/milter.log")" "READONLY"
tb_redis replicaof no one >/dev/null
out=$(ta_send_as_acme --from a@acme.example --to x@dest.example --header 'Subject: writable again')
ta_contains "Redis writable again: accepted" "$out" "250 2.0.0 Ok: queued"

# store_error_action = accept: fail open, log every recipient, count them in tm:stats:DATE
ta_milter_restart -o store_error_action=accept
before=$(tb_sink_files | wc -l)
tb_redis_stop
out=$(ta_send_as_acme --from a@acme.example --to x@dest.example --header 'Subject: fail open')
ta_contains "fail-open: accepted without the checks" "$out" "250 2.0.0 Ok: queued"
ta_contains "fail-open: logged with a running count" "$(cat "$TB_DIR/milter.log")" "fail-open: tenant=acme rcpt=\"<x@dest.example>\": limits and suppression not checked"
tb_wait_sink $((before + 1))
tb_redis_start
sleep 2.5 # past the pool's back-off
out=$(ta_send_as_acme --from a@acme.example --to x@dest.example --header 'Subject: after fail open')
ta_contains "fail-open: back to checking" "$out" "250 2.0.0 Ok: queued"
ta_eq "fail-open: counted for the dashboard" "$(tb_redis hget "tm:stats:$(date -u +%F)" fail_open)" 1
ta_finish
