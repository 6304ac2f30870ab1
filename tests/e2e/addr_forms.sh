#!/bin/bash
# One suppressed mailbox, every address form Postfix delivers to it. The
# ground truth is Postfix: each form is first sent, from acme, with an
# unsuppressed local part, and smtp-sink must receive it at the plain
# mailbox (that proves Postfix accepts the form and where it delivers it);
# then the same form with the suppressed local part must be refused with
# 550 5.7.1, and nothing may reach the sink for it. Forms the key cannot
# be built for are refused with 550 5.1.3, never accepted unchecked.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-addr-forms

# relay.test is this relay's own domain: the percent hack and bang paths resolve through it
postconf -c "$TB_DIR/pf" -e 'mydestination = relay.test' 'allow_percent_hack = yes' 'swap_bangpath = yes' \
	'smtputf8_enable = yes'
postfix -c "$TB_DIR/pf" reload >/dev/null 2>&1
kill -HUP "$(cat "$TB_DIR/milter.fg.pid")"
for _ in $(seq 1 100); do
	grep -q "1 local domain(s), myorigin=relay.test" "$TB_DIR/milter.log" && break
	sleep 0.1
done
ta_contains "the milter read the relay's rewriting settings" "$(cat "$TB_DIR/milter.log")" \
	"recipients are keyed as Postfix in $TB_DIR/pf rewrites them: allow_percent_hack=yes swap_bangpath=yes, 1 local domain(s), myorigin=relay.test"

tb_ctl suppress add 'gone@x.test' --tenant acme --reason unsubscribe >/dev/null
tb_ctl suppress add 'gone@Bücher.example' --tenant acme --reason unsubscribe >/dev/null
ta_synced

# SMTPUTF8 on, so that UTF-8 domains are Postfix's to take
raw() { python3 "$top_srcdir/tests/lib/smtp_raw.py" 127.0.0.1 "$TB_SMTP_PORT" 127.0.0.2 '<news@acme.example> SMTPUTF8' "$@"; }

# FORM ({L} is the local part) | the RCPT TO that smtp-sink receives ({L} replaced)
forms=(
	'<{L}@x.test>|{L}@x.test'
	'<{L}@x.test (old friend)>|{L}@x.test'
	'< {L}@x.test>|{L}@x.test'
	'<{L}@X.TEST>|{L}@X.TEST'
	'<{L}@x.test.>|{L}@x.test'
	'<@relay.example:{L}@x.test>|{L}@x.test'
	'<@a.example,@b.example:{L}@x.test>|{L}@x.test'
	'<"{L}"@x.test>|{L}@x.test'
	'<"{L}"@X.Test.>|{L}@X.Test'
	'<{L}%x.test@relay.test>|{L}@x.test'
	'<{L}%x.test@RELAY.TEST>|{L}@x.test'
	'<x.test!{L}@relay.test>|{L}@x.test'
	'<x.test!{L}>|{L}@x.test'
	'<{L}%x.test>|{L}@x.test'
	'<"{L}"%x.test@relay.test>|{L}@x.test'
	'<@relay.example:{L}%x.test@relay.test>|{L}@x.test'
	'<{L}@x.test@relay.test>|{L}@x.test'
	'<{L}@xn--bcher-kva.example>|{L}@xn--bcher-kva.example'
	'<{L}@Bücher.example>|{L}@Bücher.example'
	'<"{L}%x.test">|{L}@x.test'
	'<"{L}@x.test"@relay.test>|{L}@x.test'
	'{L}@x.test|{L}@x.test'
	'<{L}@x.test> NOTIFY=NEVER|{L}@x.test'
)
i=0
for row in "${forms[@]}"; do
	i=$((i + 1))
	form=${row%%|*} want=${row#*|}
	ok="ok$i"
	out=$(raw "${form//\{L\}/$ok}")
	ta_contains "form $i ${form}: accepted with an unsuppressed local part" "$out" "250 2.0.0 Ok: queued"
	want=${want//\{L\}/$ok}
	got=""
	for _ in $(seq 1 100); do
		got=$(grep -l -i -F "X-Rcpt-Args: <$want>" $(tb_sink_files) 2>/dev/null | head -1)
		# smtp-sink offers no SMTPUTF8, so a UTF-8 domain gets only as far as Postfix's own delivery record
		[ -z "$got" ] && case "$want" in *ü*) got=$(grep -F ": to=<$want>, relay=127.0.0.1" "$TB_DIR/pf/maillog") ;; esac
		[ -n "$got" ] && break
		sleep 0.1
	done
	ta_eq "form $i ${form}: Postfix delivers it to ${want}" "$([ -n "$got" ] && echo delivered)" delivered
	local_part=gone
	[ "$form" = '<{L}@X.TEST>' ] && local_part=GONE
	out=$(raw "${form//\{L\}/$local_part}")
	ta_contains "form $i ${form}: the suppressed mailbox is refused" "$out" "550 5.7.1"
	ta_contains "form $i ${form}: the reply says why" "$out" "recipient suppressed (unsubscribe"
done

# forms Postfix takes but no key can be built for: refused, never delivered unchecked
out=$(raw '<gone>')
ta_contains "a bare local part gets @myorigin, a local mailbox, and is keyed so" "$out" "250 2.1.5"
long=$(printf 'a%.0s' $(seq 1 300))
out=$(raw "<$long@x.test>")
ta_contains "a 300-octet local part is refused, never cut" "$out" "550 5.1.3"
ta_contains "the refusal says why" "$out" "bad recipient address syntax: local part longer than 256 characters"
long=$(printf 'b%.0s' $(seq 1 100))
out=$(raw "<$long@x.test>")
ta_contains "a 100-octet local part is accepted and keyed in full" "$out" "250 2.1.5"

sleep 1
ta_eq "no message for a suppressed mailbox reached the sink" \
	"$(grep -l -i -e 'gone@x.test' -e 'gone@xn--bcher-kva' -e 'gone@bücher' $(tb_sink_files) | wc -l)" 0
ta_finish
