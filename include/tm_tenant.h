/*
 * NAME
 *	tm_tenant 3h - the tenant model and its resolution
 * DESCRIPTION
 *	A TSNAP is an immutable, reference-counted snapshot of every tenant and
 *	identity, built from the store. Resolution and ownership are pure
 *	functions of a snapshot, so every program decides identically.
 *
 *	Resolution order: SASL login, then client address (longest prefix
 *	wins), then envelope sender domain and its parents (most specific
 *	owner wins), then unknown.
 */
#ifndef TM_TENANT_H
#define TM_TENANT_H

#include "tm_cidr.h"
#include "tm_sbuf.h"

#define TENANT_NAME_MAX 63

enum tenant_status { TS_ACTIVE, TS_PAUSED, TS_DISABLED };
enum tenant_how { RES_NONE, RES_SASL, RES_NETWORK, RES_SENDER };

typedef struct {
	char *name;
	int status;
	char *reason; /* pause or disable reason; "" if none */
	struct limits *limits; /* warm-up, provider caps, rate (tm_limits.h); NULL if none */
	int stream;	       /* the default stream of its domains (STREAM_*, tm_egress.h) */
	int pool[3];	       /* egress pool index per stream (transactional, bulk, any); -1 none */
} TENANT;

typedef struct tsnap TSNAP;
struct egress;
struct limits;

typedef struct {
	const TENANT *tenant; /* borrowed from the snapshot; NULL if unknown */
	int how;	      /* RES_* */
	const char *key;      /* what matched (login, network, domain); borrowed */
} RESOLUTION;

int tenant_name_valid(const char *name);
int tenant_status_parse(const char *s); /* -1 if unknown */
const char *tenant_status_name(int st);
const char *tenant_how_name(int how);

/* Building a snapshot: add everything, then tsnap_finish() once. */
TSNAP *tsnap_new(long long version);
int tsnap_add_tenant(TSNAP *s, const char *name, int status, const char *reason);
/* Streams and egress (tm_egress.h). A domain's stream -1 means the tenant's default. */
int tsnap_add_domain_stream(TSNAP *s, int tenant, const char *domain, int stream, SBUF *err);
void tsnap_set_stream(TSNAP *s, int tenant, int stream);
void tsnap_set_pool(TSNAP *s, int tenant, int stream, int pool);
void tsnap_set_egress(TSNAP *s, struct egress *e); /* owned from now on */
const struct egress *tsnap_egress(const TSNAP *s); /* NULL if none */

/*
 * tenant_stream - the stream of mail from domain (normalised) for tenant t:
 * the stream set on the most specific domain of t that covers it, else t's
 * default. The milter's unsubscribe headers use the same answer.
 */
int tenant_stream(const TSNAP *s, const TENANT *t, const char *domain);

/* tsnap_set_limits - give tenant t its limits (ownership passes to the snapshot) */
void tsnap_set_limits(TSNAP *s, int tenant, struct limits *l);
/* these return 0, or -1 with a reason in err; the entry is then skipped */
int tsnap_add_sasl(TSNAP *s, int tenant, const char *login, SBUF *err);
int tsnap_add_domain(TSNAP *s, int tenant, const char *domain, SBUF *err);
int tsnap_add_network(TSNAP *s, int tenant, const char *cidr, SBUF *err);
/* tsnap_finish - sort and index; conflicts are dropped and described in warnings */
void tsnap_finish(TSNAP *s, SBUF *warnings);

TSNAP *tsnap_ref(TSNAP *s);
TSNAP *tsnap_unref(TSNAP *s); /* accepts NULL, returns NULL */
long long tsnap_version(const TSNAP *s);
size_t tsnap_count(const TSNAP *s);

const TENANT *tsnap_find(const TSNAP *s, const char *name);

/*
 * tenant_resolve - any input may be NULL or empty. sender_domain must be
 * normalised (domain_normalize). The result borrows from s.
 */
void tenant_resolve(const TSNAP *s, const char *sasl_login, const IPADDR *client,
		    const char *sender_domain, RESOLUTION *out);

/* tenant_domain_owner - most specific owner of a normalised domain, or NULL */
const TENANT *tenant_domain_owner(const TSNAP *s, const char *domain, const char **matched);

#endif
