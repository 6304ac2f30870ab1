#!/bin/bash
# Sender ownership through a real Postfix: tenant A cannot use tenant B's
# domain in the envelope or in From; subdomains of its own are fine; the
# null sender is allowed but From is still checked; two From fields refused.
# This test runs the milter over TCP, the other end-to-end tests over a unix socket.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
TB_MILTER_SOCKET="inet:$(tb_free_port)@127.0.0.1"
ta_setup e2e-ownership

out=$(ta_send_as_acme --from ceo@beta.example --to x@dest.example)
ta_contains "B's domain in the envelope: refused at MAIL" "$out" "550 5.7.1 tenant acme: sender domain beta.example is not a domain of tenant acme"
out=$(ta_send_as_acme --from news@acme.example --to x@dest.example --header 'From: CEO <ceo@beta.example>')
ta_contains "B's domain in From: refused after DATA" "$out" "550 5.7.1 tenant acme: From domain beta.example is not a domain of tenant acme"
out=$(ta_send_as_beta --from b@beta.example --to x@dest.example --header 'From: news@acme.example')
ta_contains "beta cannot use acme's From either" "$out" "550 5.7.1 tenant beta: From domain acme.example is not a domain of tenant beta"
out=$(ta_send_as_acme --from '<>' --to x@dest.example --header 'From: ceo@beta.example')
ta_contains "null sender: From still checked" "$out" "550 5.7.1 tenant acme: From domain beta.example is not a domain of tenant acme"
out=$(ta_send_as_acme --from news@acme.example --to x@dest.example --header 'From: a@acme.example, b@acme.example')
ta_contains "From with two mailboxes refused" "$out" "550 5.7.1 tenant acme: From field names 2 mailboxes; use a single author address"
out=$(ta_send_as_acme --from news@acme.example --to x@dest.example --add-header 'From: second@acme.example')
ta_contains "two From fields refused" "$out" "550 5.7.1 tenant acme: message has 2 From header fields; exactly one is allowed"
out=$(ta_send_as_acme --from 'user@acme..example' --to x@dest.example)
ta_contains "malformed sender answered" "$out" "5.1.7"

out=$(ta_send_as_acme --from bounce@mail.ACME.example. --to x@dest.example --header 'From: News <news@Mail.Acme.Example>' --header 'Subject: subdomain')
ta_contains "own subdomain, any case, trailing dot: accepted" "$out" "250 2.0.0 Ok: queued"
out=$(ta_send_as_acme --from '<>' --to x@dest.example --header 'From: news@acme.example' --header 'Subject: null sender')
ta_contains "null sender with own From: accepted" "$out" "250 2.0.0 Ok: queued"
tb_wait_sink 2
ta_eq "only the two legitimate messages were delivered" "$(tb_sink_files | wc -l)" 2
ta_eq "both tagged acme" "$(cat $(tb_sink_files) | grep -c '^X-Tenant: acme$')" 2
ta_contains "null sender logged as \"\"" "$(cat "$TB_DIR/milter.log")" "sender=\"\": tenant acme: From domain beta.example"
ta_finish
