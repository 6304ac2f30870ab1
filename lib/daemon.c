/*
 * NAME
 *	daemon - process plumbing shared by the suite's daemons
 * DESCRIPTION
 *	Directories for sockets and pid files, socket ownership, the pid file,
 *	detaching, and the one audited privilege drop. tenant-milter and
 *	tenant-policyd start up in the same order with these.
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

/* daemon_socket_owner - give a unix socket to the service user and its group, mode 0660 */
void
daemon_socket_owner(const char *socket, const char *user)
{
	const char *path = strchr(socket, ':') + 1;
	struct passwd *pw;

	if (strncmp(socket, "inet", 4) == 0 || getuid() != 0 || *user == 0)
		return;
	if ((pw = getpwnam(user)) == NULL)
		msg_fatal("run_as_user: no such user \"%s\"", user);
	if (chown(path, pw->pw_uid, pw->pw_gid) < 0 || chmod(path, 0660) < 0)
		msg_fatal("cannot set the owner of %s: %s", path, strerror(errno));
}

/* daemon_make_dir - create the directory of path for the service user, if missing */
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
	if (mkdir(dir, 0755) < 0) {
		if (errno != EEXIST)
			msg_warn("cannot create %s: %s", dir, strerror(errno));
		return;
	}
	if (getuid() == 0 && *user && (pw = getpwnam(user)) != NULL && chown(dir, pw->pw_uid, pw->pw_gid) < 0)
		msg_warn("cannot chown %s: %s", dir, strerror(errno));
}

void
daemon_write_pid(const char *path)
{
	FILE *fp;

	if (path == NULL || *path == 0)
		return;
	if ((fp = fopen(path, "w")) == NULL)
		msg_fatal("cannot write pid file %s: %s", path, strerror(errno));
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) != 0)
		msg_fatal("cannot write pid file %s: %s", path, strerror(errno));
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
