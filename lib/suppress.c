/*
 * NAME
 *	suppress - suppression keys, reasons, entry values, durations and CSV import rows
 * DESCRIPTION
 *	supp_value() is the one C writer of an entry, supp_value_parse() its
 *	one C reader; lib/suppress.lua is the same for the Lua scripts, and
 *	tests/fixtures/suppress-values.txt holds the values both must agree on.
 *
 *	The CSV reader handles what spreadsheet exports produce: quoted fields
 *	with doubled quotes, CRLF line ends, a header row and blank lines. It
 *	is a line reader (a quoted field cannot span lines), which is what an
 *	address list needs, and it reports problems by column so that
 *	"tenantctl suppress import" can print file:line: reason.
 * SEE ALSO
 *	tm_suppress.h, lib/suppress.lua, docs/redis-schema.md, RFC 4180
 */
#include "config.h"

#include <ctype.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "tm_addr.h"
#include "tm_mem.h"
#include "tm_msg.h"
#include "tm_rewrite.h"
#include "tm_suppress.h"
#include "tm_tenant.h"

/* every reason any writer stores; the first four are the ones an admin may give */
static const char *const reasons[SR_COUNT] = {"unsubscribe", "hard-bounce", "complaint", "manual",
					      "soft-bounce-streak"};
#define SR_ADMIN_COUNT 4

int
supp_reason_parse(const char *s)
{
	int r = supp_reason_lookup(s);

	return r < SR_ADMIN_COUNT ? r : -1;
}

int
supp_reason_lookup(const char *s)
{
	for (int i = 0; i < SR_COUNT; i++)
		if (strcmp(s, reasons[i]) == 0)
			return i;
	return -1;
}

const char *
supp_reason_name(int r)
{
	return r >= 0 && r < SR_COUNT ? reasons[r] : "unknown";
}

/* supp_number - "0" or 1..SUPP_DIGITS digits without a leading zero, ending at end; -1 if not */
static long long
supp_number(const char *p, const char *end)
{
	long long n = 0;

	if (end == p || end - p > SUPP_DIGITS || (*p == '0' && end - p > 1))
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n;
}

void
supp_value(SBUF *out, int reason, long long since, long long expires)
{
	if (reason < 0 || reason >= SR_COUNT || since < 0 || expires < 0 || since > SUPP_MAX || expires > SUPP_MAX)
		msg_panic("supp_value: reason %d, since %lld, expires %lld make no entry", reason, since, expires);
	sbuf_printf(out, "%s|%lld|%lld", reasons[reason], since, expires);
}

int
supp_value_parse(const char *v, SUPP_VAL *out)
{
	const char *b1 = strchr(v, '|'), *b2 = b1 ? strchr(b1 + 1, '|') : NULL;
	char name[24];
	int reason;

	out->reason = SR_MANUAL; /* what an unreadable entry reads as: still suppressed, never expiring */
	out->since = out->expires = 0;
	if (b2 == NULL || (size_t)(b1 - v) >= sizeof(name))
		return -1;
	memcpy(name, v, (size_t)(b1 - v));
	name[b1 - v] = 0;
	if ((reason = supp_reason_lookup(name)) < 0)
		return -1;
	{
		long long since = supp_number(b1 + 1, b2), expires = supp_number(b2 + 1, b2 + 1 + strlen(b2 + 1));
		if (since < 0 || expires < 0)
			return -1;
		out->reason = reason;
		out->since = since;
		out->expires = expires;
	}
	return 0;
}

int
supp_key(const char *address, SBUF *key, SBUF *err)
{
	return supp_key_rw(NULL, address, key, err);
}

int
supp_key_rw(const RW_CONF *rw, const char *address, SBUF *key, SBUF *err)
{
	ADDR a;
	SBUF *canon = sbuf_new(128);
	char *low;
	int rc;

	if ((rc = rw_canon(rw, address, canon, err)) == 0 && canon->len == 0) {
		sbuf_cat(err, "the null address cannot be suppressed");
		rc = -1;
	}
	if (rc == 0)
		rc = addr_parse(sbuf_str(canon), &a, err);
	sbuf_free(canon);
	if (rc < 0)
		return -1;
	if (a.is_null) {
		sbuf_cat(err, "the null address cannot be suppressed");
		return -1;
	}
	if (!g_utf8_validate(a.local, -1, NULL)) {
		sbuf_cat(err, "local part is not valid UTF-8");
		addr_clear(&a);
		return -1;
	}
	low = g_utf8_casefold(a.local, -1);
	sbuf_printf(key, "%s@%s", low, a.domain);
	g_free(low);
	addr_clear(&a);
	return 0;
}

