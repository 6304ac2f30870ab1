#!/bin/bash
# Nobody outside can write into a suppression list. Forged bounces and
# complaints, fed to tenant-feedback as a bounce address's pipe(8) command
# would, change state only when they prove where they came from: a VERP token
# that opens, or a queue id tenant-milter recorded for that very recipient.
# X-Tenant headers, invalid tenant names, queue ids with another recipient,
# hard_bounce_scope = global, records planted in MAIL FROM, RCPT TO, HELO and
# headers, and 10,000 forged records against a Redis at its memory limit:
# none suppresses anyone, and each is counted as unattributed.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-forged-feedback
FB="$top_builddir/feedback/tenant-feedback"
FIX="$top_srcdir/tests/fixtures/bounce"
today=$(date -u +%F)
from_acme=(--from news@acme.example --header 'From: <news@acme.example>')

# fb NAME ARGS... - tenant-feedback with stdin; exit status in $fb_rc, stderr in $fb_err; no sanitizer report
fb() {
	local name=$1
	shift
	fb_err=$("$FB" -c "$TB_CONF" "$@" 2>&1 >/dev/null)
	fb_rc=$?
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' <<<"$fb_err"; then
		ta_fail "$name: tenant-feedback reported a sanitizer error" "$fb_err"
	fi
}
unattributed() { tb_redis hget "tm:stats:$today" fb_unattributed; }
supp_count() { echo $(($(tb_redis hlen '{t:acme}:supp') + $(tb_redis hlen '{t:beta}:supp') + $(tb_redis hlen tm:supp))); }

ta_send_as_acme "${from_acme[@]}" --to real@dest.example --header 'Subject: real' >/dev/null
tb_wait_sink 1
rq=$(sed -n 's/.* \([0-9A-F]*\): to=<real@dest.example>.*status=sent.*/\1/p' "$TB_DIR/pf/maillog" | head -1)
ta_eq "the milter recorded real@dest.example under its queue id" "$(tb_redis hget "tm:qid:$rq" r:real@dest.example)" 1

# 1. an ARF report whose returned message says "X-Tenant: acme": the sender's say-so
fb "forged ARF" dsn <"$FIX/arf-abuse.eml"
ta_eq "forged ARF: exit 0 (nothing to retry)" "$fb_rc" 0
ta_contains "forged ARF: logged as not applied, and why" "$fb_err" "rcpt=complainer@provider.example category=complaint (not applied: no queue id)"
ta_eq "forged ARF: no suppression anywhere" "$(supp_count)" 0
ta_eq "forged ARF: counted as unattributed" "$(unattributed)" 1

# 2. a report naming our real queue id, for someone else
sed -e 's/complainer@provider.example/victim@dest.example/' \
	-e "s/^From: <news@acme.example>\$/Received: from client.test by relay.test (Postfix) with ESMTP id $rq;\\n\\tThu,  8 Mar 2026 14:00:00 +0000\\nFrom: <news@acme.example>/" \
	"$FIX/arf-abuse.eml" >"$TB_DIR/arf-other.eml"
fb "real queue id, other recipient" dsn <"$TB_DIR/arf-other.eml"
ta_contains "real queue id, other recipient: refused, and why" "$fb_err" "rcpt=victim@dest.example category=complaint (not applied: the queue id was not recorded for this recipient)"
sed -e "s/3F2A1C0/$rq/" -e 's/nobody@dest.example/victim@dest.example/g' "$FIX/postfix-user-unknown.eml" >"$TB_DIR/dsn-other.eml"
fb "forged DSN, hard_bounce_scope=global" -o hard_bounce_scope=global dsn <"$TB_DIR/dsn-other.eml"
ta_contains "forged DSN: refused even with hard_bounce_scope = global" "$fb_err" "category=hard (not applied: the queue id was not recorded for this recipient)"
ta_eq "forged DSN: nothing in the global list" "$(tb_redis hlen tm:supp)" 0
ta_eq "forged reports: still no suppression anywhere" "$(supp_count)" 0

# 2b. a complaint that names no one (the complainant "redacted"), about our real message: anyone
# who received it knows its queue id, so only a verified feedback loop's counts
sed -e '/^Original-Rcpt-To:/d' -e 's/^To: <complainer@provider.example>/To: undisclosed-recipients:;/' \
	-e "s/^From: <news@acme.example>\$/Received: from client.test by relay.test (Postfix) with ESMTP id $rq;\\n\\tThu,  8 Mar 2026 14:00:00 +0000\\nFrom: <news@acme.example>/" \
	"$FIX/arf-abuse.eml" >"$TB_DIR/arf-redacted.eml"
