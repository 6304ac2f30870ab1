/*
 * NAME
 *	ctl_limits - warm-up and rate commands
 * DESCRIPTION
 *	Limits are text in {t:NAME}:limits, validated here by the very
 *	functions the milter parses them with (limits_set), so tenantctl can
 *	never write a value the milter would ignore. Every change bumps
 *	tm:version; milters pick it up within tenant_refresh_interval.
 * SEE ALSO
 *	tenantctl(1), docs/limits.md, ctl_stats.c
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "tm_keys.h"
#include "tm_limits.h"
#include "tm_mem.h"
#include "tm_provider.h"
#include "tm_tenant.h"

LIMITS *
ctl_load_limits(CTL *c, const char *name, SBUF *err)
{
	SBUF *warn = sbuf_new(64);
	LIMITS *l = store_tenant_limits(c->store, name, err, warn);

	if (warn->len)
		fprintf(stderr, "tenantctl: warning: %s", sbuf_str(warn));
	sbuf_free(warn);
	return l;
}

/* ctl_hset - HSET key f1 v1 f2 v2 ... (NULL-terminated pairs) */
static int
ctl_hset(CTL *c, const char *key, const char *const *fv, SBUF *err)
{
	const char *argv[32] = {"HSET", key};
	int n = 2;

	for (int i = 0; fv[i] && n < 30; i += 2) {
		argv[n++] = fv[i];
		argv[n++] = fv[i + 1];
	}
	return n == 2 ? 0 : ctl_simple(c, err, n, argv);
}

static int
ctl_hdel(CTL *c, const char *key, const char *const *fields, SBUF *err)
{
	const char *argv[32] = {"HDEL", key};
	int n = 2;

	for (int i = 0; fields[i] && n < 32; i++)
		argv[n++] = fields[i];
	return ctl_simple(c, err, n, argv);
}

/* ctl_today - the tenant-local date now */
static void
ctl_today(const LIMITS *l, char *date)
{
	LIMITS_NOW at;

	limits_at(l, time(NULL), "other", &at);
	memcpy(date, at.date, sizeof(at.date));
}

/* ctl_limits_json - the limits and what they allow today */
static json_t *
ctl_limits_json(const char *name, const LIMITS *l, const char *preset)
{
	json_t *o = json_object(), *days, *prov = json_object();
	LIMITS_NOW at;
	char start[16];

	limits_at(l, time(NULL), "other", &at);
	json_object_set_new(o, "tenant", json_string(name));
	json_object_set_new(o, "timezone", json_string(l->tz_name));
	if (l->warmup) {
		const WARMUP *w = l->warmup;
		days = json_array();
		for (size_t i = 0; i < w->ndays; i++)
			json_array_append_new(days, json_integer(w->days[i]));
		snprintf(start, sizeof(start), "%04d-%02d-%02d", w->start_y, w->start_m,
		         w->start_d);
		json_object_set_new(o, "schedule", days);
		json_object_set_new(o, "preset",
		                    preset && *preset ? json_string(preset) : json_null());
		json_object_set_new(o, "start", json_string(start));
		json_object_set_new(o, "then",
		                    w->then < 0 ? json_string("unlimited") : json_integer(w->then));
		json_object_set_new(o, "active_hours", json_integer(w->active_hours));
		json_object_set_new(o, "day", json_integer(at.day_index + 1));
	} else {
		json_object_set_new(o, "schedule", json_null());
	}
	for (int i = 0; i < LIMITS_NPROV; i++)
		if (l->provider_cap[i] >= 0)
			json_object_set_new(prov, provider_groups[i],
			                    json_integer(l->provider_cap[i]));
	json_object_set_new(o, "providers", prov);
	json_object_set_new(o, "rate", l->has_rate ? json_string(l->rate_text) : json_null());
	json_object_set_new(o, "burst", l->has_rate ? json_integer(l->rate.burst) : json_null());
	json_object_set_new(o, "date", json_string(at.date));
	json_object_set_new(o, "cap", at.cap_day < 0 ? json_null() : json_integer(at.cap_day));
	json_object_set_new(o, "hourly_cap",
	                    at.cap_hour < 0 ? json_null() : json_integer(at.cap_hour));
	return o;
}