/* supp_fields - split one CSV line into at most max fields; returns the count or -1 */
static int
supp_fields(const char *line, SBUF **f, int max, SBUF *err)
{
	const char *p = line;
	int n = 0;

	for (;;) {
		if (n == max) {
			sbuf_printf(err, "more than %d columns (expected address,reason,tenant)", max);
			return -1;
		}
		sbuf_reset(f[n]);
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			for (p++;; p++) {
				if (*p == 0) {
					sbuf_printf(err, "column %d: unterminated quote", n + 1);
					return -1;
				}
				if (*p == '"' && p[1] == '"')
					sbuf_putc(f[n], *p++);
				else if (*p == '"')
					break;
				else
					sbuf_putc(f[n], *p);
			}
			for (p++; *p == ' ' || *p == '\t'; p++)
				;
			if (*p != ',' && *p != 0) {
				sbuf_printf(err, "column %d: text after a closing quote", n + 1);
				return -1;
			}
		} else {
			const char *end = p + strcspn(p, ",");
			const char *q = end;
			while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
				q--;
			if (memchr(p, '"', (size_t)(q - p))) {
				sbuf_printf(err, "column %d: quote inside an unquoted field", n + 1);
				return -1;
			}
			sbuf_catn(f[n], p, (size_t)(q - p));
			p = end;
		}
		n++;
		if (*p == 0)
			return n;
		p++; /* the comma */
	}
}

int
supp_csv_line(const char *line, SUPP_ROW *row, SBUF *err)
{
	SBUF *f[3] = {sbuf_new(64), sbuf_new(16), sbuf_new(32)};
	SBUF *why = sbuf_new(64), *key = sbuf_new(64);
	char *copy = xstrdup(line);
	size_t len = strlen(copy);
	int n, ret = -1;
	const char *p;

	memset(row, 0, sizeof(*row));
	while (len > 0 && (copy[len - 1] == '\r' || copy[len - 1] == '\n'))
		copy[--len] = 0;
	for (p = copy; isspace((unsigned char)*p); p++)
		;
	if (*p == 0 || *p == '#') {
		ret = 0;
		goto out;
	}
	if (len > 2048) {
		sbuf_cat(err, "line longer than 2048 characters");
		goto out;
	}
	if ((n = supp_fields(copy, f, 3, err)) < 0)
		goto out;
	if (strcasecmp(sbuf_str(f[0]), "address") == 0 || strcasecmp(sbuf_str(f[0]), "email") == 0) {
		ret = 0; /* a header row */
		goto out;
	}
	if (supp_key(sbuf_str(f[0]), key, why) < 0) {
		sbuf_printf(err, "address \"%.80s\": %s", sbuf_str(f[0]), sbuf_str(why));
		goto out;
	}
	row->reason = SR_MANUAL;
	/* every reason an entry holds, so that what export writes reads back (soft-bounce-streak too) */
	if (n >= 2 && f[1]->len && (row->reason = supp_reason_lookup(sbuf_str(f[1]))) < 0) {
		sbuf_printf(err, "unknown reason \"%.40s\" (unsubscribe, hard-bounce, complaint or manual)",
			    sbuf_str(f[1]));
		goto out;
	}
	if (n == 3 && f[2]->len) {
		if (!tenant_name_valid(sbuf_str(f[2]))) {
			sbuf_printf(err, "invalid tenant name \"%.64s\"", sbuf_str(f[2]));
			goto out;
		}
		row->tenant = xstrdup(sbuf_str(f[2]));
	}
	row->key = sbuf_steal(key);
	key = NULL;
	ret = 1;
out:
	for (int i = 0; i < 3; i++)
		sbuf_free(f[i]);
	sbuf_free(why);
	sbuf_free(key);
	free(copy);
	if (ret < 0)
		supp_row_clear(row);
	return ret;
}

void
supp_row_clear(SUPP_ROW *row)
{
	free(row->key);
	free(row->tenant);
	memset(row, 0, sizeof(*row));
}

int
supp_duration(const char *text, long *seconds, SBUF *err)
{
	char *end;
	long n = strtol(text, &end, 10), unit = 0;

	if (end != text && n > 0 && end[0] && end[1] == 0) {
		switch (*end) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		case 'y': unit = 365 * 86400; break;
		}
	}
	if (unit == 0 || n > 100L * 365 * 86400 / unit) {
		sbuf_printf(err, "bad duration \"%.20s\": a positive number with s, m, h, d, w or y, as in 90d", text);
		return -1;
	}
	*seconds = n * unit;
	return 0;
}
