/*
 * check_daemon - the pid file and socket owner written as root in a
 * directory the service user owns: a symbolic link (at the name or as the
 * directory), a FIFO, a hard link or a directory at the name is refused and
 * what it points to is left untouched; a regular file is replaced and holds
 * the pid.
 */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tm_daemon.h"
#define SUITE_NAME "daemon"
#include "check_main.h"

static char tmp[64];

/* at - a name in this test's directory; borrowed until the next call */
static const char *
at(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	return path;
}

static void
put(const char *name, const char *text)
{
	FILE *fp = fopen(at(name), "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

/* get - the file's text, or "(none)" when it does not exist */
static const char *
get(const char *name)
{
	static char text[256];
	FILE *fp = fopen(at(name), "r");
	size_t n;

	if (fp == NULL)
		return "(none)";
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = 0;
	fclose(fp);
	return text;
}

static void
mklink(const char *target, const char *name)
{
	char t[256];

	snprintf(t, sizeof(t), "%s", at(target));
	ck_assert_int_eq(symlink(t, at(name)), 0);
}

static void
setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/check_daemon.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(mkdir(at("run"), 0755), 0);
	ck_assert_int_eq(mkdir(at("elsewhere"), 0755), 0);
	put("elsewhere/shadow", "root:secret\n");
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
teardown(void)
{
	nftw(tmp, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* What is at run/tenant-milter.pid before the write, and what must follow. */
enum { NOTHING, REGULAR, SYMLINK, DANGLING, FIFO, HARDLINK, DIRECTORY, DIR_SYMLINK };
static const struct {
	const char *what;
	int before;
	const char *path; /* under tmp */
	int rc;
	const char *pid_text;    /* run/tenant-milter.pid afterwards */
	const char *shadow_text; /* elsewhere/shadow afterwards */
	const char *why;         /* in the reason, when refused */
} pid_cases[] = {
    {"new file", NOTHING, "run/tenant-milter.pid", 0, "4242\n", "root:secret\n", NULL},
    {"a longer old file is replaced", REGULAR, "run/tenant-milter.pid", 0, "4242\n",
     "root:secret\n", NULL},
    {"symlink to another file", SYMLINK, "run/tenant-milter.pid", -1, "root:secret\n",
     "root:secret\n", "is a symbolic link"},
    {"dangling symlink", DANGLING, "run/tenant-milter.pid", -1, "(none)", "root:secret\n",
     "is a symbolic link"},
    {"FIFO, no reader: no hang", FIFO, "run/tenant-milter.pid", -1, "(none)", "root:secret\n",
     NULL},
    {"hard link to another file", HARDLINK, "run/tenant-milter.pid", -1, "root:secret\n",
     "root:secret\n", "not a regular file with one link"},
    {"a directory", DIRECTORY, "run/tenant-milter.pid", -1, "(none)", "root:secret\n", NULL},
    {"the directory is a symlink", DIR_SYMLINK, "link/tenant-milter.pid", -1, "(none)",
     "root:secret\n", "the directory is a symbolic link"},
};

START_TEST(pid_file)
{
	SBUF *why = sbuf_new(64);
	const char *pid = "run/tenant-milter.pid";
	int rc;

	switch (pid_cases[_i].before) {
	case REGULAR:
		put(pid, "99999999\nleft over from an older run\n");
		break;
	case SYMLINK:
		mklink("elsewhere/shadow", pid);
		break;
	case DANGLING:
		mklink("elsewhere/created", pid);
		break;
	case FIFO:
		ck_assert_int_eq(mkfifo(at(pid), 0644), 0);
		break;
	case HARDLINK: {
		char t[256];
		snprintf(t, sizeof(t), "%s", at("elsewhere/shadow"));
		ck_assert_int_eq(link(t, at(pid)), 0);
		break;
	}
	case DIRECTORY:
		ck_assert_int_eq(mkdir(at(pid), 0755), 0);
		break;
	case DIR_SYMLINK:
		mklink("elsewhere", "link");
		break;
	}
	rc = daemon_pid_file_write(at(pid_cases[_i].path), 4242, why);
	ck_assert_msg(rc == pid_cases[_i].rc, "%s: rc %d (%s)", pid_cases[_i].what, rc,
	              sbuf_str(why));
	if (pid_cases[_i].before != FIFO && pid_cases[_i].before != DIRECTORY)
		ck_assert_str_eq(get(pid), pid_cases[_i].pid_text);
	ck_assert_str_eq(get("elsewhere/shadow"), pid_cases[_i].shadow_text);
	ck_assert_str_eq(get("elsewhere/created"), "(none)");
	ck_assert_str_eq(get("elsewhere/tenant-milter.pid"), "(none)");
	if (pid_cases[_i].why)
		ck_assert_msg(strstr(sbuf_str(why), pid_cases[_i].why) != NULL, "%s: \"%s\"",
		              pid_cases[_i].what, sbuf_str(why));
	if (rc < 0)
		ck_assert_uint_gt(sbuf_len(why), 0);
	sbuf_free(why);
}
END_TEST

START_TEST(pid_file_mode)
{
	SBUF *why = sbuf_new(64);
	struct stat st;
	mode_t old = umask(022);

	ck_assert_int_eq(daemon_pid_file_write(at("run/x.pid"), 1, why), 0);
	umask(old);
	ck_assert_int_eq(lstat(at("run/x.pid"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_str_eq(get("run/x.pid"), "1\n");
	sbuf_free(why);
}
END_TEST

/* bind_at - a listening unix socket at name, as the daemons create it */
static int
bind_at(const char *name)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	mode_t old = umask(DAEMON_SOCKET_UMASK);

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_lt(strlen(at(name)), sizeof(sun.sun_path));
	memcpy(sun.sun_path, at(name), strlen(at(name)) + 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	umask(old);
	return fd;
}

/* As root the owner given is a different one, so a chown that went astray shows. */
static uid_t
new_uid(void)
{
	return getuid() == 0 ? 4242 : getuid();
}

static gid_t
new_gid(void)
{
	return getuid() == 0 ? 4243 : getgid();
}

START_TEST(socket_owner_set)
{
	SBUF *why = sbuf_new(64);
	int fd = bind_at("run/milter.sock");
	struct stat st;

	ck_assert_int_eq(daemon_socket_chown(at("run/milter.sock"), new_uid(), new_gid(), why), 0);
	ck_assert_int_eq(lstat(at("run/milter.sock"), &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_uid, new_uid());
	ck_assert_uint_eq(st.st_gid, new_gid());
	ck_assert_uint_eq(st.st_mode & 0777, 0660); /* from DAEMON_SOCKET_UMASK, no chmod */
	close(fd);
	sbuf_free(why);
}
END_TEST

static const struct {
	const char *what;
	int before; /* SYMLINK, REGULAR, HARDLINK, DIR_SYMLINK */
	const char *path;
} sock_refused[] = {
    {"symlink to another file", SYMLINK, "run/milter.sock"},
    {"a regular file", REGULAR, "run/milter.sock"},
    {"hard link to another file", HARDLINK, "run/milter.sock"},
    {"the directory is a symlink", DIR_SYMLINK, "link/milter.sock"},
};

START_TEST(socket_owner_refused)
{
	SBUF *why = sbuf_new(64);
	struct stat before, after;
	char t[256];
	int fd = -1;

	ck_assert_int_eq(stat(at("elsewhere/shadow"), &before), 0);
	switch (sock_refused[_i].before) {
	case SYMLINK:
		mklink("elsewhere/shadow", "run/milter.sock");
		break;
	case REGULAR:
		put("run/milter.sock", "not a socket\n");
		ck_assert_int_eq(stat(at("run/milter.sock"), &before), 0);
		break;
	case HARDLINK:
		snprintf(t, sizeof(t), "%s", at("elsewhere/shadow"));
		ck_assert_int_eq(link(t, at("run/milter.sock")), 0);
		break;
	case DIR_SYMLINK:
		mklink("elsewhere", "link");
		fd = bind_at("elsewhere/milter.sock");
		ck_assert_int_eq(stat(at("elsewhere/milter.sock"), &before), 0);
		break;
	}
	ck_assert_msg(daemon_socket_chown(at(sock_refused[_i].path), new_uid(), new_gid(), why) ==
	                  -1,
	              "%s", sock_refused[_i].what);
	ck_assert_uint_gt(sbuf_len(why), 0);
	switch (sock_refused[_i].before) {
	case REGULAR:
		ck_assert_int_eq(stat(at("run/milter.sock"), &after), 0);
		break;
	case DIR_SYMLINK:
		ck_assert_int_eq(stat(at("elsewhere/milter.sock"), &after), 0);
		break;
	default:
		ck_assert_int_eq(stat(at("elsewhere/shadow"), &after), 0);
	}
	ck_assert_uint_eq(after.st_uid, before.st_uid);
	ck_assert_uint_eq(after.st_gid, before.st_gid);
	ck_assert_uint_eq(after.st_mode, before.st_mode);
	if (fd >= 0)
		close(fd);
	sbuf_free(why);
}
END_TEST

/* the socket directory: created 0750 whatever the umask (postfix, in the group, may only traverse) */
START_TEST(make_dir_mode)
{
	mode_t old = umask(0);
	struct stat st;

	daemon_make_dir(at("spool/tenant-milter/milter.sock"), "");
	ck_assert_int_eq(stat(at("spool/tenant-milter"), &st), -1); /* only the last directory is made */
	ck_assert_int_eq(mkdir(at("spool"), 0755), 0);
	daemon_make_dir(at("spool/tenant-milter/milter.sock"), "");
	ck_assert_int_eq(stat(at("spool/tenant-milter"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0750);
	/* one that exists is left as it is */
	ck_assert_int_eq(chmod(at("spool/tenant-milter"), 0710), 0);
	daemon_make_dir(at("spool/tenant-milter/policy.sock"), "");
	ck_assert_int_eq(stat(at("spool/tenant-milter"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0710);
	umask(old);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, pid_file, 0, sizeof(pid_cases) / sizeof(pid_cases[0]));
	tcase_add_test(tc, pid_file_mode);
	tcase_add_test(tc, socket_owner_set);
	tcase_add_test(tc, make_dir_mode);
	tcase_add_loop_test(tc, socket_owner_refused, 0,
	                    sizeof(sock_refused) / sizeof(sock_refused[0]));
}
