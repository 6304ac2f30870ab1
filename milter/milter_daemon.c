/*
 * NAME
 *	milter_daemon - process plumbing for tenant-milter
 * DESCRIPTION
 *	Socket ownership and TCP_NODELAY on the listener, the pid file,
 *	daemonising, one audited privilege drop, and the SIGHUP reloader.
 *
 *	SIGHUP: libmilter's own signal thread sigwait()s for SIGHUP, SIGINT
 *	and SIGTERM and treats SIGHUP as "stop". Two threads waiting for the
 *	same signal get it in no defined order, so we interpose sigwait():
 *	libmilter's thread keeps SIGINT and SIGTERM, and SIGHUP reaches only our
 *	reloader, which waits with sigwaitinfo() and is therefore unaffected.
 * SEE ALSO
 *	tenant-milter(8)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "milter.h"
#include "tm_msg.h"

static int md_listen_fd = -1; /* libmilter's listening socket, found after smfi_opensocket */

/*
 * md_prepare_listener - find libmilter's listening socket (libmilter offers no
 * handle on it), remember it for a prompt shutdown, and, if it is TCP, set TCP_NODELAY, which Linux copies to
 * every accepted connection. Without it, the several small replies a milter
 * writes at end of message meet Nagle on our side and delayed ACK on the
 * MTA's.
 */
void
md_prepare_listener(void)
{
	int one = 1, listening, type;
	socklen_t len;
	struct sockaddr_storage ss;

	for (int fd = 3; fd < 1024; fd++) {
		len = sizeof(listening);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 || !listening)
			continue;
		len = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
			continue;
		md_listen_fd = fd;
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
			msg_warn("cannot set TCP_NODELAY on the milter socket: %s", strerror(errno));
		else
			msg_debug("TCP_NODELAY set on listener fd %d", fd);
	}
}

/* md_socket_owner - give a unix socket to the service user and its group, mode 0660 */
void
md_socket_owner(const CONF *c)
{
	const char *path = strchr(c->milter_socket, ':') + 1;
	struct passwd *pw;

	if (strncmp(c->milter_socket, "inet", 4) == 0 || getuid() != 0 || *c->run_as_user == 0)
		return;
	if ((pw = getpwnam(c->run_as_user)) == NULL)
		msg_fatal("run_as_user: no such user \"%s\"", c->run_as_user);
	if (chown(path, pw->pw_uid, pw->pw_gid) < 0 || chmod(path, 0660) < 0)
		msg_fatal("cannot set the owner of %s: %s", path, strerror(errno));
}

/* md_make_dir - create the directory of path for the service user, if missing */
static void
md_make_dir(const char *path, const char *user)
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
md_write_pid(const char *path)
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
md_remove_pid(const char *path)
{
	if (path && *path && unlink(path) < 0 && errno != ENOENT)
		msg_warn("cannot remove pid file %s: %s", path, strerror(errno));
}

/*
 * md_drop_privileges - the one place where root is given up: supplementary
 * groups, then group, then user, and a check that it cannot be regained.
 */
void
md_drop_privileges(const char *user)
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
md_daemonize(void)
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

/* md_block_signals - block them before any thread starts; each is taken by sigwait */
void
md_block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* sigwait - see DESCRIPTION: everything but SIGHUP, for libmilter's signal thread */
int
sigwait(const sigset_t *set, int *sig)
{
	sigset_t mine = *set;
	int r;

	sigdelset(&mine, SIGHUP);
	for (;;) {
		if ((r = sigwaitinfo(&mine, NULL)) > 0) {
			/*
			 * libmilter's listener polls with a 10 s timeout before it
			 * looks at its stop flag, and closing a polled descriptor
			 * does not wake poll(); shutting the socket down does.
			 */
			if ((r == SIGTERM || r == SIGINT) && md_listen_fd >= 0)
				shutdown(md_listen_fd, SHUT_RDWR);
			*sig = r;
			return 0;
		}
		if (errno != EINTR)
			return errno;
	}
}

static void (*md_reload)(void);

static void *
md_reloader(void *arg)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	for (;;)
		if (sigwaitinfo(&set, NULL) == SIGHUP)
			md_reload();
	return NULL;
}

void
md_start_reloader(void (*reload)(void))
{
	pthread_t t;

	md_reload = reload;
	if (pthread_create(&t, NULL, md_reloader, NULL) != 0)
		msg_fatal("cannot start the reload thread");
	pthread_detach(t);
}

/* md_prepare_paths - directories for the socket and pid file */
void
md_prepare_paths(const CONF *c)
{
	if (strncmp(c->milter_socket, "unix:", 5) == 0 || strncmp(c->milter_socket, "local:", 6) == 0)
		md_make_dir(strchr(c->milter_socket, ':') + 1, c->run_as_user);
	if (*c->pid_file)
		md_make_dir(c->pid_file, c->run_as_user);
}
