/*
 * NAME
 *	gen - one runtime generation, loaded together, swapped once
 * DESCRIPTION
 *	A generation holds the configuration by reference (CONF counts its
 *	own) and the three loaded tables through small shared owners, so a
 *	generation made from another with one part replaced shares the rest
 *	and each table is freed by the last generation that holds it.
 * SEE ALSO
 *	tm_gen.h
 */
#include "config.h"

#include <stdlib.h>

#include "tm_gen.h"
#include "tm_msg.h"
#include "tm_mem.h"

enum { GP_PMAP, GP_KEYS, GP_DKIM };

/* gen_part - the shared owner of one table */
struct gen_part {
	int refs;
	int kind; /* GP_* */
	void *obj;
};

/* gp_new - an owner of obj (which may be NULL: then no owner) */
static struct gen_part *
gp_new(int kind, void *obj)
{
	struct gen_part *p;

	if (obj == NULL)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->refs = 1;
	p->kind = kind;
	p->obj = obj;
	return p;
}

static struct gen_part *
gp_ref(struct gen_part *p)
{
	if (p)
		__atomic_add_fetch(&p->refs, 1, __ATOMIC_SEQ_CST);
	return p;
}

static void
gp_unref(struct gen_part *p)
{
	if (p == NULL || __atomic_sub_fetch(&p->refs, 1, __ATOMIC_SEQ_CST) > 0)
		return;
	switch (p->kind) {
	case GP_PMAP:
		pmap_free(p->obj);
		break;
	case GP_KEYS:
		keyring_free(p->obj);
		break;
	default:
		dkk_free(p->obj);
		break;
	}
	free(p);
}

/* gen_from - a generation of conf and three owners (references already taken) */
static GEN *
gen_from(CONF *conf, struct gen_part *pm, struct gen_part *k, struct gen_part *d)
{
	GEN *g = xcalloc(1, sizeof(*g));

	g->refs = 1;
	g->conf = conf_ref(conf);
	g->part[GP_PMAP] = pm;
	g->part[GP_KEYS] = k;
	g->part[GP_DKIM] = d;
	g->pmap = pm ? pm->obj : NULL;
	g->keys = k ? k->obj : NULL;
	g->dkim = d ? d->obj : NULL;
	return g;
}

GEN *
gen_new(CONF *conf, PMAP *pmap, KEYRING *keys, DKK_TABLE *dkim)
{
	return gen_from(conf, gp_new(GP_PMAP, pmap), gp_new(GP_KEYS, keys), gp_new(GP_DKIM, dkim));
}

GEN *
gen_load(CONF *conf, unsigned parts, SBUF *errs, const char **failed)
{
	PMAP *pmap = NULL;
	KEYRING *keys = NULL;
	DKK_TABLE *dkim = NULL;
	const char *what = NULL;

	if ((parts & GEN_PMAP) && (pmap = pmap_load(conf->provider_map, errs)) == NULL)
		what = "provider map";
	else if ((parts & GEN_KEYS) && (keys = keyring_load(conf->token_keys, errs)) == NULL)
		what = "token keys";
	else if ((parts & GEN_DKIM) && (dkim = dkk_load(conf->dkim_keys, errs)) == NULL)
		what = "DKIM keys";
	if (what) {
		pmap_free(pmap);
		keyring_free(keys);
		if (failed)
			*failed = what;
		return NULL;
	}
	return gen_new(conf, pmap, keys, dkim);
}

GEN *
gen_ref(GEN *g)
{
	if (g)
		__atomic_add_fetch(&g->refs, 1, __ATOMIC_SEQ_CST);
	return g;
}

GEN *
gen_unref(GEN *g)
{
	if (g == NULL || __atomic_sub_fetch(&g->refs, 1, __ATOMIC_SEQ_CST) > 0)
		return NULL;
	for (int i = 0; i < 3; i++)
		gp_unref(g->part[i]);
	conf_unref(g->conf);
	free(g);
	return NULL;
}

GEN *
gen_with_conf(const GEN *g, CONF *conf)
{
	return gen_from(conf, gp_ref(g->part[GP_PMAP]), gp_ref(g->part[GP_KEYS]),
	                gp_ref(g->part[GP_DKIM]));
}

GEN *
gen_with_pmap(const GEN *g, PMAP *pmap)
{
	return gen_from(g->conf, gp_new(GP_PMAP, pmap), gp_ref(g->part[GP_KEYS]),
	                gp_ref(g->part[GP_DKIM]));
}

GEN *
gen_with_keys(const GEN *g, KEYRING *keys)
{
	return gen_from(g->conf, gp_ref(g->part[GP_PMAP]), gp_new(GP_KEYS, keys),
	                gp_ref(g->part[GP_DKIM]));
}

GEN *
gen_with_dkim(const GEN *g, DKK_TABLE *dkim)
{
	return gen_from(g->conf, gp_ref(g->part[GP_PMAP]), gp_ref(g->part[GP_KEYS]),
	                gp_new(GP_DKIM, dkim));
}

void
gen_slot_set(GEN_SLOT *s, GEN *g)
{
	GEN *old;

	gen_ref(g);
	pthread_mutex_lock(&s->lock);
	old = s->gen;
	s->gen = g;
	pthread_mutex_unlock(&s->lock);
	gen_unref(old); /* outside the lock: the last reference frees tables */
}

GEN *
gen_slot_get(GEN_SLOT *s)
{
	GEN *g;

	pthread_mutex_lock(&s->lock);
	g = gen_ref(s->gen);
	pthread_mutex_unlock(&s->lock);
	return g;
}

void
gen_log_failure(const char *failed, SBUF *errs)
{
	if (failed)
		msg_warn("reload failed; keeping the running configuration: the %s did not load:\n%s", failed,
		         sbuf_str(errs));
	else
		msg_warn("reload failed; keeping the running configuration:\n%s", sbuf_str(errs));
}
