/*
 * NAME
 *	tenant - tenant snapshots, resolution and domain ownership
 * DESCRIPTION
 *	A snapshot keeps sorted arrays (logins, domains) searched with
 *	bsearch(), and networks sorted by prefix length, longest first, so the
 *	first match is the longest prefix. Snapshots are rebuilt only when the
 *	store's version changes, so building may be slow and lookups must not.
 *
 *	Conflicts can only arise when the store was edited behind tenantctl's
 *	back. They are resolved deterministically (the tenant whose name sorts
 *	first keeps the entry), and reported so the log says why.
 * SEE ALSO
 *	tm_tenant.h, docs/redis-schema.md
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tm_addr.h"
#include "tm_egress.h"
#include "tm_limits.h"
#include "tm_mem.h"
#include "tm_msg.h"
#include "tm_tenant.h"

typedef struct {
	char *key;
	int tenant;
	int stream; /* domains: STREAM_*, or -1 for the tenant's default */
} TS_ENT;

typedef struct {
	CIDR cidr;
	char *text;
	int tenant;
} TS_NET;

struct tsnap {
	int refs;
	long long version;
	TENANT *tenants;
	size_t ntenants, atenants;
	TS_ENT *sasl, *domains;
	size_t nsasl, asasl, ndomains, adomains;
	TS_NET *nets;
	size_t nnets, anets;
	int *order; /* tenant indexes sorted by name, for tsnap_find */
	EGRESS *egress; /* transports and pools; NULL if none */
};

static const char *const status_names[] = {"active", "paused", "disabled"};
static const char *const how_names[] = {"none", "sasl", "network", "sender"};

int
tenant_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > TENANT_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && c == '-');
		if (!ok)
			return 0;
	}
	return 1;
}

int
tenant_status_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

const char *
tenant_status_name(int st)
{
	return st >= 0 && st < 3 ? status_names[st] : "unknown";
}

const char *
tenant_how_name(int how)
{
	return how >= 0 && how < 4 ? how_names[how] : "unknown";
}

TSNAP *
tsnap_new(long long version)
{
	TSNAP *s = xcalloc(1, sizeof(*s));

	s->refs = 1;
	s->version = version;
	return s;
}

/* ts_grow - make room for one more element */
static void *
ts_grow(void *arr, size_t n, size_t *alloc, size_t size)
{
	if (n < *alloc)
		return arr;
	*alloc = *alloc ? *alloc * 2 : 16;
	return xrealloc(arr, *alloc * size);
}

int
tsnap_add_tenant(TSNAP *s, const char *name, int status, const char *reason)
{
	s->tenants = ts_grow(s->tenants, s->ntenants, &s->atenants, sizeof(TENANT));
	s->tenants[s->ntenants].name = xstrdup(name);
	s->tenants[s->ntenants].status = status;
	s->tenants[s->ntenants].reason = xstrdup(reason ? reason : "");
	s->tenants[s->ntenants].limits = NULL;
	s->tenants[s->ntenants].stream = STREAM_TRANSACTIONAL;
	for (int i = 0; i < STREAM_N; i++)
		s->tenants[s->ntenants].pool[i] = -1;
	return (int)s->ntenants++;
}

void
tsnap_set_limits(TSNAP *s, int tenant, struct limits *l)
{
	limits_free(s->tenants[tenant].limits);
	s->tenants[tenant].limits = l;
}

/* ts_push - append an owned key to a key array */
static void
ts_push(TS_ENT **arr, size_t *n, size_t *alloc, char *key, int tenant)
{
	*arr = ts_grow(*arr, *n, alloc, sizeof(TS_ENT));
	(*arr)[*n].key = key;
	(*arr)[*n].stream = -1;
	(*arr)[(*n)++].tenant = tenant;
}

int
tsnap_add_sasl(TSNAP *s, int tenant, const char *login, SBUF *err)
{
	if (*login == 0 || strlen(login) > 255) {
		sbuf_cat(err, "SASL login must be 1 to 255 characters");
		return -1;
	}
	ts_push(&s->sasl, &s->nsasl, &s->asasl, xstrdup(login), tenant);
	return 0;
}

int
tsnap_add_domain(TSNAP *s, int tenant, const char *domain, SBUF *err)
{
	SBUF *d = sbuf_new(64);

	if (domain_normalize(domain, strlen(domain), d, err) < 0) {
		sbuf_free(d);
		return -1;
	}
	ts_push(&s->domains, &s->ndomains, &s->adomains, sbuf_steal(d), tenant);
	return 0;
}

