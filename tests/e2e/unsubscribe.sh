#!/bin/bash
# One-click unsubscribe end to end: a bulk message leaves with its
# List-Unsubscribe URL; tenant-httpd's GET page changes nothing; POSTing the
# URL suppresses the recipient for that tenant only, so the next message is
# refused at RCPT while another tenant still reaches the address; the mailto
# URI does the same through a real Postfix pipe(8) transport. Forged,
# retired-key, oversized and malformed requests each get their answer, and
# headless Chromium renders the page, whose form posts to the same URL.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
ta_need_root
ta_setup e2e-unsub
FB="$top_builddir/feedback/tenant-feedback"
today=$(date -u +%F)
cat >>"$TB_CONF" <<CONF
unsubscribe_url_host = unsub.relay.test
unsubscribe_mailto_domain = unsub.relay.test
CONF
tb_ctl domain add acme news.acme.example --stream bulk >/dev/null
tb_ctl unsubscribe-key generate >/dev/null
# the pipe transport's user (nobody: pipe(8) never runs as the mail owner) reads the
# keys; tenant-httpd runs as that user too, so it can read them again on SIGHUP
keys_to_nobody() { chown nobody "$TB_DIR/token.keys"; }
# httpd_reload - SIGHUP tenant-httpd and wait for its "reload: N token key(s)" line (5 s)
httpd_reload() {
	local n
	n=$(grep -c 'reload: [0-9]* token key(s)' "$TB_DIR/httpd.log")
	kill -HUP "$(cat "$TB_DIR/httpd.fg.pid")"
	for _ in $(seq 1 50); do
		[ "$(grep -c 'reload: [0-9]* token key(s)' "$TB_DIR/httpd.log")" -gt "$n" ] && return 0
		sleep 0.1
	done
	tb_log "tenant-httpd did not log its reload"
	return 1
}
keys_to_nobody
ta_milter_restart
tb_httpd_start -o run_as_user=nobody || exit 99
U="http://127.0.0.1:$TB_HTTP_PORT"

# tenant-httpd binds as root, drops to run_as_user, and only then starts
# libmicrohttpd's threads. The port answers before the threads exist, so wait for them.
hpid=$(cat "$TB_DIR/httpd.fg.pid")
for _ in $(seq 1 50); do [ "$(ls /proc/"$hpid"/task 2>/dev/null | wc -l)" -gt 1 ] && break; sleep 0.1; done
ta_eq "tenant-httpd runs its pool's threads" "$([ "$(ls /proc/"$hpid"/task | wc -l)" -gt 1 ] && echo yes)" yes
nob=$(id -u nobody)
ta_eq "every tenant-httpd thread has run_as_user's uid (real, effective, saved, fs)" \
	"$(cat /proc/"$hpid"/task/*/status | awk '/^Uid:/ {print $2, $3, $4, $5}' | sort -u)" "$nob $nob $nob $nob"
# glibc's setuid() changes every thread, so the uids alone cannot show a thread that
# served as root before the drop; the order of the system calls does.
if command -v strace >/dev/null; then
	sport=$(tb_free_port)
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=setuid,clone,clone3 -o "$TB_DIR/httpd.strace" \
		"$TB_HTTPD" -f -c "$TB_CONF" -o "httpd_listen=inet:$sport@127.0.0.1" \
		-o "httpd_pid_file=$TB_DIR/run/tenant-httpd-strace.pid" -o run_as_user=nobody \
		</dev/null >>"$TB_DIR/httpd.log" 2>&1 &
	spid=$!
	tb_wait_port "$sport"
	for _ in $(seq 1 50); do grep -q 'clone' "$TB_DIR/httpd.strace" 2>/dev/null && break; sleep 0.1; done
	kill -TERM "$(pgrep -P "$spid")"
	wait "$spid"
	drop=$(grep -n -m1 -E 'setuid\([1-9][0-9]*\) += 0' "$TB_DIR/httpd.strace" | cut -d: -f1)
	thread=$(grep -n -m1 -E 'clone3?\(' "$TB_DIR/httpd.strace" | cut -d: -f1)
	ta_eq "tenant-httpd drops privileges before it starts its first thread" \
		"$([ -n "$drop" ] && [ -n "$thread" ] && [ "$drop" -lt "$thread" ] && echo yes)" yes
else
	ta_skip_checks 1 "strace is missing (contrib/debian-packages lists it), so the drop's order against thread start is unchecked"
fi

