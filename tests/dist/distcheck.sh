#!/bin/bash
# The release tarball: make distcheck (a VPATH build from the tarball in a
# read-only source tree, the unit suites, install, uninstall leaving nothing,
# distclean leaving nothing), on a copy of the tree as a fresh clone has it.
# The integration tests are left out of distcheck's make check: they run once
# in this suite. The tarball is kept for tests/e2e/debian.sh (tb_dist).
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
# make check's own command-line variables (TEST_LOGS, ...) reach this test
# through MAKEFLAGS; the makes below are new top-level ones
unset MAKEFLAGS MFLAGS MAKELEVEL
command -v git >/dev/null || ta_skip "needs git (the tree's file list)"
tb_init it-distcheck
trap 'chmod -R u+w "$TB_DIR" 2>/dev/null' EXIT
src="$TB_DIR/src"
tb_source_copy "$src" || { echo "cannot copy the source tree"; exit 99; }
v=$(sed -n 's/^AC_INIT(\[[^]]*\], \[\([^]]*\)\].*/\1/p' "$src/configure.ac")

ta_run "autoreconf" 0 sh -c "cd '$src' && autoreconf -fi"
ta_run "configure" 0 sh -c "cd '$src' && ./configure"
units=$(make -s -C "$src" --no-print-directory print-unit-tests)
ta_run "make distcheck (-O2 -Werror, the unit suites in the VPATH build)" 0 \
	make -C "$src" -j2 distcheck TESTS="$units" DISTCHECK_CONFIGURE_FLAGS=--enable-werror
printf '%s\n' "$ta_out" | tail -8 >"$TB_DIR/distcheck.tail"
ta_contains "distcheck's verdict" "$ta_out" "tenant-milter-$v archives ready for distribution"
ta_contains "distcheck ran the unit suites" "$ta_out" "PASS: tests/unit/check_milter"
ta_lacks "... and no shell test" "$ta_out" "tests/e2e/"

tarball="$src/tenant-milter-$v.tar.gz"
list=$(tar tzf "$tarball" 2>/dev/null | sed "s|^tenant-milter-$v/||")
for f in debian/control debian/rules debian/tenant-milter.postinst systemd/tenant-feedback.service.in \
	tests/fixtures/bounce tests/e2e/debian.sh tests/lib/assert.sh tests/fuzz/fuzz.sh tests/dist/distcheck.sh tests/unit/check_milter.c fuzz/fuzz_token.c tests/lib/testbed.sh .ci/run; do
	ta_contains "the tarball has $f" "$list" "$f"
done
ta_eq "... and nothing a build or a test left (objects, logs, binaries)" \
	"$(grep -E '\.(o|log|trs)$|^tests/it/check_(quota|gcra)$|^bench/policy-load$|(^|/)\.deps/' <<<"$list")" ""

# DESTDIR install of the tarball's build: the paths an admin gets, and uninstall
b="$TB_DIR/build"
mkdir -p "$b" && tar xzf "$tarball" -C "$b"
ta_run "the tarball configures with a prefix" 0 sh -c \
	"cd '$b/tenant-milter-$v' && ./configure --prefix=/usr --sysconfdir=/etc --with-systemdsystemunitdir=/lib/systemd/system >/dev/null && make -j2 >/dev/null"
ta_run "make install DESTDIR" 0 make -C "$b/tenant-milter-$v" install DESTDIR="$TB_DIR/root"
root="$TB_DIR/root"
for f in usr/sbin/tenant-milter usr/sbin/tenant-policyd usr/sbin/tenant-httpd usr/bin/tenantctl usr/bin/tenant-feedback \
	etc/tenant-milter/tenant-milter.conf etc/tenant-milter/providers.conf etc/tenant-milter/bounce-rules.conf \
	usr/share/man/man8/tenant-milter.8 usr/share/man/man5/tenant-milter.conf.5 usr/share/man/man1/tenantctl.1 \
	lib/systemd/system/tenant-milter.service lib/systemd/system/tenant-feedback.service; do
	ta_eq "installed: /$f" "$([ -f "$root/$f" ] && echo yes)" yes
done
ta_contains "the milter's unit starts the installed program" \
	"$(cat "$root/lib/systemd/system/tenant-milter.service" 2>/dev/null)" "ExecStart=/usr/sbin/tenant-milter"
ta_contains "the feedback unit pipes the journal into the installed program" \
	"$(cat "$root/lib/systemd/system/tenant-feedback.service" 2>/dev/null)" "| exec /usr/bin/tenant-feedback follow -"
ta_contains "the man page names the installed configuration file" \
	"$(cat "$root/usr/share/man/man8/tenant-milter.8" 2>/dev/null)" "/etc/tenant-milter/tenant-milter.conf"
echo "# an admin's edit survives make uninstall" >>"$root/etc/tenant-milter/providers.conf"
ta_run "make uninstall" 0 make -C "$b/tenant-milter-$v" uninstall DESTDIR="$TB_DIR/root"
ta_eq "uninstall leaves only the edited configuration file" \
	"$(cd "$root" && find . -type f | sort)" "./etc/tenant-milter/providers.conf"

mkdir -p "$TB_ROOT/dist" && cp "$tarball" "$TB_ROOT/dist/" && echo "$TB_SOURCE_ID" >"$TB_ROOT/dist/source-id"
ta_finish
