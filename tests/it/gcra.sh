#!/bin/bash
# GCRA lives once: lib/rate.c's gcra_check against the real quota script in
# a real redis-server, on the same rates and stored arrival times
# (tests/it/check_gcra.c).
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
command -v redis-server >/dev/null || { echo "# redis-server missing"; exit 99; }
tb_init it-gcra
trap 'tb_stop_all' EXIT
tb_redis_start || exit 99
ta_suite "GCRA: the Lua script agrees with gcra_check (check_gcra)" 0 \
	env TM_TEST_REDIS="127.0.0.1:$TB_REDIS_PORT" "$top_builddir/tests/it/check_gcra"
ta_finish
