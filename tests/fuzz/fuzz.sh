#!/bin/bash
# A short libFuzzer run (fuzz/run, clang with ASan and UBSan), an equal
# share each for seven targets: the DSN/ARF and Postfix log-line parsers
# (fuzz_feedback, seeded with the bounce fixtures); hostile client text in
# our and Postfix's log lines, never a delivery record (fuzz_logline); the
# address normaliser, rw_canon, addr_parse and supp_key, whose key is its
# own key (fuzz_addr); policy requests and netstrings within their limits,
# LF and CRLF alike (fuzz_policy); conf_parse, whose conf_print text parses
# back to itself (fuzz_conf); token_open, which opens nothing forged or
# changed and a sealed token for its purpose only (fuzz_token); and From
# values and header names (fuzz_hdr). Each must run over 1000 inputs with
# no crash, leak or undefined behaviour. Longer runs: fuzz/run 3600.
# Inputs that once crashed are table cases in check_bounce, check_maillog,
# check_addr, check_rewrite, check_conf and check_token.
. "$top_srcdir/tests/lib/assert.sh"
secs=${FUZZ_SECONDS:-60}
out=$(FUZZ_OUT="$top_builddir/fuzz/out" "$top_srcdir/fuzz/run" "$secs" 2>&1)
rc=$?
printf '%s\n' "$out"
ta_eq "$secs seconds of fuzzing: no crash, leak or undefined behaviour" "$rc" 0
for t in feedback logline addr policy conf token hdr; do
	n=$(printf '%s\n' "$out" | sed -n "s/^fuzz: fuzz_$t \([0-9]*\) inputs.*/\1/p")
	[ "${n:-0}" -gt 1000 ] && ta_ok "fuzz_$t ran ($n inputs)" || ta_fail "fuzz_$t ran only ${n:-0} inputs"
done
echo "# $TA_CHECKS checks, $TA_FAILS failed"
exit $((TA_FAILS > 0))
