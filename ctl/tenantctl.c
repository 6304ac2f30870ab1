/*
 * NAME
 *	tenantctl - administer tenants in the shared store
 * SYNOPSIS
 *	tenantctl [-c FILE] [-o name=value] COMMAND ...
 * DESCRIPTION
 *	Commands dispatch through one table, and each command's subcommands
 *	through its own (CTL_SUB, ctl_dispatch). Every change bumps tm:version,
 *	which running milters poll, so a change takes effect within
 *	tenant_refresh_interval.
 * SEE ALSO
 *	tenantctl(1), docs/redis-schema.md
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "tm_msg.h"

/* The commands; unsubscribe-key reads only files, and gets no store. */
static const struct {
	const char *name;
	int (*run)(CTL *, int, char **);
	int needs_store;
} ctl_commands[] = {
    {"tenant", ctl_cmd_tenant, 1},
    {"identity", ctl_cmd_identity, 1},
    {"domain", ctl_cmd_domain, 1},
    {"apply", ctl_cmd_apply, 1},
    {"warmup", ctl_cmd_warmup, 1},
    {"rate", ctl_cmd_rate, 1},
    {"suppress", ctl_cmd_suppress, 1},
    {"stats", ctl_cmd_stats, 1},
    {"top", ctl_cmd_top, 1},
    {"transport", ctl_cmd_transport, 1},
    {"pool", ctl_cmd_pool, 1},
    {"postfix-config", ctl_cmd_postfix_config, 1},
    {"unsubscribe-key", ctl_cmd_unsubscribe_key, 0},
    {"dkim", ctl_cmd_dkim, 1},
};

/* ctl_fail - "tenantctl: TEXT" on stderr */
int
ctl_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("tenantctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CTL_FAIL;
}

/* ctl_fail_free - ctl_fail with err's text, and err freed */
int
ctl_fail_free(SBUF *err)
{
	ctl_fail("%s", sbuf_str(err));
	sbuf_free(err);
	return CTL_FAIL;
}

/* ctl_dispatch - the row argv[0] names, or the closing row; a usage text makes CTL_USAGE exit 1 */
int
ctl_dispatch(CTL *c, const CTL_SUB *subs, int argc, char **argv)
{
	const CTL_SUB *s;
	int rc;

	for (s = subs; s->name; s++)
		if (argc > 0 && strcmp(argv[0], s->name) == 0)
			break;
	rc = s->run ? s->run(c, argc, argv) : CTL_USAGE;
	if (rc == CTL_USAGE && s->usage)
		rc = ctl_fail("%s", s->usage);
	return rc;
}

/* usage - the whole synopsis, and exit 2 */
static void
usage(void)
{
	fputs(
	    "usage: tenantctl [-c config_file] [-o name=value] COMMAND ...\n"
	    "  tenant add NAME\n"
	    "  tenant show NAME [--json]\n"
	    "  tenant list [--json]\n"
	    "  tenant remove NAME\n"
	    "  tenant pause NAME [--reason TEXT]\n"
	    "  tenant disable NAME [--reason TEXT]\n"
	    "  tenant resume NAME\n"
	    "  identity add NAME (--sasl LOGIN | --network CIDR)\n"
	    "  identity remove NAME (--sasl LOGIN | --network CIDR)\n"
	    "  tenant stream NAME transactional|bulk      the default stream of its domains\n"
	    "  domain add NAME DOMAIN [--stream transactional|bulk]\n"
	    "  domain remove NAME DOMAIN\n"
	    "  apply FILE [--prune]\n"
	    "  warmup set NAME (--schedule N1,N2,... | --preset conservative|standard|aggressive)\n"
	    "             [--start YYYY-MM-DD] [--then unlimited|N] [--active-hours H]\n"
	    "             [--provider google=N,microsoft=N,...] [--timezone ZONE]\n"
	    "  warmup show NAME [--json]\n"
	    "  warmup clear NAME\n"
	    "  rate set NAME RATE [--burst N]      RATE like 100/min, 2000/h, 10/s\n"
	    "  rate clear NAME\n"
	    "  suppress add ADDRESS [--tenant NAME] [--reason "
	    "unsubscribe|hard-bounce|complaint|manual]\n"
	    "               [--expires DURATION]\n"
	    "  suppress remove ADDRESS [--tenant NAME]\n"
	    "  suppress check ADDRESS [--tenant NAME] [--json]\n"
	    "  suppress list [--tenant NAME] [--json]\n"
	    "  suppress import FILE.csv [--tenant NAME]   rows: address[,reason[,tenant]]\n"
	    "  suppress export [--tenant NAME]\n"
	    "  stats NAME [--day YYYY-MM-DD] [--json]\n"
	    "  top [--json]\n"
	    "  transport add NAME --ip ADDR [--ip6 ADDR] --helo HOSTNAME [--concurrency N]\n"
	    "                [--rate-delay DURATION]\n"
	    "  transport disable NAME [--reason TEXT]\n"
	    "  transport enable NAME\n"
	    "  pool add POOL TRANSPORT[:WEIGHT]...\n"
	    "  pool assign TENANT POOL [--stream transactional|bulk|any]\n"
	    "  postfix-config      the master.cf and main.cf lines for every transport\n"
	    "  unsubscribe-key generate|rotate|list|retire ID   the keys that seal tokens\n"
	    "  dkim generate NAME DOMAIN --selector S   a 2048-bit key (mode 0600) and its DNS "
	    "record\n"
	    "  dkim add NAME DOMAIN --selector S --key FILE\n"
	    "  dkim list [NAME] [--json]\n",
	    stderr);
	exit(CTL_USAGE);
}

int
main(int argc, char **argv)
{
	const char *config = NULL;
	char *overrides[32];
	int noverrides = 0, ch, rc = CTL_USAGE;
	SBUF *errs = sbuf_new(256);
	CTL ctl = {0};

	msg_open("tenantctl", 1, NULL);
	msg_set_level(MSG_WARN);
	while ((ch = getopt(argc, argv, "+c:o:h")) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'o':
			if (noverrides >= 32)
				msg_fatal("too many -o options");
			overrides[noverrides++] = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	if ((ctl.conf = conf_load(config, overrides, noverrides, errs)) == NULL) {
		fputs(sbuf_str(errs), stderr);
		return ctl_fail("configuration errors; nothing done");
	}
	for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++) {
		if (strcmp(argv[optind], ctl_commands[i].name) != 0)
			continue;
		ctl.store = ctl_commands[i].needs_store ? store_new(ctl.conf) : NULL;
		rc = ctl_commands[i].run(&ctl, argc - optind - 1, argv + optind + 1);
		if (rc == CTL_USAGE)
			usage();
		break;
	}
	if (rc == CTL_USAGE)
		usage();
	store_free(ctl.store);
	conf_unref(ctl.conf);
	sbuf_free(errs);
	return rc;
}
