/* check_tenant - names, snapshots, resolution order, longest prefix, domain ownership */
#include "config.h"

#include <string.h>

#include "tm_tenant.h"
#define SUITE_NAME "tenant"
#include "check_main.h"

static TSNAP *snap;

/* fixture: acme (sasl, /24 and a /32 inside beta's /16), beta, gamma (a subdomain of acme's) */
static void
setup(void)
{
	SBUF *e = sbuf_new(64), *w = sbuf_new(64);
	int a, b, g, p;

	snap = tsnap_new(7);
	a = tsnap_add_tenant(snap, "acme", TS_ACTIVE, NULL);
	b = tsnap_add_tenant(snap, "beta", TS_ACTIVE, NULL);
	g = tsnap_add_tenant(snap, "gamma", TS_ACTIVE, NULL);
	p = tsnap_add_tenant(snap, "paused-co", TS_PAUSED, "billing");
	ck_assert_int_eq(tsnap_add_sasl(snap, a, "acme-user", e), 0);
	ck_assert_int_eq(tsnap_add_sasl(snap, b, "beta-user", e), 0);
	ck_assert_int_eq(tsnap_add_network(snap, b, "10.1.0.0/16", e), 0);
	ck_assert_int_eq(tsnap_add_network(snap, a, "10.1.2.0/24", e), 0);
	ck_assert_int_eq(tsnap_add_network(snap, g, "10.1.2.3", e), 0);
	ck_assert_int_eq(tsnap_add_network(snap, b, "2001:db8::/32", e), 0);
	ck_assert_int_eq(tsnap_add_domain(snap, a, "Acme.Example.", e), 0);
	ck_assert_int_eq(tsnap_add_domain(snap, b, "beta.example", e), 0);
	ck_assert_int_eq(tsnap_add_domain(snap, g, "news.acme.example", e), 0);
	ck_assert_int_eq(tsnap_add_domain(snap, p, "paused.example", e), 0);
	tsnap_finish(snap, w);
	ck_assert_str_eq(sbuf_str(w), "");
	sbuf_free(e);
	sbuf_free(w);
}

static void
teardown(void)
{
	snap = tsnap_unref(snap);
}

static const struct {
	const char *sasl, *client, *sender;
	const char *tenant; /* NULL: unknown */
	int how;
	const char *key;
} order[] = {
    /* SASL beats the client network and the sender domain */
    {"beta-user", "10.1.2.9", "x.acme.example", "beta", RES_SASL, "beta-user"},
    /* an unknown login falls through to the network */
    {"nobody", "10.1.2.9", NULL, "acme", RES_NETWORK, "10.1.2.0/24"},
    /* longest prefix: /32 inside /24 inside /16 */
    {NULL, "10.1.2.3", NULL, "gamma", RES_NETWORK, "10.1.2.3/32"},
    {NULL, "10.1.2.4", NULL, "acme", RES_NETWORK, "10.1.2.0/24"},
    {NULL, "10.1.9.9", NULL, "beta", RES_NETWORK, "10.1.0.0/16"},
    {NULL, "2001:db8::25", NULL, "beta", RES_NETWORK, "2001:db8::/32"},
    {NULL, "::ffff:10.1.2.3", NULL, "gamma", RES_NETWORK, "10.1.2.3/32"},
    /* the network beats the sender domain */
    {NULL, "10.1.9.9", "acme.example", "beta", RES_NETWORK, "10.1.0.0/16"},
    /* sender domain, then its parents; the most specific owner wins */
    {NULL, "192.0.2.1", "acme.example", "acme", RES_SENDER, "acme.example"},
    {NULL, "192.0.2.1", "mail.acme.example", "acme", RES_SENDER, "acme.example"},
    {NULL, "192.0.2.1", "news.acme.example", "gamma", RES_SENDER, "news.acme.example"},
    {NULL, "192.0.2.1", "x.news.acme.example", "gamma", RES_SENDER, "news.acme.example"},
    {NULL, NULL, "paused.example", "paused-co", RES_SENDER, "paused.example"},
    /* unknown */
    {NULL, "192.0.2.1", "example.org", NULL, RES_NONE, NULL},
    {NULL, "192.0.2.1", "notacme.example", NULL, RES_NONE, NULL},
    {"", NULL, "", NULL, RES_NONE, NULL},
    {NULL, NULL, NULL, NULL, RES_NONE, NULL},
};

