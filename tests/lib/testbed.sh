# testbed.sh - a private Postfix relay with tenant-milter, a local Redis and smtp-sink.
#
# Sourced by contrib/quickstart and by the integration tests. Everything lives
# under $TB_DIR and listens on loopback only. The Postfix instance has its own
# config directory, queue and log; it makes no DNS lookups (peer names, MX
# and host lookups are all disabled) and relays everything to smtp-sink.
#
# Functions: tb_init NAME, tb_redis_start, tb_redis_stop, tb_milter_start [ARGS],
# tb_milter_stop, tb_sink_start, tb_postfix_start, tb_stop_all, tb_ctl ARGS,
# tb_fb ARGS, tb_redis ARGS, tb_send ARGS (swaks), tb_wait_sink N, tb_sink_files,
# tb_bouncer_start REPLY, tb_dns_start RECORDS_FILE, tb_wait_until SECONDS CMD.
# Every client call has a time limit (redis-cli 20 s, swaks 30 s a step), so a
# hung server fails a check instead of hanging the test.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
TB_MILTER="$top_builddir/milter/tenant-milter"
TB_CTL="$top_builddir/ctl/tenantctl"
TB_HTTPD="$top_builddir/httpd/tenant-httpd"
TB_POLICYD="$top_builddir/policy/tenant-policyd"
TB_FB="$top_builddir/feedback/tenant-feedback"
TB_ROOT="${TB_ROOT:-/var/tmp/tenant-milter}"

tb_log() { printf '%s\n' "$*" >&2; }

