/*
 * NAME
 *	tenant-policyd - route each tenant's mail through its own transport
 * SYNOPSIS
 *	tenant-policyd [-fnpvV] [-c FILE] [-o name=value]...
 * DESCRIPTION
 *	Answers sender_dependent_default_transport_maps (socketmap) with the
 *	tenant's transport, VERP senders included (their token names the
 *	tenant and stream), and Postfix's check_policy_service at DATA with
 *	DUNNO when the socketmap will route the message, FILTER when only the
 *	policy request knows the tenant, 451 when the pool is down; all from
 *	the tenant snapshot the core keeps fresh. Start-up order
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
#include "tm_postconf.h"
#include "tm_tdir.h"

static DAEMON_OPTS opts;
static TDIR *the_tdir;

/* policyd_parts - VERP senders are routed by their token: with return_path_domain set, the token keys */
static unsigned
policyd_parts(const CONF *c)
{
	return *c->return_path_domain ? GEN_KEYS : 0;
}

/*
 * reload - SIGHUP: a new generation (configuration and token keys,
 * tm_gen.h), or the old one whole if any part fails
 */
static GEN *
reload(GEN *old)
{
	SBUF *errs = sbuf_new(256);
	CONF *c = daemon_load(&opts, errs);
	const char *failed = NULL;
	GEN *g = c ? gen_load(c, policyd_parts(c), errs, &failed) : NULL;

	if (g == NULL) {
		gen_log_failure(failed, errs);
		conf_unref(c);
		sbuf_free(errs);
		return old;
	}
	if (strcmp(old->conf->policy_socket, c->policy_socket) != 0 ||
	    strcmp(old->conf->socketmap_socket, c->socketmap_socket) != 0)
		msg_warn("policy_socket and socketmap_socket take effect only after a restart");
	msg_set_level(c->log_level);
	tdir_reconfigure(the_tdir, c);
	msg_info("configuration reloaded from %s", c->path);
	gen_unref(old);
	conf_unref(c); /* g holds it */
	sbuf_free(errs);
	return g;
}

/*
 * layout_warn - what the local Postfix cannot reach of policy_socket and
 * socketmap_socket (a chrooted smtpd or trivial-rewrite, the sockets'
 * group), and a relayhost that FILTER would bypass: warnings, at -n and
 * once at start.
 */
static void
layout_warn(const CONF *c)
{
	PC_LAYOUT want = {.policy_socket = c->policy_socket, .socketmap_socket = c->socketmap_socket};
	SBUF *qdir, *out, *err;

	if (*c->postfix_config_directory == 0)
		return;
	qdir = sbuf_new(64);
	out = sbuf_new(256);
	err = sbuf_new(128);
	if (pc_check_layout("postconf", c->postfix_config_directory, c->run_as_user, &want, qdir, out, err) < 0)
		msg_warn("cannot check the sockets against master.cf: %s", sbuf_str(err));
	for (const char *p = sbuf_str(out); *p;) {
		size_t n = strcspn(p, "\n");
		msg_warn("%.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
	sbuf_free(qdir);
	sbuf_free(out);
	sbuf_free(err);
}

int
main(int argc, char **argv)
{
	int pfd, sfd, rc;
	SBUF *errs = sbuf_new(256);
	GEN *gen = NULL;
	sigset_t set;
	CONF *c;

	daemon_options(argc, argv, "tenant-policyd", &opts);
	msg_open("tenant-policyd", 1, NULL);
	c = daemon_load(&opts, errs);
	/* VERP senders are routed by their token: with return_path_domain set, no keys, no start */
	if (c && !opts.print && (gen = gen_load(c, policyd_parts(c), errs, NULL)) == NULL)
		c = conf_unref(c);
	if (c && opts.check_only) /* -n: warnings; "configuration OK" still follows */
		layout_warn(c);
	if ((rc = daemon_early_exit(&opts, c, errs)) >= 0) {
		conf_unref(c);
		gen_unref(gen);
		sbuf_free(errs);
		return rc;
	}
	msg_set_level(opts.verbose ? MSG_DEBUG : c->log_level);
	if (!opts.foreground) {
		msg_open(strcmp(c->syslog_name, "tenant-milter") == 0 ? "tenant-policyd" : c->syslog_name, 0,
			 c->syslog_facility);
		msg_also_stderr(1);
	}
	layout_warn(c); /* once, in the log */
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
	daemon_become(opts.foreground, c->policyd_pid_file, c->run_as_user);
	the_tdir = tdir_start(c);
	msg_info("starting: policy on %s, socketmap on %s, store %s", c->policy_socket, c->socketmap_socket,
		 c->redis_server);
	conf_unref(c); /* gen holds it */
	gen = pd_serve(pfd, sfd, gen, the_tdir, reload);
	msg_info("stopping");
	daemon_remove_pid(gen->conf->policyd_pid_file);
	tdir_stop(the_tdir);
	gen_unref(gen);
	close(pfd);
	close(sfd);
	sbuf_free(errs);
	return 0;
}
