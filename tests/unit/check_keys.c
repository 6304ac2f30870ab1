/*
 * check_keys - the key schema: include/tm_keys.h's formats, its
 * tm_key_schema[] and docs/redis-schema.md's key index agree, field by field
 * (name, type, TTL, writer), both ways; no key format lives outside the header,
 * and the feedback script builds no key name
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TM_KEYS_SCHEMA
#include "tm_keys.h"
#define SUITE_NAME "keys"
#include "check_main.h"

#define NSCHEMA (sizeof(tm_key_schema) / sizeof(tm_key_schema[0]))

/* slurp - a file's text (owned), or NULL */
static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long n;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	} else if (buf)
		buf[n] = 0;
	fclose(fp);
	return buf;
}

/* schema_find - the row whose pattern is p, or NULL */
static const KEY_SCHEMA *
schema_find(const char *p)
{
	for (size_t i = 0; i < NSCHEMA; i++)
		if (strcmp(tm_key_schema[i].pattern, p) == 0)
			return &tm_key_schema[i];
	return NULL;
}

/* The public names, as dashboards read them: literals, not the formats */
START_TEST(names_literal)
{
	static const struct {
		const char *fmt, *a, *b, *want;
	} t[] = {
	    {KEY_T_FMT, "acme", NULL, "{t:acme}:tenant"},
	    {KEY_T_SUPP_FMT, "acme", NULL, "{t:acme}:supp"},
	    {KEY_T_USE_FMT, "acme", "2026-03-01", "{t:acme}:use:2026-03-01"},
	    {KEY_T_STATS_FMT, "acme", "2026-03-01", "{t:acme}:stats:2026-03-01"},
	    {KEY_STATS_FMT, "2026-03-01", NULL, "tm:stats:2026-03-01"},
	    {KEY_QID_FMT, "4F2A1C0", NULL, "tm:qid:4F2A1C0"},
	    {KEY_T_FB_FMT, "acme", "2026-03-01", "{t:acme}:fb:2026-03-01"},
	    {KEY_T_STREAK_FMT, "acme", NULL, "{t:acme}:streak"},
	    {KEY_T_UNSUB_FMT, "acme", NULL, "{t:acme}:unsub"},
	    {KEY_FB_POS_FMT, "/var/log/mail.log", NULL, "tm:fb:pos:/var/log/mail.log"},
	    {KEY_FB_SEEN_FMT, "4F2A1C0", "a@x.test", "tm:fb:seen:4F2A1C0:a@x.test"},
	    {KEY_TRANSPORT_FMT, "out1", NULL, "tm:transport:out1"},
	};
	char buf[128];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf), t[i].fmt, t[i].a, t[i].b);
		ck_assert_str_eq(buf, t[i].want);
	}
	ck_assert_str_eq(KEY_SUPP_GLOBAL, "tm:supp");
	ck_assert_str_eq(KEY_VERSION, "tm:version");
	ck_assert_int_eq(KEY_TTL_USE, 259200);        /* 3 days */
	ck_assert_int_eq(KEY_TTL_COUNTERS, 34560000); /* 400 days */
}
END_TEST

/* Each row: its pattern is its format with placeholders; its type, TTL and writers are known words
 */
START_TEST(rows_consistent)
{
	static const char *const ph[] = {"NAME", "DATE", "QID", "RCPT", "PATH", NULL};
	static const char *const types[] = {"HASH", "SET", "ZSET", "STRING", NULL};
	static const char *const writers[] = {"tenantctl",    "tenant-milter",  "tenant-feedback",
	                                      "tenant-httpd", "tenant-policyd", NULL};

	for (size_t i = 0; i < NSCHEMA; i++) {
		const KEY_SCHEMA *k = &tm_key_schema[i];
		char fmt[160] = "", w[160];
		size_t n = 0;
		int ok = 0;
		long days;
		char unit;

		for (const char *p = k->pattern; *p && n + 3 < sizeof(fmt);) {
			size_t j = 0;
			while (ph[j] && strncmp(p, ph[j], strlen(ph[j])) != 0)
				j++;
			if (ph[j]) {
				memcpy(fmt + n, "%s", 2);
				n += 2;
				p += strlen(ph[j]);
			} else {
				ck_assert_msg(!isupper((unsigned char)*p),
				              "%s: unknown placeholder", k->pattern);
				fmt[n++] = *p++;
			}
		}
		fmt[n] = 0;
		ck_assert_msg(strcmp(fmt, k->fmt) == 0,
		              "%s: pattern gives %s, the header's format is %s", k->pattern, fmt,
		              k->fmt);
		ck_assert_msg(schema_find(k->pattern) == k, "%s: listed twice", k->pattern);
		for (size_t j = 0; types[j]; j++)
			ok |= strcmp(types[j], k->type) == 0;
		ck_assert_msg(ok, "%s: type %s", k->pattern, k->type);
		if (sscanf(k->ttl, "%ld%c", &days, &unit) == 2 && unit == 'd')
			ck_assert_msg(days * 86400 == k->ttl_s, "%s: ttl %s but %ld s", k->pattern,
			              k->ttl, k->ttl_s);
		else
			ck_assert_msg((strcmp(k->ttl, "none") == 0 || strcmp(k->ttl, "rate") == 0 ||
			               strcmp(k->ttl, "queue_map_ttl") == 0) &&
			                  k->ttl_s == 0,
			              "%s: ttl %s", k->pattern, k->ttl);
		snprintf(w, sizeof(w), "%s", k->writer);
		for (char *save = NULL, *t = strtok_r(w, ", ", &save); t;
		     t = strtok_r(NULL, ", ", &save)) {
			ok = 0;
			for (size_t j = 0; writers[j]; j++)
				ok |= strcmp(writers[j], t) == 0;
			ck_assert_msg(ok, "%s: writer %s", k->pattern, t);
		}
	}
}
END_TEST

