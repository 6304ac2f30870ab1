#!/bin/sh
# timeout.sh - Automake's LOG_COMPILER: run one test under a time limit.
#
# A unit suite gets TM_UNIT_TIMEOUT seconds, a *.sh test TM_SHELL_TIMEOUT
# (Makefile.am sets both); then timeout(1) sends SIGTERM to the test's process
# group, and SIGKILL 10 s later. A test stopped so prints "# TIMEOUT: ... timed
# out" into its log and is a hard error (exit 99), which tests/run reports as
# DEAD with "timed out". Any other non-zero exit status but 77 (skip) is
# written into the log too, so tests/run can tell why a test failed.
t=$1
case "$t" in
*.sh) limit=${TM_SHELL_TIMEOUT:-600} ;;
*) limit=${TM_UNIT_TIMEOUT:-120} ;;
esac
start=$(date +%s)
timeout --kill-after=10 "$limit" "$@"
rc=$?
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	if [ $(($(date +%s) - start)) -ge "$limit" ]; then
		echo "# TIMEOUT: $t timed out after ${limit}s (exit $rc)"
		exit 99
	fi
fi
case $rc in
0 | 77) ;;
*) echo "# exit status $rc" ;;
esac
exit "$rc"
