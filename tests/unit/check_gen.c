/*
 * check_gen - one runtime generation (tm_gen.h): a message holding the old
 * generation keeps it, whole, after a swap; the old one is freed when its
 * last holder lets go (a CONF counts its references, and ASan/LSan see
 * every table); a reload with a part that fails loads nothing and leaves
 * the running generation in place.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tm_gen.h"
#define SUITE_NAME "gen"
#include "check_main.h"

static const char ring1[] =
    "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 1795000000\n";
static const char ring2[] =
    "2 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f 1795000001\n";

/* conf_with - a configuration from these overrides (NULL-terminated) */
static CONF *
conf_with(const char *const *ov)
{
	SBUF *e = sbuf_new(64);
	char *o[8];
	int n = 0;
	CONF *c;

	while (ov && ov[n] && n < 8) {
		o[n] = (char *)ov[n];
		n++;
	}
	c = conf_parse("t", "", o, n, e);
	ck_assert_msg(c != NULL, "%s", sbuf_str(e));
	sbuf_free(e);
	return c;
}

static KEYRING *
ring(const char *text)
{
	SBUF *e = sbuf_new(64);
	KEYRING *k = keyring_parse("ring", text, e);

	ck_assert_msg(k != NULL, "%s", sbuf_str(e));
	sbuf_free(e);
	return k;
}

static PMAP *
map(const char *text)
{
	SBUF *e = sbuf_new(64);
	PMAP *m = pmap_parse("map", text, e);

	ck_assert_msg(m != NULL, "%s", sbuf_str(e));
	sbuf_free(e);
	return m;
}

/* a message holds generation 1 across the swap to 2, and sees only 1's parts */
START_TEST(message_keeps_its_generation)
{
	static const char *const a[] = {"tenant_header = X-One", NULL}, *const b[] = {
	                                                                    "tenant_header = X-Two",
	                                                                    NULL};
	GEN_SLOT slot = GEN_SLOT_INIT;
	CONF *c1 = conf_with(a), *c2 = conf_with(b);
	GEN *g1 = gen_new(c1, map("gmail.com google\n"), ring(ring1), NULL);
	GEN *g2 = gen_new(c2, map("gmail.com microsoft\n"), ring(ring2), NULL);
	GEN *msg, *now;

	ck_assert_int_eq(c1->refs, 2); /* ours and g1's */
	gen_slot_set(&slot, g1);
	g1 = gen_unref(g1);        /* the slot holds it now */
	msg = gen_slot_get(&slot); /* a message starts */
	gen_slot_set(&slot, g2);   /* SIGHUP: generation 2, swapped once */
	g2 = gen_unref(g2);
	/* the message still has all of generation 1, parts that belong together */
	ck_assert_str_eq(msg->conf->tenant_header, "X-One");
	ck_assert_str_eq(pmap_lookup(msg->pmap, "gmail.com"), "google");
	ck_assert_int_eq(keyring_count(msg->keys), 1);
	ck_assert_ptr_null(msg->dkim);
	/* the next message gets generation 2 */
	now = gen_slot_get(&slot);
	ck_assert_str_eq(now->conf->tenant_header, "X-Two");
	ck_assert_str_eq(pmap_lookup(now->pmap, "gmail.com"), "microsoft");
	now = gen_unref(now);
	ck_assert_int_eq(c1->refs, 2); /* generation 1 lives while the message holds it */
	msg = gen_unref(msg);          /* its last holder lets go */
	ck_assert_int_eq(c1->refs, 1); /* freed: only our reference is left */
	ck_assert_int_eq(c2->refs, 2); /* generation 2 is untouched */
	gen_slot_set(&slot, NULL);
	ck_assert_int_eq(c2->refs, 1);
	conf_unref(c1);
	conf_unref(c2);
}
END_TEST

/* one part replaced: the others are shared, and outlive the generation they came from */
START_TEST(replaced_part_shares_the_rest)
{
	CONF *c = conf_with(NULL);
	GEN *g1 = gen_new(c, map("gmail.com google\n"), ring(ring1), NULL);
	GEN *g2 = gen_with_keys(g1, ring(ring2));
	GEN *g3;

	ck_assert_ptr_eq(g2->pmap, g1->pmap);
	ck_assert_ptr_ne(g2->keys, g1->keys);
	ck_assert_ptr_eq(g2->conf, c);
	g1 = gen_unref(g1); /* frees ring 1, not the shared map */
	ck_assert_str_eq(pmap_lookup(g2->pmap, "gmail.com"), "google");
	g3 = gen_with_pmap(g2, NULL);
	ck_assert_ptr_null(g3->pmap);
	ck_assert_ptr_eq(g3->keys, g2->keys);
	g2 = gen_unref(g2); /* frees the map; ring 2 lives on in g3 */
	ck_assert_int_eq(keyring_count(g3->keys), 1);
	ck_assert_int_eq(c->refs, 2);
	g3 = gen_unref(g3);
	ck_assert_int_eq(c->refs, 1);
	ck_assert_ptr_null(gen_unref(NULL));
	conf_unref(c);
}
END_TEST

