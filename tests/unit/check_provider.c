/* check_provider - the provider map file: groups, patterns, precedence, errors */
#include "config.h"

#include <string.h>

#include "tm_provider.h"
#define SUITE_NAME "provider"
#include "check_main.h"

static PMAP *map;

static void
setup(void)
{
	SBUF *e = sbuf_new(64);

	map = pmap_load(TOP_SRCDIR "/conf/providers.conf", e);
	ck_assert_msg(map != NULL, "%s", sbuf_str(e));
	sbuf_free(e);
}

static void
teardown(void)
{
	map = pmap_free(map);
}

static const struct {
	const char *domain, *group;
} lookups[] = {
    {"gmail.com", "google"},	  {"googlemail.com", "google"}, {"outlook.com", "microsoft"},
    {"hotmail.com", "microsoft"}, {"hotmail.co.uk", "microsoft"}, {"hotmail.fr", "microsoft"},
    {"live.com", "microsoft"},	  {"live.de", "microsoft"},	{"msn.com", "microsoft"},
    {"yahoo.com", "yahoo"},	  {"yahoo.co.jp", "yahoo"},	{"aol.com", "yahoo"},
    {"ymail.com", "yahoo"},	  {"icloud.com", "apple"},	{"me.com", "apple"},
    {"mac.com", "apple"},	  {"example.com", "other"},	{"mail.gmail.com", "other"},
    {"notgmail.com", "other"},	  {"hotmail", "other"},		{"live", "other"},
};

START_TEST(lookup)
{
	ck_assert_str_eq(pmap_lookup(map, lookups[_i].domain), lookups[_i].group);
}
END_TEST

static const struct {
	const char *text, *err;
} bad[] = {
    {"gmail.com\n", "p:1: expected \"domain group\"\n"},
    {"\n# c\ngmail.com goggle\n", "p:3: unknown group \"goggle\" (google, microsoft, yahoo or apple)\n"},
    {"gmail.com other\n", "p:1: unknown group \"other\" (google, microsoft, yahoo or apple)\n"},
    {"a..b google\n", "p:1: bad domain pattern \"a..b\": empty label in domain\n"},
    {"mail.hotmail.* microsoft\n", "p:1: bad domain pattern \"mail.hotmail.*\"\n"},
    {"gmail.com google extra\n", "p:1: expected \"domain group\"\n"},
};

START_TEST(errors)
{
	SBUF *e = sbuf_new(64);

	ck_assert_ptr_null(pmap_parse("p", bad[_i].text, e));
	ck_assert_str_eq(sbuf_str(e), bad[_i].err);
	sbuf_free(e);
}
END_TEST

START_TEST(exact_beats_pattern)
{
	SBUF *e = sbuf_new(64);
	PMAP *m = pmap_parse("p", "live.* microsoft\nlive.example apple # a tenant's own\n", e);

	ck_assert_str_eq(pmap_lookup(m, "live.example"), "apple");
	ck_assert_str_eq(pmap_lookup(m, "live.com"), "microsoft");
	pmap_free(m);
	sbuf_free(e);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, lookup, 0, sizeof(lookups) / sizeof(lookups[0]));
	tcase_add_loop_test(tc, errors, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, exact_beats_pattern);
}
