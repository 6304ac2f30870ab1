/*
 * NAME
 *	egress - transports, pools and the sticky weighted choice
 * DESCRIPTION
 *	Weighted rendezvous hashing: every transport of the pool that is up
 *	gets a score -ln(u) / weight, with u in (0, 1) drawn from a 64-bit
 *	hash of the key and the transport's name; the lowest score wins. The
 *	winner of an exponential race is transport i with probability
 *	w_i / sum(w), so the shares follow the weights; the same key always
 *	draws the same u, so the choice is sticky; and removing one transport
 *	only moves the keys it had won.
 * SEE ALSO
 *	tm_egress.h, docs/egress.md
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_egress.h"
#include "tm_mem.h"

struct egress {
	TRANSPORT *tr;
	size_t ntr, atr;
	POOL *pools;
	size_t npools, apools;
};

static const char *const stream_names[] = {"transactional", "bulk", "any"};

int
stream_parse(const char *s)
{
	for (int i = 0; i < STREAM_N; i++)
		if (strcmp(s, stream_names[i]) == 0)
			return i;
	return -1;
}

const char *
stream_name(int st)
{
	return st >= 0 && st < STREAM_N ? stream_names[st] : "unknown";
}

EGRESS *
egress_new(void)
{
	return xcalloc(1, sizeof(EGRESS));
}

EGRESS *
egress_free(EGRESS *e)
{
	if (e == NULL)
		return NULL;
	for (size_t i = 0; i < e->ntr; i++) {
		free(e->tr[i].name);
		free(e->tr[i].ip);
		free(e->tr[i].ip6);
		free(e->tr[i].helo);
		free(e->tr[i].reason);
		free(e->tr[i].nexthop);
	}
	for (size_t i = 0; i < e->npools; i++) {
		free(e->pools[i].name);
		free(e->pools[i].tr);
		free(e->pools[i].weight);
	}
	free(e->tr);
	free(e->pools);
	free(e);
	return NULL;
}

int
transport_name_valid(const char *name, SBUF *why)
{
	/* master.cf services a Debian Postfix already has */
	static const char *const builtin[] = {
	    "smtp", "smtpd", "relay", "local", "virtual", "lmtp", "pickup", "cleanup", "qmgr", "tlsmgr",
	    "rewrite", "bounce", "defer", "trace", "verify", "flush", "proxymap", "proxywrite", "showq",
	    "error", "retry", "discard", "anvil", "scache", "postlog", "maildrop", "uucp", "submission",
	    "submissions", "smtps", "postscreen", "dnsblog", "tlsproxy", "ifmail", "bsmtp", "scalemail-backend",
	    "mailman", NULL};
	size_t n = strlen(name);

	if (n == 0 || n > TRANSPORT_NAME_MAX || name[0] < 'a' || name[0] > 'z') {
		sbuf_printf(why, "invalid transport name \"%.40s\": use 1 to %d of a-z, 0-9 and '-', starting with a letter",
			    name, TRANSPORT_NAME_MAX);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
			sbuf_printf(why, "invalid transport name \"%.40s\": use 1 to %d of a-z, 0-9 and '-', starting with a letter",
				    name, TRANSPORT_NAME_MAX);
			return 0;
		}
	}
	for (int i = 0; builtin[i]; i++) {
		if (strcmp(builtin[i], name) == 0) {
			sbuf_printf(why, "transport name \"%s\" is a Postfix service already; choose another, such as smtp-%s",
				    name, name);
			return 0;
		}
	}
	return 1;
}

int
egress_add_transport(EGRESS *e, const TRANSPORT *t)
{
	TRANSPORT *n;

	if (e->ntr == e->atr) {
		e->atr = e->atr ? e->atr * 2 : 8;
		e->tr = xrealloc(e->tr, e->atr * sizeof(TRANSPORT));
	}
	n = &e->tr[e->ntr];
	*n = *t;
	n->name = xstrdup(t->name);
	n->ip = xstrdup(t->ip ? t->ip : "");
	n->ip6 = xstrdup(t->ip6 ? t->ip6 : "");
	n->helo = xstrdup(t->helo ? t->helo : "");
	n->reason = xstrdup(t->reason ? t->reason : "");
	n->nexthop = xstrdup(t->nexthop ? t->nexthop : "");
	return (int)e->ntr++;
}

