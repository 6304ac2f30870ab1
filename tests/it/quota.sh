#!/bin/bash
# The RCPT script against a real redis-server (tests/it/check_quota.c):
# 12 threads racing for the last 10 slots, reservations given back and
# expired, suppression scopes, GCRA, hour and provider caps, NOSCRIPT.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
command -v redis-server >/dev/null || { echo "# redis-server missing"; exit 99; }
tb_init it-quota
trap 'tb_stop_all' EXIT
tb_redis_start || exit 99
ta_suite "quota suite against real Redis (check_quota)" 0 \
	env TM_TEST_REDIS="127.0.0.1:$TB_REDIS_PORT" "$top_builddir/tests/it/check_quota"
ta_finish
