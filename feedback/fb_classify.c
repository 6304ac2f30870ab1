/*
 * NAME
 *	fb_classify - tenant-feedback's read-only commands: classify and scan
 * DESCRIPTION
 *	classify reads bounce and feedback-loop messages (one per file, "-" for
 *	standard input) and prints one line per recipient each reports: the
 *	recipient, the enhanced status, the category and the reason. A message
 *	that is no bounce or report prints one line with category "none".
 *	scan prints each delivery record of a Postfix log with its category.
 *	Neither touches Redis.
 * SEE ALSO
 *	tenant-feedback(1), tm_dsn.h, tm_maillog.h, conf/bounce-rules.conf
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_bounce.h"
#include "tm_dsn.h"
#include "tm_maillog.h"
#include "tm_mem.h"

#include "tenant-feedback.h"

/* CLASSIFY_OPTS - classify's options; each applies to the files named after it */
typedef struct {
	int json;    /* --json: one JSON object per line */
	int explain; /* --explain: the rule (file:line) and its source, and the text it read */
} CLASSIFY_OPTS;

/* classify_option - 1 when arg is one of classify's options (recorded in o), 0 for a file */
static int
classify_option(const char *arg, CLASSIFY_OPTS *o)
{
	if (strcmp(arg, "--json") == 0)
		o->json = 1;
	else if (strcmp(arg, "--explain") == 0)
		o->explain = 1;
	else
		return 0;
	return 1;
}

/* classify_text - the first bytes of the text a decision read, on one line, for --explain */
static void
classify_text(SBUF *out, const char *text)
{
	size_t n = 0;

	for (const char *p = text ? text : ""; *p && n < 200; p++, n++)
		sbuf_putc(out, (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p);
}

/* classify_line - one recipient's line (x NULL: the message names none; none says what it is, why why) */
static void
classify_line(const CLASSIFY_OPTS *o, const char *file, const DSN_RCPT *x, const char *none, const char *why)
{
	const char *status = x ? x->status : "", *reason = x ? x->reason : none;
	int cat = x ? x->category : BC_NONE;
	SBUF *text = sbuf_new(256);

	if (x)
		classify_text(text, x->text);
	if (o->json) {
		json_t *j = json_object();
		char *s;
		json_object_set_new(j, "file", json_string(file));
		json_object_set_new(j, "recipient", x && x->recipient ? json_string(x->recipient) : json_null());
		if (x && x->orig_recipient) /* the address the sender gave: the one checked and suppressed */
			json_object_set_new(j, "original_recipient", json_string(x->orig_recipient));
		json_object_set_new(j, "status", json_string(status));
		json_object_set_new(j, "category", json_string(bounce_category_name(cat)));
		json_object_set_new(j, "reason", json_string(reason));
		if (o->explain) {
			json_object_set_new(j, "rule", json_string(x ? x->rule : why));
			json_object_set_new(j, "source", x && x->source ? json_string(x->source) : json_null());
			json_object_set_new(j, "text", json_string(sbuf_str(text)));
		}
		s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
		puts(s ? s : "{}");
		free(s);
		json_decref(j);
	} else {
		printf("%s: %s %s %s (%s)\n", file, x && x->recipient ? x->recipient : "-", *status ? status : "-",
		       bounce_category_name(cat), x ? reason : why);
		if (o->explain) {
			printf("  decided by %s%s%s%s\n", x ? x->rule : why, x && x->source ? " (source: " : "",
			       x && x->source ? x->source : "", x && x->source ? ")" : "");
			if (x && x->recipient == NULL)
				printf("  names no recipient (redacted): counted against its tenant, suppresses no one\n");
			if (x && x->orig_recipient)
				printf("  original recipient: %s (the one checked and suppressed)\n", x->orig_recipient);
			if (x)
				printf("  text: %s\n", sbuf_str(text));
		}
	}
	sbuf_free(text);
}

/* classify_file - the lines of one message file; 1 when it cannot be read (said on stderr) */
static int
classify_file(const BRULES *rules, const CLASSIFY_OPTS *o, const char *path)
{
	SBUF *err = sbuf_new(64);
	char *data;
	size_t len;
	DSN_REPORT rep;

	if ((data = fb_read_all(path, &len, err)) == NULL) {
		fprintf(stderr, "tenant-feedback: %s\n", sbuf_str(err));
		sbuf_free(err);
		return 1;
	}
	sbuf_free(err);
	dsn_parse(data, len, rules, &rep);
	if (rep.n == 0 && rep.unnamed)
		classify_line(o, path, rep.unnamed, NULL, NULL);
	else if (rep.n == 0)
		classify_line(o, path, NULL, rep.kind == DSN_NONE ? "not-bounce" : "none",
		              rep.kind == DSN_NONE ? "not a bounce or a report" : "a report that names no recipient");
	for (size_t k = 0; k < rep.n; k++)
		classify_line(o, path, &rep.r[k], NULL, NULL);
	dsn_report_clear(&rep);
	free(data);
	return 0;
}

/* fb_cmd_classify - each file named, with the options named before it */
int
fb_cmd_classify(const FB_CTX *x, int argc, char **argv)
{
	CLASSIFY_OPTS o = {0};
	int rc = 0, files = 0;

	for (int i = 0; i < argc; i++) {
		if (classify_option(argv[i], &o))
			continue;
		files++;
		if (classify_file(x->rules, &o, argv[i]) != 0)
			rc = 1;
	}
	if (files == 0)
		fb_usage();
	return rc;
}

/* scan_line - one delivery record with its category and why */
static void
scan_line(const MAILLOG_REC *rec, int cat, const char *why, int json)
{
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
		json_object_set_new(o, "reason", json_string(why));
		json_object_set_new(o, "text", json_string(rec->text));
		s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
		puts(s ? s : "{}");
		free(s);
		json_decref(o);
	} else {
		printf("%s %s %s %s %s (%s)\n", rec->qid, rec->rcpt, *rec->dsn ? rec->dsn : "-",
		       maillog_status_name(rec->status), bounce_category_name(cat), why);
	}
}

/* fb_cmd_scan - every delivery record of a Postfix log, with its category */
int
fb_cmd_scan(const FB_CTX *x, int argc, char **argv)
{
	const char *path = NULL;
	int json = 0;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, lines = 0, records = 0;
	ssize_t n;
	MAILLOG_REC *rec;
	SBUF *why;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (path == NULL)
			path = argv[i];
		else
			fb_usage();
	}
	if (path == NULL)
		fb_usage();
	if ((fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		fprintf(stderr, "tenant-feedback: %s: %s\n", path, strerror(errno));
		return 1;
	}
	rec = xmalloc(sizeof(*rec));
	why = sbuf_new(64);
	while ((n = getline(&line, &cap, fp)) > 0) {
		lines++;
		if (!fb_log_record(line, (size_t)n, x->names, rec, path, "line", (long long)lines))
			continue;
		records++;
		sbuf_reset(why);
		scan_line(rec, bounce_log_category(x->rules, rec, why), sbuf_str(why), json);
	}
	fprintf(stderr, "tenant-feedback: %zu lines, %zu delivery records\n", lines, records);
	if (fp != stdin)
		fclose(fp);
	free(line);
	free(rec);
	sbuf_free(why);
	return 0;
}
