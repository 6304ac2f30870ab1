#!/bin/bash
# tenantctl warmup, rate, suppress, stats and top against a real redis-server:
# what an administrator types, what they read back, and the keys the milter
# and the dashboards read.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
command -v redis-server >/dev/null || { echo "# redis-server missing"; exit 99; }
tb_init it-ctl-limits
trap 'tb_stop_all' EXIT
tb_redis_start || exit 99
tb_ctl tenant add acme >/dev/null
tb_ctl tenant add beta >/dev/null
today=$(date -u +%F)
# acme's day is Berlin's once it has that time zone: an hour or two ahead of UTC, so
# near midnight its date is tomorrow's (the dates come from date(1), not from our code)
berlin=$(TZ=Europe/Berlin date +%F)
acme_day=$(( ($(date -u -d "$berlin" +%s) - $(date -u -d "$today" +%s)) / 86400 + 1 ))

# warm-up
ta_contains "warmup set with a preset" "$(tb_ctl warmup set acme --preset standard --start "$today")" \
	"warm-up for tenant acme: 21 days from $today (UTC), then unlimited; today is day 1, cap 50"
ta_eq "the schedule is stored as numbers" "$(tb_redis hget '{t:acme}:limits' schedule | cut -d, -f1-7)" "50,100,200,400,800,1500,3000"
v=$(tb_redis get tm:version)
tb_ctl warmup set acme --schedule 10,20 --then 500 --active-hours 6 --provider google=5,yahoo=7 --timezone Europe/Berlin >/dev/null
ta_eq "a change bumps tm:version" "$(tb_redis get tm:version)" "$((v + 1))"
ta_eq "re-running set keeps the start date" "$(tb_redis hget '{t:acme}:limits' start)" "$today"
json=$(tb_ctl warmup show acme --json)
ta_contains "show --json: schedule" "$json" '"schedule":[10,20]'
ta_contains "show --json: then" "$json" '"then":500'
ta_contains "show --json: providers" "$json" '"providers":{"google":5,"yahoo":7}'
ta_contains "show --json: time zone" "$json" '"timezone":"Europe/Berlin"'
# day 1 of 10,20 over 6 active hours: 10/6 -> at most 2 an hour; day 2: 20/6 -> 4
ta_contains "show: hourly cap" "$(tb_ctl warmup show acme)" "at most $([ "$acme_day" = 1 ] && echo 2 || echo 4) an hour"
ta_contains "a bad schedule is refused" "$(tb_ctl warmup set acme --schedule 10,x 2>&1)" 'schedule entry 2 "x" is not a number'
ta_contains "an unknown preset is refused" "$(tb_ctl warmup set acme --preset turbo 2>&1)" 'unknown preset "turbo"'
ta_contains "an unknown provider group is refused" "$(tb_ctl warmup set acme --preset standard --provider gmail=5 2>&1)" 'provider cap "gmail"'
ta_contains "an unknown time zone is refused" "$(tb_ctl warmup set acme --preset standard --timezone Moon/Base 2>&1)" 'unknown time zone "Moon/Base"'
ta_status "schedule and preset together: usage" 1 tb_ctl warmup set acme --preset standard --schedule 1
ta_status "unknown tenant" 1 tb_ctl warmup show nobody
ta_ctl "stats without a tenant: usage, exit 2, nothing leaked" 2 stats
ta_ctl "stats with an unknown flag: usage, exit 2, nothing leaked" 2 stats acme --bogus x
ta_eq "refusals wrote nothing" "$(tb_redis hget '{t:acme}:limits' schedule)" "10,20"
tb_ctl warmup clear acme >/dev/null
ta_eq "clear removes the schedule" "$(tb_redis hexists '{t:acme}:limits' schedule)" 0
ta_contains "show after clear" "$(tb_ctl warmup show acme)" "warm-up:      none"

# rate
ta_contains "rate set" "$(tb_ctl rate set acme 100/min)" "rate for tenant acme: 100/min burst 100 (GCRA: one every 0.600 s)"
ta_contains "rate set with a burst" "$(tb_ctl rate set acme 2000/h --burst 50)" "2000/h burst 50"
ta_contains "a bad rate is refused" "$(tb_ctl rate set acme 100/fortnight 2>&1)" 'bad rate unit "fortnight": use s, min, h or d'
ta_eq "the rate is stored" "$(tb_redis hmget '{t:acme}:limits' rate burst | tr '\n' ' ')" "2000/h 50 "
tb_ctl rate set acme 10/s >/dev/null
ta_eq "a rate without --burst drops the old burst" "$(tb_redis hexists '{t:acme}:limits' burst)" 0
tb_ctl rate clear acme >/dev/null
ta_eq "rate clear" "$(tb_redis hexists '{t:acme}:limits' rate)" 0