static void
ctl_print_limits(json_t *o)
{
	json_t *sched = json_object_get(o, "schedule"), *v;
	const char *k;
	size_t i;
	SBUF *b = sbuf_new(128);

	printf("tenant:       %s\n", jstr(o, "tenant"));
	printf("time zone:    %s\n", jstr(o, "timezone"));
	if (json_is_array(sched)) {
		json_array_foreach(sched, i, v)
		    sbuf_printf(b, "%s%lld", i ? "," : "", (long long)json_integer_value(v));
		printf("warm-up:      %s%s%zu days from %s, then %s\n",
		       *jstr(o, "preset") ? jstr(o, "preset") : "",
		       *jstr(o, "preset") ? " preset, " : "", json_array_size(sched),
		       jstr(o, "start"),
		       json_is_string(json_object_get(o, "then")) ? "unlimited" : "");
		if (json_is_integer(json_object_get(o, "then")))
			printf("then:         %lld a day\n",
			       (long long)json_integer_value(json_object_get(o, "then")));
		printf("schedule:     %s\n", sbuf_str(b));
		printf("active hours: %lld\n",
		       (long long)json_integer_value(json_object_get(o, "active_hours")));
		printf("today:        %s, day %lld, ", jstr(o, "date"),
		       (long long)json_integer_value(json_object_get(o, "day")));
		if (json_is_integer(json_object_get(o, "cap")))
			printf("cap %lld (at most %lld an hour)\n",
			       (long long)json_integer_value(json_object_get(o, "cap")),
			       (long long)json_integer_value(json_object_get(o, "hourly_cap")));
		else
			printf("no cap\n");
	} else {
		printf("warm-up:      none\n");
	}
	sbuf_reset(b);
	json_object_foreach(json_object_get(o, "providers"), k, v)
	    sbuf_printf(b, "%s%s=%lld", b->len ? "," : "", k, (long long)json_integer_value(v));
	printf("providers:    %s\n", b->len ? sbuf_str(b) : "no caps");
	if (json_is_string(json_object_get(o, "rate")))
		printf("rate:         %s, burst %lld\n", jstr(o, "rate"),
		       (long long)json_integer_value(json_object_get(o, "burst")));
	else
		printf("rate:         unlimited\n");
	sbuf_free(b);
}

/* The options of "warmup set" as given, then completed: sched from a preset, start and tz defaulted
 */
typedef struct {
	const char *sched, *preset, *start, *then, *hours, *prov, *tz;
	char start_buf[32];
} WARMUP_ARGS;

/* warmup_args - read the options: known flags, exactly one of --schedule and --preset */
static int
warmup_args(int argc, char **argv, WARMUP_ARGS *a, SBUF *err)
{
	static const char *const known[] = {"--schedule",     "--preset",   "--start",    "--then",
	                                    "--active-hours", "--provider", "--timezone", NULL};

	a->sched = ctl_opt(argc, argv, 0, "--schedule");
	a->preset = ctl_opt(argc, argv, 0, "--preset");
	a->start = ctl_opt(argc, argv, 0, "--start");
	a->then = ctl_opt(argc, argv, 0, "--then");
	a->hours = ctl_opt(argc, argv, 0, "--active-hours");
	a->prov = ctl_opt(argc, argv, 0, "--provider");
	a->tz = ctl_opt(argc, argv, 0, "--timezone");
	if (a->then == NULL)
		a->then = "unlimited";
	if (!ctl_opts_known(argc, argv, 0, known) || (a->sched == NULL) == (a->preset == NULL)) {
		sbuf_cat(err,
		         "warmup set NAME takes exactly one of --schedule N1,N2,... or --preset "
		         "conservative|standard|aggressive");
		return -1;
	}
	return 0;
}

/* warmup_check - complete a from the current limits, and validate it into chk as the milter reads
 * it */
static int
warmup_check(const LIMITS *cur, WARMUP_ARGS *a, LIMITS *chk, SBUF *days, SBUF *err)
{
	if (a->tz == NULL)
		a->tz = cur->tz_name;
	if (limits_set(chk, LIM_TIMEZONE, a->tz, err) < 0)
		return -1;
	if (a->preset) {
		WARMUP w = {0};
		if (warmup_preset(a->preset, &w, err) < 0)
			return -1;
		for (size_t i = 0; i < w.ndays; i++)
			sbuf_printf(days, "%s%ld", i ? "," : "", w.days[i]);
		a->sched = sbuf_str(days);
	}
	if (a->start == NULL && cur->warmup && cur->warmup->start_y > 1970) {
		snprintf(a->start_buf, sizeof(a->start_buf), "%04d-%02d-%02d", cur->warmup->start_y,
		         cur->warmup->start_m, cur->warmup->start_d);
		a->start = a->start_buf; /* re-running set keeps the schedule's clock */
	} else if (a->start == NULL) {
		ctl_today(chk, a->start_buf);
		a->start = a->start_buf;
	}
	if (limits_set(chk, LIM_SCHEDULE, a->sched, err) < 0 ||
	    limits_set(chk, LIM_START, a->start, err) < 0 ||
	    limits_set(chk, LIM_THEN, a->then, err) < 0 ||
	    (a->hours && limits_set(chk, LIM_ACTIVE_HOURS, a->hours, err) < 0) ||
	    (a->prov && limits_set(chk, LIM_PROVIDERS, a->prov, err) < 0))
		return -1;
	return 0;
}

