/*
 * NAME
 *	tm_gen 3h - one runtime generation: configuration, provider map,
 *	token keys and DKIM keys, loaded together and swapped once
 * DESCRIPTION
 *	A daemon serves from one generation at a time. A reload (SIGHUP)
 *	builds a whole new one with gen_load(); if any part fails, the
 *	daemon keeps the running generation whole, never a mix. Work in
 *	flight (a milter message, an HTTP request) holds a reference to the
 *	generation it started with, so the parts it reads stay valid and
 *	consistent with each other until it lets go; the last reference
 *	frees them.
 *
 *	The parts are read-only once in a generation. gen_with_*() make a
 *	new generation that shares the other parts of an existing one (each
 *	part is reference-counted on its own), for a daemon that reloads
 *	only one part, and for tests.
 * SEE ALSO
 *	tm_conf.h, tm_provider.h, tm_token.h, tm_dkim.h
 */
#ifndef TM_GEN_H
#define TM_GEN_H

#include <pthread.h>

#include "tm_conf.h"
#include "tm_dkim.h"
#include "tm_provider.h"
#include "tm_sbuf.h"
#include "tm_token.h"

struct gen_part;

typedef struct tm_gen {
	int refs;
	CONF *conf;               /* never NULL */
	PMAP *pmap;               /* NULL: every recipient domain is "other" */
	KEYRING *keys;            /* NULL: no tokens can be sealed or opened */
	DKK_TABLE *dkim;          /* NULL: nothing is signed */
	struct gen_part *part[3]; /* the shared owners of pmap, keys, dkim */
} GEN;

/* the parts gen_load() reads besides the configuration */
enum {
	GEN_PMAP = 1, /* conf->provider_map */
	GEN_KEYS = 2, /* conf->token_keys */
	GEN_DKIM = 4, /* conf->dkim_keys */
};

/*
 * gen_new - a generation of one reference. It takes its own reference to
 * conf (the caller keeps the one it has) and owns pmap, keys and dkim
 * from now on (each may be NULL). Never NULL.
 */
GEN *gen_new(CONF *conf, PMAP *pmap, KEYRING *keys, DKK_TABLE *dkim);

/*
 * gen_load - every part that parts (GEN_* bits) asks for, read from the
 * paths conf names, into one new generation (conf as in gen_new). NULL
 * when any part fails: errs says why and *failed (if not NULL) names the
 * part ("provider map", "token keys", "DKIM keys"); nothing loaded is kept.
 */
GEN *gen_load(CONF *conf, unsigned parts, SBUF *errs, const char **failed);

/* gen_ref, gen_unref - accept NULL; gen_unref returns NULL, and its last reference frees the parts
 * no other generation holds */
GEN *gen_ref(GEN *g);
GEN *gen_unref(GEN *g);

/*
 * gen_with_conf, gen_with_pmap, gen_with_keys, gen_with_dkim - a new
 * generation (one reference) with that part replaced (owned as in
 * gen_new) and the others shared with g; g is unchanged.
 */
GEN *gen_with_conf(const GEN *g, CONF *conf);
GEN *gen_with_pmap(const GEN *g, PMAP *pmap);
GEN *gen_with_keys(const GEN *g, KEYRING *keys);
GEN *gen_with_dkim(const GEN *g, DKK_TABLE *dkim);

/*
 * GEN_SLOT - where a daemon keeps its current generation: swapped once
 * under its lock, read with a reference taken under the same lock.
 */
typedef struct {
	pthread_mutex_t lock;
	GEN *gen;
} GEN_SLOT;

#define GEN_SLOT_INIT                                                                              \
	{                                                                                          \
		PTHREAD_MUTEX_INITIALIZER, NULL                                                    \
	}

/* gen_slot_set - install g (the slot takes its own reference; NULL empties it); lets the old go */
void gen_slot_set(GEN_SLOT *s, GEN *g);
/* gen_slot_get - an owned reference to the current generation (NULL if none): gen_unref it */
GEN *gen_slot_get(GEN_SLOT *s);

/* gen_log_failure - the daemons' one warning for a reload gen_load refused: the part that failed (NULL: the configuration) and why */
void gen_log_failure(const char *failed, SBUF *errs);

#endif
