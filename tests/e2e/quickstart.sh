#!/bin/bash
# The README's first command must not rot: contrib/quickstart (on the programs
# already built) runs its six steps, each OK, exits 0, and claims nothing it
# did not check; --stop then stops every daemon it started.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
for cmd in dnsmasq curl; do
	command -v "$cmd" >/dev/null || { echo "# $cmd missing; run tests/run, which installs it"; exit 99; }
done
TB_DIR="$TB_ROOT/quickstart"
trap 'bash "$top_srcdir/contrib/quickstart" --stop >/dev/null 2>&1' EXIT

ta_run "contrib/quickstart --skip-build exits 0" 0 env top_builddir="$top_builddir" bash "$top_srcdir/contrib/quickstart" --skip-build
printf '%s\n' "$ta_out" | sed -n '/^== Summary/,$p'
summary=$(printf '%s\n' "$ta_out" | sed -n '/== Summary/,$p')
ta_contains "summary: step 1 OK" "$summary" "  OK      1. Tagging and refusals"
ta_contains "summary: step 2 OK" "$summary" "  OK      2. Caps, suppression lists and per-tenant egress"
ta_contains "summary: step 3 OK" "$summary" "  OK      3. DKIM: tenant-milter signs, dkimpy verifies with the key from DNS"
ta_contains "summary: step 4 OK" "$summary" "  OK      4. One-click unsubscribe (RFC 8058)"
ta_contains "summary: step 5 OK" "$summary" "  OK      5. A receiving server's 550 5.1.1 becomes a hard-bounce suppression"
ta_contains "summary: step 6 OK" "$summary" "  OK      6. tenantctl stats shows it all"
ta_eq "the summary has six steps" "$(printf '%s\n' "$summary" | grep -cE '^  (OK|FAILED)  ')" 6
ta_lacks "no check failed" "$ta_out" "FAILED"
# every check of the six steps ran and passed: a check dropped by an edit shows here
ta_eq "39 checks, all ok" "$(printf '%s\n' "$ta_out" | grep -c '^  ok: ')" 39
ta_contains "it reports its time" "$summary" "  finished in "
ta_eq "no sanitizer report in what the tools printed" "$(printf '%s\n' "$ta_out" | grep -cE "$TB_SANITIZER_RE")" 0
for f in milter.fg.pid policyd.fg.pid httpd.fg.pid sink.pid bouncer.pid dns/dnsmasq.fg.pid redis/redis.pid; do
	[ -f "$TB_DIR/$f" ] && pids="${pids:-} $(cat "$TB_DIR/$f")"
done
ta_eq "it left its seven daemons running for the user" "$(echo ${pids:-} | wc -w)" 7
ta_run "contrib/quickstart --stop exits 0" 0 bash "$top_srcdir/contrib/quickstart" --stop
left=
for p in ${pids:-}; do kill -0 "$p" 2>/dev/null && [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$p/stat")" != Z ] && left="$left $p"; done
ta_eq "--stop stopped them" "$left" ""
ta_finish