bulk=(--from news@news.acme.example --header 'From: <news@news.acme.example>')
ta_send_as_acme "${bulk[@]}" --to fan@dest.example --header 'Subject: issue 1' >/dev/null
ta_send_as_acme "${bulk[@]}" --to fan2@dest.example --header 'Subject: issue 1b' >/dev/null
ta_send_as_acme "${bulk[@]}" --to mailer@dest.example --header 'Subject: issue 1c' >/dev/null
tb_wait_sink 3
url_of() { grep -i '^List-Unsubscribe:' "$(tb_sink_grep "Subject: $1\$" | head -1)" | sed 's/.*<https:\/\/unsub.relay.test\(\/u\/[^>]*\)>.*/\1/'; }
mailto_of() { grep -i '^List-Unsubscribe:' "$(tb_sink_grep "Subject: $1\$" | head -1)" | sed 's/.*<mailto:\([^>]*\)>.*/\1/'; }
path=$(url_of 'issue 1')
ta_contains "the message carries a /u/TOKEN URL" "$path" "/u/"

out=$(curl -s --max-time 20 -i "$U$path")
ta_contains "GET: 200" "$out" "HTTP/1.1 200"
ta_contains "GET: names the sender" "$out" '<span class="who">acme</span>'
ta_contains "GET: masks the address" "$out" 'f***n@dest.example'
ta_contains "GET: one button that POSTs to the same URL" "$out" "<form method=\"post\" action=\"$path\">"
ta_lacks "no cookies" "$out" "Set-Cookie"
ta_eq "GET changed nothing" "$(tb_redis hget '{t:acme}:supp' fan@dest.example)" ""

out=$(curl -s --max-time 20 -i -X POST -d 'List-Unsubscribe=One-Click' "$U$path")
ta_contains "POST (urlencoded): 200" "$out" "HTTP/1.1 200"
ta_contains "...and says so" "$out" "You are unsubscribed"
ta_lacks "...without a redirect" "$out" "Location:"
ta_eq "the tenant-scoped suppression was written before the answer" "$(tb_redis hget '{t:acme}:supp' fan@dest.example | cut -d'|' -f1)" unsubscribe
ta_contains "...with its source and time" "$(tb_redis hget '{t:acme}:unsub' fan@dest.example)" "one-click|"
ta_eq "dashboard: unsubscribes" "$(tb_redis hget "{t:acme}:fb:$today" unsubscribes)" 1
out=$(curl -s --max-time 20 -i -X POST -d 'List-Unsubscribe=One-Click' "$U$path")
ta_contains "a repeat is answered 200" "$out" "HTTP/1.1 200"
ta_eq "...and counts nothing again (idempotent)" "$(tb_redis hget "{t:acme}:fb:$today" unsubscribes)" 1
out=$(curl -s --max-time 20 -i -F 'List-Unsubscribe=One-Click' "$U$(url_of 'issue 1b')")
ta_contains "POST (multipart/form-data): 200" "$out" "HTTP/1.1 200"
ta_eq "...suppresses its recipient" "$(tb_redis hget '{t:acme}:supp' fan2@dest.example | cut -d'|' -f1)" unsubscribe

out=$(ta_send_as_acme "${bulk[@]}" --to fan@dest.example --header 'Subject: issue 2')
ta_contains "the next message from acme is refused at RCPT with the reason" "$out" "550 5.7.1 <fan@dest.example>: recipient suppressed (unsubscribe, $today)"
out=$(ta_send_as_beta --from b@beta.example --header 'From: <b@beta.example>' --to fan@dest.example --header 'Subject: beta still')
ta_contains "another tenant can still mail the address" "$out" "250 2.0.0 Ok: queued"

# the mailto path: an inbound listener without the milter, and a pipe(8) transport
IN_PORT=$(tb_free_port)
cat >>"$TB_DIR/pf/master.cf" <<MASTER
127.0.0.1:$IN_PORT inet n - n - - smtpd -o smtpd_milters=
unsubscribe unix -      n       n       -       -       pipe
  flags=Rq user=nobody argv=$FB -c $TB_CONF unsubscribe \${original_recipient}
MASTER
postconf -c "$TB_DIR/pf" -e "transport_maps = inline:{ unsub.relay.test=unsubscribe: }"
ta_status "Postfix reloads with the inbound listener and the pipe transport" 0 tb_postfix_reload "$TB_DIR/pf"
tb_wait_port "$IN_PORT"
mt=$(mailto_of 'issue 1c')
ta_contains "the mailto URI is unsubscribe+TOKEN@unsub.relay.test" "$mt" "unsubscribe+"
out=$(swaks --server 127.0.0.1 --port "$IN_PORT" --helo mx.dest.example --from mailer@dest.example --to "$mt" \
	--header 'Subject: unsubscribe' --hide-informational 2>&1)
ta_contains "the unsubscribe mail is accepted" "$out" "250 2.0.0 Ok: queued"
for _ in $(seq 1 100); do [ -n "$(tb_redis hget '{t:acme}:supp' mailer@dest.example)" ] && break; sleep 0.1; done
ta_eq "the mailto path suppresses its recipient" "$(tb_redis hget '{t:acme}:supp' mailer@dest.example | cut -d'|' -f1)" unsubscribe
ta_contains "...recorded as mailto" "$(tb_redis hget '{t:acme}:unsub' mailer@dest.example)" "mailto|"
ta_contains "...delivered through the pipe" "$(cat "$TB_DIR/pf/maillog")" "relay=unsubscribe"
out=$(ta_send_as_acme "${bulk[@]}" --to mailer@dest.example --header 'Subject: issue 3')
ta_contains "...and the next message to it is refused at RCPT" "$out" "550 5.7.1 <mailer@dest.example>: recipient suppressed (unsubscribe"

