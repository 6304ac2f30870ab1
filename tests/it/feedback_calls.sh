#!/bin/bash
# The Redis calls of one feedback outcome, counted by redis-server itself
# (INFO commandstats), and what they do (docs/redis-schema.md, "What each
# mode costs"):
# - a record whose tenant only the queue-id map names: 2 calls, the map's
#   HMGET, then the script's EVALSHA with every key in KEYS (follow -, dsn);
#   "follow FILE" pipelines each step over a batch of up to 256 records, at
#   one MULTI and one EXEC a batch;
# - a tenant known before the call (a VERP token): 1 call, the EVALSHA;
# - no map, or a map without the recipient: unattributed as before
#   (fb_unattributed, the reason in dsn's log line), in the same 2 calls;
# - a map that lists the orig_to= recipient: the suppression is keyed by it.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
command -v redis-server >/dev/null || { echo "# redis-server missing"; exit 99; }
tb_init it-feedback-calls
trap 'tb_stop_all' EXIT
tb_redis_start || exit 99
tb_ctl tenant add acme >/dev/null && tb_ctl domain add acme acme.example >/dev/null &&
	tb_ctl unsubscribe-key generate >/dev/null || exit 99
FIX="$top_srcdir/tests/fixtures/bounce"
SEAL="$top_builddir/bench/seal-tokens"
today=$(date -u +%F)

# calls - the commands tenant-feedback sent since the last reset, "name=calls" sorted.
# commandstats counts the commands a script runs too (HSET, HINCRBY, ...): only
# those a client sends here are shown, and HGET and HEXISTS, with which the
# script read the maps before (for the hard bounces here it runs neither)
calls() {
	tb_redis info commandstats | tr -d '\r' |
		sed -n 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\),.*/\1=\2/p' |
		grep -E '^(evalsha|eval|hmget|hget|hexists|get|multi|exec|script\|load)=' | sort | paste -sd' '
}
reset() { tb_redis config resetstat >/dev/null; }
# record QID TO [ORIG_TO] - one hard bounce of the log, for follow
record() {
	printf 'Dec  1 12:00:00 relay postfix/smtp[2]: %s: to=<%s>,%s relay=mx[192.0.2.1]:25, delay=0.1, delays=0/0/0/0.1, dsn=5.1.1, status=bounced (host mx[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))\n' \
		"$1" "$2" "${3:+ orig_to=<$3>,}"
}
supp() { tb_redis hget '{t:acme}:supp' "$1" | cut -d'|' -f1; }
unattributed() { tb_redis hget "tm:stats:$today" fb_unattributed; }

# the first script call loads the script (NOSCRIPT, SCRIPT LOAD): not steady state
tb_redis hset tm:qid:WARM tenant acme r:warm@dest.example 1 >/dev/null
record WARM warm@dest.example | tb_fb follow - 2>/dev/null
ta_eq "warm-up: applied" "$(supp warm@dest.example)" hard-bounce

# 1. map-attributed, one at a time (follow -)
tb_redis hset tm:qid:M1 tenant acme r:gone@dest.example 1 >/dev/null
reset
record M1 gone@dest.example >"$TB_DIR/m1.log"
ta_fb "follow -, a record the map attributes: exit 0" 0 follow - <"$TB_DIR/m1.log"
ta_contains "...applied" "$ta_err" "1 lines, 1 delivery records, 1 applied"
ta_eq "...in 2 calls: the map's HMGET, then the script" "$(calls)" "evalsha=1 hmget=1"
ta_eq "...acme's suppression" "$(supp gone@dest.example)" hard-bounce
ta_eq "...acme's counter" "$(tb_redis hget "{t:acme}:fb:$today" bounced_hard)" 2

# 2. the map lists orig_to=, not to= (virtual expansion): keyed by orig_to=
tb_redis hset tm:qid:M2 tenant acme r:list@acme-lists.example 1 >/dev/null
reset
record M2 member@dest.example List@Acme-Lists.Example >"$TB_DIR/m2.log"
ta_fb "follow -, the map lists orig_to=: exit 0" 0 follow - <"$TB_DIR/m2.log"
ta_contains "...applied" "$ta_err" "1 lines, 1 delivery records, 1 applied"
ta_eq "...in 2 calls" "$(calls)" "evalsha=1 hmget=1"
ta_eq "...suppressed under the orig_to= key" "$(supp list@acme-lists.example)" hard-bounce
ta_eq "...not under to=" "$(supp member@dest.example)" ""