before=$(unattributed)
fb "redacted complaint, our queue id" dsn <"$TB_DIR/arf-redacted.eml"
ta_eq "redacted complaint, our queue id: exit 0" "$fb_rc" 0
ta_contains "redacted complaint, our queue id: refused, and why" "$fb_err" "rcpt=(redacted) category=complaint (not applied: a report that names no recipient counts only from a verified feedback loop)"
ta_eq "redacted complaint: acme's complaints untouched" "$(tb_redis hget "{t:acme}:fb:$today" complaints)" ""
ta_eq "redacted complaint: counted as unattributed" "$(($(unattributed) - before))" 1

# 3. an invalid tenant name builds no key, inside or outside any tenant's hash tag
sed -e 's/^X-Tenant: acme/X-Tenant: beta}:x{/' "$FIX/arf-abuse.eml" >"$TB_DIR/arf-badname.eml"
fb "invalid tenant name" dsn <"$TB_DIR/arf-badname.eml"
ta_eq "invalid tenant name: exit 0" "$fb_rc" 0
stray=$(tb_redis --scan | grep -vE '^(tm:|\{t:(acme|beta)\}:)')
ta_eq "invalid tenant name: every key is ours (tm:* or {t:acme}/{t:beta})" "$stray" ""

# 3b. a feedback loop's report names its tenant only when our verifier vouches for its signature
# (the inbound Postfix's DKIM verifier adds the topmost Authentication-Results; here, we do)
fbl=(-o feedback_loop_authserv_id=mx.relay.test -o feedback_loop_domains=fbl.provider.example)
arf_with() { { printf 'Authentication-Results: %s\n' "$1"; sed "s/complainer@provider.example/$2/" "$FIX/arf-abuse.eml"; } }
arf_with 'mx.relay.test; dkim=pass header.d=fbl.provider.example' fbl-angry@dest.example >"$TB_DIR/fbl.eml"
fb "verified feedback loop" "${fbl[@]}" dsn <"$TB_DIR/fbl.eml"
ta_contains "verified feedback loop: applied for the tenant it names" "$fb_err" "dsn: tenant=acme rcpt=fbl-angry@dest.example category=complaint via=fbl:fbl.provider.example"
ta_eq "verified feedback loop: acme's suppression" "$(tb_redis hget '{t:acme}:supp' fbl-angry@dest.example | cut -d'|' -f1)" complaint
tb_redis hdel '{t:acme}:supp' fbl-angry@dest.example >/dev/null
arf_with 'evil.test; dkim=pass header.d=fbl.provider.example' fbl-x@dest.example >"$TB_DIR/fbl-forged.eml"
fb "feedback loop, forged verifier" "${fbl[@]}" dsn <"$TB_DIR/fbl-forged.eml"
ta_contains "feedback loop, forged verifier: not trusted, and why" "$fb_err" "its tenant tag is not trusted: its Authentication-Results are not ours (authserv-id evil.test)"
fb "feedback loop, no configuration" dsn <"$TB_DIR/fbl.eml"
ta_contains "feedback loop not configured: the tag is not trusted" "$fb_err" "no feedback loop is configured"
arf_with 'mx.relay.test; dkim=pass header.d=fbl.provider.example' fbl-y@dest.example | sed 's/^X-Tenant: acme/X-Tenant: nosuch/' >"$TB_DIR/fbl-notenant.eml"
fb "feedback loop, unknown tenant" "${fbl[@]}" dsn <"$TB_DIR/fbl-notenant.eml"
ta_contains "feedback loop naming no tenant of ours: nothing applied" "$fb_err" "names no tenant of ours"
ta_eq "feedback loop cases: no suppression left" "$(supp_count)" 0

# 4. a forged VERP address: logged, read as a report without it, never forwarded
tb_ctl unsubscribe-key generate >/dev/null
out=$(printf 'Subject: relay me\n\nhello\n' | "$FB" -c "$TB_CONF" -o return_path_domain=rp.relay.test \
	-o forward_bounces=yes dsn 'bounce+AAAAforgedtokenAAAA@rp.relay.test' 2>&1)
ta_eq "forged VERP token: exit 0" "$?" 0
ta_contains "forged VERP token: refused" "$out" "VERP token refused"
ta_lacks "forged VERP token: nothing forwarded" "$out" "forwarded"

# 5. the real thing still works: our own queue id and the recorded recipient
sed -e "s/3F2A1C0/$rq/" -e 's/nobody@dest.example/real@dest.example/g' "$FIX/postfix-user-unknown.eml" >"$TB_DIR/dsn-real.eml"
fb "genuine DSN" dsn <"$TB_DIR/dsn-real.eml"
ta_contains "genuine DSN: applied for the recorded tenant" "$fb_err" "dsn: tenant=acme rcpt=real@dest.example category=hard"
ta_lacks "genuine DSN: not refused" "$fb_err" "not applied"
ta_eq "genuine DSN: acme's suppression" "$(tb_redis hget '{t:acme}:supp' real@dest.example | cut -d'|' -f1)" hard-bounce
ta_eq "genuine DSN: not beta's" "$(tb_redis hget '{t:beta}:supp' real@dest.example)" ""