/* Every KEY_ format the header defines is one row, and every row's format is defined */
START_TEST(header_both_ways)
{
	char *h = slurp(TOP_SRCDIR "/include/tm_keys.h"), *line, *save = NULL;
	int seen[NSCHEMA] = {0};
	size_t ndefs = 0;

	ck_assert_msg(h != NULL, "cannot read include/tm_keys.h");
	for (line = strtok_r(h, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64], val[160];
		size_t i;
		if (sscanf(line, "#define %63s \"%159[^\"]\"", name, val) != 2 ||
		    strncmp(name, "KEY_", 4) != 0)
			continue;
		ndefs++;
		for (i = 0; i < NSCHEMA && strcmp(tm_key_schema[i].fmt, val) != 0; i++)
			;
		ck_assert_msg(i < NSCHEMA, "%s \"%s\" is not in tm_key_schema[]", name, val);
		ck_assert_msg(!seen[i], "%s \"%s\": a second macro for one key", name, val);
		seen[i] = 1;
	}
	for (size_t i = 0; i < NSCHEMA; i++)
		ck_assert_msg(seen[i], "row %s: its format %s is no KEY_ macro",
		              tm_key_schema[i].pattern, tm_key_schema[i].fmt);
	ck_assert_uint_eq(ndefs, NSCHEMA);
	free(h);
}
END_TEST

/* cell - the next "| cell |" of a table row into out (trimmed, `...` unquoted); the rest, or NULL
 */
static const char *
cell(const char *p, char *out, size_t n)
{
	const char *e;
	size_t len;

	if (*p != '|' || (e = strchr(p + 1, '|')) == NULL)
		return NULL;
	p++;
	while (p < e && *p == ' ')
		p++;
	len = (size_t)(e - p);
	while (len && p[len - 1] == ' ')
		len--;
	if (len >= 2 && p[0] == '`' && p[len - 1] == '`') {
		p++;
		len -= 2;
	}
	if (len >= n)
		len = n - 1;
	memcpy(out, p, len);
	out[len] = 0;
	return e;
}