# 3. a tenant known before the call: a VERP token
vtok=$("$SEAL" "$TB_DIR/token.keys" acme 1 news@acme.example)
reset
ta_fb "dsn to a VERP address: exit 0" 0 -o return_path_domain=rp.relay.test dsn "bounce+$vtok@rp.relay.test" <"$FIX/postfix-user-unknown.eml"
ta_contains "...applied for the token's tenant" "$ta_err" "dsn: tenant=acme rcpt=r0@dest.example category=hard via=verp"
# our own bounce names a queue id (X-Postfix-Queue-ID): one HMGET confirms it is the token's
# message before it is the dedup key; a remote MTA's names none, and the script is all
ta_eq "...in 2 calls: the map that confirms the queue id it names, the script" "$(calls)" "evalsha=1 hmget=1"
grep -v '^X-Postfix-Queue-ID:' "$FIX/postfix-user-unknown.eml" >"$TB_DIR/remote.eml"
vtok2=$("$SEAL" "$TB_DIR/token.keys" acme 1 news@acme.example)
reset
ta_fb "dsn to a VERP address, a report naming no queue id: exit 0" 0 -o return_path_domain=rp.relay.test dsn "bounce+$vtok2@rp.relay.test" <"$TB_DIR/remote.eml"
ta_contains "...applied for the token's tenant" "$ta_err" "dsn: tenant=acme rcpt=r0@dest.example category=hard via=verp"
ta_eq "...in 1 call, the script" "$(calls)" "evalsha=1"
ta_eq "...acme's suppression" "$(supp r0@dest.example)" hard-bounce

# 4. no map entry: unattributed as before, counted in tm:stats:DATE
before=$(unattributed)
sed -e 's/3F2A1C0/NOMAP1/' "$FIX/postfix-user-unknown.eml" >"$TB_DIR/nomap.eml"
reset
ta_fb "dsn, a queue id with no map: exit 0" 0 dsn <"$TB_DIR/nomap.eml"
ta_contains "...not applied, and why" "$ta_err" "category=hard (not applied: no queue id of ours)"
ta_eq "...in 2 calls" "$(calls)" "evalsha=1 hmget=1"
ta_eq "...counted as unattributed" "$(unattributed)" $((${before:-0} + 1))
ta_eq "...nothing suppressed" "$(supp nobody@dest.example)" ""

# 5. a map of acme's without this recipient
tb_redis hset tm:qid:OTHER1 tenant acme r:someone@dest.example 1 >/dev/null
sed -e 's/3F2A1C0/OTHER1/' "$FIX/postfix-user-unknown.eml" >"$TB_DIR/other.eml"
reset
ta_fb "dsn, the map lists another recipient: exit 0" 0 dsn <"$TB_DIR/other.eml"
ta_contains "...not applied, and why" "$ta_err" "category=hard (not applied: the queue id was not recorded for this recipient)"
ta_contains "...charged to no one (acme's map does not list it)" "$ta_err" "dsn: tenant=- rcpt="
ta_eq "...in 2 calls" "$(calls)" "evalsha=1 hmget=1"
ta_eq "...counted as unattributed" "$(unattributed)" $((${before:-0} + 2))
ta_eq "...nothing suppressed" "$(supp nobody@dest.example)" ""

# a map whose tenant is no tenant name builds no key: not ours
tb_redis hset tm:qid:BAD1 tenant 'Bad}Name' r:nobody@dest.example 1 >/dev/null
sed -e 's/3F2A1C0/BAD1/' "$FIX/postfix-user-unknown.eml" >"$TB_DIR/bad.eml"
ta_fb "dsn, the map's tenant is no valid name: exit 0" 0 dsn <"$TB_DIR/bad.eml"
ta_contains "...not applied, and why" "$ta_err" "category=hard (not applied: no queue id of ours)"
ta_eq "...counted as unattributed" "$(unattributed)" $((${before:-0} + 3))
ta_eq "...no key of that name" "$(tb_redis keys '*Bad*')" ""

# 6. follow FILE: 300 records are 2 batches (256 + 44); the odd ones' queue ids
# are acme's, the even ones have no map
for i in $(seq 1 2 300); do printf 'HSET tm:qid:B%04d tenant acme r:b%d@dest.example 1\n' "$i" "$i"; done | tb_redis >/dev/null
for i in $(seq 1 300); do record "$(printf 'B%04d' "$i")" "b$i@dest.example"; done >"$TB_DIR/batch.log"
before=$(unattributed)
reset
ta_fb "follow --from-start --once, 300 records: exit 0" 0 follow --from-start --once "$TB_DIR/batch.log"
ta_contains "...applies the 150 mapped ones" "$ta_err" "300 lines, 300 delivery records, 150 applied"
ta_eq "...one HMGET and one EVALSHA a record, a MULTI and an EXEC a batch, the position read, the script loaded" \
	"$(calls)" "evalsha=300 exec=2 get=1 hmget=300 multi=2 script|load=1"
ta_eq "...acme's counted (5 hard bounces before)" "$(tb_redis hget "{t:acme}:fb:$today" bounced_hard)" 155
ta_eq "...the others unattributed" "$(unattributed)" $((before + 150))
ta_eq "...each odd recipient suppressed for acme" "$(supp b299@dest.example)/$(supp b1@dest.example)" hard-bounce/hard-bounce
ta_eq "...no even one" "$(supp b300@dest.example)$(supp b2@dest.example)" ""
ta_eq "...its position is the end of the log" "$(tb_redis get "tm:fb:pos:$TB_DIR/batch.log")" "$(stat -c %i:%s "$TB_DIR/batch.log")"
ta_finish