int
egress_find_transport(const EGRESS *e, const char *name)
{
	for (size_t i = 0; i < e->ntr; i++)
		if (strcmp(e->tr[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
egress_find_pool(const EGRESS *e, const char *name)
{
	for (size_t i = 0; i < e->npools; i++)
		if (strcmp(e->pools[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
egress_add_pool(EGRESS *e, const char *name, char *const *names, const long *weights, size_t n,
		SBUF *warnings)
{
	POOL *p;

	if (e->npools == e->apools) {
		e->apools = e->apools ? e->apools * 2 : 8;
		e->pools = xrealloc(e->pools, e->apools * sizeof(POOL));
	}
	p = &e->pools[e->npools];
	p->name = xstrdup(name);
	p->tr = xcalloc(n ? n : 1, sizeof(int));
	p->weight = xcalloc(n ? n : 1, sizeof(long));
	p->n = 0;
	for (size_t i = 0; i < n; i++) {
		int t = egress_find_transport(e, names[i]);
		if (t < 0) {
			sbuf_printf(warnings, "pool %s: ignoring unknown transport %s\n", name, names[i]);
			continue;
		}
		p->tr[p->n] = t;
		p->weight[p->n++] = weights[i] >= 1 ? weights[i] : 1;
	}
	return (int)e->npools++;
}

size_t
egress_ntransports(const EGRESS *e)
{
	return e->ntr;
}

const TRANSPORT *
egress_transport(const EGRESS *e, size_t i)
{
	return i < e->ntr ? &e->tr[i] : NULL;
}

size_t
egress_npools(const EGRESS *e)
{
	return e->npools;
}

const POOL *
egress_pool(const EGRESS *e, size_t i)
{
	return i < e->npools ? &e->pools[i] : NULL;
}

/* egress_hash - 64-bit FNV-1a of key, a separator and name, then a finaliser (splitmix64) */
static uint64_t
egress_hash(const char *key, const char *name)
{
	uint64_t h = 1469598103934665603ULL;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

const TRANSPORT *
egress_pick(const EGRESS *e, int pool, const char *key)
{
	const POOL *p;
	const TRANSPORT *best = NULL;
	double best_score = 0;

	if (e == NULL || pool < 0 || (size_t)pool >= e->npools)
		return NULL;
	p = &e->pools[pool];
	for (size_t i = 0; i < p->n; i++) {
		const TRANSPORT *t = &e->tr[p->tr[i]];
		double u, score;
		if (!t->up)
			continue;
		u = ((double)(egress_hash(key, t->name) >> 11) + 0.5) / 9007199254740992.0; /* (0, 1) */
		score = -log(u) / (double)p->weight[i];
		if (best == NULL || score < best_score) {
			best = t;
			best_score = score;
		}
	}
	return best;
}

int
pool_member_parse(const char *text, SBUF *name, long *weight, SBUF *err)
{
	const char *colon = strchr(text, ':');
	size_t n = colon ? (size_t)(colon - text) : strlen(text);
	SBUF *why = sbuf_new(64);
	char *end;
	int ok;

	sbuf_reset(name);
	sbuf_catn(name, text, n);
	ok = transport_name_valid(sbuf_str(name), why);
	if (!ok) {
		sbuf_cat(err, sbuf_str(why));
		sbuf_free(why);
		return -1;
	}
	sbuf_free(why);
	*weight = 1;
	if (colon) {
		*weight = strtol(colon + 1, &end, 10);
		if (end == colon + 1 || *end || *weight < 1 || *weight > 1000) {
			sbuf_printf(err, "pool member \"%.60s\": the weight must be a number from 1 to 1000", text);
			return -1;
		}
	}
	return 0;
}