START_TEST(resolution_order)
{
	RESOLUTION r;
	IPADDR ip;

	if (order[_i].client)
		ck_assert_int_eq(ipaddr_parse(order[_i].client, &ip), 0);
	tenant_resolve(snap, order[_i].sasl, order[_i].client ? &ip : NULL, order[_i].sender, &r);
	ck_assert_int_eq(r.how, order[_i].how);
	if (order[_i].tenant == NULL) {
		ck_assert_ptr_null(r.tenant);
	} else {
		ck_assert_ptr_nonnull(r.tenant);
		ck_assert_str_eq(r.tenant->name, order[_i].tenant);
		ck_assert_str_eq(r.key, order[_i].key);
	}
}
END_TEST

START_TEST(ownership)
{
	const TENANT *acme = tsnap_find(snap, "acme");

	ck_assert_ptr_nonnull(acme);
	ck_assert_ptr_eq(tenant_domain_owner(snap, "acme.example", NULL), acme);
	ck_assert_ptr_eq(tenant_domain_owner(snap, "deep.sub.acme.example", NULL), acme);
	ck_assert_ptr_ne(tenant_domain_owner(snap, "news.acme.example", NULL), acme);
	ck_assert_ptr_null(tenant_domain_owner(snap, "example", NULL));
	ck_assert_ptr_null(tenant_domain_owner(snap, "xacme.example", NULL));
	ck_assert_str_eq(tsnap_find(snap, "paused-co")->reason, "billing");
	ck_assert_ptr_null(tsnap_find(snap, "nope"));
	ck_assert_int_eq(tsnap_version(snap), 7);
}
END_TEST

START_TEST(conflicts_are_deterministic)
{
	SBUF *e = sbuf_new(64), *w = sbuf_new(64);
	TSNAP *s = tsnap_new(1);
	int z = tsnap_add_tenant(s, "zulu", TS_ACTIVE, NULL);
	int a = tsnap_add_tenant(s, "alpha", TS_ACTIVE, NULL);
	RESOLUTION r;

	tsnap_add_domain(s, z, "shared.example", e);
	tsnap_add_domain(s, a, "shared.example", e);
	tsnap_add_sasl(s, z, "login", e);
	tsnap_add_sasl(s, a, "login", e);
	tsnap_finish(s, w);
	tenant_resolve(s, "login", NULL, NULL, &r);
	ck_assert_str_eq(r.tenant->name, "alpha");
	ck_assert_str_eq(tenant_domain_owner(s, "shared.example", NULL)->name, "alpha");
	ck_assert_str_eq(sbuf_str(w), "SASL login login is claimed by tenants alpha and zulu; alpha keeps it\n"
				      "domain shared.example is claimed by tenants alpha and zulu; alpha keeps it\n");
	tsnap_unref(s);
	sbuf_free(e);
	sbuf_free(w);
}
END_TEST

START_TEST(bad_entries_refused)
{
	SBUF *e = sbuf_new(64);
	TSNAP *s = tsnap_new(1);
	int t = tsnap_add_tenant(s, "t", TS_ACTIVE, NULL);

	ck_assert_int_eq(tsnap_add_network(s, t, "10.0.0.1/8", e), -1);
	ck_assert_int_eq(tsnap_add_domain(s, t, "bad..example", e), -1);
	ck_assert_int_eq(tsnap_add_sasl(s, t, "", e), -1);
	tsnap_unref(s);
	sbuf_free(e);
}
END_TEST

static const struct {
	const char *name;
	int ok;
} names[] = {
    {"acme", 1}, {"a", 1}, {"0day", 1}, {"acme-eu-2", 1},
    {"", 0}, {"-acme", 0}, {"Acme", 0}, {"acme_eu", 0}, {"acme.eu", 0}, {"ac me", 0},
    {"a23456789012345678901234567890123456789012345678901234567890123", 1},
    {"a234567890123456789012345678901234567890123456789012345678901234", 0},
};

START_TEST(name_rules)
{
	ck_assert_int_eq(tenant_name_valid(names[_i].name), names[_i].ok);
}
END_TEST

START_TEST(status_names)
{
	ck_assert_int_eq(tenant_status_parse("paused"), TS_PAUSED);
	ck_assert_int_eq(tenant_status_parse("PAUSED"), -1);
	ck_assert_str_eq(tenant_status_name(TS_DISABLED), "disabled");
	ck_assert_str_eq(tenant_how_name(RES_NETWORK), "network");
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, resolution_order, 0, sizeof(order) / sizeof(order[0]));
	tcase_add_test(tc, ownership);
	tcase_add_test(tc, conflicts_are_deterministic);
	tcase_add_test(tc, bad_entries_refused);
	tcase_add_loop_test(tc, name_rules, 0, sizeof(names) / sizeof(names[0]));
	tcase_add_test(tc, status_names);
}
