/*
 * NAME
 *	tenant-feedback - what happened to the mail after it left
 * SYNOPSIS
 *	tenant-feedback [-c FILE] [-o name=value] [-r RULES] classify [--json] FILE...
 * DESCRIPTION
 *	classify reads bounce and feedback-loop messages (one per file, "-" for
 *	standard input) and prints one line per recipient each reports: the
 *	recipient, the enhanced status, the category and the reason. A message
 *	that is no bounce or report prints one line with category "none".
 *	The rules come from -r, else bounce_rules in the configuration, else
 *	the rules compiled in from conf/bounce-rules.conf.
 * SEE ALSO
 *	tenant-feedback(1), conf/bounce-rules.conf
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tm_bounce.h"
#include "tm_conf.h"
#include "tm_dsn.h"
#include "tm_maillog.h"
#include "tm_mem.h"
#include "tm_msg.h"

#define MAX_MESSAGE (32 * 1024 * 1024)

static void
usage(void)
{
	fputs("usage: tenant-feedback [-c config_file] [-o name=value] [-r rules_file] COMMAND ...\n"
	      "  classify [--json] FILE...   one line per recipient of each bounce or report\n"
	      "  scan [--json] FILE|-        each delivery record of a Postfix log, classified\n",
	      stderr);
	exit(2);
}

/* read_all - a whole file (or stdin for "-"), at most MAX_MESSAGE bytes */
static char *
read_all(const char *path, size_t *len, SBUF *err)
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

static void
print_line(const char *file, const char *rcpt, const char *status, int cat, const char *reason, int json)
{
	if (json) {
		json_t *o = json_object();
		char *s;
		json_object_set_new(o, "file", json_string(file));
		json_object_set_new(o, "recipient", rcpt ? json_string(rcpt) : json_null());
		json_object_set_new(o, "status", json_string(status));
		json_object_set_new(o, "category", json_string(bounce_category_name(cat)));
		json_object_set_new(o, "reason", json_string(reason));
		s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
		puts(s ? s : "{}");
		free(s);
		json_decref(o);
	} else {
		printf("%s: %s %s %s (%s)\n", file, rcpt ? rcpt : "-", *status ? status : "-", bounce_category_name(cat),
		       reason);
	}
}

static int
cmd_classify(const BRULES *rules, int argc, char **argv)
{
	int json = 0, rc = 0, files = 0;

	for (int i = 0; i < argc; i++) {
		SBUF *err;
		char *data;
		size_t len;
		DSN_REPORT rep;
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
			continue;
		}
		files++;
		err = sbuf_new(64);
		if ((data = read_all(argv[i], &len, err)) == NULL) {
			fprintf(stderr, "tenant-feedback: %s\n", sbuf_str(err));
			sbuf_free(err);
			rc = 1;
			continue;
		}
		sbuf_free(err);
		dsn_parse(data, len, rules, &rep);
		if (rep.n == 0)
			print_line(argv[i], NULL, "", rep.kind == DSN_NONE ? BC_NONE : BC_NONE,
				   rep.kind == DSN_NONE ? "not a bounce or a report" : "a report that names no recipient", json);
		for (size_t k = 0; k < rep.n; k++)
			print_line(argv[i], rep.r[k].recipient, rep.r[k].status, rep.r[k].category,
				   rep.r[k].reason ? rep.r[k].reason : "", json);
		dsn_report_clear(&rep);
		free(data);
	}
	if (files == 0)
		usage();
	return rc;
}

/* cmd_scan - every delivery record of a Postfix log, with its category */
static int
cmd_scan(const BRULES *rules, int argc, char **argv)
{
	const char *path = NULL;
	int json = 0;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, lines = 0, records = 0;
	ssize_t n;
	MAILLOG_REC *rec = xmalloc(sizeof(*rec));
	SBUF *why = sbuf_new(64);

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (path == NULL)
			path = argv[i];
		else
			usage();
	}
	if (path == NULL)
		usage();
	if ((fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		fprintf(stderr, "tenant-feedback: %s: %s\n", path, strerror(errno));
		free(rec);
		sbuf_free(why);
		return 1;
	}
	while ((n = getline(&line, &cap, fp)) > 0) {
		int cat;
		lines++;
		if (!maillog_parse(line, (size_t)n, rec))
			continue;
		records++;
		sbuf_reset(why);
		if (rec->status == ML_SENT) {
			cat = BC_DELIVERED;
			sbuf_cat(why, "delivered");
		} else {
			cat = bounce_classify(rules, rec->dsn, bounce_extract_code(rec->text), rec->text, why);
			if (cat == BC_NONE || cat == BC_DELIVERED) {
				cat = rec->status == ML_BOUNCED ? BC_HARD : BC_SOFT;
				sbuf_reset(why);
				sbuf_cat(why, "no rule matched");
			}
		}
		if (json) {
			json_t *o = json_object();
			char *s;
			json_object_set_new(o, "queue_id", json_string(rec->qid));
			json_object_set_new(o, "service", json_string(rec->service));
			json_object_set_new(o, "recipient", json_string(rec->rcpt));
			json_object_set_new(o, "relay", json_string(rec->relay));
			json_object_set_new(o, "status", json_string(rec->dsn));
			json_object_set_new(o, "log_status", json_string(maillog_status_name(rec->status)));
			json_object_set_new(o, "category", json_string(bounce_category_name(cat)));
			json_object_set_new(o, "reason", json_string(sbuf_str(why)));
			json_object_set_new(o, "text", json_string(rec->text));
			s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
			puts(s ? s : "{}");
			free(s);
			json_decref(o);
		} else {
			printf("%s %s %s %s %s (%s)\n", rec->qid, rec->rcpt, *rec->dsn ? rec->dsn : "-",
			       maillog_status_name(rec->status), bounce_category_name(cat), sbuf_str(why));
		}
	}
	fprintf(stderr, "tenant-feedback: %zu lines, %zu delivery records\n", lines, records);
	if (fp != stdin)
		fclose(fp);
	free(line);
	free(rec);
	sbuf_free(why);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *config = NULL, *rules_path = NULL;
	char *overrides[32];
	int noverrides = 0, ch, rc;
	SBUF *errs = sbuf_new(256);
	CONF *c;
	BRULES *rules;

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
			usage();
		}
	}
	if (optind >= argc)
		usage();
	/* classify needs no installed configuration: defaults when there is none */
	if (config == NULL && access(conf_default_path(), R_OK) != 0)
		c = conf_parse("defaults", "", overrides, noverrides, errs);
	else
		c = conf_load(config, overrides, noverrides, errs);
	if (c == NULL) {
		fputs(sbuf_str(errs), stderr);
		msg_fatal("configuration errors; nothing done");
	}
	if (rules_path == NULL && access(c->bounce_rules, R_OK) == 0)
		rules_path = c->bounce_rules;
	rules = rules_path ? brules_load(rules_path, errs) : brules_default();
	if (rules == NULL) {
		fputs(sbuf_str(errs), stderr);
		msg_fatal("bounce rules with errors; nothing done");
	}
	if (strcmp(argv[optind], "classify") == 0)
		rc = cmd_classify(rules, argc - optind - 1, argv + optind + 1);
	else if (strcmp(argv[optind], "scan") == 0)
		rc = cmd_scan(rules, argc - optind - 1, argv + optind + 1);
	else
		usage();
	brules_free(rules);
	conf_unref(c);
	sbuf_free(errs);
	return rc;
}
