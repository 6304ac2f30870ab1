/*
 * NAME
 *	quota - the client of the RCPT-time script
 * DESCRIPTION
 *	Builds the keys and arguments of lib/quota.lua, runs it with one
 *	EVALSHA, and turns its answer into a verdict and the sentence the
 *	client reads. The caps are computed here, from the tenant's schedule
 *	and time zone; the script compares them with the counters atomically,
 *	so racing connections and milters can never overshoot a cap.
 * SEE ALSO
 *	tm_quota.h, lib/quota.lua, docs/redis-schema.md
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_keys.h"
#include "tm_mem.h"
#include "tm_quota.h"

#include "lib/quota_lua.h" /* quota_lua[]: lib/quota.lua as a C string */

static STORE_SCRIPT quota_script = {.body = quota_lua};

void
quota_res_clear(QUOTA_RES *res)
{
	free(res->member);
	res->member = NULL;
}

/* quota_str - element i of an array reply as text ("" if absent) */
static const char *
quota_str(const STORE_VAL *r, size_t i)
{
	if (r->type != STORE_V_ARR || i >= r->elements)
		return "";
	if (r->element[i]->type == STORE_V_STR || r->element[i]->type == STORE_V_STATUS)
		return r->element[i]->str;
	return "";
}

static long long
quota_num(const STORE_VAL *r, size_t i)
{
	if (r->type == STORE_V_ARR && i < r->elements && r->element[i]->type == STORE_V_INT)
		return r->element[i]->integer;
	return strtoll(quota_str(r, i), NULL, 10);
}

/*
 * The ledgers {t:NAME}:use:DATE a purge may give back to: an expired
 * reservation names the day it was counted on. A ledger lives KEY_TTL_USE
 * after its last write, which is on its own day or at the end of message
 * just after: so today, the QUOTA_LEDGER_BACK days before, and tomorrow (a
 * time zone that moved) hold every ledger that still exists.
 */
#define QUOTA_LEDGER_BACK 4
#define QUOTA_LEDGERS (QUOTA_LEDGER_BACK + 1) /* besides today's */

