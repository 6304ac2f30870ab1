#!/bin/bash
# tenant-feedback classify and classify --explain, as a user runs them on a
# bounce: the reason, the category, the rule (file:line) and its source, the
# text it read; the JSON form; the built-in rules and a rules file of one's
# own (-r), whose line numbers the output names. No Redis, no Postfix.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
tb_init it-classify
trap 'tb_stop_all' EXIT
fx="$top_srcdir/tests/fixtures/bounce"
rules="$top_srcdir/conf/bounce-rules.conf"

ta_fb "classify a Domino DSN: exit 0" 0 classify "$fx/domino.eml"
ta_eq "the line: recipient, status, category, reason" "$ta_out" \
	"$fx/domino.eml: someone@domino.example 5.0.0 hard (user-unknown)"

ta_fb "classify --explain, the shipped rules file: exit 0" 0 -r "$rules" classify --explain "$fx/domino.eml"
line=$(sed -n 2p <<<"$ta_out")
ta_contains "--explain names the rule's file and line" "$line" "  decided by $rules:"
n=$(sed -E 's/^  decided by [^:]*:([0-9]+) .*/\1/' <<<"$line")
ta_contains "...and that line of the file is a rule naming the reason printed" "$(sed -n "${n}p" "$rules")" "=> user-unknown"
ta_contains "...with the source comment above it" "$line" '(source: Domino ("User x not listed in Domino Directory")'
ta_eq "...and the text it read (the DSN had none: the report's own words)" "$(sed -n 3p <<<"$ta_out")" \
	"  text:  for the following reason: User someone (someone@domino.example) not listed in Domino Directory"

# a bounce's text pasted without its headers is read as the bounce it says it is; a pasted
# note that says nothing failed is not one
ta_fb "classify a bounce's text pasted without headers: exit 0" 0 classify "$fx/pasted-body.txt"
ta_eq "...read as the bounce" "$ta_out" "$fx/pasted-body.txt: gone@dest.example 5.1.1 hard (user-unknown)"
ta_fb "classify a pasted note naming an address: exit 0" 0 classify "$fx/pasted-note.txt"
ta_eq "...not a bounce" "$ta_out" "$fx/pasted-note.txt: - - none (not a bounce or a report)"

# a site that rewrote the address: the Original-Recipient is the one checked and suppressed, and shown
orig="$top_srcdir/tests/fixtures/corpus/bounceparser/postfix-orig.msg"
ta_fb "classify --explain of a rewritten address: exit 0" 0 classify --explain "$orig"
ta_contains "...names the original recipient, the one suppressed" "$ta_out" \
	"  original recipient: original@dest.example.com (the one checked and suppressed)"
ta_fb "classify --json of a rewritten address: exit 0" 0 classify --json "$orig"
ta_contains "...carries original_recipient" "$ta_out" '"recipient":"final@dest.example.com","original_recipient":"original@dest.example.com"'

ta_fb "the built-in rules name themselves" 0 classify --explain "$fx/o365-block.eml"
ta_contains "...block, by a built-in rule" "$ta_out" "someone@outlook.com 5.7.606 block (blocked)
  decided by built-in bounce-rules.conf:"

cat >"$TB_DIR/rules.conf" <<'R'
# my own rules
# source: our helpdesk
text=/banned sending ip/ => policy
# source: RFC 3463
status=5.2.2 => mailbox-full
R
ta_fb "a rules file of one's own (-r)" 0 -r "$TB_DIR/rules.conf" classify --explain "$fx/o365-block.eml" "$fx/gmail-full.eml" "$fx/postfix-delayed.eml"
ta_eq "each recipient: reason, category, rule file:line and source, text" "$ta_out" \
"$fx/o365-block.eml: someone@outlook.com 5.7.606 block (policy)
  decided by $TB_DIR/rules.conf:3 (source: our helpdesk)
  text: 550 5.7.606 Access denied, banned sending IP [192.0.2.10].
$fx/gmail-full.eml: fullbox@gmail.com 5.2.2 soft (mailbox-full)
  decided by $TB_DIR/rules.conf:5 (source: RFC 3463)
  text: 552-5.2.2 The email account that you tried to reach is over quota. Please direct the recipient to 552 5.2.2  https://support.google.com/mail/?p=OverQuotaPerm
$fx/postfix-delayed.eml: slow@dest.example 4.4.1 soft (on-hold)
  decided by delayed, no rule matched
  text: connect to mx.dest.example[192.0.2.5]:25: Connection timed out"

ta_fb "--json --explain" 0 -r "$TB_DIR/rules.conf" classify --json --explain "$fx/o365-block.eml"
ta_eq "...one object with the rule, its source and the text" "$ta_out" \
	"{\"file\":\"$fx/o365-block.eml\",\"recipient\":\"someone@outlook.com\",\"status\":\"5.7.606\",\"category\":\"block\",\"reason\":\"policy\",\"rule\":\"$TB_DIR/rules.conf:3\",\"source\":\"our helpdesk\",\"text\":\"550 5.7.606 Access denied, banned sending IP [192.0.2.10].\"}"
ta_fb "--json alone: no rule fields" 0 classify --json "$fx/not-a-bounce.eml"
ta_eq "...a message that is none: not-bounce" "$ta_out" \
	"{\"file\":\"$fx/not-a-bounce.eml\",\"recipient\":null,\"status\":\"\",\"category\":\"none\",\"reason\":\"not-bounce\"}"

printf 'status=5.1.1 => hard\n' >"$TB_DIR/old.conf"
ta_fb "a rules file in the old form (a category after =>): refused" 1 -r "$TB_DIR/old.conf" classify "$fx/domino.eml"
ta_contains "...saying what a rule names now" "$ta_err" \
	"$TB_DIR/old.conf:1: \"hard\" is a category: a rule names a reason, and the reason its category (user-unknown, mailbox-full, spam-content, ...: tenant-feedback(1))"
ta_eq "...and nothing is printed" "$ta_out" ""
ta_finish
