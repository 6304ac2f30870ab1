/*
 * check_stream - the one stream decision (tm_route.h route_stream): from
 * the envelope sender's domain, for tenant-policyd and tenant-milter
 * alike; a From domain of another stream is reported
 * (route_stream_conflict) and changes nothing.
 */
#include "config.h"

#include "tm_egress.h"
#include "tm_route.h"
#include "tm_tenant.h"
#define SUITE_NAME "stream"
#include "check_main.h"

static TSNAP *snap;

/* acme: transactional by default, news.acme.example bulk; beta: bulk by default, tx.beta.example
 * transactional */
static void
setup(void)
{
	SBUF *e = sbuf_new(64);
	int acme, beta;

	snap = tsnap_new(1);
	acme = tsnap_add_tenant(snap, "acme", TS_ACTIVE, NULL);
	beta = tsnap_add_tenant(snap, "beta", TS_ACTIVE, NULL);
	tsnap_add_domain(snap, acme, "acme.example", e);
	tsnap_add_domain_stream(snap, acme, "news.acme.example", STREAM_BULK, e);
	tsnap_add_domain(snap, beta, "beta.example", e);
	tsnap_add_domain_stream(snap, beta, "tx.beta.example", STREAM_TRANSACTIONAL, e);
	tsnap_set_stream(snap, beta, STREAM_BULK);
	tsnap_finish(snap, e);
	ck_assert_str_eq(sbuf_str(e), "");
	sbuf_free(e);
}

static void
teardown(void)
{
	snap = tsnap_unref(snap);
}

static const struct {
	const char *tenant, *envelope; /* envelope sender domain; NULL for <> */
	int stream;
} by_envelope[] = {
    {"acme", "acme.example", STREAM_TRANSACTIONAL},
    {"acme", "news.acme.example", STREAM_BULK},
    {"acme", "x.news.acme.example",
     STREAM_BULK},                        /* the most specific domain of the tenant decides */
    {"acme", NULL, STREAM_TRANSACTIONAL}, /* <>: the tenant's default */
    {"acme", "beta.example", STREAM_TRANSACTIONAL}, /* another tenant's domain: acme's default */
    {"beta", "beta.example", STREAM_BULK},
    {"beta", "tx.beta.example", STREAM_TRANSACTIONAL},
    {"beta", NULL, STREAM_BULK},
};

START_TEST(stream_from_the_envelope)
{
	const TENANT *t = tsnap_find(snap, by_envelope[_i].tenant);

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(route_stream(snap, t, by_envelope[_i].envelope), by_envelope[_i].stream);
}
END_TEST

static const struct {
	const char *tenant;
	int stream;       /* the message's, from its envelope */
	const char *from; /* the From domain; NULL: none */
	int conflict;     /* the From domain's stream when it differs, else -1 */
} by_from[] = {
    {"acme", STREAM_TRANSACTIONAL, "acme.example", -1},
    {"acme", STREAM_TRANSACTIONAL, "news.acme.example", STREAM_BULK},
    {"acme", STREAM_BULK, "acme.example", STREAM_TRANSACTIONAL},
    {"acme", STREAM_BULK, "news.acme.example", -1},
    {"acme", STREAM_BULK, NULL, -1},
    {"acme", STREAM_BULK, "", -1},
    {"beta", STREAM_BULK, "tx.beta.example", STREAM_TRANSACTIONAL},
};

START_TEST(from_of_another_stream)
{
	const TENANT *t = tsnap_find(snap, by_from[_i].tenant);

	ck_assert_int_eq(route_stream_conflict(snap, t, by_from[_i].stream, by_from[_i].from),
	                 by_from[_i].conflict);
}
END_TEST

/* tenant-policyd's whole decision takes the same stream, from the envelope sender as given */
START_TEST(policyd_agrees)
{
	ROUTE r;

	route_decide(snap, NULL, NULL, "<news@News.Acme.Example>", "k", &r);
	ck_assert_str_eq(r.res.tenant->name, "acme");
	ck_assert_int_eq(r.stream, STREAM_BULK);
	route_decide(snap, NULL, NULL, "a@acme.example", "k", &r);
	ck_assert_int_eq(r.stream, STREAM_TRANSACTIONAL);
	route_decide(snap, NULL, NULL, "b@tx.beta.example", "k", &r);
	ck_assert_int_eq(r.stream, STREAM_TRANSACTIONAL);
	route_decide(snap, NULL, NULL, "b@beta.example", "k", &r);
	ck_assert_int_eq(r.stream, STREAM_BULK);
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, stream_from_the_envelope, 0,
	                    sizeof(by_envelope) / sizeof(by_envelope[0]));
	tcase_add_loop_test(tc, from_of_another_stream, 0, sizeof(by_from) / sizeof(by_from[0]));
	tcase_add_test(tc, policyd_agrees);
}
