/*
 * NAME
 *	ctl_supp - suppression list commands
 * DESCRIPTION
 *	One HASH per scope: tm:supp for every tenant, {t:NAME}:supp for one.
 *	Fields are suppression keys (supp_key: the one normalisation), values
 *	"reason|since|expires" in unix seconds (expires 0: never), written by
 *	supp_value() and read by supp_value_parse() (lib/suppress.c). The RCPT
 *	script reads them live, so a change needs no version bump and applies
 *	to the very next recipient.
 *
 *	import streams the file: rows are validated one by one, bad lines are
 *	reported as FILE:LINE and skipped, and good rows go out as pipelined
 *	HSETs of IMPORT_BATCH fields, so a million addresses take seconds.
 * SEE ALSO
 *	tenantctl(1), docs/redis-schema.md, lib/suppress.c
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "ctl.h"
#include "tm_keys.h"
#include "tm_mem.h"
#include "tm_suppress.h"
#include "tm_tenant.h"

#define IMPORT_BATCH 1000  /* fields per HSET */
#define IMPORT_INFLIGHT 32 /* HSETs queued before reading their replies */

/* supp_opts - --tenant, --reason, --expires, --json anywhere after the fixed arguments */
typedef struct {
	const char *tenant, *reason, *expires;
	int json;
} SUPP_OPTS;

static int
supp_opts(int argc, char **argv, int from, SUPP_OPTS *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = from; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			o->json = 1;
		else if (strcmp(argv[i], "--tenant") == 0 && i + 1 < argc)
			o->tenant = argv[++i];
		else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc)
			o->reason = argv[++i];
		else if (strcmp(argv[i], "--expires") == 0 && i + 1 < argc)
			o->expires = argv[++i];
		else
			return -1;
	}
	return 0;
}

static void
supp_hash(char *key, size_t n, const char *tenant)
{
	if (tenant)
		snprintf(key, n, KEY_T_SUPP_FMT, tenant);
	else
		snprintf(key, n, "%s", KEY_SUPP_GLOBAL);
}

static const char *
supp_where(const char *tenant, char *buf, size_t n)
{
	if (tenant)
		snprintf(buf, n, "for tenant %s", tenant);
	else
		snprintf(buf, n, "globally");
	return buf;
}

static void
supp_date(long long t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d", &tm);
}

/* supp_describe - "a@b: suppressed globally since 2026-11-20 (unsubscribe), expires never" */
static void
supp_describe(const char *addr, const char *tenant, const char *v, SBUF *out)
{
	char where[96], d1[16], d2[16];
	SUPP_VAL sv;

	supp_value_parse(v, &sv); /* unreadable: manual, since 0, never expiring */
	supp_date(sv.since, d1, sizeof(d1));
	supp_date(sv.expires, d2, sizeof(d2));
	sbuf_printf(out, "%s: suppressed %s since %s (%s), expires %s\n", addr,
	            supp_where(tenant, where, sizeof(where)), d1, supp_reason_name(sv.reason),
	            sv.expires ? d2 : "never");
}

/* supp_key_named - the suppression key of addr, or -1 with "invalid address ..." in err */
static int
supp_key_named(const char *addr, SBUF *key, SBUF *err)
{
	SBUF *why = sbuf_new(64);
	int rc = supp_key(addr, key, why);

	if (rc < 0)
		sbuf_printf(err, "invalid address \"%.200s\": %s", addr, sbuf_str(why));
	sbuf_free(why);
	return rc;
}

/* supp_add - "suppress add ADDRESS": one entry, in the global list or a tenant's */
static int
supp_add(CTL *c, const char *addr, const SUPP_OPTS *o, SBUF *err)
{
	SBUF *key = sbuf_new(64), *val = sbuf_new(64);
	char hash[160], where[96];
	long ttl = 0;
	int reason = SR_MANUAL, rc = -1;
	long long now = time(NULL);

	if (supp_key_named(addr, key, err) < 0)
		goto out;
	if (o->reason && (reason = supp_reason_parse(o->reason)) < 0) {
		sbuf_printf(
		    err,
		    "unknown reason \"%.40s\": use unsubscribe, hard-bounce, complaint or manual",
		    o->reason);
		goto out;
	}
	if (o->expires && supp_duration(o->expires, &ttl, err) < 0)
		goto out;
	if (o->tenant && ctl_need_tenant(c, o->tenant, err) < 0)
		goto out;
	supp_hash(hash, sizeof(hash), o->tenant);
	supp_value(val, reason, now, ttl ? now + ttl : 0);
	{
		const char *argv[] = {"HSET", hash, sbuf_str(key), sbuf_str(val)};
		if (ctl_simple(c, err, 4, argv) < 0)
			goto out;
	}
	printf("%s suppressed %s (%s)%s%s\n", sbuf_str(key),
	       supp_where(o->tenant, where, sizeof(where)), supp_reason_name(reason),
	       o->expires ? " for " : "", o->expires ? o->expires : "");
	rc = 0;
out:
	sbuf_free(key);
	sbuf_free(val);
	return rc;
}

