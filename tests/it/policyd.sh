#!/bin/bash
# tenant-policyd against a real redis-server, without Postfix: 200 clients at
# once on persistent connections all get correct answers; a client sending
# garbage is logged and disconnected while the others carry on; oversized
# input is refused; SIGHUP reloads; the socketmap answers.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
command -v redis-server >/dev/null || { echo "# redis-server missing"; exit 99; }
tb_init it-policyd
trap 'tb_stop_all' EXIT
tb_redis_start || exit 99
LOAD="$top_builddir/bench/policy-load"
for t in 0 1 2 3 4; do
	tb_ctl tenant add "t$t" >/dev/null
	tb_ctl domain add "t$t" "t$t.example" >/dev/null
done
tb_ctl transport add out-a --ip 127.0.0.2 --helo a.relay.test >/dev/null
tb_ctl transport add out-b --ip 127.0.0.3 --helo b.relay.test >/dev/null
tb_ctl pool add shared out-a:1 out-b:1 >/dev/null
for t in 0 1 2 3; do tb_ctl pool assign "t$t" shared >/dev/null; done # t4 has no pool
tb_policyd_start || exit 99
sock="unix:$TB_DIR/run/policy.sock"

out=$("$LOAD" -c 200 -n 20000 -t 5 "$sock")
ta_contains "200 concurrent clients: every request answered, no errors" "$out" "clients 200 requests 20000 answered 20000 errors 0"
# each sender's own domain names its tenant, so the socketmap routes them all: DUNNO at DATA
ta_contains "a sender of the tenant's own domain: DUNNO, the socketmap routes it" "$out" "20000 x action=DUNNO"
# the pool's weights split senders (each keeps one transport); 4000 distinct senders of t1
sm="unix:$TB_DIR/run/socketmap.sock"
out=$(python3 "$top_srcdir/tests/lib/socketmap_load.py" "$TB_DIR/run/socketmap.sock" 4000 t1.example)
a=$(sed -n 's/^ *\([0-9]*\) x OK out-a:$/\1/p' <<<"$out")
b=$(sed -n 's/^ *\([0-9]*\) x OK out-b:$/\1/p' <<<"$out")
ta_eq "the socketmap answers every sender of the pool" "$((${a:-0} + ${b:-0}))" 4000
[ "${a:-0}" -gt 1800 ] && [ "${a:-0}" -lt 2200 ] && ta_ok "equal weights split the senders evenly ($a / $b)" ||
	ta_fail "uneven split: $a / $b"

# garbage on one connection while 50 others work
"$LOAD" -c 50 -n 20000 "$sock" >"$TB_DIR/during.txt" &
bg=$!
ta_eq "a client sending garbage is disconnected" "$("$LOAD" -g "$sock")" closed
ta_contains "and it is logged" "$(cat "$TB_DIR/policyd.log")" "malformed attribute line \"this is not a policy request\": expected name=value; closing the connection"
wait $bg
ta_contains "the others were unaffected" "$(cat "$TB_DIR/during.txt")" "answered 20000 errors 0"

# oversized: a line over policy_max_line (2048), more than policy_max_attributes (64)
printf 'request=smtpd_access_policy\nsender=%s\n\n' "$(head -c 3000 /dev/zero | tr '\0' a)" >"$TB_DIR/big.req"
ta_eq "an oversized line closes the connection" "$("$LOAD" -r "$TB_DIR/big.req" "$sock")" closed
ta_contains "and is logged" "$(cat "$TB_DIR/policyd.log")" "line longer than 2048 bytes; closing the connection"
{ for i in $(seq 1 70); do printf 'a%d=1\n' "$i"; done; printf '\n'; } >"$TB_DIR/many.req"
ta_eq "too many attributes close the connection" "$("$LOAD" -r "$TB_DIR/many.req" "$sock")" closed
ta_contains "and are logged" "$(cat "$TB_DIR/policyd.log")" "more than 64 attributes; closing the connection"
printf 'request=smtpd_access_policy\nsender=news@t2.example\ninstance=x1\n\n' >"$TB_DIR/one.req"
ta_contains "one well-formed request" "$("$LOAD" -r "$TB_DIR/one.req" "$sock")" "action=DUNNO"

# the socketmap: netstring queries for a sender
netstring() { printf '%d:%s,' "${#1}" "$1"; }
netstring 'sender news@t1.example' >"$TB_DIR/q1"
ta_contains "socketmap: a tenant's sender gets its transport" "$("$LOAD" -r "$TB_DIR/q1" "$sm")" ":OK out-"
netstring 'sender x@nobody.example.org' >"$TB_DIR/q2"
ta_eq "socketmap: an unknown sender is NOTFOUND" "$("$LOAD" -r "$TB_DIR/q2" "$sm")" "9:NOTFOUND ,"
printf '5:a b c;' >"$TB_DIR/q3"
ta_eq "socketmap: a broken netstring closes the connection" "$("$LOAD" -r "$TB_DIR/q3" "$sm")" closed

# a transport disabled: the shared pool's mail moves to the other one
tb_ctl transport disable out-a >/dev/null
sleep 0.5
out=$(python3 "$top_srcdir/tests/lib/socketmap_load.py" "$TB_DIR/run/socketmap.sock" 1000 t1.example)
ta_contains "with out-a down every answer is out-b" "$out" "1000 x OK out-b:"
tb_ctl transport disable out-b >/dev/null
sleep 0.5
ta_contains "with both down: the documented tempfail" "$("$LOAD" -r "$TB_DIR/one.req" "$sock")" \
	"action=451 4.3.0 tenant t2: every transport of pool shared is down, try again later"

# SIGHUP with a broken file keeps serving
echo "bogus_setting = 1" >>"$TB_CONF"
kill -HUP "$(cat "$TB_DIR/policyd.fg.pid")"
sleep 0.3
ta_contains "a broken reload is logged" "$(cat "$TB_DIR/policyd.log")" "reload failed; keeping the running configuration"
ta_contains "and the daemon still answers" "$("$LOAD" -r "$TB_DIR/one.req" "$sock")" "action="
ta_finish
