/*
 * NAME
 *	limits - a tenant's limits, parsed from its hash, at one instant
 * DESCRIPTION
 *	The warm-up schedule, provider caps and rate live in {t:NAME}:limits
 *	as text, each field parsed by the same functions tenantctl validates
 *	with. The milter keeps the parsed form in its tenant snapshot, so a
 *	recipient costs no parsing and no extra Redis read.
 * SEE ALSO
 *	tm_limits.h, lib/warmup.c, lib/rate.c, docs/limits.md
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_limits.h"
#include "tm_mem.h"
#include "tm_provider.h"

LIMITS *
limits_new(void)
{
	LIMITS *l = xcalloc(1, sizeof(*l));

	l->tz_name = xstrdup("UTC");
	for (int i = 0; i < LIMITS_NPROV; i++)
		l->provider_cap[i] = -1;
	return l;
}

LIMITS *
limits_free(LIMITS *l)
{
	if (l) {
		free(l->warmup);
		free(l->tz_name);
		free(l->rate_text);
		if (l->tz)
			g_time_zone_unref(l->tz);
		free(l);
	}
	return NULL;
}

int
limits_provider_index(const char *group)
{
	for (int i = 0; i < LIMITS_NPROV; i++)
		if (strcmp(provider_groups[i], group) == 0)
			return i;
	return LIMITS_NPROV - 1;
}

int
limits_parse_providers(const char *text, long *caps, SBUF *err)
{
	char *copy = xstrdup(text), *save = NULL, *item, *eq, *end;
	int rc = 0;

	for (int i = 0; i < LIMITS_NPROV; i++)
		caps[i] = -1;
	for (item = strtok_r(copy, ",", &save); item && rc == 0; item = strtok_r(NULL, ",", &save)) {
		int g = -1;
		long n;

		if ((eq = strchr(item, '=')) != NULL) {
			*eq = 0;
			for (int i = 0; i < LIMITS_NPROV; i++)
				if (strcmp(provider_groups[i], item) == 0)
					g = i;
		}
		if (g < 0) {
			sbuf_printf(err, "provider cap \"%.40s\": use GROUP=N with GROUP one of google, microsoft, "
					 "yahoo, apple, other", item);
			rc = -1;
			break;
		}
		errno = 0;
		n = strtol(eq + 1, &end, 10);
		if (end == eq + 1 || *end || errno || n < 0 || n > 100000000) {
			sbuf_printf(err, "provider cap %s=\"%.20s\": use a number from 0 to 100000000", item, eq + 1);
			rc = -1;
			break;
		}
		caps[g] = n;
	}
	free(copy);
	return rc;
}

void
limits_format_providers(const long *caps, SBUF *out)
{
	int first = 1;

	for (int i = 0; i < LIMITS_NPROV; i++) {
		if (caps[i] < 0)
			continue;
		sbuf_printf(out, "%s%s=%ld", first ? "" : ",", provider_groups[i], caps[i]);
		first = 0;
	}
}

/* limits_warmup - the schedule, created with its defaults on first use */
static WARMUP *
limits_warmup(LIMITS *l)
{
	if (l->warmup == NULL) {
		l->warmup = xcalloc(1, sizeof(*l->warmup));
		l->warmup->then = WARMUP_UNLIMITED;
		l->warmup->active_hours = WARMUP_DEFAULT_ACTIVE_HOURS;
		l->warmup->start_y = 1970; /* until "start" says otherwise */
		l->warmup->start_m = 1;
		l->warmup->start_d = 1;
	}
	return l->warmup;
}

/* limits_finish_rate - the rate with its burst, whichever field came first */
static int
limits_finish_rate(LIMITS *l, SBUF *err)
{
	if (l->rate_text == NULL)
		return 0;
	if (rate_parse(l->rate_text, l->burst, &l->rate, err) < 0)
		return -1;
	l->has_rate = 1;
	return 0;
}

int
limits_set(LIMITS *l, const char *field, const char *value, SBUF *err)
{
	char *end;
	long n;

	if (strcmp(field, LIM_SCHEDULE) == 0)
		return warmup_parse_schedule(value, limits_warmup(l), err);
	if (strcmp(field, LIM_START) == 0) {
		WARMUP *w = limits_warmup(l);
		return warmup_parse_date(value, &w->start_y, &w->start_m, &w->start_d, err);
	}
	if (strcmp(field, LIM_THEN) == 0)
		return warmup_parse_then(value, &limits_warmup(l)->then, err);
	if (strcmp(field, LIM_ACTIVE_HOURS) == 0) {
		errno = 0;
		n = strtol(value, &end, 10);
		if (end == value || *end || errno || n < 1 || n > 24) {
			sbuf_printf(err, "active hours \"%.20s\": use a number from 1 to 24", value);
			return -1;
		}
		limits_warmup(l)->active_hours = (int)n;
		return 0;
	}
	if (strcmp(field, LIM_TIMEZONE) == 0) {
		GTimeZone *tz = g_time_zone_new_identifier(value);
		if (tz == NULL || *value == 0) {
			if (tz)
				g_time_zone_unref(tz);
			sbuf_printf(err, "unknown time zone \"%.60s\": use an IANA name such as UTC or "
					 "Europe/Berlin", value);
			return -1;
		}
		if (l->tz)
			g_time_zone_unref(l->tz);
		l->tz = tz;
		free(l->tz_name);
		l->tz_name = xstrdup(value);
		return 0;
	}
	if (strcmp(field, LIM_PROVIDERS) == 0)
		return limits_parse_providers(value, l->provider_cap, err);
	if (strcmp(field, LIM_RATE) == 0) {
		if (rate_parse(value, 0, &l->rate, err) < 0)
			return -1;
		free(l->rate_text);
		l->rate_text = xstrdup(value);
		return limits_finish_rate(l, err);
	}
	if (strcmp(field, LIM_BURST) == 0) {
		errno = 0;
		n = strtol(value, &end, 10);
		if (end == value || *end || errno || n < 1 || n > 100000000) {
			sbuf_printf(err, "burst \"%.20s\": use a number from 1 to 100000000", value);
			return -1;
		}
		l->burst = n;
		return limits_finish_rate(l, err);
	}
	return 0; /* preset and anything newer: not needed to enforce */
}

void
limits_at(const LIMITS *l, int64_t now, const char *provider, LIMITS_NOW *out)
{
	int y, m, d, h;

	warmup_local_date(now, l ? l->tz : NULL, &y, &m, &d, &h);
	snprintf(out->date, sizeof(out->date), "%04d-%02d-%02d", y, m, d);
	snprintf(out->hour, sizeof(out->hour), "%02d", h);
	out->day_index = -1;
	out->cap_day = out->cap_hour = out->cap_provider = -1;
	if (l == NULL)
		return;
	if (l->warmup) {
		out->day_index = warmup_day_index(l->warmup, now, l->tz);
		out->cap_day = warmup_daily_cap(l->warmup, out->day_index);
		out->cap_hour = warmup_hourly_cap(l->warmup, out->cap_day);
	}
	out->cap_provider = l->provider_cap[limits_provider_index(provider ? provider : "other")];
}
