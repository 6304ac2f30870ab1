# bench/lib.sh - what the Postfix throughput benchmarks share; sourced after
# tests/lib/testbed.sh, with N (messages) and S (sessions) set.

# sent_count - deliveries the private Postfix has logged so far
sent_count() { awk '/status=sent/ {n++} END {print n + 0}' "$TB_DIR/pf/maillog" 2>/dev/null; }

# median - of numbers on standard input
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# ratio A B - A/B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }

# bench_send SENDER - N messages ($TB_DIR/message.eml) over S sessions; prints
# messages per second, from the first connection until Postfix has logged
# every one delivered. Exits if they are not all delivered within 120 s.
bench_send() {
	local before start end target
	before=$(sent_count); target=$((before + N))
	start=$(date +%s.%N)
	smtp-source -s "$S" -m "$N" -f "$1" -t rcpt@dest.example -F "$TB_DIR/message.eml" \
		"127.0.0.1:$TB_SMTP_PORT" >/dev/null 2>&1
	for _ in $(seq 1 2400); do [ "$(sent_count)" -ge "$target" ] && break; sleep 0.05; done
	[ "$(sent_count)" -ge "$target" ] || { echo "only $(($(sent_count) - before)) of $N delivered in 120 s" >&2; exit 1; }
	end=$(date +%s.%N)
	echo "$N $start $end" | awk '{printf "%.2f\n", $1 / ($3 - $2)}'
}
