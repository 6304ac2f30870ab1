#!/bin/bash
# Debian's own layout, as a new admin gets it: the package built from the
# release tarball (lintian-clean), installed with dpkg; Debian's Postfix
# configured by its own postinst as "Internet Site" (Debian's main.cf and
# master.cf, smtpd, cleanup, trivial-rewrite and smtp chrooted), started by
# its init script; our daemons started from their systemd units' own
# ExecStartPre/ExecStart lines (or systemctl where systemd runs); the lines
# "tenantctl postfix-config" prints pasted in as they are. The only changes
# to Debian's configuration are the test overrides every test bed makes:
# loopback only, no DNS, a log file (there is no syslog daemon here).
#
# Two tenants on their own networks and transports; VERP on; mail over SMTP
# and from sendmail(1), to a recipient domain (an address literal: the
# "recipient domain" next hop without DNS), through a relayhost, and to a
# mailbox in a local domain. Then the package is purged and the machine's
# Postfix configuration put back as it was.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
# make check's own command-line variables (TEST_LOGS, ...) reach this test
# through MAKEFLAGS; the makes below are new top-level ones
unset MAKEFLAGS MFLAGS MAKELEVEL
ta_need_root
for cmd in dpkg-buildpackage lintian dh systemd-analyze; do
	command -v "$cmd" >/dev/null || { echo "# $cmd missing; run tests/run, which installs it"; exit 99; }
done
[ -x /etc/init.d/postfix ] || [ -d /run/systemd/system ] || ta_skip "Debian's Postfix package (its init script) is not installed"
if dpkg-query -W -f='${Status}' tenant-milter 2>/dev/null | grep -q installed; then
	ta_skip "a tenant-milter package is installed on this machine; this test installs and purges its own"
fi
tb_init e2e-debian
VERIFY="$top_srcdir/tests/lib/dkim_verify.py"
SAVE="$TB_DIR/saved"
MX=127.0.0.60 # the recipient domain's MX: a second smtp-sink on port 25 of its own address
mkdir -p "$SAVE" "$TB_DIR/mx" "$TB_DIR/smarthost"

# ---- the machine's state, put back at the end (also when the test dies) ----
tar -C /etc -cpf "$SAVE/postfix.tar" postfix
debconf-get-selections 2>/dev/null | grep '^postfix[[:space:]]' >"$SAVE/debconf" || true
[ -f /etc/mailname ] && cp -p /etc/mailname "$SAVE/mailname"
postfix_was_running=$(postfix status >/dev/null 2>&1 && echo yes)

restore() {
	[ -n "${restored:-}" ] && return 0
	restored=1
	stop_daemons
	/etc/init.d/postfix stop >/dev/null 2>&1 || postfix stop >/dev/null 2>&1
	postfix abort >/dev/null 2>&1
	dpkg -P tenant-milter >/dev/null 2>&1
	userdel tmlocal >/dev/null 2>&1
	rm -f /var/mail/tmlocal
	rm -rf /etc/postfix && tar -C /etc -xpf "$SAVE/postfix.tar"
	[ -s "$SAVE/debconf" ] && debconf-set-selections <"$SAVE/debconf"
	if [ -f "$SAVE/mailname" ]; then cp -p "$SAVE/mailname" /etc/mailname; fi
	postsuper -d ALL >/dev/null 2>&1
	tb_stop_pid "$TB_DIR/mx.pid" smtp-sink
	tb_stop_pid "$TB_DIR/smarthost.pid" smtp-sink
	[ -n "$postfix_was_running" ] && postfix start >/dev/null 2>&1
	tb_stop_all
}
trap 'restore' EXIT

# unit_lines UNIT KEY - the values of KEY= in an installed unit
unit_lines() { sed -n "s/^$2=//p" "/lib/systemd/system/$1.service"; }

