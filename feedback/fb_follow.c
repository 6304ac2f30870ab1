/*
 * NAME
 *	fb_follow - tenant-feedback follow: a Postfix log applied to Redis
 * DESCRIPTION
 *	Each delivery record's outcome (tm_feedback.h) and the position after
 *	it are one atomic script call, so a restart resumes exactly after the
 *	last applied record: nothing lost, nothing counted twice. "-" reads a
 *	pipe instead, which has no position to store.
 * SEE ALSO
 *	tenant-feedback(1), tm_feedback.h, tm_maillog.h
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tm_bounce.h"
#include "tm_conf.h"
#include "tm_feedback.h"
#include "tm_keys.h"
#include "tm_maillog.h"
#include "tm_mem.h"
#include "tm_msg.h"
#include "tm_provider.h"
#include "tm_store.h"

#include "tenant-feedback.h"

static volatile sig_atomic_t stop_following;

/* on_term - SIGTERM, SIGINT: stop after the record at hand */
static void
on_term(int sig)
{
	(void)sig;
	stop_following = 1;
}

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
		if (!fb_log_record(line, (size_t)n, names, rec, "-", "line", (long long)lines))
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

/*
 * fb_cmd_follow - apply a Postfix log to Redis. Each record's effects and the
 * position after it are one atomic script call, so a restart resumes exactly
 * after the last applied record: nothing lost, nothing counted twice. Lines
 * that are no records move the position at the end of each batch. Rotation:
 * a new inode at the path (rename) is opened once the old file is read to its
 * end and it holds data; a file shorter than the position (truncation) is
 * read from its start.
 */
int
fb_cmd_follow(const FB_CTX *x, int argc, char **argv)
{
	CONF *c = x->c;
	const BRULES *rules = x->rules;
	const PMAP *pm = x->pm;
	char *const *names = x->names;
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
			fb_usage();
	}
	if (path == NULL)
		fb_usage();
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
			if (!fb_log_record(line, (size_t)n, names, rec, path, "offset", off - n))
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
