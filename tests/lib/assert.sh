# assert.sh - assertions for the shell integration tests; sourced after testbed.sh.
# Each check prints "ok - WHAT" or "FAIL - WHAT" with what was expected; a test
# ends with ta_finish, which prints "# N checks, F failed" (tests/run counts
# from that line) and exits 0 or 1; ta_skip REASON skips the whole test (exit
# 77), ta_skip_checks N REASON a part of it. Run every program through ta_run
# (or ta_ctl, ta_fb, ta_status), which checks its exit status and its stderr
# for sanitizer reports. See tests/README.

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

# the sanitizer report pattern, also when assert.sh is used without testbed.sh
: "${TB_SANITIZER_RE:=ERROR: [A-Za-z]*Sanitizer|SUMMARY: [A-Za-z]*Sanitizer|: runtime error: }"

# ta_run WHAT EXPECTED_EXIT COMMAND... - run COMMAND (stdin is the caller's) with
# its stdout in $ta_out, its stderr in $ta_err and its exit status in $ta_rc;
# one check: the status is EXPECTED_EXIT and stderr holds no sanitizer report
# (ASan, UBSan, LSan, whose leak exit status is 23). Returns 0 when it passed.
ta_run() {
	local what=$1 want=$2 errf
	shift 2
	errf=$(mktemp "${TMPDIR:-/tmp}/ta_run.XXXXXX") || { ta_fail "$what: mktemp failed"; return 1; }
	ta_out=$("$@" 2>"$errf")
	ta_rc=$?
	ta_err=$(cat "$errf")
	rm -f "$errf"
	if grep -qE "$TB_SANITIZER_RE" <<<"$ta_err"; then
		ta_fail "$what: sanitizer report (exit $ta_rc)" "$ta_err"
		return 1
	fi
	if [ "$ta_rc" != "$want" ]; then
		local why=""
		[ "$ta_rc" = 23 ] && why=" (23: LeakSanitizer found a leak)"
		[ "$ta_rc" -gt 128 ] 2>/dev/null && why=" (killed by signal $((ta_rc - 128)))"
		ta_fail "$what: exit $ta_rc$why, expected $want" "$ta_out${ta_err:+
$ta_err}"
		return 1
	fi
	ta_ok "$what"
}

# ta_status WHAT EXPECTED_EXIT COMMAND... - exit status of a command (ta_run)
ta_status() { ta_run "$@"; }

# ta_ctl WHAT EXPECTED_EXIT ARGS..., ta_fb WHAT EXPECTED_EXIT ARGS... - tenantctl
# and tenant-feedback with the test bed's configuration, through ta_run
ta_ctl() {
	local what=$1 want=$2
	shift 2
	ta_run "$what" "$want" tb_ctl "$@"
}
ta_fb() {
	local what=$1 want=$2
	shift 2
	ta_run "$what" "$want" tb_fb "$@"
}

# ta_suite WHAT EXPECTED_EXIT COMMAND... - a check suite run from a shell test
# (ta_run); its output goes into the log, where tests/run counts its checks one by one
ta_suite() {
	ta_run "$@"
	local rc=$?
	printf '%s\n' "$ta_out"
	[ -z "$ta_err" ] || printf '%s\n' "$ta_err"
	return $rc
}

# ta_skip REASON - skip the whole test: tests/run counts and prints the reason
ta_skip() {
	echo "# SKIP: $*"
	[ "$TA_CHECKS" -eq 0 ] || echo "# $TA_CHECKS checks, $TA_FAILS failed"
	[ "$TA_FAILS" -eq 0 ] && exit 77
	exit 1
}

# ta_skip_checks N REASON - N checks of this test cannot run here; counted as skipped
ta_skip_checks() {
	local n=$1
	shift
	echo "# SKIP $n checks: $*"
}

# ta_finish - stop the test bed, check every log in it for sanitizer reports, exit
ta_finish() {
	tb_stop_all
	if tb_sanitizer_clean; then
		ta_ok "no sanitizer report in the test bed's logs"
	else
		ta_fail "sanitizer report in the test bed's logs (printed above)"
	fi
	echo "# $TA_CHECKS checks, $TA_FAILS failed"
	[ "$TA_FAILS" -eq 0 ] || { echo "# milter log:"; tail -30 "$TB_DIR/milter.log" 2>/dev/null; echo "# maillog:"; tail -30 "$TB_DIR/pf/maillog" 2>/dev/null; }
	exit $((TA_FAILS > 0))
}

# ta_need_root - integration tests start Postfix, which needs root
ta_need_root() {
	[ "$(id -u)" = 0 ] || ta_skip "needs root (Postfix instances)"
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
