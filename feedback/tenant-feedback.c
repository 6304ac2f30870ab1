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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tm_bounce.h"
#include "tm_conf.h"
#include "tm_dsn.h"
#include "tm_feedback.h"
#include "tm_keys.h"
#include "tm_maillog.h"
#include "tm_provider.h"
#include "tm_store.h"
#include "tm_mem.h"
#include "tm_tenant.h"
#include "tm_msg.h"
#include "tm_token.h"
#include "tm_unsub.h"

#include "tenant-feedback.h"

#define MAX_MESSAGE (32 * 1024 * 1024)

static void
usage(void)
{
	fputs("usage: tenant-feedback [-c config_file] [-o name=value] [-r rules_file] COMMAND ...\n"
	      "  classify [--json] FILE...   one line per recipient of each bounce or report\n"
	      "  scan [--json] FILE|-        each delivery record of a Postfix log, classified\n"
	      "  follow [--from-start] [--once] FILE|-\n"
	      "                              apply a Postfix log's outcomes to Redis, durably\n"
	      "  dsn [RECIPIENT]             apply one bounce or report from stdin (a pipe(8) command);\n"
	      "                              RECIPIENT (${original_recipient}) opens a VERP return path\n"
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
		if ((data = fb_read_all(argv[i], &len, err)) == NULL) {
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

/*
 * log_record - maillog_parse() with the configured syslog names: 1 for a
 * delivery record. A line of Postfix's delivery agent that is no readable
 * record (malformed, or a field too long to keep whole) is skipped with a
 * warning naming where it is, never its text.
 */
static int
log_record(const char *line, size_t n, char *const *names, MAILLOG_REC *rec, const char *path,
	   const char *unit, long long where)
{
	int r = maillog_parse(line, n, (const char *const *)names, rec);

	if (r == MAILLOG_MALFORMED)
		msg_warn("%s: %s %lld: a Postfix delivery record that is malformed or has an oversized "
			 "field; skipped",
			 path, unit, where);
	return r == MAILLOG_RECORD;
}

/* cmd_scan - every delivery record of a Postfix log, with its category */
static int
cmd_scan(const BRULES *rules, char *const *names, int argc, char **argv)
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
		if (!log_record(line, (size_t)n, names, rec, path, "line", (long long)lines))
			continue;
		records++;
		sbuf_reset(why);
		cat = bounce_log_category(rules, rec, why);
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


static volatile sig_atomic_t stop_following;

static void
on_term(int sig)
{
	(void)sig;
	stop_following = 1;
}

/*
 * cmd_follow - apply a Postfix log to Redis. Each record's effects and the
 * position after it are one atomic script call, so a restart resumes exactly
 * after the last applied record: nothing lost, nothing counted twice. Lines
 * that are no records move the position at the end of each batch. Rotation:
 * a new inode at the path (rename) is opened once the old file is read to its
 * end and it holds data; a file shorter than the position (truncation) is
 * read from its start.
 */
/* log_event - the outcome of one delivery record; pos_key and pos name the position after it ("" for none) */
static FB_EVENT
log_event(const BRULES *rules, const MAILLOG_REC *rec, SBUF *why, const char *pos_key, const char *pos)
{
	return (FB_EVENT){.qid = rec->qid, .category = bounce_log_category(rules, rec, why), .rcpt = rec->rcpt,
			  .orig_rcpt = *rec->orig_rcpt ? rec->orig_rcpt : NULL,
			  .transport = rec->service, .final = bounce_log_final(rec), .pos_key = pos_key, .pos = pos};
}

/*
 * follow_stdin - "follow -": records from a pipe (journalctl -f -o short-iso
 * --cursor-file ...). A pipe has no position to store, so each record is
 * applied as it arrives; while Redis is down the record is retried and the
 * pipe waits, so nothing is dropped. Resuming is the feeder's job.
 */
static int
follow_stdin(CONF *c, const BRULES *rules, const PMAP *pm, char *const *names)
{
	STORE *s = store_new(c);
	SBUF *err = sbuf_new(128), *why = sbuf_new(64);
	MAILLOG_REC *rec = xmalloc(sizeof(*rec));
	char *line = NULL;
	size_t cap = 0, lines = 0, applied_total = 0, records_total = 0;
	ssize_t n;

	while (!stop_following && (n = getline(&line, &cap, stdin)) > 0) {
		FB_EVENT e;
		int applied = 0;
		lines++;
		if (!log_record(line, (size_t)n, names, rec, "-", "line", (long long)lines))
			continue;
		records_total++;
		sbuf_reset(why);
		e = log_event(rules, rec, why, "", "");
		while (!stop_following && feedback_apply(s, c, pm, &e, &applied, NULL, err) < 0) {
			msg_warn("%s; retrying this record", sbuf_str(err));
			sbuf_reset(err);
			sleep(1);
		}
		applied_total += (size_t)applied;
	}
	fprintf(stderr, "tenant-feedback: %zu lines, %zu delivery records, %zu applied\n", lines, records_total,
		applied_total);
	free(line);
	free(rec);
	sbuf_free(err);
	sbuf_free(why);
	store_free(s);
	return 0;
}

static int
cmd_follow(CONF *c, const BRULES *rules, const PMAP *pm, char *const *names, int argc, char **argv)
{
	const char *path = NULL;
	int from_start = 0, once = 0, rc = 0;
	STORE *s = store_new(c);
	SBUF *err = sbuf_new(128), *why = sbuf_new(64), *pos = sbuf_new(64);
	char poskey[512], posval[64], *line = NULL;
	size_t cap = 0, lines = 0, applied_total = 0, records_total = 0;
	FILE *fp = NULL;
	struct stat st;
	unsigned long long ino = 0;
	long long off = 0;
	MAILLOG_REC *rec = xmalloc(sizeof(*rec));
	int found;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--from-start") == 0)
			from_start = 1;
		else if (strcmp(argv[i], "--once") == 0)
			once = 1;
		else if (path == NULL)
			path = argv[i];
		else
			usage();
	}
	if (path == NULL)
		usage();
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (strcmp(path, "-") == 0) {
		store_free(s);
		sbuf_free(err);
		sbuf_free(why);
		sbuf_free(pos);
		free(rec);
		return follow_stdin(c, rules, pm, names);
	}
	snprintf(poskey, sizeof(poskey), KEY_FB_POS_FMT, path);
reopen:
	if (fp)
		fclose(fp);
	fp = NULL;
	while (!stop_following && (fp = fopen(path, "r")) == NULL) {
		if (once) {
			fprintf(stderr, "tenant-feedback: %s: %s\n", path, strerror(errno));
			rc = 1;
			goto out;
		}
		sleep(1);
	}
	if (fp == NULL)
		goto out;
	fstat(fileno(fp), &st);
	/* where to start: the stored position if it is this file's, else the start or the end */
	off = 0;
	sbuf_reset(err);
	sbuf_reset(pos);
	if ((found = store_get(s, poskey, pos, err)) < 0) {
		msg_warn("%s; retrying", sbuf_str(err));
		sleep(1);
		goto reopen;
	}
	if (found && !from_start) {
		unsigned long long pino;
		long long poff;
		if (sscanf(sbuf_str(pos), "%llu:%lld", &pino, &poff) == 2 && pino == (unsigned long long)st.st_ino &&
		    poff <= st.st_size)
			off = poff;
	} else if (!found && !from_start && !once) {
		off = st.st_size; /* first start: new lines only */
	}
	/* the batches use EVALSHA: make sure Redis has the script (after a restart too) */
	if (store_script_load(s, feedback_script(), err) < 0) {
		msg_warn("%s; retrying", sbuf_str(err));
		sleep(1);
		goto reopen;
	}
	from_start = 0; /* only the first file */
	ino = (unsigned long long)st.st_ino;
	fseeko(fp, off, SEEK_SET);
	while (!stop_following) {
		size_t queued = 0, batch_records = 0, batch_lines = 0, batch_applied = 0;
		int last_was_record = 0;
		ssize_t n;
		clearerr(fp);
		while (queued < 256 && (n = getline(&line, &cap, fp)) > 0) {
			if (line[n - 1] != '\n') { /* a line still being written: come back for it */
				fseeko(fp, off, SEEK_SET);
				break;
			}
			off += n;
			lines++;
			batch_lines++;
			last_was_record = 0;
			if (!log_record(line, (size_t)n, names, rec, path, "offset", off - n))
				continue;
			sbuf_reset(why);
			{
				FB_EVENT e = log_event(rules, rec, why, poskey, posval);
				const char *av[FB_ARGV_MAX];
				char buf[FB_BUF_MAX][384];
				int ac;
				snprintf(posval, sizeof(posval), "%llu:%lld", ino, off);
				ac = feedback_argv(c, pm, &e, av, buf);
				if (store_append(s, ac, av, NULL, err) < 0)
					goto broken;
				queued++;
				batch_records++;
				last_was_record = 1;
			}
		}
		if (!last_was_record && batch_lines > 0) { /* position after the last line read */
			const char *av[3] = {"SET", poskey, posval};
			snprintf(posval, sizeof(posval), "%llu:%lld", ino, off);
			if (store_append(s, 3, av, NULL, err) < 0)
				goto broken;
			queued++;
		}
		if (queued && store_drain_flags(s, queued, &batch_applied, err) < 0)
			goto broken;
		records_total += batch_records;
		applied_total += batch_applied;
		if (queued >= 256)
			continue;
		/* at the end: rotated or truncated? A new file at the path is followed once it
		   holds data: until the writer (syslog, postlogd) reopens, it still writes into the
		   moved file (logrotate creates the new one before postrotate's HUP), and the new
		   one only after */
		if (stat(path, &st) == 0 && (unsigned long long)st.st_ino != ino &&
		    st.st_size > 0) {
			if (getline(&line, &cap, fp) > 0) { /* the old file grew after all */
				fseeko(fp, off, SEEK_SET);
				continue;
			}
			msg_info("%s was rotated; following the new file", path);
			sbuf_reset(err);
			sbuf_reset(pos);
			sbuf_printf(pos, "%llu:0", (unsigned long long)st.st_ino);
			store_set(s, poskey, sbuf_str(pos), err);
			goto reopen;
		}
		if (stat(path, &st) == 0 && (unsigned long long)st.st_ino == ino &&
		    st.st_size < off) {
			msg_info("%s was truncated; reading it from the start", path);
			off = 0;
			fseeko(fp, 0, SEEK_SET);
			continue;
		}
		if (once)
			break;
		usleep(200000);
	}
	fprintf(stderr, "tenant-feedback: %zu lines, %zu delivery records, %zu applied\n", lines, records_total, applied_total);
	goto out;
broken:
	/* nothing after the stored position was applied: resume from there */
	msg_warn("%s; resuming from the stored position", sbuf_str(err));
	store_free(s);
	s = store_new(c);
	if (once) {
		rc = 1;
		goto out;
	}
	sleep(1);
	goto reopen;
out:
	if (fp)
		fclose(fp);
	free(line);
	free(rec);
	sbuf_free(err);
	sbuf_free(why);
	sbuf_free(pos);
	store_free(s);
	return rc;
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
	char **names;

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
	names = maillog_names_split(c->postfix_syslog_names);
	if (strcmp(argv[optind], "classify") == 0)
		rc = cmd_classify(rules, argc - optind - 1, argv + optind + 1);
	else if (strcmp(argv[optind], "scan") == 0)
		rc = cmd_scan(rules, names, argc - optind - 1, argv + optind + 1);
	else if (strcmp(argv[optind], "unsubscribe") == 0) {
		msg_set_level(c->log_level);
		rc = fb_cmd_unsubscribe(c, argc - optind - 1, argv + optind + 1);
	} else if (strcmp(argv[optind], "follow") == 0 || strcmp(argv[optind], "dsn") == 0) {
		PMAP *pm = access(c->provider_map, R_OK) == 0 ? pmap_load(c->provider_map, errs) : NULL;
		msg_set_level(c->log_level);
		rc = argv[optind][0] == 'f' ? cmd_follow(c, rules, pm, names, argc - optind - 1, argv + optind + 1)
					    : fb_cmd_dsn(c, rules, pm, argc - optind - 1, argv + optind + 1);
		pmap_free(pm);
	}
	else
		usage();
	brules_free(rules);
	maillog_names_free(names);
	conf_unref(c);
	sbuf_free(errs);
	return rc;
}
