/*
 * NAME
 *	route - the egress decision, shared by both of tenant-policyd's protocols
 * SEE ALSO
 *	tm_route.h, tenant-policyd(8), docs/egress.md
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tm_addr.h"
#include "tm_route.h"

void
route_decide(const TSNAP *s, const char *sasl, const IPADDR *client, const char *sender, const char *key,
	     ROUTE *out)
{
	ADDR a;
	SBUF *err = sbuf_new(32);
	char *dom = NULL;
	const EGRESS *e = tsnap_egress(s);
	int pool;

	memset(out, 0, sizeof(*out));
	out->verdict = ROUTE_NONE;
	out->stream = -1;
	if (sender && addr_parse(sender, &a, err) == 0) {
		dom = a.domain;
		a.domain = NULL;
		addr_clear(&a);
	}
	sbuf_free(err);
	tenant_resolve(s, sasl, client, dom, &out->res);
	if (out->res.tenant == NULL)
		goto done;
	out->stream = tenant_stream(s, out->res.tenant, dom);
	pool = out->res.tenant->pool[out->stream];
	if (pool < 0)
		pool = out->res.tenant->pool[STREAM_ANY];
	if (pool < 0 || e == NULL)
		goto done;
	out->pool = egress_pool(e, (size_t)pool);
	out->transport = egress_pick(e, pool, key && *key ? key : (sender ? sender : ""));
	out->verdict = out->transport ? ROUTE_TRANSPORT : ROUTE_ALL_DOWN;
done:
	free(dom);
}

void
route_policy_action(const ROUTE *r, SBUF *out)
{
	switch (r->verdict) {
	case ROUTE_TRANSPORT:
		sbuf_printf(out, "FILTER %s:%s", r->transport->name, r->transport->nexthop);
		break;
	case ROUTE_ALL_DOWN:
		sbuf_printf(out, "451 4.3.0 tenant %s: every transport of pool %s is down, try again later",
			    r->res.tenant->name, r->pool->name);
		break;
	default:
		sbuf_cat(out, "DUNNO");
		break;
	}
}

void
route_socketmap_reply(const ROUTE *r, SBUF *out)
{
	switch (r->verdict) {
	case ROUTE_TRANSPORT:
		sbuf_printf(out, "OK %s:%s", r->transport->name, r->transport->nexthop);
		break;
	case ROUTE_ALL_DOWN:
		sbuf_printf(out, "TEMP tenant %s: every transport of pool %s is down", r->res.tenant->name,
			    r->pool->name);
		break;
	default:
		sbuf_cat(out, "NOTFOUND ");
		break;
	}
}