/* supp_remove - "suppress remove ADDRESS": refused when there is nothing to remove */
static int
supp_remove(CTL *c, const char *addr, const SUPP_OPTS *o, SBUF *err)
{
	SBUF *key = sbuf_new(64);
	char hash[160], where[96];
	const char *hdel[] = {"HDEL", hash, NULL};
	long long removed;
	int rc = -1;

	if (supp_key_named(addr, key, err) < 0)
		goto out;
	if (o->tenant && ctl_need_tenant(c, o->tenant, err) < 0)
		goto out;
	supp_hash(hash, sizeof(hash), o->tenant);
	hdel[2] = sbuf_str(key);
	if (store_exec(c->store, err, &removed, 3, hdel) < 0)
		goto out;
	if (removed == 0)
		sbuf_printf(err, "%s is not suppressed %s", sbuf_str(key),
		            supp_where(o->tenant, where, sizeof(where)));
	else
		printf("%s no longer suppressed %s\n", sbuf_str(key),
		       supp_where(o->tenant, where, sizeof(where)));
	rc = removed ? 0 : -1;
out:
	sbuf_free(key);
	return rc;
}

/* supp_check - every scope that suppresses addr: 0 if suppressed, 1 if not, -1 on error */
static int
supp_check(CTL *c, const char *addr, const SUPP_OPTS *o, SBUF *err)
{
	SBUF *key = sbuf_new(64), *out = sbuf_new(128), *v = sbuf_new(64);
	STORE_VAL *names = NULL;
	char hash[160];
	int rc = -1, hits = 0;
	long long now = time(NULL);

	if (supp_key_named(addr, key, err) < 0)
		goto out;
	if (o->tenant && ctl_need_tenant(c, o->tenant, err) < 0)
		goto out;
	if (o->tenant == NULL && (names = store_sorted(c->store, KEY_TENANTS, err)) == NULL)
		goto out;
	for (size_t i = 0; i <= (names ? names->elements : 1); i++) {
		const char *t = i == 0 ? NULL : names ? names->element[i - 1]->str : o->tenant;
		SUPP_VAL sv;
		int found;
		supp_hash(hash, sizeof(hash), t);
		sbuf_reset(v);
		if ((found = store_hget(c->store, hash, sbuf_str(key), v, err)) < 0)
			goto out;
		if (found) {
			supp_value_parse(sbuf_str(v), &sv);
			if (sv.expires == 0 || sv.expires > now) {
				supp_describe(sbuf_str(key), t, sbuf_str(v), out);
				hits++;
			}
		}
	}
	if (hits == 0)
		sbuf_printf(out, "%s: not suppressed%s%s\n", sbuf_str(key),
		            o->tenant ? " globally or for tenant " : "",
		            o->tenant ? o->tenant : "");
	if (o->json) {
		json_t *j = json_object();
		json_object_set_new(j, "address", json_string(sbuf_str(key)));
		json_object_set_new(j, "suppressed", json_boolean(hits > 0));
		json_object_set_new(j, "text", json_string(sbuf_str(out)));
		ctl_print_json(j);
	} else {
		fputs(sbuf_str(out), stdout);
	}
	rc = hits ? 0 : 1;
out:
	store_val_free(names);
	sbuf_free(key);
	sbuf_free(out);
	sbuf_free(v);
	return rc;
}

/* supp_scan - call fn for every entry of one scope (HSCAN) */
static int
supp_scan(CTL *c, const char *tenant, SBUF *err, void (*fn)(const char *, const char *, void *),
          void *arg)
{
	char hash[160];

	supp_hash(hash, sizeof(hash), tenant);
	return store_hscan(c->store, hash, fn, arg, err);
}

typedef struct {
	const char *tenant;
	json_t *json;
	int csv;
} SUPP_OUT;

