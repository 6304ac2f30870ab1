/*
 * NAME
 *	tenant-milter - attribute every message to one tenant, and tag it
 * SYNOPSIS
 *	tenant-milter [-fnv] [-c FILE] [-o name=value]...
 * DESCRIPTION
 *	Start-up order matters: configuration, log, listening socket (as
 *	root), daemon, pid file, privilege drop, then threads, then serving.
 * SEE ALSO
 *	tenant-milter(8), tenant-milter.conf(5)
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "milter.h"
#include "tm_conf.h"
#include "tm_daemon.h"
#include "tm_gen.h"
#include "tm_dkim.h"
#include "tm_mem.h"
#include "tm_msg.h"
#include "tm_postconf.h"
#include "tm_tdir.h"
#include "tm_rewrite.h"
#include "tm_token.h"

static DAEMON_OPTS opts;
static TDIR *the_tdir;

/* snap_source - the callbacks' view of the tenant directory */
static TSNAP *
snap_source(long max_age_ms, long *age_ms)
{
	return tdir_get(the_tdir, max_age_ms, age_ms);
}

/* needs_keys - unsubscribe headers and VERP seal tokens */
static int
needs_keys(const CONF *c)
{
	return *c->unsubscribe_url_host || *c->return_path_domain;
}

/*
 * milter_parts - what a generation of c holds besides c (tm_gen.h): the
 * provider map, the DKIM keys (read as root at start, before dropping
 * privileges, and again on reload) and, when unsubscribe headers or VERP
 * need them, the token keys: no keys, no start.
 */
static unsigned
milter_parts(const CONF *c)
{
	return GEN_PMAP | GEN_DKIM | (needs_keys(c) ? GEN_KEYS : 0);
}

/*
 * load_rewrite - the running Postfix's address rewriting, which recipient
 * keys replay (tm_rewrite.h); 0, or -1 with errs. An empty
 * postfix_config_directory means a milter on another host: Postfix's
 * defaults, logged.
 */
static int
load_rewrite(CONF *c, SBUF *errs)
{
	const char *dir = c->postfix_config_directory;
	RW_CONF *rw;

	if (*dir == 0) {
		c->rewrite = rw_defaults();
		msg_info("postfix_config_directory is empty: recipients are keyed with Postfix's default rewriting "
			 "and no local domain");
		return 0;
	}
	if ((rw = rw_load("postconf", dir, errs)) == NULL) {
		sbuf_cat(errs, " (postfix_config_directory)\n");
		return -1;
	}
	if (rw->ntables)
		msg_warn("mydestination in %s has %zu lookup table(s): \"user%%site@\" a domain listed only there is "
			 "keyed as written, not as Postfix resolves it",
			 dir, rw->ntables);
	msg_info("recipients are keyed as Postfix in %s rewrites them: allow_percent_hack=%s swap_bangpath=%s, "
		 "%zu local domain(s), myorigin=%s",
		 dir, rw->percent_hack ? "yes" : "no", rw->swap_bangpath ? "yes" : "no", rw->nlocal,
		 *rw->myorigin ? rw->myorigin : "(none)");
	c->rewrite = rw;
	return 0;
}

/*
 * null_sender_guard - the warning, in why, when the local Postfix lets any
 * user submit null-sender mail with sendmail(1), which the callbacks pass
 * untagged (milter_cb.c cb_unknown): only postdrop's
 * local_login_sender_maps keeps "sendmail -f '<>'" to root and the
 * service users. A warning, never an error: the exemption is what keeps
 * forward_bounces and other local notifications flowing.
 */
static void
null_sender_guard(const CONF *c, SBUF *why)
{
	static const char *const args[] = {"-x", "local_login_sender_maps",
					   "empty_address_local_login_sender_maps_lookup_key", "mail_version",
					   NULL};
	SBUF *out, *err;

	if (*c->postfix_config_directory == 0) /* a milter on another host: nothing to ask */
		return;
	out = sbuf_new(512);
	err = sbuf_new(128);
	if (pc_run("postconf", c->postfix_config_directory, args, out, err) < 0)
		sbuf_printf(why, "cannot check local_login_sender_maps: %s", sbuf_str(err));
	else
		pc_null_sender_risk(sbuf_str(out), c->postfix_config_directory, why);
	sbuf_free(out);
	sbuf_free(err);
}

/*
 * layout_guard - what the local Postfix cannot reach of milter_socket (a
 * chrooted smtpd or cleanup, the sockets' group), one line each appended
 * to why; warnings too, as a Postfix can be fixed after the milter starts.
 */
static void
layout_guard(const CONF *c, SBUF *why)
{
	PC_LAYOUT want = {.milter_socket = c->milter_socket};
	SBUF *qdir, *err;

	if (*c->postfix_config_directory == 0)
		return;
	qdir = sbuf_new(64);
	err = sbuf_new(128);
	if (pc_check_layout("postconf", c->postfix_config_directory, c->run_as_user, &want, qdir, why, err) < 0)
		sbuf_printf(why, "cannot check milter_socket against master.cf: %s\n", sbuf_str(err));
	sbuf_free(qdir);
	sbuf_free(err);
}

