/*
 * NAME
 *	daemon - process plumbing shared by the suite's daemons
 * DESCRIPTION
 *	Directories for sockets and pid files, socket ownership, the pid file,
 *	detaching, and the one audited privilege drop. tenant-milter and
 *	tenant-policyd start up in the same order with these. Root touches
 *	names in the service user's directory only relative to a directory
 *	opened by daemon_open_dir (the comment above it says why).
 * SEE ALSO
 *	tm_daemon.h
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tm_daemon.h"
#include "tm_msg.h"

/*
 * Root never follows a name in a directory the service user owns. The
 * sockets are still bound as root (a privileged inet port needs it, and
 * libmilter binds its socket in the process that calls smfi_opensocket):
 * unlink and bind never follow a symbolic link, and the callers bind under
 * DAEMON_SOCKET_UMASK so the socket is born mode 0660, with no chmod. What
 * used to follow names, chown of the socket and the pid file's fopen, now
 * works relative to the directory opened with O_NOFOLLOW, on an inode
 * checked with fstat: the user could otherwise put a symbolic link (or, on
 * a file system without protected_hardlinks, a hard link) to /etc/shadow
 * at the name between bind and chown, or at the pid file's name.
 */

/* daemon_open_dir - open path's directory, refusing a symlink; *name borrows path's last component */
static int
daemon_open_dir(const char *path, const char **name, SBUF *why)
{
	const char *slash = strrchr(path, '/');
	SBUF *dir = sbuf_new(256);
	int fd;

	*name = slash ? slash + 1 : path;
	if (slash == NULL)
		sbuf_cat(dir, ".");
	else if (slash == path)
		sbuf_cat(dir, "/");
	else
		sbuf_catn(dir, path, (size_t)(slash - path));
	if (**name == 0 || strcmp(*name, ".") == 0 || strcmp(*name, "..") == 0) {
		sbuf_printf(why, "%s: not a file name", path);
		fd = -1;
	} else if ((fd = open(sbuf_str(dir), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		int err = errno;
		struct stat st;
		/* a symlink fails with ENOTDIR or ELOOP; lstat only names the reason */
		if ((err == ENOTDIR || err == ELOOP) && lstat(sbuf_str(dir), &st) == 0 && S_ISLNK(st.st_mode))
			sbuf_printf(why, "%s: the directory is a symbolic link", sbuf_str(dir));
		else
			sbuf_printf(why, "%s: %s", sbuf_str(dir), strerror(err));
	}
	sbuf_free(dir);
	return fd;
}

int
daemon_socket_chown(const char *path, uid_t uid, gid_t gid, SBUF *why)
{
	const char *name;
	struct stat st;
	int dfd, fd = -1, rc = -1;

	if ((dfd = daemon_open_dir(path, &name, why)) < 0)
		return -1;
	/* O_PATH pins the inode: the checks and the chown see the same one */
	if ((fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		sbuf_printf(why, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		sbuf_printf(why, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISSOCK(st.st_mode) || st.st_nlink != 1) {
		sbuf_printf(why, "%s: not a socket with one link (replaced after bind?)", path);
		goto out;
	}
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0) {
		sbuf_printf(why, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return rc;
}

/* daemon_socket_owner - give a unix socket to the service user and its group */
void
daemon_socket_owner(const char *socket, const char *user)
{
	const char *path = strchr(socket, ':') + 1;
	struct passwd *pw;
	SBUF *why;

	if (strncmp(socket, "inet", 4) == 0 || getuid() != 0 || *user == 0)
		return;
	if ((pw = getpwnam(user)) == NULL)
		msg_fatal("run_as_user: no such user \"%s\"", user);
	why = sbuf_new(128);
	if (daemon_socket_chown(path, pw->pw_uid, pw->pw_gid, why) < 0)
		msg_fatal("cannot set the owner of the socket: %s", sbuf_str(why));
	sbuf_free(why);
}

/*
 * daemon_make_dir - create the directory of path for the service user, if
 * missing: mode 0750, owned by the user and its group. Postfix (mail_owner,
 * a member of that group, as with OpenDKIM's Debian package) can traverse
 * it to the 0660 sockets; nobody else can. A directory that exists is left
 * as the admin or the package made it.
 */
void
daemon_make_dir(const char *path, const char *user)
{
	char dir[4096];
	char *slash;
	struct passwd *pw;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = 0;
	if (mkdir(dir, 0750) < 0) {
		if (errno != EEXIST)
			msg_warn("cannot create %s: %s", dir, strerror(errno));
		return;
	}
	if (getuid() == 0 && *user && (pw = getpwnam(user)) != NULL && chown(dir, pw->pw_uid, pw->pw_gid) < 0)
		msg_warn("cannot chown %s: %s", dir, strerror(errno));
}

int
daemon_pid_file_write(const char *path, long pid, SBUF *why)
{
	const char *name;
	struct stat st;
	SBUF *text = sbuf_new(32);
	int dfd, fd = -1, rc = -1;
	size_t done = 0;
	ssize_t n;

	if ((dfd = daemon_open_dir(path, &name, why)) < 0)
		goto out;
	/* no O_TRUNC before the checks; O_NONBLOCK: a FIFO without a reader fails, never hangs */
	if ((fd = openat(dfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
			 0644)) < 0) {
		sbuf_printf(why, "%s: %s", path, errno == ELOOP ? "is a symbolic link" : strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		sbuf_printf(why, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		sbuf_printf(why, "%s: not a regular file with one link", path);
		goto out;
	}
	sbuf_printf(text, "%ld\n", pid);
	if (ftruncate(fd, 0) < 0) {
		sbuf_printf(why, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (done < sbuf_len(text)) {
		if ((n = write(fd, sbuf_str(text) + done, sbuf_len(text) - done)) < 0) {
			if (errno == EINTR)
				continue;
			sbuf_printf(why, "%s: %s", path, strerror(errno));
			goto out;
		}
		done += (size_t)n;
	}
	if (close(fd) < 0) {
		fd = -1;
		sbuf_printf(why, "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	sbuf_free(text);
	return rc;
}

/* daemon_write_pid - the pid file, as root, never through a name the service user controls */
void
daemon_write_pid(const char *path)
{
	SBUF *why;

	if (path == NULL || *path == 0)
		return;
	why = sbuf_new(128);
	if (daemon_pid_file_write(path, (long)getpid(), why) < 0)
		msg_fatal("cannot write pid file: %s", sbuf_str(why));
	sbuf_free(why);
}

void
daemon_remove_pid(const char *path)
{
	if (path && *path && unlink(path) < 0 && errno != ENOENT)
		msg_warn("cannot remove pid file %s: %s", path, strerror(errno));
}

/*
 * daemon_drop_privileges - the one place where root is given up: supplementary
 * groups, then group, then user, and a check that it cannot be regained.
 */
void
daemon_drop_privileges(const char *user)
{
	struct passwd *pw;

	if (getuid() != 0 && geteuid() != 0)
		return;
	if (user == NULL || *user == 0) {
		msg_warn("run_as_user is empty: running as root");
		return;
	}
	if ((pw = getpwnam(user)) == NULL)
		msg_fatal("run_as_user: no such user \"%s\"", user);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		msg_fatal("cannot switch to user %s: %s", user, strerror(errno));
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		msg_fatal("privileges could be regained after switching to %s", user);
	msg_info("running as user %s", user);
}

void
daemon_detach(void)
{
	int fd;

	switch (fork()) {
	case -1:
		msg_fatal("fork: %s", strerror(errno));
	case 0:
		break;
	default:
		_exit(0);
	}
	if (setsid() < 0)
		msg_fatal("setsid: %s", strerror(errno));
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (chdir("/") < 0)
		msg_warn("chdir /: %s", strerror(errno));
}

/* daemon_prepare_paths - directories for the socket and pid file */
void
daemon_prepare_paths(const char *socket, const char *pid_file, const char *user)
{
	if (strncmp(socket, "unix:", 5) == 0 || strncmp(socket, "local:", 6) == 0)
		daemon_make_dir(strchr(socket, ':') + 1, user);
	if (*pid_file)
		daemon_make_dir(pid_file, user);
}

static void
daemon_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-fnpvV] [-c config_file] [-o name=value]...\n"
			"  -c FILE   configuration file (default %s)\n"
			"  -o N=V    override a setting\n"
			"  -f        stay in the foreground and log to stderr\n"
			"  -n        check the configuration, print \"configuration OK\" or the errors\n"
			"  -p        print the effective configuration\n"
			"  -v        verbose (log_level=debug)\n"
			"  -V        print the version\n",
		prog, conf_default_path());
	exit(2);
}

void
daemon_options(int argc, char **argv, const char *prog, DAEMON_OPTS *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt(argc, argv, "c:fno:pvV")) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 'n':
			o->check_only = 1;
			break;
		case 'o':
			if (o->noverrides >= DAEMON_MAX_OVERRIDES)
				msg_fatal("too many -o options");
			o->overrides[o->noverrides++] = optarg;
			break;
		case 'p':
			o->print = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'V':
			printf("%s %s\n", prog, PACKAGE_VERSION);
			exit(0);
		default:
			daemon_usage(prog);
		}
	}
	if (optind != argc)
		daemon_usage(prog);
}

CONF *
daemon_load(const DAEMON_OPTS *o, SBUF *errs)
{
	return conf_load(o->config, o->overrides, o->noverrides, errs);
}

int
daemon_early_exit(const DAEMON_OPTS *o, const CONF *c, SBUF *errs)
{
	if (c == NULL) {
		fputs(sbuf_str(errs), stderr);
		if (o->check_only)
			return 1;
		msg_fatal("configuration errors; not starting");
	}
	if (o->check_only) {
		puts("configuration OK");
		return 0;
	}
	if (o->print) {
		SBUF *out = sbuf_new(1024);
		conf_print(c, out, 0);
		fputs(sbuf_str(out), stdout);
		sbuf_free(out);
		return 0;
	}
	return -1;
}

void
daemon_become(int foreground, const char *pid_file, const char *user)
{
	if (!foreground) {
		daemon_detach();
		msg_also_stderr(0);
	}
	daemon_write_pid(pid_file);
	daemon_drop_privileges(user);
}