int
tsnap_add_domain_stream(TSNAP *s, int tenant, const char *domain, int stream, SBUF *err)
{
	if (tsnap_add_domain(s, tenant, domain, err) < 0)
		return -1;
	s->domains[s->ndomains - 1].stream = stream;
	return 0;
}

void
tsnap_set_stream(TSNAP *s, int tenant, int stream)
{
	s->tenants[tenant].stream = stream;
}

void
tsnap_set_pool(TSNAP *s, int tenant, int stream, int pool)
{
	s->tenants[tenant].pool[stream] = pool;
}

void
tsnap_set_egress(TSNAP *s, EGRESS *e)
{
	egress_free(s->egress);
	s->egress = e;
}

const EGRESS *
tsnap_egress(const TSNAP *s)
{
	return s->egress;
}

int
tsnap_add_network(TSNAP *s, int tenant, const char *text, SBUF *err)
{
	CIDR c;
	SBUF *canon;

	if (cidr_parse(text, &c, err) < 0)
		return -1;
	canon = sbuf_new(64);
	cidr_format(&c, canon);
	s->nets = ts_grow(s->nets, s->nnets, &s->anets, sizeof(TS_NET));
	s->nets[s->nnets].cidr = c;
	s->nets[s->nnets].text = sbuf_steal(canon);
	s->nets[s->nnets++].tenant = tenant;
	return 0;
}

/* ent_cmp - by key, then by owning tenant's name, so duplicates sort deterministically */
static int
ent_cmp(const void *a, const void *b, void *snap)
{
	const TS_ENT *x = a, *y = b;
	const TSNAP *s = snap;
	int r = strcmp(x->key, y->key);

	if (r)
		return r;
	return strcmp(s->tenants[x->tenant].name, s->tenants[y->tenant].name);
}

static int
net_cmp(const void *a, const void *b, void *snap)
{
	const TS_NET *x = a, *y = b;
	const TSNAP *s = snap;
	int r;

	if (x->cidr.net.family != y->cidr.net.family)
		return x->cidr.net.family - y->cidr.net.family;
	if (x->cidr.plen != y->cidr.plen)
		return y->cidr.plen - x->cidr.plen;
	if ((r = memcmp(x->cidr.net.b, y->cidr.net.b, 16)) != 0)
		return r;
	return strcmp(s->tenants[x->tenant].name, s->tenants[y->tenant].name);
}

static int
order_cmp(const void *a, const void *b, void *snap)
{
	const TSNAP *s = snap;

	return strcmp(s->tenants[*(const int *)a].name, s->tenants[*(const int *)b].name);
}

/* ts_dedup - drop later duplicates of a sorted key array, describing each */
static size_t
ts_dedup(TSNAP *s, TS_ENT *e, size_t n, const char *what, SBUF *warnings)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		if (out > 0 && strcmp(e[out - 1].key, e[i].key) == 0) {
			if (e[out - 1].tenant != e[i].tenant)
				sbuf_printf(warnings, "%s %s is claimed by tenants %s and %s; %s keeps it\n",
					    what, e[i].key, s->tenants[e[out - 1].tenant].name,
					    s->tenants[e[i].tenant].name, s->tenants[e[out - 1].tenant].name);
			free(e[i].key);
			continue;
		}
		e[out++] = e[i];
	}
	return out;
}

void
tsnap_finish(TSNAP *s, SBUF *warnings)
{
	size_t out = 0;

	if (s->nsasl)
		qsort_r(s->sasl, s->nsasl, sizeof(TS_ENT), ent_cmp, s);
	if (s->ndomains)
		qsort_r(s->domains, s->ndomains, sizeof(TS_ENT), ent_cmp, s);
	if (s->nnets)
		qsort_r(s->nets, s->nnets, sizeof(TS_NET), net_cmp, s);
	s->order = xcalloc(s->ntenants, sizeof(int));
	for (size_t i = 0; i < s->ntenants; i++)
		s->order[i] = (int)i;
	if (s->ntenants)
		qsort_r(s->order, s->ntenants, sizeof(int), order_cmp, s);

	s->nsasl = ts_dedup(s, s->sasl, s->nsasl, "SASL login", warnings);
	s->ndomains = ts_dedup(s, s->domains, s->ndomains, "domain", warnings);
	for (size_t i = 0; i < s->nnets; i++) {
		TS_NET *prev = out ? &s->nets[out - 1] : NULL;
		if (prev && prev->cidr.plen == s->nets[i].cidr.plen &&
		    prev->cidr.net.family == s->nets[i].cidr.net.family &&
		    memcmp(prev->cidr.net.b, s->nets[i].cidr.net.b, 16) == 0) {
			if (prev->tenant != s->nets[i].tenant)
				sbuf_printf(warnings, "network %s is claimed by tenants %s and %s; %s keeps it\n",
					    prev->text, s->tenants[prev->tenant].name,
					    s->tenants[s->nets[i].tenant].name, s->tenants[prev->tenant].name);
			free(s->nets[i].text);
			continue;
		}
		s->nets[out++] = s->nets[i];
	}
	s->nnets = out;
}