/* warn_lines - one warning per line of text */
static void
warn_lines(const char *text)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		if (n)
			msg_warn("%.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/*
 * reload - SIGHUP: a whole new generation (configuration, provider map,
 * token keys, DKIM keys) swapped in at once; if any part fails, the
 * running generation is kept whole and the warning names the part.
 */
static void
reload(void)
{
	SBUF *errs = sbuf_new(256);
	CONF *c = daemon_load(&opts, errs), *old;
	const char *failed = NULL;
	GEN *g = NULL;

	if (c && load_rewrite(c, errs) == 0)
		g = gen_load(c, milter_parts(c), errs, &failed);
	if (g == NULL) {
		gen_log_failure(failed, errs);
		conf_unref(c);
		sbuf_free(errs);
		return;
	}
	msg_info("DKIM: %zu key(s) loaded from %s", dkk_count(g->dkim), c->dkim_keys);
	old = milter_cb_conf();
	if (strcmp(old->milter_socket, c->milter_socket) != 0 ||
	    strcmp(old->run_as_user, c->run_as_user) != 0)
		msg_warn("milter_socket and run_as_user take effect only after a restart");
	msg_set_level(c->log_level);
	milter_cb_set_gen(g); /* the one swap; messages in flight keep theirs */
	tdir_reconfigure(the_tdir, c);
	msg_info("configuration reloaded from %s", c->path);
	gen_unref(g);
	conf_unref(old);
	conf_unref(c);
	sbuf_free(errs);
}

/*
 * start_load - the configuration, the Postfix settings recipient keys
 * replay, and the first generation: every part loads, or no start (NULL,
 * errs says why). The start-up warnings go into guard. With -p (print)
 * only the configuration is loaded.
 */
static CONF *
start_load(SBUF *errs, GEN **gen, SBUF *guard)
{
	CONF *c = daemon_load(&opts, errs);

	if (c == NULL || opts.print)
		return c;
	if (load_rewrite(c, errs) < 0)
		return conf_unref(c);
	if ((*gen = gen_load(c, milter_parts(c), errs, NULL)) == NULL)
		return conf_unref(c);
	null_sender_guard(c, guard);
	if (guard->len)
		sbuf_cat(guard, "\n");
	layout_guard(c, guard);
	return c;
}

/* start_listen - libmilter's socket, bound as root, owned by run_as_user; fatal on failure */
static void
start_listen(const CONF *c)
{
	mode_t old_umask;

	if (smfi_setconn(c->milter_socket) == MI_FAILURE)
		msg_fatal("milter_socket: cannot use \"%s\"", c->milter_socket);
	if (smfi_settimeout((int)(c->milter_timeout / 1000)) == MI_FAILURE)
		msg_fatal("cannot set the milter timeout");
	if (smfi_register(milter_desc) == MI_FAILURE)
		msg_fatal("smfi_register failed");
	/* libmilter binds here, as root: born 0660, so only the owner is set (daemon.c says why) */
	old_umask = umask(DAEMON_SOCKET_UMASK);
	if (smfi_opensocket(1) == MI_FAILURE)
		msg_fatal("cannot listen on %s: is another tenant-milter running, or is the address in use?",
			  c->milter_socket);
	umask(old_umask);
	md_prepare_listener();
	daemon_socket_owner(c->milter_socket, c->run_as_user);
}

/* main - the start-up order of the DESCRIPTION, then libmilter's loop until it stops */
int
main(int argc, char **argv)
{
	SBUF *errs = sbuf_new(256);
	CONF *c;
	GEN *gen = NULL;
	SBUF *guard = sbuf_new(256);
	int rc;

	daemon_options(argc, argv, "tenant-milter", &opts);
	msg_open("tenant-milter", 1, NULL);
	c = start_load(errs, &gen, guard);
	if (opts.check_only && guard->len) /* -n: warnings; "configuration OK" still follows */
		warn_lines(sbuf_str(guard));
	if ((rc = daemon_early_exit(&opts, c, errs)) >= 0) {
		conf_unref(c);
		gen_unref(gen);
		sbuf_free(errs);
		sbuf_free(guard);
		return rc;
	}
	msg_set_level(opts.verbose ? MSG_DEBUG : c->log_level);
	if (!opts.foreground) {
		msg_open(c->syslog_name, 0, c->syslog_facility);
		msg_also_stderr(1); /* start-up errors reach the terminal until we detach */
	}
	if (guard->len) /* once, in the log; a reload does not repeat it */
		warn_lines(sbuf_str(guard));
	guard = sbuf_free(guard);

	md_block_signals();
	daemon_prepare_paths(c->milter_socket, c->pid_file, c->run_as_user);
	start_listen(c);
	daemon_become(opts.foreground, c->pid_file, c->run_as_user);

	the_tdir = tdir_start(c);
	milter_cb_init(snap_source, c);
	milter_cb_set_gen(gen);
	md_start_reloader(reload);
	msg_info("starting: listening on %s, store %s, %zu DKIM key(s)", c->milter_socket, c->redis_server,
		 dkk_count(gen->dkim));
	gen = gen_unref(gen); /* the callbacks hold it now */

	rc = smfi_main();

	msg_info("stopping");
	daemon_remove_pid(c->pid_file);
	tdir_stop(the_tdir);
	milter_cb_shutdown();
	conf_unref(c);
	sbuf_free(errs);
	return rc == MI_SUCCESS ? 0 : 1;
}
