/*
 * NAME
 *	tenant-feedback - what happened to the mail after it left
 * SYNOPSIS
 *	tenant-feedback [-c FILE] [-o name=value] [-r RULES] COMMAND ...
 * DESCRIPTION
 *	The options, the configuration, the bounce rules and the command
 *	table; the commands live in fb_classify.c (classify, scan), fb_follow.c
 *	(follow) and fb_mail.c (dsn, unsubscribe). The rules come from -r, else
 *	bounce_rules in the configuration, else the rules compiled in from
 *	conf/bounce-rules.conf.
 * SEE ALSO
 *	tenant-feedback(1), conf/bounce-rules.conf
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tm_bounce.h"
#include "tm_conf.h"
#include "tm_maillog.h"
#include "tm_msg.h"
#include "tm_provider.h"

#include "tenant-feedback.h"

#define MAX_MESSAGE (32 * 1024 * 1024)

/* what main() does for a command beyond loading the configuration and the rules */
#define FB_CMD_LOGLEVEL 1 /* log at log_level (else warnings only, as classify and scan) */
#define FB_CMD_PMAP 2     /* load provider_map when it is readable */

/* FB_CMD - one row of the command table */
typedef struct {
	const char *name;
	int (*run)(const FB_CTX *x, int argc, char **argv);
	int flags; /* FB_CMD_* */
} FB_CMD;

static const FB_CMD fb_cmds[] = {
    {"classify", fb_cmd_classify, 0},
    {"scan", fb_cmd_scan, 0},
    {"unsubscribe", fb_cmd_unsubscribe, FB_CMD_LOGLEVEL},
    {"follow", fb_cmd_follow, FB_CMD_LOGLEVEL | FB_CMD_PMAP},
    {"dsn", fb_cmd_dsn, FB_CMD_LOGLEVEL | FB_CMD_PMAP},
};

/* fb_usage - the usage text on stderr; exit status 2 */
void
fb_usage(void)
{
	fputs(
	    "usage: tenant-feedback [-c config_file] [-o name=value] [-r rules_file] COMMAND ...\n"
	    "  classify [--json] [--explain] FILE...\n"
	    "                              one line per recipient of each bounce or report;\n"
	    "                              --explain: the rule that decided, its source, the text\n"
	    "  scan [--json] FILE|-        each delivery record of a Postfix log, classified\n"
	    "  follow [--from-start] [--once] FILE|-\n"
	    "                              apply a Postfix log's outcomes to Redis, durably\n"
	    "  dsn [RECIPIENT]             apply one bounce or report from stdin (a pipe(8) "
	    "command);\n"
	    "                              RECIPIENT (${original_recipient}) opens a VERP return "
	    "path\n"
	    "  unsubscribe RECIPIENT       the mailto unsubscribe path (a pipe(8) command)\n",
	    stderr);
	exit(2);
}

/* fb_read_all - a whole file (or stdin for "-"), at most MAX_MESSAGE bytes */
char *
fb_read_all(const char *path, size_t *len, SBUF *err)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	SBUF *b;
	char buf[65536];
	size_t n;

	if (fp == NULL) {
		sbuf_printf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	b = sbuf_new(sizeof(buf));
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0 && b->len < MAX_MESSAGE)
		sbuf_catn(b, buf, n);
	if (fp != stdin)
		fclose(fp);
	*len = b->len;
	return sbuf_steal(b);
}

/*
 * fb_log_record - maillog_parse() with the configured syslog names: 1 for a
 * delivery record. A line of Postfix's delivery agent that is no readable
 * record (malformed, or a field too long to keep whole) is skipped with a
 * warning naming where it is, never its text.
 */
int
fb_log_record(const char *line, size_t n, char *const *names, MAILLOG_REC *rec, const char *path,
              const char *unit, long long where)
{
	int r = maillog_parse(line, n, (const char *const *)names, rec);

	if (r == MAILLOG_MALFORMED)
		msg_warn(
		    "%s: %s %lld: a Postfix delivery record that is malformed or has an oversized "
		    "field; skipped",
		    path, unit, where);
	return r == MAILLOG_RECORD;
}

/* fb_cmd_find - the command table's row for name, or NULL */
static const FB_CMD *
fb_cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(fb_cmds) / sizeof(fb_cmds[0]); i++)
		if (strcmp(fb_cmds[i].name, name) == 0)
			return &fb_cmds[i];
	return NULL;
}

/*
 * fb_conf - the configuration; classify needs no installed one: the
 * defaults when there is none. Exits on errors.
 */
static CONF *
fb_conf(const char *config, char **overrides, int noverrides, SBUF *errs)
{
	CONF *c;

	if (config == NULL && access(conf_default_path(), R_OK) != 0)
		c = conf_parse("defaults", "", overrides, noverrides, errs);
	else
		c = conf_load(config, overrides, noverrides, errs);
	if (c == NULL) {
		fputs(sbuf_str(errs), stderr);
		msg_fatal("configuration errors; nothing done");
	}
	return c;
}

/* fb_rules - the bounce rules: -r, else bounce_rules when readable (*rules_path: which), else the built-in ones. Exits
 * on errors. */
static BRULES *
fb_rules(const CONF *c, const char **rules_path, SBUF *errs)
{
	BRULES *rules;

	if (*rules_path == NULL && access(c->bounce_rules, R_OK) == 0)
		*rules_path = c->bounce_rules;
	rules = *rules_path ? brules_load(*rules_path, errs) : brules_default();
	if (rules == NULL) {
		fputs(sbuf_str(errs), stderr);
		msg_fatal("bounce rules with errors; nothing done");
	}
	return rules;
}

/* main - options, configuration and rules, then the command named */
int
main(int argc, char **argv)
{
	const char *config = NULL, *rules_path = NULL;
	char *overrides[32];
	int noverrides = 0, ch, rc;
	SBUF *errs = sbuf_new(256);
	const FB_CMD *cmd;
	FB_CTX x = {0};
	BRULES *rules;
	char **names;
	PMAP *pm = NULL;

	msg_open("tenant-feedback", 1, NULL);
	msg_set_level(MSG_WARN);
	while ((ch = getopt(argc, argv, "+c:o:r:h")) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'o':
			if (noverrides >= 32)
				msg_fatal("too many -o options");
			overrides[noverrides++] = optarg;
			break;
		case 'r':
			rules_path = optarg;
			break;
		default:
			fb_usage();
		}
	}
	if (optind >= argc)
		fb_usage();
	x.c = fb_conf(config, overrides, noverrides, errs);
	x.rules = rules = fb_rules(x.c, &rules_path, errs);
	x.rules_path = rules_path;
	x.names = names = maillog_names_split(x.c->postfix_syslog_names);
	if ((cmd = fb_cmd_find(argv[optind])) == NULL)
		fb_usage();
	if (cmd->flags & FB_CMD_PMAP)
		x.pm = pm = access(x.c->provider_map, R_OK) == 0
		                ? pmap_load(x.c->provider_map, errs)
		                : NULL;
	if (cmd->flags & FB_CMD_LOGLEVEL)
		msg_set_level(x.c->log_level);
	rc = cmd->run(&x, argc - optind - 1, argv + optind + 1);
	pmap_free(pm);
	brules_free(rules);
	maillog_names_free(names);
	conf_unref(x.c);
	sbuf_free(errs);
	return rc;
}