/* supp_csv_field - RFC 4180 quoting when needed */
static void
supp_csv_field(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void
supp_emit(const char *addr, const char *v, void *arg)
{
	SUPP_OUT *o = arg;
	char d1[16], d2[16];
	SUPP_VAL sv;
	const char *reason;
	long long since, expires;

	supp_value_parse(v, &sv); /* unreadable: manual, since 0, never expiring */
	reason = supp_reason_name(sv.reason);
	since = sv.since;
	expires = sv.expires;
	if (o->json) {
		json_t *e = json_object();
		json_object_set_new(e, "address", json_string(addr));
		json_object_set_new(e, "reason", json_string(reason));
		json_object_set_new(e, "since", json_integer(since));
		json_object_set_new(e, "expires", expires ? json_integer(expires) : json_null());
		json_object_set_new(e, "tenant", o->tenant ? json_string(o->tenant) : json_null());
		json_array_append_new(o->json, e);
	} else if (o->csv) {
		supp_csv_field(addr);
		printf(",%s,%s\n", reason, o->tenant ? o->tenant : "");
	} else {
		supp_date(since, d1, sizeof(d1));
		supp_date(expires, d2, sizeof(d2));
		printf("%-40s %-12s %-10s %s\n", addr, reason, d1, expires ? d2 : "never");
	}
}

/*
 * One import under way: the pending batch (the hash it goes to and its
 * field/value pairs, both owned), the pipeline's depth and the counts.
 */
typedef struct {
	CTL *c;
	const char *path, *tenant; /* tenant: --tenant, for rows that name none */
	STORE_VAL *names;          /* tm:tenants, to check each row's tenant */
	const char **argv;         /* "HSET", hash, field, value, ... */
	char *hash;                /* the pending batch's hash */
	int n;                     /* pairs pending */
	size_t queued;             /* HSETs sent whose replies are unread */
	size_t good, bad, nglobal;
	long long now;
} SUPP_IMPORT;

/* supp_import_drop - free the pending pairs */
static void
supp_import_drop(SUPP_IMPORT *im)
{
	for (int k = 0; k < im->n; k++) {
		free((char *)im->argv[2 + 2 * k]);
		free((char *)im->argv[3 + 2 * k]);
	}
	im->n = 0;
}

/* supp_import_flush - send the pending batch; read the replies every IMPORT_INFLIGHT batches */
static int
supp_import_flush(SUPP_IMPORT *im, SBUF *err)
{
	if (im->n == 0)
		return 0;
	im->argv[0] = "HSET";
	im->argv[1] = im->hash;
	if (store_append(im->c->store, 2 + 2 * im->n, im->argv, NULL, err) < 0)
		return -1;
	supp_import_drop(im);
	if (++im->queued == IMPORT_INFLIGHT) {
		if (store_drain(im->c->store, im->queued, err) < 0)
			return -1;
		im->queued = 0;
	}
	return 0;
}

/* supp_import_known - is t a tenant */
static int
supp_import_known(const SUPP_IMPORT *im, const char *t)
{
	for (size_t i = 0; i < im->names->elements; i++)
		if (strcmp(im->names->element[i]->str, t) == 0)
			return 1;
	return 0;
}

/* supp_import_line - one line: reported and counted bad, skipped, or batched; -1 on a store error
 */
static int
supp_import_line(SUPP_IMPORT *im, const char *line, size_t lineno, SBUF *why, SBUF *err)
{
	SUPP_ROW row;
	const char *t;
	char hash[160];
	SBUF *v;

	sbuf_reset(why);
	switch (supp_csv_line(line, &row, why)) {
	case 0:
		return 0;
	case -1:
		fprintf(stderr, "tenantctl: %s:%zu: %s; not imported\n", im->path, lineno,
		        sbuf_str(why));
		im->bad++;
		return 0;
	}
	t = row.tenant ? row.tenant : im->tenant;
	if (t && !supp_import_known(im, t)) {
		fprintf(stderr, "tenantctl: %s:%zu: no such tenant: %s; not imported\n", im->path,
		        lineno, t);
		im->bad++;
		supp_row_clear(&row);
		return 0;
	}
	supp_hash(hash, sizeof(hash), t);
	if (im->hash && strcmp(im->hash, hash) != 0 && supp_import_flush(im, err) < 0) {
		supp_row_clear(&row);
		return -1;
	}
	if (im->n == 0) {
		free(im->hash);
		im->hash = xstrdup(hash);
	}
	v = sbuf_new(32);
	supp_value(v, row.reason, im->now, 0);
	im->argv[2 + 2 * im->n] = row.key;
	im->argv[3 + 2 * im->n] = sbuf_steal(v);
	im->n++;
	im->good++;
	im->nglobal += t == NULL;
	row.key = NULL;
	supp_row_clear(&row);
	return im->n == IMPORT_BATCH ? supp_import_flush(im, err) : 0;
}

/* supp_import_report - what was imported, how fast, and how many lines were not */
static void
supp_import_report(const SUPP_IMPORT *im, const struct timeval *t0)
{
	struct timeval t1;
	double secs;

	gettimeofday(&t1, NULL);
	secs = (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_usec - t0->tv_usec) / 1e6;
	printf("imported %zu addresses from %s (%zu global, %zu for tenants) in %.2f s (%.0f/s)%s",
	       im->good, im->path, im->nglobal, im->good - im->nglobal, secs,
	       secs > 0 ? im->good / secs : 0.0, im->bad ? "; " : "\n");
	if (im->bad)
		printf("%zu bad lines not imported\n", im->bad);
}

/* supp_import - stream FILE into the lists; bad lines reported, not imported: 0, 1 or -1 */
static int
supp_import(CTL *c, const char *path, const SUPP_OPTS *o, SBUF *err)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	SUPP_IMPORT im = {.c = c, .path = path, .tenant = o->tenant};
	SBUF *why;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	struct timeval t0;
	int rc = -1, failed = 0;

	if (fp == NULL) {
		sbuf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((o->tenant && ctl_need_tenant(c, o->tenant, err) < 0) ||
	    (im.names = store_smembers(c->store, KEY_TENANTS, err)) == NULL)
		goto out;
	im.argv = xmalloc(sizeof(*im.argv) * (2 + 2 * IMPORT_BATCH));
	why = sbuf_new(64);
	gettimeofday(&t0, NULL);
	im.now = (long long)time(NULL);
	while (!failed && getline(&line, &cap, fp) > 0)
		failed = supp_import_line(&im, line, ++lineno, why, err) < 0;
	sbuf_free(why);
	if (!failed && supp_import_flush(&im, err) == 0 &&
	    (im.queued == 0 || store_drain(c->store, im.queued, err) == 0)) {
		supp_import_report(&im, &t0);
		rc = im.bad ? 1 : 0; /* bad lines: reported, exit 1 */
	}
	supp_import_drop(&im);
	free(im.argv);
out:
	if (fp != stdin)
		fclose(fp);
	store_val_free(im.names);
	free(im.hash);
	free(line);
	return rc;
}

/* supp_list_scope - list (a table, or JSON) or export (CSV) one scope */
static int
supp_list_scope(CTL *c, const SUPP_OPTS *o, int csv, SBUF *err)
{
	SUPP_OUT out = {o->tenant, NULL, csv};
	int r;

	if (o->tenant && ctl_need_tenant(c, o->tenant, err) < 0)
		return -1;
	if (o->json && !csv)
		out.json = json_array();
	else if (csv)
		puts("address,reason,tenant");
	r = supp_scan(c, o->tenant, err, supp_emit, &out);
	if (out.json) {
		if (r == 0)
			ctl_print_json(out.json);
		else
			json_decref(out.json);
	}
	return r;
}

/* supp_list - "suppress list [--tenant NAME] [--json]" */
static int
supp_list(CTL *c, const char *arg, const SUPP_OPTS *o, SBUF *err)
{
	(void)arg;
	return supp_list_scope(c, o, 0, err);
}

/* supp_export - "suppress export [--tenant NAME]": CSV that import reads back */
static int
supp_export(CTL *c, const char *arg, const SUPP_OPTS *o, SBUF *err)
{
	(void)arg;
	return supp_list_scope(c, o, 1, err);
}

/*
 * The verbs: whether an address (or file) follows the verb, and the
 * function, which returns 0, -1 with err, or 1 when it has said all there
 * is to say and the exit status is 1 (check: not suppressed, like grep;
 * import: bad lines, reported one by one).
 */
static const struct {
	const char *name;
	int needs_arg;
	int (*run)(CTL *c, const char *arg, const SUPP_OPTS *o, SBUF *err);
} supp_verbs[] = {
    {"add", 1, supp_add},       {"remove", 1, supp_remove}, {"check", 1, supp_check},
    {"import", 1, supp_import}, {"list", 0, supp_list},     {"export", 0, supp_export},
};

/* ctl_cmd_suppress - "suppress VERB [ADDRESS|FILE] [--tenant NAME] ..." */
int
ctl_cmd_suppress(CTL *c, int argc, char **argv)
{
	SBUF *err;
	SUPP_OPTS o;
	size_t i;
	int r;

	for (i = 0; i < sizeof(supp_verbs) / sizeof(supp_verbs[0]); i++)
		if (argc > 0 && strcmp(argv[0], supp_verbs[i].name) == 0)
			break;
	if (i == sizeof(supp_verbs) / sizeof(supp_verbs[0]) || argc < 1 + supp_verbs[i].needs_arg ||
	    supp_opts(argc, argv, 1 + supp_verbs[i].needs_arg, &o) < 0)
		return CTL_USAGE;
	err = sbuf_new(128);
	r = supp_verbs[i].run(c, supp_verbs[i].needs_arg ? argv[1] : NULL, &o, err);
	if (r < 0)
		return ctl_fail_free(err);
	sbuf_free(err);
	return r > 0 ? CTL_FAIL : CTL_OK;
}
