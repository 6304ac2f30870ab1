#!/bin/bash
# DKIM signing through real Postfix: tenantctl dkim generate makes acme's key;
# tenant-milter signs at end of message, after its own headers, so the
# signature covers List-Unsubscribe and List-Unsubscribe-Post. Every delivered
# message is checked by dkimpy (python3-dkim), given the printed DNS record:
# CRLF and bare-LF bodies, trailing blank lines, 8-bit bodies and folded
# headers. A tenant without a key follows dkim_missing_key.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-dkim
VERIFY="$top_srcdir/tests/lib/dkim_verify.py"
today=$(date -u +%F)
cat >>"$TB_CONF" <<CONF
dkim_keys = $TB_DIR/dkim.keys
dkim_key_dir = $TB_DIR/dkim
unsubscribe_url_host = unsub.relay.test
unsubscribe_mailto_domain = unsub.relay.test
CONF
tb_ctl domain add acme news.acme.example --stream bulk >/dev/null
tb_ctl unsubscribe-key generate >/dev/null
out=$(tb_ctl dkim generate acme acme.example --selector s1)
ta_contains "tenantctl dkim generate prints the DNS record" "$out" 's1._domainkey.acme.example. IN TXT ( "v=DKIM1; k=rsa; p='
printf '%s\n' "$out" | grep '_domainkey' | grep -o '"[^"]*"' | tr -d '"\n' >"$TB_DIR/s1.txt"
ta_eq "the key file is mode 0600" "$(stat -c %a "$TB_DIR/dkim/acme.example.s1.key")" 600
ta_contains "dkim list shows it" "$(tb_ctl dkim list acme)" "acme.example"
out=$(tb_ctl dkim generate acme beta.example --selector s1 2>&1)
ta_contains "another tenant's domain is refused" "$out" "beta.example is not a domain of tenant acme"
ta_milter_restart
ta_contains "the milter loaded the key at start" "$(cat "$TB_DIR/milter.log")" "1 DKIM key(s)"

bulk=(--from news@news.acme.example --header 'From: Acme News <news@news.acme.example>')
ta_send_as_acme "${bulk[@]}" --to fan@dest.example --header 'Subject: bulk crlf' --header 'Date: Mon, 23 Nov 2026 10:00:00 +0000' \
	--header 'List-Unsubscribe: <mailto:old@acme.example>' --body $'line one\r\nline two\r\n' >/dev/null
ta_send_as_acme "${bulk[@]}" --to fan2@dest.example --header $'Subject: a folded\r\n\tsubject line' --body 'folded' >/dev/null
ta_send_as_acme "${bulk[@]}" --to fan3@dest.example --header 'Subject: trailing blank lines' --body $'text\r\n\r\n\r\n\r\n' >/dev/null
ta_send_as_acme --from a@acme.example --header 'From: <a@acme.example>' --to r@dest.example \
	--header 'Subject: 8bit transactional' --header 'Content-Type: text/plain; charset=utf-8' \
	--header 'Content-Transfer-Encoding: 8bit' --body $'Gr\xc3\xbc\xc3\x9fe, M\xc3\xbcller \xe2\x80\x94 caf\xc3\xa9\r\n' >/dev/null
# bare LF lines, locally submitted (sendmail reads them as they are)
printf 'From: <a@acme.example>\nTo: <lf@dest.example>\nSubject: bare lf\n\nline one\nline two\n\n' |
	sendmail -C "$TB_DIR/pf" -f a@acme.example lf@dest.example
tb_wait_sink 5
for s in 'bulk crlf' 'a folded' 'trailing blank lines' '8bit transactional' 'bare lf'; do
	f=$(tb_sink_grep "Subject: $s" | head -1)
	[ -n "$f" ] || { ta_fail "$s: not delivered"; continue; }
	out=$(/usr/bin/python3 "$VERIFY" "$TB_DIR/s1.txt" "$f" 2>&1)
	ta_contains "dkimpy verifies the signature: $s" "$out" ": pass"
done
f=$(tb_sink_grep 'Subject: bulk crlf' | head -1)
h=$(/usr/bin/python3 "$VERIFY" "$TB_DIR/s1.txt" "$f" | sed 's/.*h=//' | tr 'A-Z' 'a-z')
ta_contains "h= lists List-Unsubscribe" "$h" "list-unsubscribe:"
ta_contains "h= lists List-Unsubscribe-Post" "$h" "list-unsubscribe-post"
ta_eq "From and both unsubscribe headers are oversigned" \
	"$(printf '%s' "$h" | tr ':' '\n' | grep -cxE 'from|list-unsubscribe|list-unsubscribe-post')" 6
ta_contains "the signature is the tenant's, for the From domain's organisation" "$(grep -A3 '^DKIM-Signature' "$f" | tr -d '\n\t ')" "d=acme.example;s=s1"
ta_contains "...relaxed/relaxed, rsa-sha256" "$(grep -A3 '^DKIM-Signature' "$f" | tr -d '\n\t ')" "a=rsa-sha256;c=relaxed/relaxed"
ta_eq "the client's incomplete List-Unsubscribe was replaced, not kept beside ours" "$(grep -ci '^List-Unsubscribe:' "$f")" 1
f=$(tb_sink_grep 'Subject: 8bit transactional' | head -1)
ta_eq "transactional mail: signed, but no unsubscribe header" "$(grep -ci '^List-Unsubscribe' "$f")" 0
# a header added after signing breaks it: the verifier is not a rubber stamp
sed 's/^Subject: bulk crlf/Subject: bulk crlf (edited)/' "$(tb_sink_grep 'Subject: bulk crlf' | head -1)" >"$TB_DIR/tampered.eml"
ta_contains "an edited Subject fails verification" "$(/usr/bin/python3 "$VERIFY" "$TB_DIR/s1.txt" "$TB_DIR/tampered.eml" 2>&1)" ": fail"

# beta has no key: dkim_missing_key
out=$(ta_send_as_beta --from b@beta.example --header 'From: <b@beta.example>' --to x@dest.example --header 'Subject: beta unsigned')
ta_contains "no key: sent unsigned by default" "$out" "250 2.0.0 Ok: queued"
ta_contains "...with a warning" "$(cat "$TB_DIR/milter.log")" "tenant beta: no DKIM key for From domain beta.example; sent unsigned"
ta_eq "...and a counter" "$(tb_redis hget "{t:beta}:stats:$today" dkim_unsigned)" 1
ta_milter_restart -o dkim_missing_key=tempfail
out=$(ta_send_as_beta --from b@beta.example --header 'From: <b@beta.example>' --to x@dest.example --header 'Subject: beta tempfail')
ta_contains "dkim_missing_key = tempfail: 451 4.7.0 with the reason" "$out" "451 4.7.0 tenant beta: no DKIM key for From domain beta.example"
ta_milter_restart -o dkim_missing_key=reject
out=$(ta_send_as_beta --from b@beta.example --header 'From: <b@beta.example>' --to x@dest.example --header 'Subject: beta reject')
ta_contains "dkim_missing_key = reject: 550 5.7.0" "$out" "550 5.7.0 tenant beta: no DKIM key for From domain beta.example"
ta_finish
