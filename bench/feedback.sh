#!/bin/bash
# feedback.sh - tenant-feedback throughput: log lines per second through
# "follow" (parse, classify, per delivery record the queue-id map's HMGET
# and one atomic Redis script, each step pipelined per batch), against
# "scan" (parse and classify only) on the same log; and
# messages per second through "classify" over the bounce fixtures.
#
#   bench/feedback.sh [LOG_LINES] [MESSAGES]
set -uo pipefail
cd "$(dirname "$0")/.."
top_srcdir=$(pwd); top_builddir=$top_srcdir
. tests/lib/testbed.sh
L=${1:-500000}; M=${2:-5000}
FB="$top_builddir/feedback/tenant-feedback"
[ -x "$FB" ] || { echo "build first (make)" >&2; exit 1; }
tb_init bench-feedback
trap 'tb_stop_all' EXIT
echo "log_level = warning" >>"$TB_CONF"
tb_redis_start || exit 1
# a day of a busy relay: for every delivery record, two other lines (smtpd, qmgr)
awk -v n="$L" 'BEGIN {
	split("sent sent sent sent sent sent deferred bounced", st, " ")
	for (i = 0; i < n; i++) {
		q = sprintf("%X%05d", 1000 + i % 1000, i % 100000)
		if (i % 3 == 0) { printf "Nov 23 12:%02d:%02d relay postfix/smtpd[%d]: connect from unknown[192.0.2.%d]\n", (i/60)%60, i%60, 1000+i%50, i%250; continue }
		if (i % 3 == 1) { printf "Nov 23 12:%02d:%02d relay postfix/qmgr[9]: %s: from=<news@t%d.example>, size=2048, nrcpt=1 (queue active)\n", (i/60)%60, i%60, q, i%10; continue }
		s = st[1 + i % 8]
		if (s == "sent") r = "250 2.0.0 Ok: queued as ABC"; else if (s == "deferred") r = "host mx said: 421 4.7.0 Try again later"; else r = "host mx said: 550 5.1.1 <u" i "@dest.example>: User unknown"
		d = (s == "sent") ? "2.0.0" : (s == "deferred") ? "4.7.0" : "5.1.1"
		printf "Nov 23 12:%02d:%02d relay postfix-out-t%d/smtp[%d]: %s: to=<u%d@dest%d.example>, relay=mx.dest.example[192.0.2.9]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=%s, status=%s (%s)\n", (i/60)%60, i%60, i%10, 2000+i%50, q, i, i%7, d, s, r
	}
}' >"$TB_DIR/maillog"
# every queue id belongs to one of ten tenants (its transport's), recorded for its recipients
awk '/status=/ { split($6, a, ":"); split($5, t, "[-/]"); match($0, /to=<[^>]*>/)
	print "HSET tm:qid:" a[1] " tenant " t[3] " r:" substr($0, RSTART + 4, RLENGTH - 5) " 1" }' "$TB_DIR/maillog" |
	tb_redis >/dev/null
records=$(grep -c 'status=' "$TB_DIR/maillog")

t0=$(date +%s.%N); "$FB" -c "$TB_CONF" scan "$TB_DIR/maillog" >/dev/null 2>&1; t1=$(date +%s.%N)
"$FB" -c "$TB_CONF" follow --from-start --once "$TB_DIR/maillog" >/dev/null 2>&1; t2=$(date +%s.%N)
applied=$(for t in 0 1 2 3 4 5 6 7 8 9; do tb_redis hget "{t:t$t}:fb:$(date -u +%F)" delivered; done | awk '{s += $1} END {print s + 0}')
echo "log: $L lines, $records delivery records"
awk -v a="$t0" -v b="$t1" -v n="$L" 'BEGIN { printf "  scan   (parse + classify):                 %8.0f lines/s\n", n / (b - a) }'
awk -v a="$t1" -v b="$t2" -v n="$L" -v r="$records" 'BEGIN { printf "  follow (+ one Redis script per record):   %8.0f lines/s, %.0f records/s\n", n / (b - a), r / (b - a) }'
echo "  delivered counted by follow: $applied"

# classify: the fixtures, repeated to M messages, in one process
files=("$top_srcdir"/tests/fixtures/bounce/*.eml)
args=()
for i in $(seq 1 $((M / ${#files[@]} + 1))); do args+=("${files[@]}"); done
args=("${args[@]:0:$M}")
t0=$(date +%s.%N); "$FB" -c "$TB_CONF" classify --json "${args[@]}" >"$TB_DIR/classify.out"; t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v n="$M" 'BEGIN { printf "classify: %d messages (%d fixtures repeated): %.0f messages/s\n", n, 0, n / (b - a) }' | sed "s/(0 fixtures/(${#files[@]} fixtures/"
grep -q -- '\$ .*configure .*--enable-sanitizers' "$top_builddir/config.log" 2>/dev/null &&
	echo "note: this is a sanitizer build; for real figures build without --enable-sanitizers"
