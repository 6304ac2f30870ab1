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
#include <unistd.h>

#include "milter.h"
#include "tm_conf.h"
#include "tm_daemon.h"
#include "tm_mem.h"
#include "tm_msg.h"
#include "tm_tdir.h"
#include "tm_token.h"

#define MAX_OVERRIDES 64

static const char *opt_config;
static char *opt_overrides[MAX_OVERRIDES];
static int opt_noverrides;
static TDIR *the_tdir;


static void
usage(void)
{
	fprintf(stderr, "usage: tenant-milter [-fnv] [-c config_file] [-o name=value]...\n"
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

/* snap_source - the callbacks' view of the tenant directory */
static TSNAP *
snap_source(long max_age_ms, long *age_ms)
{
	return tdir_get(the_tdir, max_age_ms, age_ms);
}

/* reload - SIGHUP: build a new configuration and swap it in; keep the old on error */
static void
reload(void)
{
	SBUF *errs = sbuf_new(256);
	CONF *c = conf_load(opt_config, opt_overrides, opt_noverrides, errs), *old;
	PMAP *m;

	if (c == NULL) {
		msg_warn("reload failed; keeping the running configuration:\n%s", sbuf_str(errs));
		sbuf_free(errs);
		return;
	}
	if ((m = pmap_load(c->provider_map, errs)) == NULL) {
		msg_warn("reload failed; keeping the running configuration:\n%s", sbuf_str(errs));
		conf_unref(c);
		sbuf_free(errs);
		return;
	}
	if (*c->unsubscribe_url_host) {
		KEYRING *k = keyring_load(c->token_keys, errs);
		if (k == NULL) {
			msg_warn("reload: %s; keeping the running token keys", sbuf_str(errs));
			sbuf_reset(errs);
		} else {
			milter_cb_set_keyring(k);
		}
	} else {
		milter_cb_set_keyring(NULL);
	}
	milter_cb_set_pmap(m);
	old = milter_cb_conf();
	if (strcmp(old->milter_socket, c->milter_socket) != 0 ||
	    strcmp(old->run_as_user, c->run_as_user) != 0)
		msg_warn("milter_socket and run_as_user take effect only after a restart");
	msg_set_level(c->log_level);
	milter_cb_set_conf(c);
	tdir_reconfigure(the_tdir, c);
	msg_info("configuration reloaded from %s", c->path);
	conf_unref(old);
	conf_unref(c);
	sbuf_free(errs);
}

int
main(int argc, char **argv)
{
	int ch, foreground = 0, check_only = 0, print = 0, verbose = 0;
	SBUF *errs = sbuf_new(256);
	CONF *c;
	PMAP *pmap = NULL;
	KEYRING *keys = NULL;
	int rc;

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
			printf("tenant-milter %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	msg_open("tenant-milter", 1, NULL);
	c = conf_load(opt_config, opt_overrides, opt_noverrides, errs);
	if (c && !print && (pmap = pmap_load(c->provider_map, errs)) == NULL)
		c = conf_unref(c); /* the provider map is part of the configuration */
	/* unsubscribe headers need the token keys: no keys, no start */
	if (c && !print && *c->unsubscribe_url_host && (keys = keyring_load(c->token_keys, errs)) == NULL)
		c = conf_unref(c);
	if (check_only) {
		fputs(c ? "configuration OK\n" : sbuf_str(errs), c ? stdout : stderr);
		rc = c ? 0 : 1;
		conf_unref(c);
		pmap_free(pmap);
		keyring_free(keys);
		sbuf_free(errs);
		return rc;
	}
	if (c == NULL) {
		fputs(sbuf_str(errs), stderr);
		msg_fatal("configuration errors; not starting");
	}
	if (print) {
		SBUF *out = sbuf_new(1024);
		conf_print(c, out, 0);
		fputs(sbuf_str(out), stdout);
		sbuf_free(out);
		conf_unref(c);
		pmap_free(pmap);
		sbuf_free(errs);
		return 0;
	}
	msg_set_level(verbose ? MSG_DEBUG : c->log_level);
	if (!foreground) {
		msg_open(c->syslog_name, 0, c->syslog_facility);
		msg_also_stderr(1); /* start-up errors reach the terminal until we detach */
	}

	md_block_signals();
	daemon_prepare_paths(c->milter_socket, c->pid_file, c->run_as_user);
	if (smfi_setconn(c->milter_socket) == MI_FAILURE)
		msg_fatal("milter_socket: cannot use \"%s\"", c->milter_socket);
	if (smfi_settimeout((int)(c->milter_timeout / 1000)) == MI_FAILURE)
		msg_fatal("cannot set the milter timeout");
	if (smfi_register(milter_desc) == MI_FAILURE)
		msg_fatal("smfi_register failed");
	if (smfi_opensocket(1) == MI_FAILURE)
		msg_fatal("cannot listen on %s: is another tenant-milter running, or is the address in use?",
			  c->milter_socket);
	md_prepare_listener();
	daemon_socket_owner(c->milter_socket, c->run_as_user);
	if (!foreground) {
		daemon_detach();
		msg_also_stderr(0);
	}
	daemon_write_pid(c->pid_file);
	daemon_drop_privileges(c->run_as_user);

	the_tdir = tdir_start(c);
	milter_cb_init(snap_source, c);
	milter_cb_set_pmap(pmap);
	milter_cb_set_keyring(keys);
	md_start_reloader(reload);
	msg_info("starting: listening on %s, store %s", c->milter_socket, c->redis_server);

	rc = smfi_main();

	msg_info("stopping");
	daemon_remove_pid(c->pid_file);
	tdir_stop(the_tdir);
	milter_cb_shutdown();
	conf_unref(c);
	sbuf_free(errs);
	return rc == MI_SUCCESS ? 0 : 1;
}
