/*
 * NAME
 *	ctl_stats - stats and top commands
 * DESCRIPTION
 *	stats and top read the counters the RCPT script keeps, exactly as a
 *	dashboard would (docs/redis-schema.md): the day's usage against the
 *	caps in {t:NAME}:limits, the RCPT outcomes by provider group, and the
 *	delivery feedback tenant-feedback counts, over one and seven UTC days.
 *	They only read; nothing here bumps tm:version.
 * SEE ALSO
 *	tenantctl(1), docs/redis-schema.md, ctl_limits.c
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "tm_keys.h"
#include "tm_limits.h"
#include "tm_provider.h"

static const char *const ctl_counters[] = {"accepted", "deferred_cap", "deferred_rate",
                                           "rejected_suppressed", NULL};

/* ctl_hash_json - HGETALL as a JSON object of integers */
static json_t *
ctl_hash_json(CTL *c, const char *key, SBUF *err)
{
	STORE_VAL *r = store_hgetall(c->store, key, err);
	json_t *o;

	if (r == NULL)
		return NULL;
	o = json_object();
	for (size_t i = 0; i + 1 < r->elements; i += 2)
		json_object_set_new(o, r->element[i]->str,
		                    json_integer(strtoll(r->element[i + 1]->str, NULL, 10)));
	store_val_free(r);
	return o;
}