# suppression
ta_contains "suppress add normalises" "$(tb_ctl suppress add ' <John.Doe@Example.COM.> ' --reason unsubscribe)" "john.doe@example.com suppressed globally (unsubscribe)"
ta_eq "global list entry: reason|since|expires" "$(tb_redis hget tm:supp john.doe@example.com | cut -d'|' -f1,3)" "unsubscribe|0"
tb_ctl suppress add x@y.example --tenant beta --reason complaint --expires 90d >/dev/null
ta_contains "check: where, why and since when" "$(tb_ctl suppress check JOHN.DOE@example.com)" "john.doe@example.com: suppressed globally since $today (unsubscribe), expires never"
ta_contains "check finds a tenant's entry without --tenant" "$(tb_ctl suppress check x@y.example)" "suppressed for tenant beta since $today (complaint), expires $(date -u -d '+90 days' +%F)"
ta_status "check: suppressed exits 0" 0 tb_ctl suppress check x@y.example
ta_status "check: not suppressed exits 1" 1 tb_ctl suppress check nobody@y.example
ta_status "check --tenant acme does not see beta's list" 1 tb_ctl suppress check x@y.example --tenant acme
ta_contains "an invalid address is refused" "$(tb_ctl suppress add 'not an address' 2>&1)" 'invalid address "not an address"'
ta_contains "an unknown reason is refused" "$(tb_ctl suppress add a@b.example --reason spite 2>&1)" 'unknown reason "spite"'
ta_contains "a bad duration is refused" "$(tb_ctl suppress add a@b.example --expires soon 2>&1)" 'bad duration "soon"'
ta_contains "list --json" "$(tb_ctl suppress list --tenant beta --json)" '"address":"x@y.example","reason":"complaint"'
ta_contains "remove" "$(tb_ctl suppress remove x@y.example --tenant beta)" "x@y.example no longer suppressed for tenant beta"
ta_contains "removing twice is refused" "$(tb_ctl suppress remove x@y.example --tenant beta 2>&1)" "x@y.example is not suppressed for tenant beta"

# import: good rows land, bad rows are reported by line and skipped
cat >"$TB_DIR/list.csv" <<'CSV'
address,reason,tenant
a1@example.com,unsubscribe
"A2@Example.com",hard-bounce,beta
# a comment
bad address,manual
a3@example.com,spite
a4@example.com,complaint,ghost
a5@example.com,,acme
CSV
out=$(tb_ctl suppress import "$TB_DIR/list.csv" 2>&1); rc=$?
ta_eq "import with bad lines exits 1" "$rc" 1
ta_contains "bad line 5 named" "$out" "list.csv:5: address \"bad address\""
ta_contains "bad line 6 named" "$out" 'list.csv:6: unknown reason "spite"'
ta_contains "bad line 7 named" "$out" "list.csv:7: no such tenant: ghost; not imported"
ta_contains "summary" "$out" "imported 3 addresses from $TB_DIR/list.csv (1 global, 2 for tenants)"
ta_eq "row tenant wins" "$(tb_redis hget '{t:beta}:supp' a2@example.com | cut -d'|' -f1)" "hard-bounce"
ta_eq "empty reason is manual" "$(tb_redis hget '{t:acme}:supp' a5@example.com | cut -d'|' -f1)" "manual"
ta_eq "bad rows are not imported" "$(tb_redis hexists tm:supp a3@example.com)" 0
seq 1 5000 | sed 's/^/bulk/; s/$/@example.net,unsubscribe/' >"$TB_DIR/bulk.csv"
ta_contains "bulk import" "$(tb_ctl suppress import "$TB_DIR/bulk.csv" --tenant acme)" "imported 5000 addresses"
ta_eq "bulk rows landed" "$(tb_redis hlen '{t:acme}:supp')" 5001
tb_ctl suppress export --tenant acme >"$TB_DIR/export.csv"
ta_eq "export has a header and every row" "$(wc -l <"$TB_DIR/export.csv")" 5002
tb_redis del '{t:acme}:supp' >/dev/null
ta_status "export re-imports" 0 tb_ctl suppress import "$TB_DIR/export.csv"
ta_eq "round trip" "$(tb_redis hlen '{t:acme}:supp')" 5001

# stats and top read the dashboard keys
tb_redis hset "{t:acme}:stats:$berlin" accepted 7 deferred_cap 2 google:accepted 4 >/dev/null
tb_redis hset "{t:acme}:use:$berlin" day 7 p:google 4 >/dev/null
json=$(tb_ctl stats acme --json)
ta_contains "stats --json totals" "$json" '"used":7,"accepted":7,"deferred_cap":2'
ta_contains "stats --json per provider" "$json" '"google":{"used":4,"cap":null,"accepted":4'
ta_contains "stats for another day" "$(tb_ctl stats acme --day 2026-01-01 --json)" '"used":0'
ta_contains "stats: a bad day is refused" "$(tb_ctl stats acme --day yesterday 2>&1)" 'bad date "yesterday"'
ta_contains "top --json lists every tenant" "$(tb_ctl top --json)" '"tenant":"beta"'
ta_contains "top" "$(tb_ctl top)" "acme                     active    $berlin             7/-         7         2          0"
# the token keyring: generate, list (no key material), rotate, retire
ta_contains "unsubscribe-key generate" "$(tb_ctl unsubscribe-key generate)" "key 1 generated in $TB_DIR/token.keys (mode 0600)"
ta_eq "the keyring is mode 0600" "$(stat -c %a "$TB_DIR/token.keys")" 600
ta_status "generate refuses to overwrite" 1 tb_ctl unsubscribe-key generate
ta_contains "rotate adds a key" "$(tb_ctl unsubscribe-key rotate)" "key 2 added"
ta_status "the last live key cannot be retired" 0 tb_ctl unsubscribe-key retire 1
ta_status "...but only while another is live" 1 tb_ctl unsubscribe-key retire 2
list=$(tb_ctl unsubscribe-key list)
ta_contains "list shows state" "$list" "key 1  created $today  retired"
ta_lacks "list never prints key material" "$list" "$(sed -n 's/^2 \([0-9a-f]*\) .*/\1/p' "$TB_DIR/token.keys")"
chmod 0644 "$TB_DIR/token.keys"
ta_contains "a keyring readable by others is refused" "$(tb_ctl unsubscribe-key list 2>&1)" "keys must be mode 0600"

# removing a tenant removes its limits and its own list, keeps its counters
tb_ctl tenant remove acme >/dev/null
ta_eq "tenant remove drops its limits and list" "$(tb_redis exists '{t:acme}:limits' '{t:acme}:supp')" 0
ta_eq "tenant remove keeps its dated counters" "$(tb_redis exists "{t:acme}:stats:$berlin")" 1
ta_finish