/* warmup_write - every field in one HSET, the provider caps set or removed, tm:version bumped */
static int
warmup_write(CTL *c, const char *name, const WARMUP_ARGS *a, const LIMITS *chk, SBUF *err)
{
	SBUF *provs = sbuf_new(64);
	char ah[8], key[160];
	const char *fv[] = {LIM_SCHEDULE, a->sched, LIM_START,        a->start,
	                    LIM_THEN,     a->then,  LIM_ACTIVE_HOURS, ah,
	                    LIM_TIMEZONE, a->tz,    LIM_PRESET,       a->preset ? a->preset : "",
	                    NULL};
	const char *gone[] = {LIM_PROVIDERS, NULL};
	const char *pv[] = {LIM_PROVIDERS, NULL, NULL};
	int rc;

	limits_format_providers(chk->provider_cap, provs);
	pv[1] = sbuf_str(provs);
	snprintf(ah, sizeof(ah), "%d", chk->warmup->active_hours);
	ctl_key(key, sizeof(key), KEY_T_LIMITS_FMT, name);
	if (ctl_hset(c, key, fv, err) < 0 ||
	    (provs->len ? ctl_hset(c, key, pv, err) : ctl_hdel(c, key, gone, err)) < 0 ||
	    ctl_bump(c, err) < 0)
		rc = -1;
	else
		rc = 0;
	sbuf_free(provs);
	return rc;
}

/* ctl_warmup_set - validate every option, then write them in one HSET */
static int
ctl_warmup_set(CTL *c, const char *name, int argc, char **argv, SBUF *err)
{
	WARMUP_ARGS a;
	LIMITS *cur, *chk;
	LIMITS_NOW at;
	SBUF *days;
	int rc = -1;

	if (warmup_args(argc, argv, &a, err) < 0 || (cur = ctl_load_limits(c, name, err)) == NULL)
		return -1;
	chk = limits_new();
	days = sbuf_new(256);
	if (warmup_check(cur, &a, chk, days, err) == 0 &&
	    warmup_write(c, name, &a, chk, err) == 0) {
		limits_at(chk, time(NULL), "other", &at);
		printf("warm-up for tenant %s: %zu days from %s (%s), then %s; today is day %ld, "
		       "cap %ld\n",
		       name, chk->warmup->ndays, a.start, a.tz, a.then, at.day_index + 1,
		       at.cap_day);
		rc = 0;
	}
	limits_free(cur); /* after the printf: a.tz may be its */
	limits_free(chk);
	sbuf_free(days);
	return rc;
}

/* warmup_cmd_set - "warmup set NAME OPTIONS" */
static int
warmup_cmd_set(CTL *c, int argc, char **argv)
{
	SBUF *err = sbuf_new(128);

	if (ctl_warmup_set(c, argv[1], argc - 2, argv + 2, err) < 0)
		return ctl_fail_free(err);
	sbuf_free(err);
	return CTL_OK;
}

/* warmup_cmd_show - "warmup show NAME [--json]": the limits and what they allow today */
static int
warmup_cmd_show(CTL *c, int argc, char **argv)
{
	SBUF *err, *preset;
	LIMITS *l;
	json_t *o;
	char key[160];
	int found;

	if (argc != 2 && !(argc == 3 && ctl_has_json(argc, argv)))
		return CTL_USAGE;
	err = sbuf_new(128);
	if ((l = ctl_load_limits(c, argv[1], err)) == NULL)
		return ctl_fail_free(err);
	preset = sbuf_new(32);
	found = store_hget(c->store, ctl_key(key, sizeof(key), KEY_T_LIMITS_FMT, argv[1]),
	                   LIM_PRESET, preset, err);
	if (found >= 0)
		o = ctl_limits_json(argv[1], l, found ? sbuf_str(preset) : NULL);
	sbuf_free(preset);
	limits_free(l);
	if (found < 0)
		return ctl_fail_free(err);
	sbuf_free(err);
	if (ctl_has_json(argc, argv)) {
		ctl_print_json(o);
	} else {
		ctl_print_limits(o);
		json_decref(o);
	}
	return CTL_OK;
}