/* docs/redis-schema.md's key index and tm_key_schema[]: the same keys, field by field */
START_TEST(doc_both_ways)
{
	char *doc = slurp(TOP_SRCDIR "/docs/redis-schema.md"), *begin, *end, *line, *save = NULL;
	int seen[NSCHEMA] = {0};
	size_t rows = 0;

	ck_assert_msg(doc != NULL, "cannot read docs/redis-schema.md");
	begin = strstr(doc, "<!-- key-index -->");
	end = strstr(doc, "<!-- /key-index -->");
	ck_assert_msg(begin && end && begin < end, "docs/redis-schema.md has no key index");
	*end = 0;
	for (line = strtok_r(begin, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[160], type[32], ttl[32], writer[160];
		const char *p = line;
		const KEY_SCHEMA *k;
		if (*line != '|' || strncmp(line, "| key ", 6) == 0 ||
		    strncmp(line, "|---", 4) == 0)
			continue;
		ck_assert_msg(
		    (p = cell(p, key, sizeof(key))) && (p = cell(p, type, sizeof(type))) &&
		        (p = cell(p, ttl, sizeof(ttl))) && (p = cell(p, writer, sizeof(writer))),
		    "doc row not of four cells: %s", line);
		rows++;
		k = schema_find(key);
		ck_assert_msg(k != NULL, "doc lists %s, tm_keys.h does not", key);
		ck_assert_msg(!seen[k - tm_key_schema], "doc lists %s twice", key);
		seen[k - tm_key_schema] = 1;
		ck_assert_msg(strcmp(type, k->type) == 0,
		              "%s: type %s in the doc, %s in the header", key, type, k->type);
		ck_assert_msg(strcmp(ttl, k->ttl) == 0, "%s: TTL %s in the doc, %s in the header",
		              key, ttl, k->ttl);
		ck_assert_msg(strcmp(writer, k->writer) == 0,
		              "%s: writer %s in the doc, %s in the header", key, writer, k->writer);
	}
	for (size_t i = 0; i < NSCHEMA; i++)
		ck_assert_msg(seen[i], "tm_keys.h has %s, the doc's index does not",
		              tm_key_schema[i].pattern);
	ck_assert_uint_eq(rows, NSCHEMA);
	free(doc);
}
END_TEST

/* key_literal - does text hold a key name written out ("tm:..., "{t:..., '{t:..., 'tm:...)? */
static const char *
key_literal(const char *text)
{
	static const char *const pat[] = {"\"tm:", "\"{t:", "'tm:", "'{t:", NULL};
	const char *best = NULL;

	for (size_t i = 0; pat[i]; i++) {
		const char *p = strstr(text, pat[i]);
		if (p && (best == NULL || p < best))
			best = p;
	}
	return best;
}

/* Every key name is built from tm_keys.h: no other source file spells one */
START_TEST(one_header)
{
	static const char *const dirs[] = {"lib",    "ctl",     "feedback", "httpd",
	                                   "milter", "policy", "include",  NULL};
	size_t files = 0;

	for (size_t d = 0; dirs[d]; d++) {
		char path[512];
		DIR *dp;
		struct dirent *de;
		snprintf(path, sizeof(path), "%s/%s", TOP_SRCDIR, dirs[d]);
		ck_assert_msg((dp = opendir(path)) != NULL, "cannot read %s", path);
		while ((de = readdir(dp)) != NULL) {
			const char *dot = strrchr(de->d_name, '.');
			char *text;
			const char *hit;
			if (dot == NULL ||
			    (strcmp(dot, ".c") != 0 && strcmp(dot, ".h") != 0 &&
			     strcmp(dot, ".lua") != 0) ||
			    strcmp(de->d_name, "tm_keys.h") == 0 ||
			    strstr(de->d_name, "_lua.h") != NULL)
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", TOP_SRCDIR, dirs[d], de->d_name);
			ck_assert_msg((text = slurp(path)) != NULL, "cannot read %s", path);
			hit = key_literal(text);
			ck_assert_msg(hit == NULL, "%s/%s spells a key: %.40s", dirs[d], de->d_name,
			              hit);
			free(text);
			files++;
		}
		closedir(dp);
	}
	ck_assert_uint_gt(files, 50);
}
END_TEST

/*
 * lib/feedback.lua builds no key name (every key it touches is in KEYS, from
 * its caller): no string.format, and each redis.call names its key with one
 * bare variable, never a concatenation or a call
 */
START_TEST(script_builds_no_key)
{
	char path[512], *text;
	size_t calls = 0;

	snprintf(path, sizeof(path), "%s/lib/feedback.lua", TOP_SRCDIR);
	ck_assert_msg((text = slurp(path)) != NULL, "cannot read %s", path);
	ck_assert_msg(strstr(text, "string.format") == NULL, "lib/feedback.lua formats a string");
	for (const char *p = text; (p = strstr(p, "redis.call(")) != NULL; p++) {
		const char *a = strchr(p, ',');
		size_t n;
		if (strncmp(p, "redis.call('TIME')", 18) == 0)
			continue;
		ck_assert_msg(a != NULL, "redis.call without a key: %.40s", p);
		a += strspn(a + 1, " ") + 1;
		n = strcspn(a, ",)");
		for (size_t i = 0; i < n; i++)
			ck_assert_msg(isalnum((unsigned char)a[i]) || a[i] == '_',
				      "lib/feedback.lua builds a key: %.*s", (int)n, a);
		calls++;
	}
	ck_assert_uint_gt(calls, 10);
	free(text);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_test(tc, script_builds_no_key);
	tcase_add_test(tc, names_literal);
	tcase_add_test(tc, rows_consistent);
	tcase_add_test(tc, header_both_ways);
	tcase_add_test(tc, doc_both_ways);
	tcase_add_test(tc, one_header);
}
