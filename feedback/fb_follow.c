/*
 * NAME
 *	fb_follow - tenant-feedback follow: a Postfix log applied to Redis
 * DESCRIPTION
 *	Each delivery record's outcome (tm_feedback.h) and the position after
 *	it are one atomic script call (after its queue-id map's read), so a restart resumes exactly after the
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

#define FOLLOW_BATCH 256 /* records and lines a batch queues before it is drained */

static volatile sig_atomic_t stop_following, reload_rules;

/* on_term - SIGTERM, SIGINT: stop after the record at hand */
static void
on_term(int sig)
{
	(void)sig;
	stop_following = 1;
}

/* on_hup - SIGHUP: read the bounce rules again before the next batch */
static void
on_hup(int sig)
{
	(void)sig;
	reload_rules = 1;
}

/* log_event - the outcome of one delivery record; pos_key and pos name the position after it (""
 * for none) */
static FB_EVENT
log_event(const BRULES *rules, const MAILLOG_REC *rec, SBUF *why, const char *pos_key,
          const char *pos)
{
	return (FB_EVENT){.qid = rec->qid,
	                  .category = bounce_log_category(rules, rec, why),
	                  .rcpt = rec->rcpt,
	                  .orig_rcpt = *rec->orig_rcpt ? rec->orig_rcpt : NULL,
	                  .transport = rec->service,
	                  .final = bounce_log_final(rec),
	                  .pos_key = pos_key,
	                  .pos = pos};
}

/* follow_summary - the last line on stderr, when following stops */
static void
follow_summary(size_t lines, size_t records, size_t applied)
{
	fprintf(stderr, "tenant-feedback: %zu lines, %zu delivery records, %zu applied\n", lines,
	        records, applied);
}

/*
 * follow_stdin - "follow -": records from a pipe (journalctl -f -o short-iso
 * --cursor-file ...). A pipe has no position to store, so each record is
 * applied as it arrives; while Redis is down the record is retried and the
 * pipe waits, so nothing is dropped. Resuming is the feeder's job.
 */
static int
follow_stdin(const FB_CTX *x)
{
	STORE *s = store_new(x->c);
	SBUF *err = sbuf_new(128), *why = sbuf_new(64);
	MAILLOG_REC *rec = xmalloc(sizeof(*rec));
	char *line = NULL;
	size_t cap = 0, lines = 0, applied_total = 0, records_total = 0;
	ssize_t n;

	while (!stop_following && (n = getline(&line, &cap, stdin)) > 0) {
		FB_EVENT e;
		int applied = 0;
		lines++;
		if (!fb_log_record(line, (size_t)n, x->names, rec, "-", "line", (long long)lines))
			continue;
		records_total++;
		sbuf_reset(why);
		e = log_event(x->rules, rec, why, "", "");
		while (!stop_following &&
		       feedback_apply(s, x->c, x->pm, &e, &applied, NULL, NULL, err) < 0) {
			msg_warn("%s; retrying this record", sbuf_str(err));
			sbuf_reset(err);
			sleep(1);
		}
		applied_total += (size_t)applied;
	}
	follow_summary(lines, records_total, applied_total);
	free(line);
	free(rec);
	sbuf_free(err);
	sbuf_free(why);
	store_free(s);
	return 0;
}

/* FOLLOW - the state of following one log file */
typedef struct {
	const FB_CTX *x;
	const BRULES *rules; /* x->rules, or the last ones SIGHUP loaded (reloaded) */
	BRULES *reloaded;
	const char *path;
	int from_start; /* --from-start: ignore the stored position (the first file only) */
	int once;       /* --once: stop at the end, and on the first error */
	int rc;         /* the exit status */
	STORE *s;
	SBUF *err, *why, *pos;
	char poskey[512]; /* KEY_FB_POS_FMT for path */
	char posval[64];  /* "INODE:OFFSET" after the record or line at hand */
	char *line;       /* getline()'s buffer */
	size_t cap;
	size_t lines, records, applied; /* the totals for follow_summary */
	FILE *fp;
	unsigned long long ino; /* fp's inode */
	long long off;          /* where the next line starts in fp */
	MAILLOG_REC *rec;
	FB_BATCH *batch; /* the batch's records, until both steps are queued */
} FOLLOW;

/* what a step of follow says to do next */
enum { FOLLOW_OK, FOLLOW_RETRY, FOLLOW_REOPEN, FOLLOW_BROKEN, FOLLOW_DONE };

/* follow_options - fb_cmd_follow's arguments into f; the usage on an extra or a missing one */
static void
follow_options(FOLLOW *f, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--from-start") == 0)
			f->from_start = 1;
		else if (strcmp(argv[i], "--once") == 0)
			f->once = 1;
		else if (f->path == NULL)
			f->path = argv[i];
		else
			fb_usage();
	}
	if (f->path == NULL)
		fb_usage();
}