/* warmup_cmd_clear - "warmup clear NAME": the schedule and provider caps go; rate stays */
static int
warmup_cmd_clear(CTL *c, int argc, char **argv)
{
	static const char *const f[] = {LIM_SCHEDULE,     LIM_PRESET,    LIM_START, LIM_THEN,
	                                LIM_ACTIVE_HOURS, LIM_PROVIDERS, NULL};
	SBUF *err;
	char key[160];

	if (argc != 2)
		return CTL_USAGE;
	err = sbuf_new(128);
	if (ctl_hdel(c, ctl_key(key, sizeof(key), KEY_T_LIMITS_FMT, argv[1]), f, err) < 0 ||
	    ctl_bump(c, err) < 0)
		return ctl_fail_free(err);
	printf("warm-up for tenant %s cleared\n", argv[1]);
	sbuf_free(err);
	return CTL_OK;
}

static const CTL_SUB warmup_subs[] = {
    {"set", warmup_cmd_set, NULL},
    {"show", warmup_cmd_show, NULL},
    {"clear", warmup_cmd_clear, NULL},
    {NULL, NULL, NULL},
};

/* ctl_cmd_warmup - "warmup set|show|clear NAME ..."; the tenant is checked before the verb */
int
ctl_cmd_warmup(CTL *c, int argc, char **argv)
{
	SBUF *err;

	if (argc < 2)
		return CTL_USAGE;
	err = sbuf_new(128);
	if (ctl_need_tenant(c, argv[1], err) < 0)
		return ctl_fail_free(err);
	sbuf_free(err);
	return ctl_dispatch(c, warmup_subs, argc, argv);
}

/* rate_cmd_set - "rate set NAME RATE [--burst N]": validated as the milter parses it */
static int
rate_cmd_set(CTL *c, int argc, char **argv)
{
	static const char *const known[] = {"--burst", NULL};
	static const char *const gone[] = {LIM_BURST, NULL};
	const char *burst;
	SBUF *err, *f;
	LIMITS *chk;
	char key[160];

	if (argc < 3 || !ctl_opts_known(argc, argv, 3, known))
		return CTL_USAGE;
	err = sbuf_new(128);
	if (ctl_need_tenant(c, argv[1], err) < 0)
		return ctl_fail_free(err);
	burst = ctl_opt(argc, argv, 3, "--burst");
	chk = limits_new();
	ctl_key(key, sizeof(key), KEY_T_LIMITS_FMT, argv[1]);
	const char *fv[] = {LIM_RATE, argv[2], burst ? LIM_BURST : NULL, burst, NULL};
	if (limits_set(chk, LIM_RATE, argv[2], err) < 0 ||
	    (burst && limits_set(chk, LIM_BURST, burst, err) < 0) ||
	    (!burst && ctl_hdel(c, key, gone, err) < 0) || ctl_hset(c, key, fv, err) < 0 ||
	    ctl_bump(c, err) < 0) {
		limits_free(chk);
		return ctl_fail_free(err);
	}
	f = sbuf_new(64);
	rate_format(&chk->rate, f);
	printf("rate for tenant %s: %s (GCRA: one every %.3f s)\n", argv[1], sbuf_str(f),
	       chk->rate.interval_us / 1e6);
	sbuf_free(f);
	limits_free(chk);
	sbuf_free(err);
	return CTL_OK;
}

/* rate_cmd_clear - "rate clear NAME" */
static int
rate_cmd_clear(CTL *c, int argc, char **argv)
{
	static const char *const gone[] = {LIM_RATE, LIM_BURST, NULL};
	SBUF *err;
	char key[160];

	if (argc != 2)
		return CTL_USAGE;
	err = sbuf_new(128);
	if (ctl_need_tenant(c, argv[1], err) < 0 ||
	    ctl_hdel(c, ctl_key(key, sizeof(key), KEY_T_LIMITS_FMT, argv[1]), gone, err) < 0 ||
	    ctl_bump(c, err) < 0)
		return ctl_fail_free(err);
	printf("rate for tenant %s cleared\n", argv[1]);
	sbuf_free(err);
	return CTL_OK;
}

static const CTL_SUB rate_subs[] = {
    {"set", rate_cmd_set, NULL},
    {"clear", rate_cmd_clear, NULL},
    {NULL, NULL, NULL},
};

/* ctl_cmd_rate - "rate set|clear NAME ..." */
int
ctl_cmd_rate(CTL *c, int argc, char **argv)
{
	return ctl_dispatch(c, rate_subs, argc, argv);
}
