/*
 * NAME
 *	tm_route 3h - which transport a message leaves through
 * DESCRIPTION
 *	route_decide() is the whole decision of tenant-policyd, a pure
 *	function of a snapshot: resolve the tenant (the core's one resolution),
 *	classify the stream from the envelope sender's domain (route_stream,
 *	the one stream decision: the milter's headers use it too), take the tenant's pool
 *	for that stream (else its "any" pool), and pick a transport of the
 *	pool that is up, sticky on key.
 */
#ifndef TM_ROUTE_H
#define TM_ROUTE_H

#include "tm_cidr.h"
#include "tm_egress.h"
#include "tm_sbuf.h"
#include "tm_tenant.h"

enum route_verdict {
	ROUTE_NONE,	 /* no tenant, or a tenant with no pool: normal routing (DUNNO) */
	ROUTE_TRANSPORT, /* a transport was chosen */
	ROUTE_ALL_DOWN,	 /* the pool has no transport up: tempfail, never someone else's IP */
};

typedef struct {
	int verdict;
	RESOLUTION res;
	int stream;		    /* STREAM_TRANSACTIONAL or STREAM_BULK; -1 without a tenant */
	const POOL *pool;	    /* NULL unless the tenant has one for the stream */
	const TRANSPORT *transport; /* ROUTE_TRANSPORT */
	int by_sender;		    /* the sender's domain names this tenant: the socketmap agrees */
} ROUTE;

/*
 * route_decide - sender is the envelope sender as given (may be "" or
 * NULL); key makes the choice sticky (the policy instance, or the sender).
 * Everything returned borrows from s.
 */
void route_decide(const TSNAP *s, const char *sasl, const IPADDR *client, const char *sender, const char *key,
		  ROUTE *out);

/*
 * route_stream - the stream (STREAM_*) of a message of tenant t, decided
 * once from its envelope sender's domain (normalised; NULL for <>): the
 * tenant's stream for that domain (tenant_stream), else its default.
 * tenant-policyd answers at DATA, before any header, so the envelope is
 * what both programs can agree on: the pool (policyd), and the bulk
 * headers and the VERP token's stream (milter) follow this answer.
 */
int route_stream(const TSNAP *s, const TENANT *t, const char *envelope_domain);

/*
 * route_stream_conflict - the stream the From domain from_domain
 * (normalised; NULL or "": none) would have for tenant t when it differs
 * from stream, the message's (route_stream); -1 when it agrees or there
 * is no From domain. The message still goes in stream: the caller logs.
 */
int route_stream_conflict(const TSNAP *s, const TENANT *t, int stream, const char *from_domain);

/*
 * route_pick - the transport of tenant t for stream (STREAM_*), sticky on
 * key: the tail of route_decide, for a tenant known otherwise (a VERP
 * token). t may be NULL (ROUTE_NONE).
 */
void route_pick(const TSNAP *s, const TENANT *t, int stream, const char *key, ROUTE *out);

/*
 * route_policy_action - the policy reply at DATA: "DUNNO" when the socketmap
 * will route the message the same way (the sender's domain is the
 * tenant's), "FILTER NAME:NEXTHOP" when only the policy service knows the
 * tenant (a null sender, a sender domain that is not the tenant's), or
 * "451 4.3.0 ..." when the pool has no transport up.
 */
void route_policy_action(const ROUTE *r, SBUF *out);
/* route_socketmap_reply - "OK NAME:", "NOTFOUND ", or "TEMP ..." */
void route_socketmap_reply(const ROUTE *r, SBUF *out);

#endif