TSNAP *
tsnap_ref(TSNAP *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_SEQ_CST);
	return s;
}

TSNAP *
tsnap_unref(TSNAP *s)
{
	if (s == NULL || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_SEQ_CST) > 0)
		return NULL;
	for (size_t i = 0; i < s->ntenants; i++) {
		free(s->tenants[i].name);
		free(s->tenants[i].reason);
		limits_free(s->tenants[i].limits);
	}
	for (size_t i = 0; i < s->nsasl; i++)
		free(s->sasl[i].key);
	for (size_t i = 0; i < s->ndomains; i++)
		free(s->domains[i].key);
	for (size_t i = 0; i < s->nnets; i++)
		free(s->nets[i].text);
	free(s->tenants);
	free(s->sasl);
	free(s->domains);
	free(s->nets);
	free(s->order);
	egress_free(s->egress);
	free(s);
	return NULL;
}

long long
tsnap_version(const TSNAP *s)
{
	return s->version;
}

size_t
tsnap_count(const TSNAP *s)
{
	return s->ntenants;
}

/* ts_lookup - binary search of a deduplicated key array */
static const TS_ENT *
ts_lookup(const TS_ENT *e, size_t n, const char *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(key, e[mid].key);
		if (r == 0)
			return &e[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const TENANT *
tsnap_find(const TSNAP *s, const char *name)
{
	size_t lo = 0, hi = s->ntenants;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(name, s->tenants[s->order[mid]].name);
		if (r == 0)
			return &s->tenants[s->order[mid]];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const TENANT *
tenant_domain_owner(const TSNAP *s, const char *domain, const char **matched)
{
	const TS_ENT *e;

	for (const char *d = domain; d; d = domain_parent(d)) {
		if ((e = ts_lookup(s->domains, s->ndomains, d)) != NULL) {
			if (matched)
				*matched = e->key;
			return &s->tenants[e->tenant];
		}
	}
	return NULL;
}

int
tenant_stream(const TSNAP *s, const TENANT *t, const char *domain)
{
	const TS_ENT *e;

	for (const char *d = domain; d && *d; d = domain_parent(d)) {
		if ((e = ts_lookup(s->domains, s->ndomains, d)) != NULL) {
			if (&s->tenants[e->tenant] == t && e->stream >= 0)
				return e->stream;
			break; /* the most specific owner decides; another tenant's domain has no stream for t */
		}
	}
	return t->stream;
}

void
tenant_resolve(const TSNAP *s, const char *sasl_login, const IPADDR *client,
	       const char *sender_domain, RESOLUTION *out)
{
	const TS_ENT *e;

	memset(out, 0, sizeof(*out));
	out->how = RES_NONE;
	if (sasl_login && *sasl_login && (e = ts_lookup(s->sasl, s->nsasl, sasl_login)) != NULL) {
		out->tenant = &s->tenants[e->tenant];
		out->how = RES_SASL;
		out->key = e->key;
		return;
	}
	if (client && client->family) {
		for (size_t i = 0; i < s->nnets; i++) {
			if (cidr_contains(&s->nets[i].cidr, client)) {
				out->tenant = &s->tenants[s->nets[i].tenant];
				out->how = RES_NETWORK;
				out->key = s->nets[i].text;
				return;
			}
		}
	}
	if (sender_domain && *sender_domain &&
	    (out->tenant = tenant_domain_owner(s, sender_domain, &out->key)) != NULL) {
		out->how = RES_SENDER;
		return;
	}
}