static long long
ctl_int(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *const fb_counters[] = {"delivered",    "deferred",     "bounced_hard",
                                          "bounced_soft", "blocked",      "throttled",
                                          "complaints",   "unsubscribes", NULL};

/* ctl_feedback_json - delivery feedback counters over days UTC days ending today, with rates and
 * flags */
static json_t *
ctl_feedback_json(CTL *c, const char *name, int days, SBUF *err)
{
	json_t *o = json_object(), *flags = json_array();
	long long sum[8] = {0};
	time_t now = time(NULL);
	double sent, b, h, cr;

	for (int d = 0; d < days; d++) {
		time_t t = now - (time_t)d * 86400;
		struct tm tm;
		char date[16], key[160];
		json_t *day;
		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
		snprintf(key, sizeof(key), KEY_T_FB_FMT, name, date);
		if ((day = ctl_hash_json(c, key, err)) == NULL) {
			json_decref(o);
			json_decref(flags);
			return NULL;
		}
		for (int i = 0; fb_counters[i]; i++)
			sum[i] += ctl_int(day, fb_counters[i]);
		json_decref(day);
	}
	for (int i = 0; fb_counters[i]; i++)
		json_object_set_new(o, fb_counters[i], json_integer(sum[i]));
	sent = (double)(sum[0] + sum[2] + sum[3]);
	b = sent > 0 ? (double)(sum[2] + sum[3]) / sent : 0;
	h = sent > 0 ? (double)sum[2] / sent : 0;
	cr = sum[0] > 0 ? (double)sum[6] / (double)sum[0] : 0;
	json_object_set_new(o, "bounce_rate", json_real(b));
	json_object_set_new(o, "hard_bounce_rate", json_real(h));
	json_object_set_new(o, "complaint_rate", json_real(cr));
	if (b > 0.02)
		json_array_append_new(flags, json_string("bounce rate over 2%"));
	if (h > 0.005)
		json_array_append_new(flags, json_string("hard-bounce rate over 0.5%"));
	if (cr > 0.003)
		json_array_append_new(flags, json_string("complaint rate over 0.3%"));
	else if (cr > 0.001)
		json_array_append_new(flags, json_string("complaint rate over 0.1%"));
	json_object_set_new(o, "flags", flags);
	return o;
}

/* ctl_stats_json - one tenant's day: caps, usage and counters, by provider */
static json_t *
ctl_stats_json(CTL *c, const char *name, const char *day, SBUF *err)
{
	LIMITS *l;
	LIMITS_NOW at;
	json_t *o = NULL, *use, *st, *prov;
	char key[160], date[11];
	int y, m, d;
	int64_t when = time(NULL);

	if ((l = ctl_load_limits(c, name, err)) == NULL)
		return NULL;
	if (day) {
		if (warmup_parse_date(day, &y, &m, &d, err) < 0)
			goto out;
		when =
		    warmup_days_from_civil(y, m, d) * 86400 + 43200; /* noon: the day in any zone */
	}
	limits_at(l, when, "other", &at);
	snprintf(date, sizeof(date), "%s", day ? day : at.date);
	snprintf(key, sizeof(key), KEY_T_USE_FMT, name, date);
	if ((use = ctl_hash_json(c, key, err)) == NULL)
		goto out;
	snprintf(key, sizeof(key), KEY_T_STATS_FMT, name, date);
	if ((st = ctl_hash_json(c, key, err)) == NULL) {
		json_decref(use);
		goto out;
	}
	o = json_object();
	json_object_set_new(o, "tenant", json_string(name));
	json_object_set_new(o, "date", json_string(date));
	json_object_set_new(o, "timezone", json_string(l->tz_name));
	json_object_set_new(o, "day",
	                    at.day_index < 0 ? json_null() : json_integer(at.day_index + 1));
	json_object_set_new(o, "cap", at.cap_day < 0 ? json_null() : json_integer(at.cap_day));
	json_object_set_new(o, "used", json_integer(ctl_int(use, "day")));
	for (int i = 0; ctl_counters[i]; i++)
		json_object_set_new(o, ctl_counters[i], json_integer(ctl_int(st, ctl_counters[i])));
	prov = json_object();
	for (int g = 0; g < LIMITS_NPROV; g++) {
		json_t *p = json_object();
		char f[64];
		snprintf(f, sizeof(f), "p:%s", provider_groups[g]);
		json_object_set_new(p, "used", json_integer(ctl_int(use, f)));
		json_object_set_new(p, "cap",
		                    l->provider_cap[g] < 0 ? json_null()
		                                           : json_integer(l->provider_cap[g]));
		for (int i = 0; ctl_counters[i]; i++) {
			snprintf(f, sizeof(f), "%s:%s", provider_groups[g], ctl_counters[i]);
			json_object_set_new(p, ctl_counters[i], json_integer(ctl_int(st, f)));
		}
		json_object_set_new(prov, provider_groups[g], p);
	}
	json_object_set_new(o, "providers", prov);
	json_decref(use);
	json_decref(st);
	{
		json_t *fb = json_object(), *t1 = ctl_feedback_json(c, name, 1, err),
		       *t7 = ctl_feedback_json(c, name, 7, err);
		if (t1)
			json_object_set_new(fb, "today", t1);
		if (t7)
			json_object_set_new(fb, "7d", t7);
		json_object_set_new(o, "feedback", fb);
	}
out:
	limits_free(l);
	return o;
}

/* stats_print_day - the day's usage against its caps, a line per provider group */
static void
stats_print_day(const char *name, json_t *o)
{
	json_t *p, *v;
	const char *g;

	printf("tenant %s, %s (%s)", name, jstr(o, "date"), jstr(o, "timezone"));
	if (json_is_integer(json_object_get(o, "day")))
		printf(", warm-up day %lld", ctl_int(o, "day"));
	if (json_is_integer(json_object_get(o, "cap")))
		printf(": used %lld of %lld\n", ctl_int(o, "used"), ctl_int(o, "cap"));
	else
		printf(": used %lld, no daily cap\n", ctl_int(o, "used"));
	printf("%-10s %8s %8s %9s %13s %13s %10s\n", "PROVIDER", "USED", "CAP", "ACCEPTED",
	       "DEFERRED_CAP", "DEFERRED_RATE", "SUPPRESSED");
	json_object_foreach((p = json_object_get(o, "providers")), g, v)
	{
		char cap[24] = "-";
		if (json_is_integer(json_object_get(v, "cap")))
			snprintf(cap, sizeof(cap), "%lld", ctl_int(v, "cap"));
		printf("%-10s %8lld %8s %9lld %13lld %13lld %10lld\n", g, ctl_int(v, "used"), cap,
		       ctl_int(v, "accepted"), ctl_int(v, "deferred_cap"),
		       ctl_int(v, "deferred_rate"), ctl_int(v, "rejected_suppressed"));
	}
	printf("%-10s %8lld %8s %9lld %13lld %13lld %10lld\n", "total", ctl_int(o, "used"), "",
	       ctl_int(o, "accepted"), ctl_int(o, "deferred_cap"), ctl_int(o, "deferred_rate"),
	       ctl_int(o, "rejected_suppressed"));
}

/* stats_print_feedback - delivery feedback today and over 7 days, with its rates and flags */
static void
stats_print_feedback(json_t *o)
{
	json_t *fb = json_object_get(o, "feedback");
	const char *when[] = {"today", "7d"};

	printf("delivery feedback (UTC days)\n%-6s %9s %8s %8s %8s %8s %9s %10s %8s %8s "
	       "%10s  %s\n",
	       "", "DELIVERED", "DEFERRED", "HARD", "SOFT", "BLOCKED", "THROTTLED", "COMPLAINTS",
	       "BOUNCE%", "HARD%", "COMPLAINT%", "FLAGS");
	for (int k = 0; k < 2; k++) {
		json_t *x = json_object_get(fb, when[k]), *fl;
		SBUF *f;
		size_t j;
		if (x == NULL)
			continue;
		f = sbuf_new(64);
		json_array_foreach(json_object_get(x, "flags"), j, fl)
		    sbuf_printf(f, "%s%s", j ? "; " : "", json_string_value(fl));
		printf("%-6s %9lld %8lld %8lld %8lld %8lld %9lld %10lld %7.2f%% %7.2f%% "
		       "%9.3f%%  %s\n",
		       when[k], ctl_int(x, "delivered"), ctl_int(x, "deferred"),
		       ctl_int(x, "bounced_hard"), ctl_int(x, "bounced_soft"),
		       ctl_int(x, "blocked"), ctl_int(x, "throttled"), ctl_int(x, "complaints"),
		       100 * json_real_value(json_object_get(x, "bounce_rate")),
		       100 * json_real_value(json_object_get(x, "hard_bounce_rate")),
		       100 * json_real_value(json_object_get(x, "complaint_rate")),
		       f->len ? sbuf_str(f) : "-");
		sbuf_free(f);
	}
}

/* ctl_cmd_stats - "stats NAME [--day YYYY-MM-DD] [--json]" */
int
ctl_cmd_stats(CTL *c, int argc, char **argv)
{
	static const char *const known[] = {"--day", NULL};
	SBUF *err;
	json_t *o;

	if (argc < 1 || !ctl_opts_known(argc, argv, 1, known))
		return CTL_USAGE;
	err = sbuf_new(128);
	if (ctl_need_tenant(c, argv[0], err) < 0 ||
	    (o = ctl_stats_json(c, argv[0], ctl_opt(argc, argv, 1, "--day"), err)) == NULL)
		return ctl_fail_free(err);
	sbuf_free(err);
	if (ctl_has_json(argc, argv)) {
		ctl_print_json(o);
		return CTL_OK;
	}
	stats_print_day(argv[0], o);
	stats_print_feedback(o);
	json_decref(o);
	return CTL_OK;
}

int
ctl_cmd_top(CTL *c, int argc, char **argv)
{
	SBUF *err = sbuf_new(128);
	STORE_VAL *r;
	json_t *all = json_array(), *o;
	size_t i;
	int rc = CTL_OK;

	if (argc > 1 || (argc == 1 && !ctl_has_json(argc, argv))) {
		json_decref(all);
		sbuf_free(err);
		return CTL_USAGE;
	}
	if ((r = store_sorted(c->store, KEY_TENANTS, err)) == NULL)
		goto fail;
	for (i = 0; i < r->elements; i++) {
		json_t *t;
		if ((o = ctl_stats_json(c, r->element[i]->str, NULL, err)) == NULL ||
		    (t = ctl_tenant_json(c, r->element[i]->str, err)) == NULL) {
			json_decref(o);
			store_val_free(r);
			goto fail;
		}
		json_object_set(o, "status", json_object_get(t, "status"));
		json_object_del(o, "providers");
		json_decref(t);
		json_array_append_new(all, o);
	}
	store_val_free(r);
	if (ctl_has_json(argc, argv)) {
		ctl_print_json(all);
		sbuf_free(err);
		return CTL_OK;
	}
	printf("%-24s %-9s %-10s %15s %9s %9s %10s\n", "TENANT", "STATUS", "DATE", "USED/CAP",
	       "ACCEPTED", "DEFERRED", "SUPPRESSED");
	json_array_foreach(all, i, o)
	{
		char uc[40];
		if (json_is_integer(json_object_get(o, "cap")))
			snprintf(uc, sizeof(uc), "%lld/%lld", ctl_int(o, "used"),
			         ctl_int(o, "cap"));
		else
			snprintf(uc, sizeof(uc), "%lld/-", ctl_int(o, "used"));
		printf("%-24s %-9s %-10s %15s %9lld %9lld %10lld\n", jstr(o, "tenant"),
		       jstr(o, "status"), jstr(o, "date"), uc, ctl_int(o, "accepted"),
		       ctl_int(o, "deferred_cap") + ctl_int(o, "deferred_rate"),
		       ctl_int(o, "rejected_suppressed"));
	}
	json_decref(all);
	sbuf_free(err);
	return CTL_OK;
fail:
	json_decref(all);
	rc = ctl_fail("%s", sbuf_str(err));
	sbuf_free(err);
	return rc;
}
