#!/bin/bash
# A short libFuzzer run (fuzz/run, clang with ASan and UBSan), half each: the
# DSN/ARF and Postfix log-line parsers (fuzz_feedback, seeded with the bounce
# fixtures), and hostile client text in our and Postfix's log lines, which
# must never read as a delivery record (fuzz_logline). Longer runs:
# fuzz/run 3600. Inputs that once crashed are replayed by check_bounce and
# check_maillog from tests/fixtures/fuzz.
. "$top_srcdir/tests/lib/assert.sh"
out=$(FUZZ_OUT="$top_builddir/fuzz/out" "$top_srcdir/fuzz/run" "${FUZZ_SECONDS:-30}" 2>&1)
rc=$?
printf '%s\n' "$out"
ta_eq "${FUZZ_SECONDS:-30} seconds of fuzzing: no crash, leak or undefined behaviour" "$rc" 0
n=$(printf '%s\n' "$out" | sed -n 's/^stat::number_of_executed_units: *//p' | awk '{s+=$1} END {print s+0}')
[ "$n" -gt 1000 ] && ta_ok "the fuzzer ran ($n inputs)" || ta_fail "the fuzzer ran only $n inputs"
echo "# $TA_CHECKS checks, $TA_FAILS failed"
exit $((TA_FAILS > 0))
