/*
 * NAME
 *	rate - rate parsing and the generic cell rate algorithm
 * DESCRIPTION
 *	GCRA rather than a token bucket: it keeps one number per tenant (the
 *	theoretical arrival time), so the Redis state is one key updated with
 *	one comparison, and it spaces mail evenly instead of letting a bucket
 *	refill in steps.
 * SEE ALSO
 *	tm_rate.h
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tm_rate.h"

static const struct {
	const char *name;
	long ms;
} rate_units[] = {
    {"s", 1000},     {"sec", 1000},	 {"second", 1000}, {"min", 60000},   {"m", 60000},
    {"minute", 60000}, {"h", 3600000}, {"hour", 3600000}, {"d", 86400000}, {"day", 86400000},
};

int
rate_parse(const char *text, long burst, RATE *out, SBUF *err)
{
	char *end;
	const char *slash = strchr(text, '/');
	long n;

	memset(out, 0, sizeof(*out));
	errno = 0;
	n = strtol(text, &end, 10);
	if (slash == NULL || end != slash || end == text || errno || n < 1 || n > 100000000) {
		sbuf_printf(err, "bad rate \"%.40s\": expected N/unit with N from 1 to 100000000, as in 100/min", text);
		return -1;
	}
	for (size_t i = 0; i < sizeof(rate_units) / sizeof(rate_units[0]); i++) {
		if (strcmp(slash + 1, rate_units[i].name) == 0) {
			out->period_ms = rate_units[i].ms;
			break;
		}
	}
	if (out->period_ms == 0) {
		sbuf_printf(err, "bad rate unit \"%.20s\": use s, min, h or d", slash + 1);
		return -1;
	}
	if (burst < 0 || burst > 100000000) {
		sbuf_printf(err, "bad burst %ld: use 1 to 100000000", burst);
		return -1;
	}
	out->count = n;
	out->burst = burst ? burst : n;
	out->interval_us = (long)((long long)out->period_ms * 1000 / n);
	if (out->interval_us < 1)
		out->interval_us = 1;
	out->tolerance_us = out->interval_us * (out->burst - 1);
	return 0;
}

void
rate_format(const RATE *r, SBUF *out)
{
	const char *unit = r->period_ms == 1000 ? "s" : r->period_ms == 60000 ? "min" : r->period_ms == 3600000 ? "h" : "d";

	sbuf_printf(out, "%ld/%s burst %ld", r->count, unit, r->burst);
}

int
gcra_check(const RATE *r, long long now_us, long long *tat_us, long long *retry_us)
{
	long long tat = *tat_us > now_us ? *tat_us : now_us;
	long long allow_at = tat - r->tolerance_us;

	if (now_us < allow_at) {
		*retry_us = allow_at - now_us;
		return 0;
	}
	*tat_us = tat + r->interval_us;
	*retry_us = 0;
	return 1;
}