# start_unit NAME - as systemd would: RuntimeDirectory, ExecStartPre, ExecStart (forking), PIDFile
start_unit() {
	local u=$1 line pidf
	if [ -d /run/systemd/system ]; then
		ta_run "systemctl start $u" 0 systemctl start "$u"
		return
	fi
	for d in $(unit_lines "$u" RuntimeDirectory); do install -d -m 0755 "/run/$d"; done
	while IFS= read -r line; do
		ta_run "$u: ExecStartPre ($line)" 0 sh -c "$line" || { printf '%s\n' "$ta_err" | tail -5; }
	done < <(unit_lines "$u" ExecStartPre)
	line=$(unit_lines "$u" ExecStart)
	ta_run "$u: ExecStart ($line) forks and returns" 0 sh -c "$line"
	pidf=$(unit_lines "$u" PIDFile)
	for _ in $(seq 1 50); do [ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null && break; sleep 0.1; done
	ta_eq "$u: its PIDFile names a running process" "$(kill -0 "$(cat "$pidf" 2>/dev/null)" 2>/dev/null && echo running)" running
}
stop_daemons() {
	local u pidf
	for u in tenant-milter tenant-policyd; do
		if [ -d /run/systemd/system ]; then systemctl stop "$u" >/dev/null 2>&1; continue; fi
		pidf=$(unit_lines "$u" PIDFile 2>/dev/null)
		[ -n "$pidf" ] && [ -s "$pidf" ] && kill -TERM "$(cat "$pidf")" 2>/dev/null
	done
	for _ in $(seq 1 50); do pgrep -x 'tenant-milter|tenant-policyd' >/dev/null || break; sleep 0.1; done
	return 0
}
ctl() { /usr/bin/tenantctl "$@"; }

# ---- the package ------------------------------------------------------------
tb_dist || { echo "cannot make the release tarball"; exit 99; }
mkdir -p "$TB_DIR/pkg" && tar xzf "$TB_DIST" -C "$TB_DIR/pkg"
srcdir=$(echo "$TB_DIR"/pkg/tenant-milter-*/)
ta_run "dpkg-buildpackage -us -uc -b (nocheck: the suite runs once, here)" 0 \
	env DEB_BUILD_OPTIONS=nocheck sh -c "cd '$srcdir' && dpkg-buildpackage -us -uc -b"
deb=$(ls "$TB_DIR"/pkg/tenant-milter_*_*.deb 2>/dev/null | head -1)
ta_eq "the package was built" "$([ -f "$deb" ] && echo yes)" yes
ta_run "lintian (default level) finds no error or warning" 0 lintian --fail-on error,warning "$deb"
ta_eq "... and prints no tag at all" "$(grep -E '^[EWI]: ' <<<"$ta_out")" ""
ta_contains "the package holds the feedback unit" "$(dpkg-deb -c "$deb")" "./lib/systemd/system/tenant-feedback.service"
ta_eq "its configuration files are conffiles" "$(dpkg-deb -f "$deb" Package >/dev/null; dpkg-deb --ctrl-tarfile "$deb" | tar xO ./conffiles | sort | tr '\n' ' ')" \
	"/etc/tenant-milter/bounce-rules.conf /etc/tenant-milter/providers.conf /etc/tenant-milter/tenant-milter.conf "

# ---- Debian's Postfix, as postinst writes it for "Internet Site" -------------
/etc/init.d/postfix stop >/dev/null 2>&1
rm -f /etc/postfix/main.cf /etc/postfix/master.cf
debconf-set-selections <<'SEL'
postfix postfix/main_mailer_type select Internet Site
postfix postfix/mailname string relay.test
postfix postfix/destinations string $myhostname, relay.test, localhost.localdomain, localhost
SEL
echo relay.test >/etc/mailname
ta_run "dpkg-reconfigure postfix (Internet Site)" 0 env DEBIAN_FRONTEND=noninteractive dpkg-reconfigure -f noninteractive postfix
for s in smtp/inet cleanup/unix rewrite/unix smtp/unix; do
	ta_eq "Debian's master.cf chroots $s" "$(postconf -M "$s" | awk '{ print $5 }')" y
done
ta_eq "Debian's main.cf: no relayhost yet" "$(postconf -h relayhost)" ""
ta_contains "Debian's main.cf: relay.test is a local domain" "$(postconf -h mydestination)" "relay.test"
# the test overrides (loopback, DNS off, a log file: no syslog daemon here)
postconf -e inet_interfaces=loopback-only inet_protocols=ipv4 smtpd_peername_lookup=no \
	disable_dns_lookups=yes smtp_dns_support_level=disabled "maillog_file=$TB_DIR/maillog"
ta_eq "nothing listens on 127.0.0.1:25 before Postfix starts" "$( (exec 3<>/dev/tcp/127.0.0.1/25) 2>/dev/null && echo busy)" ""

# ---- our package -----------------------------------------------------------
ta_run "dpkg -i the package" 0 dpkg -i "$deb"
ta_eq "postinst made the system user" "$(getent passwd tenant-milter | cut -d: -f7)" /usr/sbin/nologin
ta_contains "postinst added postfix to its group" " $(id -Gn postfix) " " tenant-milter "
ta_eq "postinst made the socket directory in Postfix's queue directory" \
	"$(stat -c '%U:%G %a' /var/spool/postfix/tenant-milter 2>/dev/null)" "tenant-milter:tenant-milter 750"
ta_contains "the installed milter unit starts /usr/sbin/tenant-milter" "$(unit_lines tenant-milter ExecStart)" /usr/sbin/tenant-milter
ta_run "the daemons' configuration check passes on the shipped file" 0 /usr/sbin/tenant-milter -n
ta_run "systemd-analyze verify: the four units" 0 systemd-analyze verify --man=no \
	/lib/systemd/system/tenant-milter.service /lib/systemd/system/tenant-policyd.service \
	/lib/systemd/system/tenant-httpd.service /lib/systemd/system/tenant-feedback.service
ta_eq "... with nothing to say" "$ta_out$ta_err" ""

tb_redis_start || exit 99
conf=/etc/tenant-milter/tenant-milter.conf
cat >>"$conf" <<CONF
# ---- e2e-debian: what the admin sets
redis_server = 127.0.0.1:$TB_REDIS_PORT
return_path_domain = rp.relay.test
log_level = info
CONF
ta_run "tenantctl unsubscribe-key generate" 0 ctl unsubscribe-key generate
for t in acme:127.0.0.2:127.0.0.20 beta:127.0.0.3:127.0.0.30; do
	IFS=: read -r n net ip <<<"$t"
	ta_run "tenant $n: added" 0 sh -c "/usr/bin/tenantctl tenant add $n && /usr/bin/tenantctl domain add $n $n.example &&
		/usr/bin/tenantctl identity add $n --network $net/32 && /usr/bin/tenantctl transport add out-$n --ip $ip --helo $n-out.relay.test &&
		/usr/bin/tenantctl pool add p-$n out-$n && /usr/bin/tenantctl pool assign $n p-$n"
	ta_run "tenant $n: DKIM key" 0 ctl dkim generate "$n" "$n.example" --selector s1
	printf '%s\n' "$ta_out" | grep '_domainkey' | grep -o '"[^"]*"' | tr -d '"\n' >"$TB_DIR/$n.txt"
done
ta_eq "the DKIM keys belong to the service user" "$(stat -c %U /etc/tenant-milter/dkim/acme.example.s1.key 2>/dev/null)" tenant-milter

start_unit tenant-milter
start_unit tenant-policyd
ta_eq "the milter runs as tenant-milter" "$(ps -o user= -p "$(cat /run/tenant-milter/tenant-milter.pid)" | tr -d ' ')" tenant-milter
ta_eq "its socket is in the chroot, for the group" "$(stat -c '%U:%G %a' /var/spool/postfix/tenant-milter/milter.sock 2>/dev/null)" "tenant-milter:tenant-milter 660"

# ---- paste what postfix-config prints, start Postfix as Debian does ------------
ta_run "tenantctl postfix-config reads the running layout" 0 ctl postfix-config
cfg=$ta_out
printf '%s\n' "$cfg" >"$TB_DIR/postfix-config.out"
ta_contains "it names the milter relative to the chroot" "$cfg" "smtpd_milters = unix:tenant-milter/milter.sock"
ta_lacks "it warns about nothing on Debian's layout" "$ta_err" "warning"
sed -n '/^# ---- master.cf/,/^# ---- main.cf/p' <<<"$cfg" | grep -v '^# ----' >>/etc/postfix/master.cf
sed -n '/^# ---- main.cf/,$p' <<<"$cfg" | grep -v '^#' | grep . >>/etc/postfix/main.cf
ta_run "postfix check accepts the pasted lines" 0 postfix check
ta_eq "postfix check prints no warning" "$ta_err" ""
for s in smtp/inet cleanup/unix smtp/unix out-acme/unix out-beta/unix; do
	ta_eq "chrooted after the paste (the tenant transports as Debian's smtp): $s" "$(postconf -M "$s" | awk '{ print $5 }')" y
done
if [ -d /run/systemd/system ]; then
	ta_run "systemctl start postfix" 0 systemctl restart postfix
else
	ta_run "/etc/init.d/postfix start" 0 /etc/init.d/postfix start
fi
tb_wait_port 25 || exit 99

# sinks: the recipient domain's MX ($MX:25), and a smarthost for the relayhost case
sink() {
	chown postfix "$TB_DIR/$1"
	smtp-sink -u postfix -R "$TB_DIR/$1" -d "%Y%m%d%H%M%S." -h "$1.test" "$2" 64 </dev/null >"$TB_DIR/$1.log" 2>&1 &
	echo $! >"$TB_DIR/$1.pid"
}
SMART=$(tb_free_port)
sink mx "$MX:25"
sink smarthost "127.0.0.1:$SMART"
tb_wait_port "$SMART" || exit 99
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/$MX/25") 2>/dev/null && break; sleep 0.1; done

send() { # ADDR FROM TO SUBJECT
	swaks --server 127.0.0.1 --port 25 --local-interface "$1" --helo client.test --timeout 30 --hide-informational \
		--from "$2" --to "$3" --header "From: <$2>" --header "Subject: $4" --body "hello from $2" 2>&1
}
# delivered DIR SUBJECT - the file that sink got, waiting up to 20 s
delivered() {
	local f
	for _ in $(seq 1 200); do
		f=$(grep -l -- "^Subject: $2\$" $(find "$TB_DIR/$1" -type f) 2>/dev/null | head -1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.1
	done
	return 1
}
# check_out DIR SUBJECT TENANT IP - tagged, signed (dkimpy), from the tenant's address and HELO, VERP sender
check_out() {
	local f what="$2"
	f=$(delivered "$1" "$2")
	[ -n "$f" ] || { ta_fail "$what: delivered to $1" "$(tail -15 "$TB_DIR/maillog")"; return; }
	ta_ok "$what: delivered to $1"
	ta_eq "$what: tagged" "$(sed -n 's/^X-Tenant: //p' "$f")" "$3"
	ta_eq "$what: from $3's source address" "$(sed -n 's/^X-Client-Addr: //p' "$f")" "$4"
	ta_eq "$what: with $3's HELO" "$(sed -n 's/^X-Helo-Args: //p' "$f")" "$3-out.relay.test"
	ta_contains "$what: VERP return path" "$(sed -n 's/^X-Mail-Args: //p' "$f")" "@rp.relay.test>"
	ta_run "$what: DKIM d=$3.example verified by dkimpy" 0 /usr/bin/python3 "$VERIFY" "$TB_DIR/$3.txt" "$f"
}

# without a relayhost: the recipient domain is the next hop
out=$(send 127.0.0.2 news@acme.example "u1@[$MX]" "acme direct")
ta_contains "acme over SMTP: accepted" "$out" "250 2.0.0 Ok: queued"
out=$(send 127.0.0.3 news@beta.example "u2@[$MX]" "beta direct")
ta_contains "beta over SMTP: accepted" "$out" "250 2.0.0 Ok: queued"
check_out mx "acme direct" acme 127.0.0.20
check_out mx "beta direct" beta 127.0.0.30
printf 'From: <news@acme.example>\nSubject: acme local\n\nhello\n' | sendmail -f news@acme.example "l1@[$MX]"
ta_eq "acme through sendmail(1): accepted" "$?" 0
check_out mx "acme local" acme 127.0.0.20
out=$(send 127.0.0.3 other@acme.example "u3@[$MX]" "beta forged")
ta_contains "beta with acme's domain: refused with the reason" "$out" "550 5.7.1"

# a mailbox in a local domain: delivered by local(8), tagged and signed, not sent out
useradd -M -s /usr/sbin/nologin tmlocal 2>/dev/null
out=$(send 127.0.0.2 news@acme.example tmlocal@relay.test "acme to a local mailbox")
ta_contains "acme to a local mailbox: accepted" "$out" "250 2.0.0 Ok: queued"
for _ in $(seq 1 100); do grep -q '^Subject: acme to a local mailbox$' /var/mail/tmlocal 2>/dev/null && break; sleep 0.1; done
ta_contains "delivered to the local mailbox" "$(cat /var/mail/tmlocal 2>/dev/null)" "Subject: acme to a local mailbox"
ta_contains "... tagged" "$(cat /var/mail/tmlocal 2>/dev/null)" "X-Tenant: acme"
ta_contains "... by local(8), as Postfix does without us" "$(cat "$TB_DIR/maillog")" "to=<tmlocal@relay.test>, relay=local"
ta_eq "... and not sent out" "$(grep -l 'acme to a local mailbox' $(find "$TB_DIR/mx" "$TB_DIR/smarthost" -type f) 2>/dev/null)" ""

# through a relayhost: each tenant's own transport and address, to the smarthost
postconf -e "relayhost = [127.0.0.1]:$SMART"
ta_run "postfix reload" 0 postfix reload
sleep 1
out=$(send 127.0.0.2 news@acme.example "r1@dest.example" "acme smarthost")
ta_contains "acme behind a relayhost: accepted" "$out" "250 2.0.0 Ok: queued"
out=$(send 127.0.0.3 news@beta.example "r2@dest.example" "beta smarthost")
ta_contains "beta behind a relayhost: accepted" "$out" "250 2.0.0 Ok: queued"
printf 'From: <news@beta.example>\nSubject: beta local smarthost\n\nhello\n' | sendmail -f news@beta.example r3@dest.example
check_out smarthost "acme smarthost" acme 127.0.0.20
check_out smarthost "beta smarthost" beta 127.0.0.30
check_out smarthost "beta local smarthost" beta 127.0.0.30
ta_eq "Postfix's chrooted daemons reported no milter or map error" \
	"$(grep -E 'warning: .*(milter|socketmap|tenant-milter)' "$TB_DIR/maillog" | head -3)" ""

# ---- purge ------------------------------------------------------------------
stop_daemons
/etc/init.d/postfix stop >/dev/null 2>&1
ta_run "dpkg -P tenant-milter" 0 dpkg -P tenant-milter
ta_eq "purge removes /etc/tenant-milter (keys too)" "$([ -e /etc/tenant-milter ] && echo left)" ""
ta_eq "purge removes the socket directory" "$([ -e /var/spool/postfix/tenant-milter ] && echo left)" ""
ta_lacks "purge takes postfix out of the group" " $(id -Gn postfix) " " tenant-milter "
ta_eq "no file of the package is left" "$(ls /usr/sbin/tenant-milter /usr/bin/tenantctl /lib/systemd/system/tenant-milter.service 2>/dev/null)" ""
restore
ta_finish
