/* check_suppress - suppression keys (normalisation), CSV import rows with bad lines, durations, entry values */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_suppress.h"
#define SUITE_NAME "suppress"
#include "check_main.h"

static const struct {
	const char *in, *key, *err;
} keys[] = {
    {"John.Doe@Example.COM", "john.doe@example.com", NULL},
    {"  <john.doe@example.com.>  ", "john.doe@example.com", NULL},
    {"JÖRG@Bücher.Example", "jörg@xn--bcher-kva.example", NULL},
    {"\"Quoted Name\"@example.com", "quoted name@example.com", NULL},
    {"user+tag@example.com", "user+tag@example.com", NULL},
    {"<>", NULL, "the null address cannot be suppressed"},
    {"no-domain", NULL, "address has no domain"},
    {"bad\xff@example.com", NULL, "local part is not valid UTF-8"},
};

START_TEST(key)
{
	SBUF *k = sbuf_new(64), *e = sbuf_new(64);
	int rc = supp_key(keys[_i].in, k, e);

	if (keys[_i].key) {
		ck_assert_msg(rc == 0, "%s", sbuf_str(e));
		ck_assert_str_eq(sbuf_str(k), keys[_i].key);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_str_eq(sbuf_str(e), keys[_i].err);
	}
	sbuf_free(k);
	sbuf_free(e);
}
END_TEST

static const struct {
	const char *line;
	int rc;
	const char *key, *reason, *tenant, *err;
} rows[] = {
    {"a@example.com", 1, "a@example.com", "manual", NULL, NULL},
    {"A@Example.com,unsubscribe\r\n", 1, "a@example.com", "unsubscribe", NULL, NULL},
    {"a@example.com,hard-bounce,acme", 1, "a@example.com", "hard-bounce", "acme", NULL},
    {" a@example.com , complaint , acme ", 1, "a@example.com", "complaint", "acme", NULL},
    {"\"x,y\"@example.com,,acme", -1, NULL, NULL, NULL, "column 1: text after a closing quote"},
    {"a@example.com,,", 1, "a@example.com", "manual", NULL, NULL},
    {"address,reason,tenant", 0, NULL, NULL, NULL, NULL},
    {"Email", 0, NULL, NULL, NULL, NULL},
    {"", 0, NULL, NULL, NULL, NULL},
    {"   \r\n", 0, NULL, NULL, NULL, NULL},
    {"# exported 2026-11-20", 0, NULL, NULL, NULL, NULL},
    /* what export writes for tenant-feedback's streak entries reads back */
    {"a@example.com,soft-bounce-streak,acme", 1, "a@example.com", "soft-bounce-streak", "acme", NULL},
    {"a@example.com,spam", -1, NULL, NULL, NULL,
     "unknown reason \"spam\" (unsubscribe, hard-bounce, complaint or manual)"},
    {"a@example.com,manual,Bad_Tenant", -1, NULL, NULL, NULL, "invalid tenant name \"Bad_Tenant\""},
    {"a@example.com,manual,acme,extra", -1, NULL, NULL, NULL,
     "more than 3 columns (expected address,reason,tenant)"},
    {"not-an-address,manual", -1, NULL, NULL, NULL, "address \"not-an-address\": address has no domain"},
    {"\"a@example.com,manual", -1, NULL, NULL, NULL, "column 1: unterminated quote"},
    {"\"a@example.com\"x,manual", -1, NULL, NULL, NULL, "column 1: text after a closing quote"},
    {"a\"b@example.com", -1, NULL, NULL, NULL, "column 1: quote inside an unquoted field"},
};

START_TEST(csv)
{
	SUPP_ROW r;
	SBUF *e = sbuf_new(64);
	int rc = supp_csv_line(rows[_i].line, &r, e);

	ck_assert_msg(rc == rows[_i].rc, "%s: rc %d (%s)", rows[_i].line, rc, sbuf_str(e));
	if (rc == 1 && rows[_i].key) {
		ck_assert_str_eq(r.key, rows[_i].key);
		ck_assert_str_eq(supp_reason_name(r.reason), rows[_i].reason);
		if (rows[_i].tenant)
			ck_assert_str_eq(r.tenant, rows[_i].tenant);
		else
			ck_assert_ptr_null(r.tenant);
	}
	if (rc < 0)
		ck_assert_str_eq(sbuf_str(e), rows[_i].err);
	supp_row_clear(&r);
	sbuf_free(e);
}
END_TEST

START_TEST(quoted_comma)
{
	SUPP_ROW r;
	SBUF *e = sbuf_new(64);

	ck_assert_int_eq(supp_csv_line("\"\"\"x,y\"\"@example.com\",unsubscribe", &r, e), 1);
	ck_assert_str_eq(r.key, "x,y@example.com");
	supp_row_clear(&r);
	sbuf_free(e);
}
END_TEST

START_TEST(durations)
{
	long s;
	SBUF *e = sbuf_new(64);

	ck_assert_int_eq(supp_duration("90d", &s, e), 0);
	ck_assert_int_eq(s, 90 * 86400);
	ck_assert_int_eq(supp_duration("12h", &s, e), 0);
	ck_assert_int_eq(s, 43200);
	ck_assert_int_eq(supp_duration("1y", &s, e), 0);
	ck_assert_int_eq(s, 365 * 86400);
	ck_assert_int_eq(supp_duration("0d", &s, e), -1);
	ck_assert_int_eq(supp_duration("10", &s, e), -1);
	ck_assert_int_eq(supp_duration("10dd", &s, e), -1);
	ck_assert_int_eq(supp_duration("500y", &s, e), -1);
	sbuf_free(e);
}
END_TEST

