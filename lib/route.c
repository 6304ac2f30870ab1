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
	/* the socketmap, asked by trivial-rewrite with the sender alone, finds this tenant too */
	out->by_sender = dom && tenant_domain_owner(s, dom, NULL) == out->res.tenant;
	route_pick(s, out->res.tenant, route_stream(s, out->res.tenant, dom), key && *key ? key : (sender ? sender : ""),
		   out);
done:
	free(dom);
}

int
route_stream(const TSNAP *s, const TENANT *t, const char *envelope_domain)
{
	return tenant_stream(s, t, envelope_domain);
}

int
route_stream_conflict(const TSNAP *s, const TENANT *t, int stream, const char *from_domain)
{
	int from;

	if (from_domain == NULL || *from_domain == 0)
		return -1;
	from = tenant_stream(s, t, from_domain);
	return from == stream ? -1 : from;
}

void
route_pick(const TSNAP *s, const TENANT *t, int stream, const char *key, ROUTE *out)
{
	const EGRESS *e = tsnap_egress(s);
	int pool;

	out->verdict = ROUTE_NONE;
	out->res.tenant = t;
	out->stream = stream;
	if (t == NULL)
		return;
	pool = t->pool[stream];
	if (pool < 0)
		pool = t->pool[STREAM_ANY];
	if (pool < 0 || e == NULL)
		return;
	out->pool = egress_pool(e, (size_t)pool);
	out->transport = egress_pick(e, pool, key);
	out->verdict = out->transport ? ROUTE_TRANSPORT : ROUTE_ALL_DOWN;
}

void
route_policy_action(const ROUTE *r, SBUF *out)
{
	switch (r->verdict) {
	case ROUTE_TRANSPORT:
		/* the socketmap routes it: per recipient, so local and transport_maps recipients are
		   left alone, and with the next hop Postfix documents (the transport's, else
		   sender_dependent_relayhost_maps, relayhost, the recipient domain). FILTER only
		   where the socketmap would not find this tenant from the sender */
		if (r->by_sender)
			sbuf_cat(out, "DUNNO");
		else
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
