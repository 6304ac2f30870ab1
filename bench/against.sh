#!/bin/bash
# against.sh - this tree's throughput against an earlier commit's, in one run.
#
#   sudo bench/against.sh REV [MESSAGES] [SESSIONS] [ROUNDS]
#
# Builds REV (a commit of this repository) without sanitizers, at -O2, in
# /var/tmp/tenant-milter-bench/REV, then runs bench/throughput.sh with
# BASELINE_MILTER set to that build's tenant-milter: every round measures bare
# Postfix, the null milter, REV's milter and this tree's milter in turn, with
# the same configuration, Redis and tenant, and prints this/baseline. The
# suppression-at-scale part is skipped. This tree must be built without
# sanitizers for the figures to mean anything (throughput.sh says so).
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${1:?usage: against.sh REV [MESSAGES] [SESSIONS] [ROUNDS]}; shift
sha=$(git rev-parse --short "$REV^{commit}")
dir=/var/tmp/tenant-milter-bench/$sha
if [ ! -x "$dir/milter/tenant-milter" ]; then
	rm -rf "$dir"; mkdir -p "$(dirname "$dir")"
	git worktree add -f --detach "$dir" "$sha" >/dev/null
	(cd "$dir" && autoreconf -fi >/dev/null 2>&1 && ./configure CFLAGS=-O2 >/dev/null && unset MAKEFLAGS && make -j2 >/dev/null) ||
		{ echo "could not build $sha in $dir" >&2; exit 1; }
fi
echo "baseline: $sha $(git log -1 --format=%s "$sha" | cut -c1-70)"
echo "this tree: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- || echo ' (with uncommitted changes)')"
BASELINE_MILTER=$dir/milter/tenant-milter exec bash bench/throughput.sh "${1:-2000}" "${2:-20}" "${3:-3}" 0