# tb_free_port - a TCP port nobody listens on at 127.0.0.1, below Linux's ephemeral
# range (32768-60999), so no outgoing connection of the machine holds it either
tb_free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((10000 + RANDOM % 22000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# tb_wait_port PORT - until something accepts on 127.0.0.1:PORT (10 s)
tb_wait_port() {
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	tb_log "nothing listens on port $1"
	return 1
}

tb_init() {
	TB_NAME="$1"
	TB_DIR="$TB_ROOT/$TB_NAME"
	tb_stop_all 2>/dev/null
	rm -rf "$TB_DIR"
	mkdir -p "$TB_DIR"/{pf,sink,sasl,redis,run}
	chown postfix "$TB_DIR/run"
	chmod 755 "$TB_ROOT" "$TB_DIR"
	TB_CONF="$TB_DIR/tenant-milter.conf"
	TB_REDIS_PORT=$(tb_free_port)
	TB_SMTP_PORT="${TB_SMTP_PORT:-$(tb_free_port)}"
	TB_SINK_PORT=$(tb_free_port)
	TB_MILTER_SOCKET="${TB_MILTER_SOCKET:-unix:$TB_DIR/milter.sock}"
	cat >"$TB_CONF" <<CONF
# written by testbed.sh
milter_socket = $TB_MILTER_SOCKET
redis_server = 127.0.0.1:$TB_REDIS_PORT
run_as_user = postfix
pid_file = $TB_DIR/run/tenant-milter.pid
tenant_refresh_interval = 200ms
tenant_cache_max_age = 2s
provider_map = $top_srcdir/conf/providers.conf
token_keys = $TB_DIR/token.keys
postfix_config_directory = $TB_DIR/pf
CONF
	: >"$TB_DIR/pf/main.cf" # tb_postfix_start writes the real one; SIGHUP makes the milter read it
}

tb_redis_start() {
	redis-server --bind 127.0.0.1 --port "$TB_REDIS_PORT" --save '' --appendonly no \
		--dir "$TB_DIR/redis" --pidfile "$TB_DIR/redis/redis.pid" --daemonize yes \
		--logfile "$TB_DIR/redis/redis.log" >/dev/null
	tb_wait_port "$TB_REDIS_PORT"
}

tb_redis_stop() {
	[ -f "$TB_DIR/redis/redis.pid" ] || return 0
	if [ -n "${TB_REDIS_PORT:-}" ]; then
		timeout 20 redis-cli -p "$TB_REDIS_PORT" shutdown save >/dev/null 2>&1
	else # a Redis left by an earlier run whose port is not known here; never a stranger
		local pid
		pid=$(cat "$TB_DIR/redis/redis.pid" 2>/dev/null)
		[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = redis-server ] &&
			[ "$(readlink "/proc/$pid/cwd")" = "$TB_DIR/redis" ] && kill "$pid" 2>/dev/null
	fi
	for _ in $(seq 1 50); do
		[ -f "$TB_DIR/redis/redis.pid" ] || return 0
		kill -0 "$(cat "$TB_DIR/redis/redis.pid")" 2>/dev/null || { rm -f "$TB_DIR/redis/redis.pid"; return 0; }
		sleep 0.1
	done
}

tb_redis() { timeout 20 redis-cli -p "$TB_REDIS_PORT" "$@"; }
# tb_ctl ARGS, tb_fb ARGS - tenantctl and tenant-feedback with the test bed's
# configuration; the tests check their exit status and stderr with ta_ctl/ta_fb
tb_ctl() { "$TB_CTL" -c "$TB_CONF" "$@"; }
tb_fb() { "$TB_FB" -c "$TB_CONF" "$@"; }

# tb_milter_start [ARGS] - foreground milter in the background; log in $TB_DIR/milter.log
tb_milter_start() {
	local started
	started=$(grep -c "starting: listening on" "$TB_DIR/milter.log" 2>/dev/null)
	ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
		"$TB_MILTER" -f -c "$TB_CONF" "$@" </dev/null >>"$TB_DIR/milter.log" 2>&1 &
	echo $! >"$TB_DIR/milter.fg.pid"
	case "$TB_MILTER_SOCKET" in
	unix:*)
		for _ in $(seq 1 100); do
			[ -S "${TB_MILTER_SOCKET#unix:}" ] && break
			sleep 0.1
		done
		[ -S "${TB_MILTER_SOCKET#unix:}" ] || { tb_log "tenant-milter did not start:"; cat "$TB_DIR/milter.log" >&2; return 1; } ;;
	inet:*) local p=${TB_MILTER_SOCKET#inet:}; tb_wait_port "${p%@*}" || return 1 ;;
	esac
	# the socket comes before the "starting" line, which tests read: wait for it (2 s; a
	# milter at log_level = warning never writes it)
	for _ in $(seq 1 20); do
		[ "$(grep -c "starting: listening on" "$TB_DIR/milter.log" 2>/dev/null)" -gt "${started:-0}" ] && return 0
		sleep 0.1
	done
	return 0
}

# tb_stop_pid FILE NAME - stop the process FILE names, if it is still NAME (a pid
# file left by an earlier run may name a process that is now someone else's)
tb_stop_pid() {
	local pid
	[ -f "$1" ] || return 0
	pid=$(cat "$1" 2>/dev/null)
	rm -f "$1"
	[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	# gone, or a zombie that its parent (init, for a daemon whose starter has exited) has yet to reap
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null && [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 0
		sleep 0.1
	done
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && kill -KILL "$pid" 2>/dev/null
	return 0
}

tb_milter_stop() { tb_stop_pid "$TB_DIR/milter.fg.pid" tenant-milter; }

# What a sanitizer report looks like: ASan, LSan, UBSan (halt_on_error or not)
TB_SANITIZER_RE='ERROR: [A-Za-z]*Sanitizer|SUMMARY: [A-Za-z]*Sanitizer|: runtime error: '

# tb_sanitizer_clean - fail if any log of the test bed (every *.log and *.err
# under $TB_DIR: the daemons', the tools' stderr, Postfix's) holds a sanitizer
# report; print each such file from its first report on
tb_sanitizer_clean() {
	local f bad=0
	[ -n "${TB_DIR:-}" ] && [ -d "$TB_DIR" ] || return 0
	while IFS= read -r -d '' f; do
		if grep -qE "$TB_SANITIZER_RE" "$f" 2>/dev/null; then
			tb_log "sanitizer report in $f:"
			sed -n -E "/$TB_SANITIZER_RE/,\$p" "$f" | head -80 >&2
			bad=1
		fi
	done < <(find "$TB_DIR" -type f \( -name '*.log' -o -name '*.err' \) -print0 2>/dev/null)
	return $bad
}

tb_sink_start() {
	chown postfix "$TB_DIR/sink"
	smtp-sink -u postfix -R "$TB_DIR/sink" -d "%Y%m%d%H%M%S." -h sink.test \
		"127.0.0.1:$TB_SINK_PORT" 256 </dev/null >"$TB_DIR/sink.log" 2>&1 &
	echo $! >"$TB_DIR/sink.pid"
	tb_wait_port "$TB_SINK_PORT"
}

# tb_register_config_dir - the default main.cf must list a private config directory
tb_register_config_dir() {
	local cur
	[ -f /etc/postfix/main.cf ] || touch /etc/postfix/main.cf
	cur=$(postconf -h alternate_config_directories 2>/dev/null)
	case " $cur " in *" $1 "*) return 0 ;; esac
	postconf -e "alternate_config_directories = ${cur:+$cur }$1"
}

# tb_postfix_milter - the milter's address as Postfix writes it (inet:HOST:PORT)
tb_postfix_milter() {
	case "$TB_MILTER_SOCKET" in
	inet:*@*) local a=${TB_MILTER_SOCKET#inet:}; echo "inet:${a#*@}:${a%@*}" ;;
	*) echo "$TB_MILTER_SOCKET" ;;
	esac
}

# tb_master_cf PORT - a master.cf whose smtpd listens on 127.0.0.1:PORT
tb_master_cf() {
	cat <<MASTER
127.0.0.1:$1 inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
MASTER
}

# tb_policyd_start [ARGS] - tenant-policyd in the foreground, sockets in $TB_DIR; log in $TB_DIR/policyd.log
tb_policyd_start() {
	grep -q '^policy_socket' "$TB_CONF" || cat >>"$TB_CONF" <<CONF
policy_socket = unix:$TB_DIR/run/policy.sock
socketmap_socket = unix:$TB_DIR/run/socketmap.sock
policyd_pid_file = $TB_DIR/run/tenant-policyd.pid
CONF
	ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
		"$TB_POLICYD" -f -c "$TB_CONF" "$@" </dev/null >>"$TB_DIR/policyd.log" 2>&1 &
	echo $! >"$TB_DIR/policyd.fg.pid"
	# both sockets are bound together, the socketmap's second
	for _ in $(seq 1 100); do
		[ -S "$TB_DIR/run/socketmap.sock" ] && kill -0 "$(cat "$TB_DIR/policyd.fg.pid")" 2>/dev/null && return 0
		sleep 0.1
	done
	tb_log "tenant-policyd did not start:"; cat "$TB_DIR/policyd.log" >&2; return 1
}

tb_policyd_stop() { tb_stop_pid "$TB_DIR/policyd.fg.pid" tenant-policyd; }

# tb_httpd_start [ARGS] - tenant-httpd in the foreground on $TB_HTTP_PORT; log in $TB_DIR/httpd.log
tb_httpd_start() {
	TB_HTTP_PORT=${TB_HTTP_PORT:-$(tb_free_port)}
	ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" "$TB_HTTPD" -f -c "$TB_CONF" \
		-o "httpd_listen=inet:$TB_HTTP_PORT@127.0.0.1" -o "httpd_pid_file=$TB_DIR/run/tenant-httpd.pid" "$@" \
		</dev/null >>"$TB_DIR/httpd.log" 2>&1 &
	echo $! >"$TB_DIR/httpd.fg.pid"
	tb_wait_port "$TB_HTTP_PORT"
}
tb_httpd_stop() { tb_stop_pid "$TB_DIR/httpd.fg.pid" tenant-httpd; }

# tb_postfix_egress - add what "tenantctl postfix-config" prints to the private Postfix, and reload
tb_postfix_egress() {
	local pf="$TB_DIR/pf" out
	out=$(tb_ctl postfix-config) || return 1
	sed -n '/^# ---- master.cf/,/^# ---- main.cf/p' <<<"$out" | grep -v '^# ----' >>"$pf/master.cf"
	sed -n '/^# ---- main.cf/,$p' <<<"$out" | grep -v '^#' | while IFS= read -r line; do
		[ -n "$line" ] && postconf -c "$pf" -e "$line"
	done
	postfix -c "$pf" check >>"$TB_DIR/postfix-check.log" 2>&1 || { cat "$TB_DIR/postfix-check.log" >&2; return 1; }
	postfix -c "$pf" reload >/dev/null 2>&1
	sleep 1
}

# tb_main_cf DIR HOSTNAME RELAYHOST - the main.cf lines every private instance shares
tb_main_cf() {
	cat <<MAIN
compatibility_level = 3.6
queue_directory = $1/queue
data_directory = $1/data
mail_owner = postfix
setgid_group = postdrop
myhostname = $2
mydomain = test
myorigin = $2
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = $3
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = no
# no DNS traffic leaves this machine
smtpd_peername_lookup = no
disable_dns_lookups = yes
smtp_dns_support_level = disabled
maillog_file = $1/maillog
maillog_file_prefixes = $TB_ROOT
# keep tests quick
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
MAIN
}

# tb_instance_prepare DIR - the queue and data directories of a private instance
tb_instance_prepare() {
	mkdir -p "$1/queue" "$1/data"
	chown postfix "$1/data"
}

# tb_instance_start DIR PORT NAME - master.cf, registration, check and start of an
# instance whose main.cf is written; its smtpd listens on 127.0.0.1:PORT
tb_instance_start() {
	tb_master_cf "$2" >"$1/master.cf"
	tb_register_config_dir "$1"
	postfix -c "$1" check >"$TB_DIR/$3-check.log" 2>&1 || { cat "$TB_DIR/$3-check.log" >&2; return 1; }
	postfix -c "$1" start >>"$TB_DIR/$3-check.log" 2>&1 || { cat "$TB_DIR/$3-check.log" >&2; return 1; }
	tb_wait_port "$2"
}

# tb_receiver_start [ENTRY...] - a second private Postfix as the receiving site: it
# refuses nobody@dest.example with 550 5.1.1 and defers slow@dest.example with
# 451 4.7.0 (check_recipient_access), and passes everything else to the sink. Each
# ENTRY ("ADDRESS = REPLY" or "ADDRESS = RESTRICTION") is one more access entry,
# looked up before those two. Our relay then delivers to it instead of to the sink.
tb_receiver_start() {
	local rx="$TB_DIR/rx" e extra=""
	TB_RX_PORT=$(tb_free_port)
	tb_instance_prepare "$rx"
	for e in "$@"; do extra+="{ $e }, "; done
	{
		tb_main_cf "$rx" mx.dest.test "[127.0.0.1]:$TB_SINK_PORT"
		echo "smtpd_recipient_restrictions = check_recipient_access inline:{ $extra{ nobody@dest.example = 550 5.1.1 User unknown }, { slow@dest.example = 451 4.7.0 Try again later, rate limited } }, permit_mynetworks, reject"
	} >"$rx/main.cf"
	tb_instance_start "$rx" "$TB_RX_PORT" receiver || return 1
	postconf -c "$TB_DIR/pf" -e "relayhost = [127.0.0.1]:$TB_RX_PORT"
	postfix -c "$TB_DIR/pf" reload >/dev/null 2>&1
	sleep 1
}

# tb_upstream_start - a second private Postfix, the "customer's MTA": it
# listens on $TB_UP_PORT, has no milter, and relays everything into ours from
# 127.0.0.2 (acme's network), retrying deferred mail every second or two.
tb_upstream_start() {
	local up="$TB_DIR/up"
	TB_UP_PORT=$(tb_free_port)
	tb_instance_prepare "$up"
	{
		tb_main_cf "$up" upstream.test "[127.0.0.1]:$TB_SMTP_PORT"
		echo "smtp_bind_address = 127.0.0.2"
		echo "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination"
	} >"$up/main.cf"
	tb_instance_start "$up" "$TB_UP_PORT" upstream
}

tb_postfix_start() {
	local pf="$TB_DIR/pf"
	tb_instance_prepare "$pf"
	tb_dovecot_start || return 1
	{
		tb_main_cf "$pf" relay.test "[127.0.0.1]:$TB_SINK_PORT"
		cat <<MAIN
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $TB_DIR/sasl/auth
smtpd_sasl_security_options = noanonymous
# tenant-milter, as the README tells an administrator to add it
smtpd_milters = $(tb_postfix_milter)
non_smtpd_milters = \$smtpd_milters
milter_default_action = tempfail
MAIN
	} >"$pf/main.cf"
	tb_instance_start "$pf" "$TB_SMTP_PORT" postfix
}

# tb_dovecot_start - Dovecot's auth service alone, as the private smtpd's SASL back end
tb_dovecot_start() {
	local d="$TB_DIR/sasl"
	mkdir -p "$d/run" "$d/state"
	: >"$d/users"
	cat >"$d/dovecot.conf" <<DOVECOT
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
protocols = none
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/users
}
userdb {
  driver = static
  args = uid=postfix gid=postfix home=/nonexistent
}
service auth {
  unix_listener $d/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service anvil {
  chroot =
}
DOVECOT
	dovecot -c "$d/dovecot.conf" </dev/null >/dev/null 2>&1 || { cat "$d/dovecot.log" >&2; return 1; }
	for _ in $(seq 1 50); do [ -S "$d/auth" ] && return 0; sleep 0.1; done
	tb_log "dovecot auth did not start"; cat "$d/dovecot.log" >&2; return 1
}

# tb_sasl_user LOGIN PASSWORD - a login for the private smtpd
tb_sasl_user() {
	echo "$1:{PLAIN}$2" >>"$TB_DIR/sasl/users"
}

tb_postfix_stop() {
	[ -f "$TB_DIR/pf/main.cf" ] || return 0
	postfix -c "$TB_DIR/pf" stop >/dev/null 2>&1 || true
	postfix -c "$TB_DIR/pf" abort >/dev/null 2>&1 || true
}

# tb_bouncer_start REPLY - a second smtp-sink on $TB_BOUNCER_PORT that answers every
# RCPT with REPLY (a receiving site that knows none of its users)
tb_bouncer_start() {
	TB_BOUNCER_PORT=$(tb_free_port)
	smtp-sink -u postfix -f RCPT -B "$1" -h mx.bouncer.test "127.0.0.1:$TB_BOUNCER_PORT" 256 \
		</dev/null >"$TB_DIR/bouncer.log" 2>&1 &
	echo $! >"$TB_DIR/bouncer.pid"
	tb_wait_port "$TB_BOUNCER_PORT"
}

# tb_dnsmasq_head PORT ADDRESS LOG - the start of a dnsmasq.conf that answers only
# what follows it: on ADDRESS:PORT, forwarding nowhere, reading no /etc/hosts or
# resolv.conf, each query logged to LOG
tb_dnsmasq_head() {
	printf '%s\n' "port=$1" "listen-address=$2" bind-interfaces no-resolv no-hosts no-poll user=nobody \
		pid-file= log-queries "log-facility=$3"
}

# tb_dns_start RECORDS_FILE - dnsmasq on 127.0.0.1:$TB_DNS_PORT (UDP and TCP), answering
# the TXT records of RECORDS_FILE, zone-file lines as tenantctl dkim generate prints them
# (NAME. IN TXT ( "..." "..." )), and nothing else; it forwards nowhere and reads no
# /etc/hosts or resolv.conf. Each query is logged in $TB_DIR/dns/dnsmasq.log.
tb_dns_start() {
	local d="$TB_DIR/dns"
	mkdir -p "$d"
	TB_DNS_PORT=$(tb_free_port)
	{
		tb_dnsmasq_head "$TB_DNS_PORT" 127.0.0.1 "$d/dnsmasq.log"
		sed -n -E 's/^([^ ]+)\.[[:space:]]+IN[[:space:]]+TXT[[:space:]]+\([[:space:]]*(.*[^[:space:]])[[:space:]]*\)[[:space:]]*$/txt-record=\1,\2/p' "$1" |
			sed -E 's/"[[:space:]]+"/","/g'
	} >"$d/dnsmasq.conf"
	grep -q '^txt-record=' "$d/dnsmasq.conf" || { tb_log "tb_dns_start: no TXT record in $1"; return 1; }
	: >"$d/dnsmasq.log"
	chown nobody "$d/dnsmasq.log"
	dnsmasq --keep-in-foreground --conf-file="$d/dnsmasq.conf" </dev/null >"$d/dnsmasq.err" 2>&1 &
	echo $! >"$d/dnsmasq.fg.pid"
	tb_wait_port "$TB_DNS_PORT" || { cat "$d/dnsmasq.err" >&2; return 1; }
}

tb_stop_all() {
	[ -n "$TB_DIR" ] || return 0
	[ -f "$TB_DIR/up/main.cf" ] && postfix -c "$TB_DIR/up" stop >/dev/null 2>&1
	[ -f "$TB_DIR/rx/main.cf" ] && postfix -c "$TB_DIR/rx" stop >/dev/null 2>&1
	tb_postfix_stop
	[ -f "$TB_DIR/sasl/dovecot.conf" ] && doveadm -c "$TB_DIR/sasl/dovecot.conf" stop >/dev/null 2>&1
	tb_milter_stop
	tb_policyd_stop
	tb_httpd_stop
	tb_stop_pid "$TB_DIR/sink.pid" smtp-sink
	tb_stop_pid "$TB_DIR/bouncer.pid" smtp-sink
	tb_stop_pid "$TB_DIR/dns/dnsmasq.fg.pid" dnsmasq
	tb_redis_stop
	return 0
}

# tb_send ARGS - one SMTP transaction with swaks; prints the whole dialogue
tb_send() {
	swaks --server 127.0.0.1 --port "$TB_SMTP_PORT" --helo client.test --timeout 30 \
		--hide-informational "$@" 2>&1
}

# tb_sink_files - delivered messages, oldest first
tb_sink_files() { find "$TB_DIR/sink" -type f | sort; }

# tb_wait_sink N - until N messages were delivered (20 s)
tb_wait_sink() {
	for _ in $(seq 1 200); do
		[ "$(tb_sink_files | wc -l)" -ge "$1" ] && return 0
		sleep 0.1
	done
	tb_log "expected $1 delivered messages, have $(tb_sink_files | wc -l)"
	return 1
}

# tb_wait_until SECONDS CMD... - until CMD succeeds (its output discarded), tried every 0.1 s
tb_wait_until() {
	local n=$(($1 * 10))
	shift
	for _ in $(seq 1 "$n"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# tb_sink_grep PATTERN - the delivered files that contain PATTERN
tb_sink_grep() { grep -l -- "$1" $(tb_sink_files) 2>/dev/null; }

# tb_postfix_reload DIR - reload an instance and wait until it has: master logged
# the reload and every process of the old generation has exited (10 s)
tb_postfix_reload() {
	local master old n
	master=$(tr -d ' ' <"$1/queue/pid/master.pid" 2>/dev/null)
	old=$(pgrep -P "${master:-0}")
	n=$(grep -c 'postfix/master\[[0-9]*\]: reload -- ' "$1/maillog" 2>/dev/null)
	postfix -c "$1" reload >/dev/null 2>&1 || return 1
	for _ in $(seq 1 100); do
		[ "$(grep -c 'postfix/master\[[0-9]*\]: reload -- ' "$1/maillog")" -gt "${n:-0}" ] && break
		sleep 0.1
	done
	for _ in $(seq 1 100); do
		local left=
		for p in $old; do kill -0 "$p" 2>/dev/null && [ "$(cut -d' ' -f4 "/proc/$p/stat" 2>/dev/null)" = "$master" ] && left=1; done
		[ -z "$left" ] && [ "$(grep -c 'postfix/master\[[0-9]*\]: reload -- ' "$1/maillog")" -gt "${n:-0}" ] && return 0
		sleep 0.1
	done
	tb_log "postfix in $1 did not finish its reload"
	return 1
}

# tb_source_copy DEST - the source tree as a fresh clone has it (tracked and new
# files, none a build or a test left), copied to DEST; its digest in $TB_SOURCE_ID
tb_source_copy() {
	local list
	list=$(cd "$top_srcdir" && git ls-files -co --exclude-standard 2>/dev/null) || return 1
	[ -n "$list" ] || return 1
	mkdir -p "$1" || return 1
	(cd "$top_srcdir" && printf '%s\n' "$list" | while IFS= read -r f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		xargs -0 cp --parents -a -t "$1") || return 1
	TB_SOURCE_ID=$(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha1sum | sha1sum | cut -c1-16)
}

# tb_dist - the release tarball of this source tree, in $TB_DIST: the one
# tests/dist/distcheck.sh checked, or one made now with "make dist"
tb_dist() {
	local d="$TB_ROOT/dist" v
	rm -rf "$TB_DIR/dist-src"
	tb_source_copy "$TB_DIR/dist-src" || return 1
	v=$(sed -n 's/^AC_INIT(\[[^]]*\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
	TB_DIST="$d/tenant-milter-$v.tar.gz"
	if [ -f "$TB_DIST" ] && [ "$(cat "$d/source-id" 2>/dev/null)" = "$TB_SOURCE_ID" ]; then
		rm -rf "$TB_DIR/dist-src"
		return 0
	fi
	(cd "$TB_DIR/dist-src" && autoreconf -fi && ./configure --with-systemdsystemunitdir=no && make dist) \
		>"$TB_DIR/dist.out" 2>&1 || { tail -30 "$TB_DIR/dist.out" >&2; return 1; }
	mkdir -p "$d" && cp "$TB_DIR/dist-src/tenant-milter-$v.tar.gz" "$TB_DIST" && echo "$TB_SOURCE_ID" >"$d/source-id"
}