/*
 * follow_start_offset - where to start in the file just opened (st): the
 * stored position if it is this file's, else its start (--from-start,
 * --once) or its end (the first start: new lines only). FOLLOW_OK with
 * f->off, or FOLLOW_RETRY when Redis could not say (warned).
 */
static int
follow_start_offset(FOLLOW *f, const struct stat *st)
{
	int found;

	f->off = 0;
	sbuf_reset(f->err);
	sbuf_reset(f->pos);
	if ((found = store_get(f->s, f->poskey, f->pos, f->err)) < 0) {
		msg_warn("%s; retrying", sbuf_str(f->err));
		return FOLLOW_RETRY;
	}
	if (found && !f->from_start) {
		unsigned long long pino;
		long long poff;
		if (sscanf(sbuf_str(f->pos), "%llu:%lld", &pino, &poff) == 2 &&
		    pino == (unsigned long long)st->st_ino && poff <= st->st_size)
			f->off = poff;
	} else if (!found && !f->from_start && !f->once) {
		f->off = st->st_size;
	}
	return FOLLOW_OK;
}

/*
 * follow_open - (re)open the file at the path and seek to where to start.
 * FOLLOW_OK; FOLLOW_RETRY after a Redis error (warned, slept); FOLLOW_DONE
 * when stopped while waiting for the file, or with --once when it cannot
 * be opened (f->rc 1).
 */
static int
follow_open(FOLLOW *f)
{
	struct stat st;

	if (f->fp)
		fclose(f->fp);
	f->fp = NULL;
	while (!stop_following && (f->fp = fopen(f->path, "r")) == NULL) {
		if (f->once) {
			fprintf(stderr, "tenant-feedback: %s: %s\n", f->path, strerror(errno));
			f->rc = 1;
			return FOLLOW_DONE;
		}
		sleep(1);
	}
	if (f->fp == NULL)
		return FOLLOW_DONE;
	fstat(fileno(f->fp), &st);
	if (follow_start_offset(f, &st) != FOLLOW_OK) {
		sleep(1);
		return FOLLOW_RETRY;
	}
	/* the batches use EVALSHA: make sure Redis has the script (after a restart too) */
	if (store_script_load(f->s, feedback_script(), f->err) < 0) {
		msg_warn("%s; retrying", sbuf_str(f->err));
		sleep(1);
		return FOLLOW_RETRY;
	}
	f->from_start = 0; /* only the first file */
	f->ino = (unsigned long long)st.st_ino;
	fseeko(f->fp, f->off, SEEK_SET);
	return FOLLOW_OK;
}

/*
 * follow_batch - queue the records of up to FOLLOW_BATCH complete lines,
 * each with the position after it, and the position after the last line
 * when that is no record; then drain them. *queued is how many commands
 * went out. FOLLOW_OK, or FOLLOW_BROKEN (f->err) when Redis failed.
 */
static int
follow_batch(FOLLOW *f, size_t *queued)
{
	size_t records = 0, lines = 0, applied = 0;
	int last_was_record = 0;
	ssize_t n;

	*queued = 0;
	clearerr(f->fp);
	while (*queued < FOLLOW_BATCH && (n = getline(&f->line, &f->cap, f->fp)) > 0) {
		FB_EVENT e;
		if (f->line[n - 1] != '\n') { /* a line still being written: come back for it */
			fseeko(f->fp, f->off, SEEK_SET);
			break;
		}
		f->off += n;
		f->lines++;
		lines++;
		last_was_record = 0;
		if (!fb_log_record(f->line, (size_t)n, f->x->names, f->rec, f->path, "offset",
		                   f->off - n))
			continue;
		sbuf_reset(f->why);
		e = log_event(f->rules, f->rec, f->why, f->poskey, f->posval);
		snprintf(f->posval, sizeof(f->posval), "%llu:%lld", f->ino, f->off);
		feedback_batch_add(f->batch, f->x->c, f->x->pm, &e);
		(*queued)++;
		records++;
		last_was_record = 1;
	}
	if (feedback_batch_send(f->batch, f->s, f->err) < 0) /* the maps' reads, then the scripts */
		return FOLLOW_BROKEN;
	if (!last_was_record && lines > 0) { /* the position after the last line read */
		const char *av[3] = {"SET", f->poskey, f->posval};
		snprintf(f->posval, sizeof(f->posval), "%llu:%lld", f->ino, f->off);
		if (store_append(f->s, 3, av, NULL, f->err) < 0)
			return FOLLOW_BROKEN;
		(*queued)++;
	}
	if (*queued && store_drain_flags(f->s, *queued, &applied, f->err) < 0)
		return FOLLOW_BROKEN;
	f->records += records;
	f->applied += applied;
	return FOLLOW_OK;
}

/*
 * follow_at_end - at the end of the file: rotated or truncated? A new file
 * at the path is followed once it holds data: until the writer (syslog,
 * postlogd) reopens, it still writes into the moved file (logrotate creates
 * the new one before postrotate's HUP), and the new one only after.
 * FOLLOW_REOPEN for the new file (its position stored as its start),
 * FOLLOW_RETRY to read on (the old file grew after all, or it was
 * truncated), FOLLOW_OK when nothing happened.
 */
