/*
 * NAME
 *	tenant-policyd - route each tenant's mail through its own transport
 * SYNOPSIS
 *	tenant-policyd [-fnpvV] [-c FILE] [-o name=value]...
 * DESCRIPTION
 *	Answers Postfix's check_policy_service with "FILTER transport:" and
 *	sender_dependent_default_transport_maps (socketmap) with the same
 *	choice, from the tenant snapshot the core keeps fresh. Start-up order
 *	as in tenant-milter: configuration, log, sockets (as root), detach,
 *	pid file, privilege drop, then the directory thread and the loop.
 * SEE ALSO
 *	tenant-policyd(8), tenant-milter.conf(5)
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policyd.h"
#include "tm_conf.h"
#include "tm_daemon.h"
#include "tm_msg.h"
#include "tm_tdir.h"

#define MAX_OVERRIDES 64

static const char *opt_config;
static char *opt_overrides[MAX_OVERRIDES];
static int opt_noverrides;
static TDIR *the_tdir;

static void
usage(void)
{
	fprintf(stderr, "usage: tenant-policyd [-fnpvV] [-c config_file] [-o name=value]...\n"
			"  -c FILE   configuration file (default %s)\n"
			"  -o N=V    override a setting\n"
			"  -f        stay in the foreground and log to stderr\n"
			"  -n        check the configuration, print \"configuration OK\" or the errors\n"
			"  -p        print the effective configuration\n"
			"  -v        verbose (log_level=debug)\n"
			"  -V        print the version\n",
		conf_default_path());
	exit(2);
}

/* reload - SIGHUP: a new configuration, or the old one if the file has errors */
static CONF *
reload(CONF *old)
{
	SBUF *errs = sbuf_new(256);
	CONF *c = conf_load(opt_config, opt_overrides, opt_noverrides, errs);

	if (c == NULL) {
		msg_warn("reload failed; keeping the running configuration:\n%s", sbuf_str(errs));
		sbuf_free(errs);
		return old;
	}
	if (strcmp(old->policy_socket, c->policy_socket) != 0 ||
	    strcmp(old->socketmap_socket, c->socketmap_socket) != 0)
		msg_warn("policy_socket and socketmap_socket take effect only after a restart");
	msg_set_level(c->log_level);
	tdir_reconfigure(the_tdir, c);
	msg_info("configuration reloaded from %s", c->path);
	conf_unref(old);
	sbuf_free(errs);
	return c;
}

int
main(int argc, char **argv)
{
	int ch, foreground = 0, check_only = 0, print = 0, verbose = 0, pfd, sfd;
	SBUF *errs = sbuf_new(256);
	sigset_t set;
	CONF *c;

	while ((ch = getopt(argc, argv, "c:fno:pvV")) != -1) {
		switch (ch) {
		case 'c':
			opt_config = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'o':
			if (opt_noverrides >= MAX_OVERRIDES)
				msg_fatal("too many -o options");
			opt_overrides[opt_noverrides++] = optarg;
			break;
		case 'p':
			print = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("tenant-policyd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	msg_open("tenant-policyd", 1, NULL);
	c = conf_load(opt_config, opt_overrides, opt_noverrides, errs);
	if (check_only || print || c == NULL) {
		int rc = c ? 0 : 1;
		if (c == NULL)
			fputs(sbuf_str(errs), stderr);
		else if (print) {
			SBUF *out = sbuf_new(1024);
			conf_print(c, out, 0);
			fputs(sbuf_str(out), stdout);
			sbuf_free(out);
		} else
			puts("configuration OK");
		conf_unref(c);
		sbuf_free(errs);
		if (!check_only && !print)
			msg_fatal("configuration errors; not starting");
		return rc;
	}
	msg_set_level(verbose ? MSG_DEBUG : c->log_level);
	if (!foreground) {
		msg_open(strcmp(c->syslog_name, "tenant-milter") == 0 ? "tenant-policyd" : c->syslog_name, 0,
			 c->syslog_facility);
		msg_also_stderr(1);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the loop takes them from a signalfd */
	signal(SIGPIPE, SIG_IGN);
	daemon_prepare_paths(c->policy_socket, c->policyd_pid_file, c->run_as_user);
	daemon_prepare_paths(c->socketmap_socket, "", c->run_as_user);
	pfd = pd_listen(c->policy_socket);
	sfd = pd_listen(c->socketmap_socket);
	daemon_socket_owner(c->policy_socket, c->run_as_user);
	daemon_socket_owner(c->socketmap_socket, c->run_as_user);
	if (!foreground) {
		daemon_detach();
		msg_also_stderr(0);
	}
	daemon_write_pid(c->policyd_pid_file);
	daemon_drop_privileges(c->run_as_user);
	the_tdir = tdir_start(c);
	msg_info("starting: policy on %s, socketmap on %s, store %s", c->policy_socket, c->socketmap_socket,
		 c->redis_server);
	c = pd_serve(pfd, sfd, c, the_tdir, reload);
	msg_info("stopping");
	daemon_remove_pid(c->policyd_pid_file);
	tdir_stop(the_tdir);
	conf_unref(c);
	close(pfd);
	close(sfd);
	sbuf_free(errs);
	return 0;
}