# hostile requests
tok=${path#/u/}
out=$(curl -s --max-time 20 -i -X POST -d 'List-Unsubscribe=One-Click' "$U/u/AQEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
ta_contains "a forged token: the generic 400 page" "$out" "HTTP/1.1 400"
ta_contains "...that tells nothing" "$out" "This link is not valid"
ta_contains "a truncated token: 400" "$(curl -s --max-time 20 -i "$U/u/${tok:0:20}")" "HTTP/1.1 400"
c=A; [ "${tok:30:1}" = A ] && c=B # a different byte, always
ta_contains "a tampered token: 400" "$(curl -s --max-time 20 -i "$U/u/${tok:0:30}$c${tok:31}")" "HTTP/1.1 400"
ta_contains "garbage: 400" "$(curl -s --max-time 20 -i "$U/u/%00%ff..%2F")" "HTTP/1.1 400"
ta_contains "an overlong token: 404" "$(curl -s --max-time 20 -i "$U/u/$(head -c 2000 /dev/zero | tr '\0' A)")" "HTTP/1.1 404"
ta_contains "an oversized body: 413" "$(head -c 4000 /dev/zero | tr '\0' x | curl -s --max-time 20 -i -X POST --data-binary @- "$U$path")" "HTTP/1.1 413"
ta_contains "a POST without the one-click field: 400" "$(curl -s --max-time 20 -i -X POST -d 'foo=bar' "$U$(url_of 'issue 1c')")" "HTTP/1.1 400"
ta_contains "a method other than GET and POST: 405" "$(curl -s --max-time 20 -i -X DELETE "$U$path")" "HTTP/1.1 405"
ta_contains "any other path: 404" "$(curl -s --max-time 20 -i "$U/admin")" "HTTP/1.1 404"
ta_contains "the reason is logged" "$(cat "$TB_DIR/httpd.log")" "refused token"
# replay after rotation and retirement
tb_ctl unsubscribe-key rotate >/dev/null && keys_to_nobody
ta_status "tenant-httpd reloads the rotated keys on SIGHUP" 0 httpd_reload
ta_contains "after a rotation the old token still opens" "$(curl -s --max-time 20 -i "$U$path")" "HTTP/1.1 200"
tb_ctl unsubscribe-key retire 1 >/dev/null && keys_to_nobody
ta_status "tenant-httpd reloads the keys without the retired one on SIGHUP" 0 httpd_reload
ta_contains "after retirement the replayed token gets 400" "$(curl -s --max-time 20 -i -X POST -d 'List-Unsubscribe=One-Click' "$U$path")" "HTTP/1.1 400"

# the page in a real browser
if command -v chromium >/dev/null; then
	tb_ctl unsubscribe-key rotate >/dev/null && keys_to_nobody # a fresh message with a live key
	ta_milter_restart
	httpd_reload
	ta_send_as_acme "${bulk[@]}" --to reader@dest.example --header 'Subject: issue 4' >/dev/null
	tb_wait_sink 5
	p4=$(url_of 'issue 4')
	dom=$(timeout 60 chromium --headless --no-sandbox --disable-gpu --dump-dom "$U$p4" 2>/dev/null)
	ta_contains "Chromium: the rendered form posts to the same URL" "$dom" "<form method=\"post\" action=\"$p4\">"
	rm -f "$TB_DIR/page.png"
	timeout 60 chromium --headless --no-sandbox --disable-gpu --window-size=800,600 --screenshot="$TB_DIR/page.png" "$U$p4" >/dev/null 2>&1
	ta_eq "Chromium: a screenshot of the page" "$(head -c 8 "$TB_DIR/page.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a
	ta_eq "...and the browser's GETs changed nothing" "$(tb_redis hget '{t:acme}:supp' reader@dest.example)" ""
else
	ta_skip_checks 3 "chromium is missing (contrib/debian-packages lists it), so the page is not rendered in a browser"
fi

# rate limit and health
ta_contains "healthz: 200 with Redis up" "$(curl -s --max-time 20 -i "$U/healthz")" "HTTP/1.1 200"
codes=$(for _ in $(seq 1 70); do curl -s --max-time 20 -o /dev/null -w '%{http_code}\n' "$U$path"; done | sort | uniq -c)
ta_contains "a client over httpd_client_rate (60/min) gets 429" "$codes" "429"
tb_redis_stop
ta_contains "healthz: 503 with Redis down" "$(curl -s --max-time 20 -i "$U/healthz")" "HTTP/1.1 503"
ta_finish