static int
follow_at_end(FOLLOW *f)
{
	struct stat st;

	if (stat(f->path, &st) == 0 && (unsigned long long)st.st_ino != f->ino && st.st_size > 0) {
		if (getline(&f->line, &f->cap, f->fp) > 0) { /* the old file grew after all */
			fseeko(f->fp, f->off, SEEK_SET);
			return FOLLOW_RETRY;
		}
		msg_info("%s was rotated; following the new file", f->path);
		sbuf_reset(f->err);
		sbuf_reset(f->pos);
		sbuf_printf(f->pos, "%llu:0", (unsigned long long)st.st_ino);
		store_set(f->s, f->poskey, sbuf_str(f->pos), f->err);
		return FOLLOW_REOPEN;
	}
	if (stat(f->path, &st) == 0 && (unsigned long long)st.st_ino == f->ino &&
	    st.st_size < f->off) {
		msg_info("%s was truncated; reading it from the start", f->path);
		f->off = 0;
		fseeko(f->fp, 0, SEEK_SET);
		return FOLLOW_RETRY;
	}
	return FOLLOW_OK;
}

/*
 * follow_reload - SIGHUP: the bounce rules read again from their file; the
 * records after it are classified with the new ones. A file with errors is
 * refused with a warning, and the rules in use stay.
 */
static void
follow_reload(FOLLOW *f)
{
	SBUF *errs;
	BRULES *b;

	reload_rules = 0;
	if (f->x->rules_path == NULL) {
		msg_info("SIGHUP: no bounce_rules file; the built-in bounce rules stay");
		return;
	}
	errs = sbuf_new(128);
	if ((b = brules_load(f->x->rules_path, errs)) == NULL) {
		while (errs->len && errs->s[errs->len - 1] == '\n')
			sbuf_truncate(errs, errs->len - 1);
		for (size_t i = 0; i < errs->len; i++) /* one log line for every problem */
			if (errs->s[i] == '\n')
				errs->s[i] = ';';
		msg_warn("SIGHUP: %s: the bounce rules in use stay", sbuf_str(errs));
	} else {
		brules_free(f->reloaded);
		f->rules = f->reloaded = b;
		msg_info("SIGHUP: bounce rules reloaded from %s: %zu rules", f->x->rules_path, brules_count(b));
	}
	sbuf_free(errs);
}

/*
 * follow_read - batches until stopped (or, with --once, the end): then the
 * summary and FOLLOW_DONE. FOLLOW_REOPEN after a rotation, FOLLOW_BROKEN
 * when Redis failed.
 */
static int
follow_read(FOLLOW *f)
{
	while (!stop_following) {
		size_t queued;
		int r;
		if (reload_rules)
			follow_reload(f);
		if (follow_batch(f, &queued) != FOLLOW_OK)
			return FOLLOW_BROKEN;
		if (queued >= FOLLOW_BATCH)
			continue;
		if ((r = follow_at_end(f)) == FOLLOW_REOPEN)
			return FOLLOW_REOPEN;
		if (r == FOLLOW_RETRY)
			continue;
		if (f->once)
			break;
		usleep(200000);
	}
	follow_summary(f->lines, f->records, f->applied);
	return FOLLOW_DONE;
}

/*
 * follow_broken - Redis failed mid-batch: nothing after the stored position
 * was applied, so resume from there (FOLLOW_REOPEN, after a second) with a
 * fresh connection; with --once, FOLLOW_DONE and f->rc 1.
 */
static int
follow_broken(FOLLOW *f)
{
	msg_warn("%s; resuming from the stored position", sbuf_str(f->err));
	store_free(f->s);
	f->s = store_new(f->x->c);
	if (f->once) {
		f->rc = 1;
		return FOLLOW_DONE;
	}
	sleep(1);
	return FOLLOW_REOPEN;
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
	FOLLOW f = {.x = x, .rules = x->rules};
	int r;

	follow_options(&f, argc, argv);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGHUP, on_hup);
	if (strcmp(f.path, "-") == 0)
		return follow_stdin(x);
	snprintf(f.poskey, sizeof(f.poskey), KEY_FB_POS_FMT, f.path);
	f.s = store_new(x->c);
	f.err = sbuf_new(128);
	f.why = sbuf_new(64);
	f.pos = sbuf_new(64);
	f.rec = xmalloc(sizeof(*f.rec));
	f.batch = feedback_batch_new();
	do {
		if ((r = follow_open(&f)) == FOLLOW_OK && (r = follow_read(&f)) == FOLLOW_BROKEN)
			r = follow_broken(&f);
	} while (r != FOLLOW_DONE);
	if (f.fp)
		fclose(f.fp);
	free(f.line);
	free(f.rec);
	brules_free(f.reloaded);
	sbuf_free(f.err);
	sbuf_free(f.why);
	sbuf_free(f.pos);
	store_free(f.s);
	feedback_batch_free(f.batch);
	return f.rc;
}