/* quota_near_dates - the dates around today that quota_rcpt passes ledgers for */
static int
quota_near_dates(const char *today, char dates[][11])
{
	int y, m, d, n = 0;
	int64_t day;

	if (sscanf(today, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return 0;
	day = warmup_days_from_civil(y, m, d);
	for (int k = -QUOTA_LEDGER_BACK; k <= 1; k++) {
		if (k == 0)
			continue;
		warmup_local_date((day + k) * 86400, NULL, &y, &m, &d, NULL);
		snprintf(dates[n++], 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
			 (unsigned)d % 100u);
	}
	return n;
}

int
quota_rcpt(STORE *s, const QUOTA_REQ *q, QUOTA_RES *res, SBUF *err)
{
	char k[7 + QUOTA_LEDGERS][160], a[15][48], dates[QUOTA_LEDGERS][11];
	const char *keys[7 + QUOTA_LEDGERS], *args[15 + QUOTA_LEDGERS];
	const LIMITS *l = q->lim;
	STORE_VAL *r;
	const char *v;
	int nd;

	memset(res, 0, sizeof(*res));
	limits_at(l, q->now, q->provider, &res->at);
	snprintf(k[0], sizeof(k[0]), KEY_T_FMT, q->tenant);
	snprintf(k[1], sizeof(k[1]), "%s", KEY_SUPP_GLOBAL);
	snprintf(k[2], sizeof(k[2]), KEY_T_SUPP_FMT, q->tenant);
	snprintf(k[3], sizeof(k[3]), KEY_T_USE_FMT, q->tenant, res->at.date);
	snprintf(k[4], sizeof(k[4]), KEY_T_RESV_FMT, q->tenant);
	snprintf(k[5], sizeof(k[5]), KEY_T_GCRA_FMT, q->tenant);
	snprintf(k[6], sizeof(k[6]), KEY_T_STATS_FMT, q->tenant, res->at.date);
	nd = quota_near_dates(res->at.date, dates);
	for (int i = 0; i < nd; i++) {
		snprintf(k[7 + i], sizeof(k[7 + i]), KEY_T_USE_FMT, q->tenant, dates[i]);
		args[15 + i] = dates[i];
	}
	snprintf(a[6], sizeof(a[6]), "%ld", res->at.cap_day);
	snprintf(a[7], sizeof(a[7]), "%ld", res->at.cap_hour);
	snprintf(a[8], sizeof(a[8]), "%ld", res->at.cap_provider);
	snprintf(a[9], sizeof(a[9]), "%ld", l && l->has_rate ? l->rate.interval_us : 0L);
	snprintf(a[10], sizeof(a[10]), "%ld", l && l->has_rate ? l->rate.tolerance_us : 0L);
	snprintf(a[12], sizeof(a[12]), "%ld", q->resv_ttl_ms);
	snprintf(a[13], sizeof(a[13]), "%ld", KEY_TTL_USE);
	snprintf(a[14], sizeof(a[14]), "%ld", KEY_TTL_COUNTERS);
	for (int i = 0; i < 7 + nd; i++)
		keys[i] = k[i];
	for (int i = 0; i < 15; i++)
		args[i] = a[i];
	args[0] = "rcpt";
	args[1] = q->tenant;
	args[2] = q->rcpt_key ? q->rcpt_key : "";
	args[3] = res->at.date;
	args[4] = res->at.hour;
	args[5] = q->provider;
	args[11] = q->rid;

	if ((r = store_eval(s, &quota_script, 7 + nd, keys, 15 + nd, args, err)) == NULL)
		return -1;
	if (r->type != STORE_V_ARR || r->elements < 1) {
		sbuf_cat(err, "redis: unexpected answer from the quota script");
		store_val_free(r);
		return -1;
	}
	v = quota_str(r, 0);
	if (strcmp(v, "ok") == 0) {
		res->verdict = Q_OK;
		res->member = xstrdup(quota_str(r, 1));
		res->used = (long)quota_num(r, 2);
	} else if (strcmp(v, "suppressed") == 0) {
		res->verdict = Q_SUPPRESSED;
		snprintf(res->scope, sizeof(res->scope), "%s", quota_str(r, 1));
		snprintf(res->reason, sizeof(res->reason), "%s", quota_str(r, 2));
		res->since = quota_num(r, 3);
	} else if (strcmp(v, "cap") == 0) {
		v = quota_str(r, 1);
		res->verdict = strcmp(v, "day") == 0 ? Q_CAP_DAY : strcmp(v, "hour") == 0 ? Q_CAP_HOUR : Q_CAP_PROVIDER;
		res->used = (long)quota_num(r, 2);
	} else if (strcmp(v, "rate") == 0) {
		res->verdict = Q_RATE;
		res->retry_ms = (long)quota_num(r, 1);
	} else if (strcmp(v, "unknown") == 0) {
		res->verdict = Q_UNKNOWN;
	} else {
		/* paused, disabled, or a status this version does not know: not active */
		res->verdict = strcmp(v, "paused") == 0 ? Q_PAUSED : Q_DISABLED;
		snprintf(res->reason, sizeof(res->reason), "%s", quota_str(r, 1));
	}
	store_val_free(r);
	return 0;
}

/* quota_member_date - the DATE of a reservation member "RID|DATE|HH|GROUP" into date; 0 if it has none */
static int
quota_member_date(const char *m, char date[11])
{
	const char *p = strchr(m, '|'), *e;

	if (p == NULL || (e = strchr(p + 1, '|')) == NULL || e - p - 1 > 10 || strchr(e + 1, '|') == NULL)
		return 0;
	memcpy(date, p + 1, (size_t)(e - p - 1));
	date[e - p - 1] = 0;
	return 1;
}

int
quota_settle(STORE *s, const char *tenant, const char *today, int commit, long rate_interval_us,
	     const char *qid, long map_ttl_s, char *const *members, char *const *rkeys, size_t n, SBUF *err)
{
	char (*k)[160], a[5][32], (*dates)[11];
	const char **keys, **args;
	size_t nd = 0;
	STORE_VAL *r;

	if (n == 0)
		return 0;
	/* KEYS: resv, stats:today, gcra, the queue-id map or "", then the ledger of each day the members name */
	k = xmalloc(sizeof(*k) * (n + 4));
	dates = xmalloc(sizeof(*dates) * n);
	keys = xmalloc(sizeof(*keys) * (n + 4));
	args = xmalloc(sizeof(*args) * (3 * n + 7));
	snprintf(k[0], sizeof(k[0]), KEY_T_RESV_FMT, tenant);
	snprintf(k[1], sizeof(k[1]), KEY_T_STATS_FMT, tenant, today);
	snprintf(k[2], sizeof(k[2]), KEY_T_GCRA_FMT, tenant);
	snprintf(k[3], sizeof(k[3]), KEY_QID_FMT, qid && *qid && strcmp(qid, "NOQUEUE") != 0 ? qid : "");
	for (size_t i = 0; i < n; i++) {
		char d[11];
		size_t j = 0;
		if (!quota_member_date(members[i], d))
			continue;
		while (j < nd && strcmp(dates[j], d) != 0)
			j++;
		if (j == nd) {
			memcpy(dates[nd], d, sizeof(d));
			snprintf(k[4 + nd], sizeof(k[4 + nd]), KEY_T_USE_FMT, tenant, d);
			nd++;
		}
	}
	snprintf(a[0], sizeof(a[0]), "%ld", rate_interval_us);
	snprintf(a[1], sizeof(a[1]), "%ld", KEY_TTL_USE);
	snprintf(a[2], sizeof(a[2]), "%ld", KEY_TTL_COUNTERS);
	snprintf(a[3], sizeof(a[3]), "%ld", map_ttl_s > 0 ? map_ttl_s : 1);
	args[0] = commit ? "commit" : "release";
	args[1] = tenant;
	for (int i = 0; i < 4; i++)
		args[2 + i] = a[i];
	for (size_t i = 0; i < 4 + nd; i++)
		keys[i] = k[i];
	if (!commit || qid == NULL || *qid == 0 || strcmp(qid, "NOQUEUE") == 0)
		keys[3] = "";
	snprintf(a[4], sizeof(a[4]), "%zu", n);
	args[6] = a[4];
	for (size_t i = 0; i < n; i++) {
		args[7 + i] = members[i];
		args[7 + n + i] = rkeys && rkeys[i] ? rkeys[i] : "";
	}
	for (size_t i = 0; i < nd; i++)
		args[7 + 2 * n + i] = dates[i];
	r = store_eval(s, &quota_script, (int)(4 + nd), keys, (int)(2 * n + 7 + nd), args, err);
	free(args);
	free(keys);
	free(dates);
	free(k);
	if (r == NULL)
		return -1;
	store_val_free(r);
	return 0;
}

/* quota_day_name - "warm-up day 3" or, after the schedule, "daily" */
static void
quota_day_name(const QUOTA_REQ *q, const QUOTA_RES *res, SBUF *out)
{
	long idx = res->at.day_index < 0 ? 0 : res->at.day_index;

	if (q->lim && q->lim->warmup && (size_t)idx < q->lim->warmup->ndays)
		sbuf_printf(out, "warm-up day %ld", idx + 1);
	else
		sbuf_cat(out, "post-warm-up");
}

void
quota_reply(const QUOTA_REQ *q, const QUOTA_RES *res, const char *rcpt, SBUF *out)
{
	const char *tz = q->lim ? q->lim->tz_name : "UTC";
	char day[16] = "";

	switch (res->verdict) {
	case Q_SUPPRESSED:
		if (res->since > 0) {
			int y, m, d;
			warmup_local_date(res->since, NULL, &y, &m, &d, NULL);
			snprintf(day, sizeof(day), "%04d-%02d-%02d", y, m, d);
		}
		sbuf_printf(out, "<%.300s>: recipient suppressed (%s%s%s)", rcpt, res->reason,
			    *day ? ", " : "", day);
		break;
	case Q_CAP_DAY:
		sbuf_printf(out, "tenant %s: ", q->tenant);
		quota_day_name(q, res, out);
		sbuf_printf(out, " cap of %ld reached, retry after 00:00 %s", res->at.cap_day, tz);
		break;
	case Q_CAP_HOUR:
		sbuf_printf(out, "tenant %s: ", q->tenant);
		quota_day_name(q, res, out);
		sbuf_printf(out, " hourly cap of %ld reached (%ld a day over %d active hours), retry after %02d:00 %s",
			    res->at.cap_hour, res->at.cap_day, q->lim->warmup->active_hours,
			    (atoi(res->at.hour) + 1) % 24, tz);
		break;
	case Q_CAP_PROVIDER:
		sbuf_printf(out, "tenant %s: daily cap of %ld for %s recipients reached, retry after 00:00 %s",
			    q->tenant, res->at.cap_provider, q->provider, tz);
		break;
	case Q_RATE:
		sbuf_printf(out, "tenant %s: rate limit of %s reached, retry in %ld s", q->tenant,
			    q->lim && q->lim->rate_text ? q->lim->rate_text : "?", (res->retry_ms + 999) / 1000);
		break;
	case Q_PAUSED:
		sbuf_printf(out, "tenant %s is paused: %s", q->tenant, *res->reason ? res->reason : "no reason given");
		break;
	case Q_DISABLED:
		sbuf_printf(out, "tenant %s is disabled%s%s", q->tenant, *res->reason ? ": " : "", res->reason);
		break;
	case Q_UNKNOWN:
		sbuf_printf(out, "tenant %s no longer exists", q->tenant);
		break;
	default:
		break;
	}
}