/* write - a file of text at dir/name, mode 0600; its path in out */
static void
write_file(const char *dir, const char *name, const char *text, SBUF *out)
{
	FILE *fp;

	sbuf_reset(out);
	sbuf_printf(out, "%s/%s", dir, name);
	ck_assert_ptr_nonnull(fp = fopen(sbuf_str(out), "w"));
	fputs(text, fp);
	fclose(fp);
	ck_assert_int_eq(chmod(sbuf_str(out), 0600), 0);
}

/* which part of a reload is broken, and the name the warning gives it */
static const struct {
	int broken; /* GEN_* */
	const char *failed;
} broken[] = {
    {GEN_PMAP, "provider map"},
    {GEN_KEYS, "token keys"},
    {GEN_DKIM, "DKIM keys"},
};

/* a reload with one broken part loads nothing: the running generation stays, whole */
START_TEST(failed_reload_keeps_the_running)
{
	char dir[] = "/tmp/check_gen.XXXXXX";
	SBUF *pm = sbuf_new(64), *tk = sbuf_new(64), *dk = sbuf_new(64), *o[3], *e = sbuf_new(64);
	GEN_SLOT slot = GEN_SLOT_INIT;
	const char *failed = NULL;
	char *ov[3];
	CONF *c1, *c2;
	GEN *g, *now;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(dir, "providers", "gmail.com google\n", pm);
	write_file(dir, "token.keys", ring1, tk);
	write_file(dir, "dkim.keys", "# no keys yet\n", dk);
	for (int i = 0; i < 3; i++)
		o[i] = sbuf_new(128);
	sbuf_printf(o[0], "provider_map = %s", sbuf_str(pm));
	sbuf_printf(o[1], "token_keys = %s", sbuf_str(tk));
	sbuf_printf(o[2], "dkim_keys = %s", sbuf_str(dk));
	for (int i = 0; i < 3; i++)
		ov[i] = o[i]->s;
	c1 = conf_parse("t", "", ov, 3, e);
	ck_assert_msg(c1 != NULL, "%s", sbuf_str(e));
	g = gen_load(c1, GEN_PMAP | GEN_KEYS | GEN_DKIM, e, &failed);
	ck_assert_msg(g != NULL, "%s", sbuf_str(e));
	ck_assert_ptr_null(failed);
	ck_assert_str_eq(pmap_lookup(g->pmap, "gmail.com"), "google");
	ck_assert_int_eq(keyring_count(g->keys), 1);
	ck_assert_int_eq(dkk_count(g->dkim), 0);
	gen_slot_set(&slot, g);
	g = gen_unref(g);

	/* the reload: this case's part names a file that is not there (a DKIM table, a key file) */
	sbuf_reset(o[_i]);
	if (broken[_i].broken == GEN_DKIM) {
		SBUF *t = sbuf_new(128), *line = sbuf_new(128);
		sbuf_printf(line, "acme.example acme s1 %s/missing\n", dir);
		write_file(dir, "dkim.bad", sbuf_str(line), t);
		sbuf_printf(o[_i], "dkim_keys = %s", sbuf_str(t));
		sbuf_free(t);
		sbuf_free(line);
	} else {
		sbuf_printf(o[_i], "%s = %s/missing", _i == 0 ? "provider_map" : "token_keys", dir);
	}
	ov[_i] = o[_i]->s;
	c2 = conf_parse("t", "", ov, 3, e);
	ck_assert_msg(c2 != NULL, "%s", sbuf_str(e));
	sbuf_reset(e);
	ck_assert_ptr_null(gen_load(c2, GEN_PMAP | GEN_KEYS | GEN_DKIM, e, &failed));
	ck_assert_str_eq(failed, broken[_i].failed);
	ck_assert_msg(strstr(sbuf_str(e), "/missing") != NULL, "%s", sbuf_str(e));
	ck_assert_int_eq(c2->refs, 1); /* nothing of the failed generation holds it */
	/* the daemon installs nothing: the running generation is the same one, whole */
	now = gen_slot_get(&slot);
	ck_assert_ptr_eq(now->conf, c1);
	ck_assert_str_eq(pmap_lookup(now->pmap, "gmail.com"), "google");
	ck_assert_int_eq(keyring_count(now->keys), 1);
	ck_assert_ptr_nonnull(now->dkim);
	now = gen_unref(now);
	/* a part not asked for is not read: the same broken file, left out, loads */
	g = gen_load(c2, (GEN_PMAP | GEN_KEYS | GEN_DKIM) & ~(unsigned)broken[_i].broken, e,
	             &failed);
	ck_assert_ptr_nonnull(g);
	g = gen_unref(g);
	gen_slot_set(&slot, NULL);
	ck_assert_int_eq(c1->refs, 1);
	conf_unref(c1);
	conf_unref(c2);
	for (int i = 0; i < 3; i++)
		sbuf_free(o[i]);
	sbuf_free(pm);
	sbuf_free(tk);
	sbuf_free(dk);
	sbuf_free(e);
	{
		char cmd[96];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		ck_assert_int_eq(system(cmd), 0);
	}
}
END_TEST

static void
suite_tests(TCase *tc)
{
	tcase_add_test(tc, message_keeps_its_generation);
	tcase_add_test(tc, replaced_part_shares_the_rest);
	tcase_add_loop_test(tc, failed_reload_keeps_the_running, 0,
	                    sizeof(broken) / sizeof(broken[0]));
}