/* vec_unescape - a VALUE column of tests/fixtures/suppress-values.txt, decoded into out */
static void
vec_unescape(const char *in, SBUF *out)
{
	for (const char *p = in; *p; p++) {
		if (*p != '\\') {
			sbuf_putc(out, *p);
			continue;
		}
		switch (*++p) {
		case 's': sbuf_putc(out, ' '); break;
		case 't': sbuf_putc(out, '\t'); break;
		case 'n': sbuf_putc(out, '\n'); break;
		case 'r': sbuf_putc(out, '\r'); break;
		case '\\': sbuf_putc(out, '\\'); break;
		case 'e': break;
		default: ck_abort_msg("bad escape \\%c in \"%s\"", *p ? *p : '0', in);
		}
		if (*p == 0)
			break;
	}
}

/* every vector reads as its fields in C, and the writer makes each valid value exactly */
START_TEST(value_vectors)
{
	FILE *fp = fopen(TOP_SRCDIR "/tests/fixtures/suppress-values.txt", "r");
	char line[512];
	int nvalid = 0, ninvalid = 0, seen[SR_COUNT] = {0};
	SBUF *v = sbuf_new(64), *w = sbuf_new(64);

	ck_assert_msg(fp != NULL, "tests/fixtures/suppress-values.txt");
	for (int lineno = 1; fgets(line, sizeof(line), fp); lineno++) {
		char *kind, *val, *fields, *save = NULL, reason[32];
		long long since, expires;
		SUPP_VAL sv;
		int rc;
		line[strcspn(line, "\n")] = 0;
		if (line[0] == 0 || line[0] == '#')
			continue;
		kind = strtok_r(line, "\t", &save);
		val = strtok_r(NULL, "\t", &save);
		fields = strtok_r(NULL, "\t", &save);
		ck_assert_msg(kind && val, "line %d: no VALUE column", lineno);
		sbuf_reset(v);
		vec_unescape(val, v);
		rc = supp_value_parse(sbuf_str(v), &sv);
		if (strcmp(kind, "invalid") == 0) {
			ck_assert_msg(fields == NULL, "line %d: an invalid vector has no fields", lineno);
			ck_assert_msg(rc == -1, "line %d: \"%s\" was read, as %s %lld %lld", lineno, val,
				      supp_reason_name(sv.reason), sv.since, sv.expires);
			/* an unreadable entry reads as manual, 0, 0: still suppressed, never expiring */
			ck_assert_str_eq(supp_reason_name(sv.reason), "manual");
			ck_assert(sv.since == 0 && sv.expires == 0);
			ninvalid++;
			continue;
		}
		ck_assert_msg(strcmp(kind, "valid") == 0, "line %d: valid or invalid, not %s", lineno, kind);
		ck_assert_msg(fields && sscanf(fields, "%31s %lld %lld", reason, &since, &expires) == 3,
			      "line %d: REASON SINCE EXPIRES", lineno);
		ck_assert_msg(rc == 0, "line %d: \"%s\" was not read", lineno, val);
		ck_assert_str_eq(supp_reason_name(sv.reason), reason);
		ck_assert(sv.since == since);
		ck_assert(sv.expires == expires);
		seen[sv.reason] = 1;
		sbuf_reset(w);
		supp_value(w, sv.reason, since, expires);
		ck_assert_str_eq(sbuf_str(w), sbuf_str(v));
		nvalid++;
	}
	fclose(fp);
	ck_assert_int_ge(nvalid, 8);
	ck_assert_int_ge(ninvalid, 30);
	for (int r = 0; r < SR_COUNT; r++) /* every reason the system writes has a vector: Lua must know it too */
		ck_assert_msg(seen[r], "no valid vector with reason %s", supp_reason_name(r));
	sbuf_free(v);
	sbuf_free(w);
}
END_TEST

/* the reasons: all five are read; an admin may give the first four only */
START_TEST(reasons)
{
	static const char *const names[] = {"unsubscribe", "hard-bounce", "complaint", "manual", "soft-bounce-streak"};

	ck_assert_int_eq(SR_COUNT, 5);
	for (int r = 0; r < 5; r++) {
		ck_assert_str_eq(supp_reason_name(r), names[r]);
		ck_assert_int_eq(supp_reason_lookup(names[r]), r);
		ck_assert_int_eq(supp_reason_parse(names[r]), r < 4 ? r : -1);
	}
	ck_assert_int_eq(supp_reason_lookup("spamtrap"), -1);
	ck_assert_int_eq(supp_reason_lookup(""), -1);
	ck_assert_str_eq(supp_reason_name(5), "unknown");
	ck_assert_str_eq(supp_reason_name(-1), "unknown");
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_loop_test(tc, key, 0, sizeof(keys) / sizeof(keys[0]));
	tcase_add_loop_test(tc, csv, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, quoted_comma);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, value_vectors);
	tcase_add_test(tc, reasons);
}
