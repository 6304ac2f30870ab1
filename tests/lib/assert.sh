# assert.sh - assertions for the shell integration tests; sourced after testbed.sh.
# Each check prints "ok" or "FAIL" with what was expected; the test's exit
# status is the number of failures (0 = pass), as Automake's driver expects.

TA_FAILS=0
TA_CHECKS=0

ta_ok() { TA_CHECKS=$((TA_CHECKS + 1)); echo "ok - $1"; }
ta_fail() { TA_CHECKS=$((TA_CHECKS + 1)); TA_FAILS=$((TA_FAILS + 1)); echo "FAIL - $1"; [ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/    | /'; }

# ta_contains WHAT HAYSTACK NEEDLE
ta_contains() {
	case "$2" in *"$3"*) ta_ok "$1" ;; *) ta_fail "$1: expected to find: $3" "$2" ;; esac
}
ta_lacks() {
	case "$2" in *"$3"*) ta_fail "$1: did not expect: $3" "$2" ;; *) ta_ok "$1" ;; esac
}
ta_eq() {
	if [ "$2" = "$3" ]; then ta_ok "$1"; else ta_fail "$1: expected [$3], got [$2]"; fi
}
# ta_status WHAT EXPECTED_EXIT COMMAND... - exit status of a command
ta_status() {
	local what=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" = "$want" ]; then ta_ok "$what"; else ta_fail "$what: exit $rc, expected $want" "$out"; fi
}

# ta_finish - stop the test bed, check the milter's log for sanitizer reports, exit
ta_finish() {
	tb_stop_all
	tb_sanitizer_clean || TA_FAILS=$((TA_FAILS + 1))
	echo "# $TA_CHECKS checks, $TA_FAILS failed"
	[ "$TA_FAILS" -eq 0 ] || { echo "# milter log:"; tail -30 "$TB_DIR/milter.log" 2>/dev/null; echo "# maillog:"; tail -30 "$TB_DIR/pf/maillog" 2>/dev/null; }
	exit $((TA_FAILS > 0))
}

# ta_need_root - integration tests start Postfix, which needs root
ta_need_root() {
	if [ "$(id -u)" != 0 ]; then echo "# needs root (Postfix instances); skipped"; exit 77; fi
	for cmd in redis-server postfix smtp-sink swaks; do
		command -v "$cmd" >/dev/null || { echo "# $cmd missing; run tests/run, which installs it"; exit 99; }
	done
}

# ta_setup NAME - Redis, smtp-sink, the milter and a private Postfix, with two tenants
#   acme: network 127.0.0.2/32, domain acme.example
#   beta: SASL login beta-user (password beta-pass), domain beta.example
ta_setup() {
	tb_init "$1"
	trap 'tb_stop_all' EXIT
	tb_redis_start || exit 99
	tb_ctl tenant add acme >/dev/null && tb_ctl domain add acme acme.example >/dev/null &&
		tb_ctl identity add acme --network 127.0.0.2/32 >/dev/null &&
		tb_ctl tenant add beta >/dev/null && tb_ctl domain add beta beta.example >/dev/null &&
		tb_ctl identity add beta --sasl beta-user >/dev/null || exit 99
	tb_sink_start || exit 99
	tb_milter_start || exit 99
	tb_postfix_start || exit 99
	tb_sasl_user beta-user beta-pass
}

# ta_send_as_acme / ta_send_as_beta ARGS - a client on acme's network / beta authenticated
ta_send_as_acme() { tb_send --local-interface 127.0.0.2 "$@"; }
ta_send_as_beta() { tb_send --local-interface 127.0.0.9 --auth PLAIN --auth-user beta-user --auth-password beta-pass "$@"; }

# ta_synced - wait until the milter, and tenant-policyd when it runs, have loaded
# the store's current tenant version
ta_synced() {
	local v f
	v=$(tb_redis get tm:version)
	for f in "$TB_DIR/milter.log" "$TB_DIR/policyd.log"; do
		[ "$f" = "$TB_DIR/policyd.log" ] && { [ -f "$TB_DIR/policyd.fg.pid" ] || continue; }
		for _ in $(seq 1 100); do
			grep -q "tenant directory loaded: version $v," "$f" && continue 2
			sleep 0.1
		done
		tb_log "$(basename "$f" .log) did not load tenant version $v"
		return 1
	done
}

# ta_milter_restart [ARGS] - restart the milter and wait for the new process's own
# directory load (the log still holds the earlier process's lines)
ta_milter_restart() {
	local loads
	loads=$(grep -c "tenant directory loaded" "$TB_DIR/milter.log" 2>/dev/null)
	tb_milter_stop
	tb_milter_start "$@" || return 1
	for _ in $(seq 1 100); do
		[ "$(grep -c "tenant directory loaded" "$TB_DIR/milter.log")" -gt "${loads:-0}" ] && return 0
		sleep 0.1
	done
	tb_log "the restarted milter did not load the directory"
	return 1
}
