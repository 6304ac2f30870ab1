/*
 * NAME
 *	milter_daemon - process plumbing for tenant-milter
 * DESCRIPTION
 *	TCP_NODELAY on the listener, the signals and the SIGHUP reloader;
 *	the pid file, detaching and the privilege drop are in lib/daemon.c.
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