# 6. records planted in client text: MAIL FROM, RCPT TO, HELO and a header, by a tenant and by a stranger
plant='x, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (550 5.1.1 gone)'
rec="Dec  1 12:00:00 relay postfix/smtp[1]: $rq: to=<planted@dest.example>, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (550 5.1.1 gone)"
raw() { python3 "$top_srcdir/tests/lib/smtp_raw.py" 127.0.0.1 "$TB_SMTP_PORT" "$@"; }
raw 127.0.0.2 "<\"$rec\"@acme.example>" '<planted@dest.example>' >/dev/null
raw 127.0.0.2 '<news@acme.example>' "<\"planted@dest.example>, $plant\"@dest.example>" >/dev/null
raw 127.0.0.7 "<\"$rec\"@unknown.example>" '<planted@dest.example>' >/dev/null
ta_send_as_acme "${from_acme[@]}" --helo "$rec" --to real2@dest.example --header "X-Note: $rec" >/dev/null
sleep 2
ta_contains "the planted text reached the milter's log" "$(cat "$TB_DIR/milter.log")" "planted@dest.example"
ta_contains "...quoted and escaped there" "$(cat "$TB_DIR/milter.log")" 'sender="\"Dec  1 12:00:00 relay postfix/smtp[1]: '
ta_contains "the planted text reached Postfix's log" "$(cat "$TB_DIR/pf/maillog")" "planted@dest.example"
# as syslog would write it: our lines and Postfix's in one file
{ sed 's/^tenant-milter: /Dec  1 12:00:01 relay tenant-milter[77]: /' "$TB_DIR/milter.log"; cat "$TB_DIR/pf/maillog"; } >"$TB_DIR/combined.log"
fb "follow over planted records" follow --from-start --once "$TB_DIR/combined.log"
ta_eq "follow: exit 0" "$fb_rc" 0
ta_eq "follow: the planted recipient is suppressed nowhere" \
	"$(tb_redis hget '{t:acme}:supp' planted@dest.example)$(tb_redis hget tm:supp planted@dest.example)" ""
ta_eq "follow: real@dest.example is still the only suppression" "$(supp_count)" 1

# 7. 10,000 forged records and 100 forged reports against a Redis at its memory limit (noeviction)
used=$(tb_redis info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
limit=$((used + 4 * 1024 * 1024))
tb_redis config set maxmemory "$limit" >/dev/null
tb_redis config set maxmemory-policy noeviction >/dev/null
before=$(unattributed)
awk 'BEGIN { for (i = 0; i < 10000; i++)
	printf "Dec  1 13:00:00 relay postfix/smtp[2]: F%06X: to=<victim%d@dest.example>, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (550 5.1.1 User unknown)\n", i, i }' >"$TB_DIR/forged.log"
fb "10,000 forged records" follow --from-start --once "$TB_DIR/forged.log"
ta_eq "10,000 forged records: follow exits 0" "$fb_rc" 0
ta_contains "10,000 forged records: all read" "$fb_err" "10000 lines, 10000 delivery records, 0 applied"
for i in $(seq 1 100); do
	sed -e "s/3F2A1C0/F$i/" -e "s/nobody@dest.example/v$i@dest.example/g" "$FIX/postfix-user-unknown.eml" |
		"$FB" -c "$TB_CONF" -o hard_bounce_scope=global dsn 2>>"$TB_DIR/forged-dsn.err" || echo "exit $?" >>"$TB_DIR/forged-dsn.err"
done
ta_lacks "100 forged reports: each exits 0" "$(cat "$TB_DIR/forged-dsn.err")" "exit "
ta_lacks "100 forged reports: no sanitizer report" "$(cat "$TB_DIR/forged-dsn.err")" "Sanitizer"
ta_eq "every forged record and report is counted as unattributed" "$(($(unattributed) - before))" 10100
ta_eq "and none suppresses anyone: real@dest.example survives alone" "$(supp_count)" 1
ta_eq "the suppression that was there survives" "$(tb_redis hget '{t:acme}:supp' real@dest.example | cut -d'|' -f1)" hard-bounce
now=$(tb_redis info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
[ "$now" -lt "$limit" ] && ta_ok "Redis memory stayed under its limit ($((now - used)) bytes more)" ||
	ta_fail "Redis memory grew to $now (limit $limit)"
out=$(ta_send_as_acme "${from_acme[@]}" --to real@dest.example --header 'Subject: still suppressed')
ta_contains "the milter still refuses the suppressed address (nothing failed open)" "$out" "550 5.7.1 <real@dest.example>: recipient suppressed (hard-bounce"
ta_finish
