/*
 * NAME
 *	tm_egress 3h - streams, transports, pools and the weighted choice
 * DESCRIPTION
 *	A transport is one Postfix smtp service bound to one source address
 *	and HELO name. A pool is a weighted set of transports; tenants share a
 *	pool (a tier) or own one. Each tenant names a pool per stream
 *	(transactional, bulk, or any).
 *
 *	The choice is weighted rendezvous hashing on a key (the message's
 *	policy "instance"): deterministic, so one message always gets the same
 *	transport; proportional to the weights; and when a transport goes down
 *	only its own share moves, spread over the others by weight.
 */
#ifndef TM_EGRESS_H
#define TM_EGRESS_H

#include <stddef.h>

#include "tm_sbuf.h"

enum stream { STREAM_TRANSACTIONAL, STREAM_BULK, STREAM_ANY };
#define STREAM_N 3

int stream_parse(const char *s); /* -1 if unknown */
const char *stream_name(int st);

#define TRANSPORT_NAME_MAX 32

typedef struct {
	char *name;
	char *ip, *ip6, *helo; /* ip6 "" if none */
	long concurrency;      /* destination concurrency limit; 0: Postfix default */
	long rate_delay_ms;    /* destination rate delay; 0: none */
	int up;
	char *reason;  /* why it is down; "" */
	char *nexthop; /* "" (the default): MX routing; or "[host]:port" etc. */
} TRANSPORT;

typedef struct {
	char *name;
	size_t n;
	int *tr;      /* transport indexes */
	long *weight; /* 1..1000 */
} POOL;

typedef struct egress EGRESS;

EGRESS *egress_new(void);
EGRESS *egress_free(EGRESS *e); /* accepts NULL */

/* transport_name_valid - a-z, 0-9, '-', 1..32, starting with a letter; not a Postfix built-in service */
int transport_name_valid(const char *name, SBUF *why);

/* egress_add_transport - copies t's strings; returns its index */
int egress_add_transport(EGRESS *e, const TRANSPORT *t);
/* egress_add_pool - members "TRANSPORT[:WEIGHT]" as stored; unknown transports are skipped with a warning */
int egress_add_pool(EGRESS *e, const char *name, char *const *names, const long *weights, size_t n,
		    SBUF *warnings);

size_t egress_ntransports(const EGRESS *e);
const TRANSPORT *egress_transport(const EGRESS *e, size_t i);
size_t egress_npools(const EGRESS *e);
const POOL *egress_pool(const EGRESS *e, size_t i);
int egress_find_transport(const EGRESS *e, const char *name); /* -1 if none */
int egress_find_pool(const EGRESS *e, const char *name);      /* -1 if none */

/*
 * egress_pick - the transport of pool for key, among those up. NULL when
 * every transport of the pool is down (or the pool is empty).
 */
const TRANSPORT *egress_pick(const EGRESS *e, int pool, const char *key);

/* pool_member_parse - "NAME" or "NAME:WEIGHT" (weight 1..1000, default 1) */
int pool_member_parse(const char *text, SBUF *name, long *weight, SBUF *err);

#endif
