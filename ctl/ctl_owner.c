/*
 * NAME
 *	ctl_owner - tenant records and the identities they own
 * DESCRIPTION
 *	The writes every command shares: a tenant's record ({t:NAME}:tenant
 *	and tm:tenants), its status, and its claims on domains, SASL logins
 *	and networks. Ownership is claimed in a global index with HSETNX,
 *	which is atomic: two administrators racing for one domain cannot both
 *	win. Only then is the item added to the tenant's own set and
 *	tm:version bumped, which running milters poll.
 * SEE ALSO
 *	tenantctl(1), docs/redis-schema.md, ctl_tenant.c, ctl_apply.c
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "tm_addr.h"
#include "tm_cidr.h"
#include "tm_keys.h"
#include "tm_tenant.h"

const CTL_KIND ctl_kind_domain = {"domain", "domains", KEY_IDX_DOMAIN, KEY_T_DOMAINS_FMT};
const CTL_KIND ctl_kind_sasl = {"SASL login", "sasl", KEY_IDX_SASL, KEY_T_SASL_FMT};
const CTL_KIND ctl_kind_network = {"network", "networks", KEY_IDX_NETWORK, KEY_T_NETWORKS_FMT};

/* ctl_key - format a per-tenant key */
char *
ctl_key(char *buf, size_t len, const char *fmt, const char *name)
{
	snprintf(buf, len, fmt, name);
	return buf;
}

/* ctl_simple - one command for its side effect */
int
ctl_simple(CTL *c, SBUF *err, int argc, const char **argv)
{
	return store_exec(c->store, err, NULL, argc, argv);
}

/* ctl_normalize - the one canonical form of a domain, login or network */
int
ctl_normalize(const CTL_KIND *k, const char *in, SBUF *out, SBUF *err)
{
	CIDR cidr;

	if (k == &ctl_kind_domain)
		return domain_normalize(in, strlen(in), out, err);
	if (k == &ctl_kind_network) {
		if (cidr_parse(in, &cidr, err) < 0)
			return -1;
		cidr_format(&cidr, out);
		return 0;
	}
	if (*in == 0 || strlen(in) > 255 || strpbrk(in, " \t\r\n")) {
		sbuf_cat(err, "SASL login must be 1 to 255 characters without white space");
		return -1;
	}
	sbuf_cat(out, in);
	return 0;
}

/* ctl_tenant_exists - is name in tm:tenants */
int
ctl_tenant_exists(CTL *c, const char *name, SBUF *err)
{
	return store_sismember(c->store, KEY_TENANTS, name, err);
}

/* ctl_bump - INCR tm:version, which running milters and tenant-policyd poll */
int
ctl_bump(CTL *c, SBUF *err)
{
	const char *argv[] = {"INCR", KEY_VERSION};

	return ctl_simple(c, err, 2, argv);
}

/* ctl_now - ISO 8601 UTC timestamp */
static void
ctl_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ctl_tenant_create - a new active tenant; refused when it exists */
int
ctl_tenant_create(CTL *c, const char *name, SBUF *err)
{
	char key[128], now[32];
	const char *sadd[] = {"SADD", KEY_TENANTS, name};
	const char *hset[] = {"HSET", key,       "status", "active",  "reason",
	                      "",     "created", now,      "updated", now};
	long long added;

	if (store_exec(c->store, err, &added, 3, sadd) < 0)
		return -1;
	if (!added) {
		sbuf_printf(err, "tenant %s already exists", name);
		return -1;
	}
	ctl_now(now, sizeof(now));
	ctl_key(key, sizeof(key), KEY_T_FMT, name);
	if (store_exec(c->store, err, NULL, 10, hset) < 0)
		return -1;
	return ctl_bump(c, err);
}

/* ctl_set_status - active, paused or disabled, with the reason and time */
int
ctl_set_status(CTL *c, const char *name, const char *status, const char *reason, SBUF *err)
{
	char key[128], now[32];
	const char *hset[] = {"HSET", key, "status", status, "reason", reason, "updated", now};

	ctl_now(now, sizeof(now));
	ctl_key(key, sizeof(key), KEY_T_FMT, name);
	if (store_exec(c->store, err, NULL, 8, hset) < 0)
		return -1;
	return ctl_bump(c, err);
}

/* ctl_claim - the global index first (HSETNX), then the tenant's own set */
int
ctl_claim(CTL *c, const CTL_KIND *k, const char *tenant, const char *item, SBUF *err)
{
	char key[128];
	const char *hsetnx[] = {"HSETNX", k->index, item, tenant};
	const char *sadd[] = {"SADD", key, item};
	long long won;

	if (store_exec(c->store, err, &won, 4, hsetnx) < 0)
		return -1;
	if (!won) {
		SBUF *owner = sbuf_new(64);
		int found = store_hget(c->store, k->index, item, owner, err);
		if (found < 0 || (found && strcmp(sbuf_str(owner), tenant) != 0)) {
			if (found > 0)
				sbuf_printf(err, "%s %s already belongs to tenant %s", k->what,
				            item, sbuf_str(owner));
			sbuf_free(owner);
			return -1;
		}
		sbuf_free(owner);
	}
	ctl_key(key, sizeof(key), k->set_fmt, tenant);
	if (store_exec(c->store, err, NULL, 3, sadd) < 0)
		return -1;
	return ctl_bump(c, err);
}

/* ctl_release - the tenant's own set, and the global index when it names this tenant */
int
ctl_release(CTL *c, const CTL_KIND *k, const char *tenant, const char *item, SBUF *err)
{
	char key[128];
	const char *srem[] = {"SREM", key, item};
	const char *hdel[] = {"HDEL", k->index, item};
	SBUF *owner = sbuf_new(64);
	long long removed;
	int found;

	ctl_key(key, sizeof(key), k->set_fmt, tenant);
	if (store_exec(c->store, err, &removed, 3, srem) < 0 ||
	    (found = store_hget(c->store, k->index, item, owner, err)) < 0) {
		sbuf_free(owner);
		return -1;
	}
	if (found && strcmp(sbuf_str(owner), tenant) == 0) {
		sbuf_free(owner);
		if (store_exec(c->store, err, NULL, 3, hdel) < 0)
			return -1;
		removed = 1;
	} else {
		sbuf_free(owner);
	}
	if (!removed) {
		sbuf_printf(err, "%s %s does not belong to tenant %s", k->what, item, tenant);
		return -1;
	}
	return ctl_bump(c, err);
}

/* ctl_members - sorted JSON array of a tenant's set */
static json_t *
ctl_members(CTL *c, const CTL_KIND *k, const char *name, SBUF *err)
{
	char key[128];
	STORE_VAL *r = store_sorted(c->store, ctl_key(key, sizeof(key), k->set_fmt, name), err);
	json_t *a;

	if (r == NULL)
		return NULL;
	a = json_array();
	for (size_t i = 0; i < r->elements; i++)
		json_array_append_new(a, json_string(r->element[i]->str));
	store_val_free(r);
	return a;
}

/* ctl_tenant_json - a tenant's record and sorted claims as one object */
json_t *
ctl_tenant_json(CTL *c, const char *name, SBUF *err)
{
	char key[128];
	const CTL_KIND *kinds[] = {&ctl_kind_domain, &ctl_kind_sasl, &ctl_kind_network};
	STORE_VAL *r;
	json_t *o, *a;

	if ((r = store_hgetall(c->store, ctl_key(key, sizeof(key), KEY_T_FMT, name), err)) == NULL)
		return NULL;
	o = json_object();
	json_object_set_new(o, "name", json_string(name));
	for (size_t j = 0; j + 1 < r->elements; j += 2)
		json_object_set_new(o, r->element[j]->str, json_string(r->element[j + 1]->str));
	store_val_free(r);
	for (int i = 0; i < 3; i++) {
		if ((a = ctl_members(c, kinds[i], name, err)) == NULL) {
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, kinds[i]->field, a);
	}
	return o;
}

/* ctl_need_tenant - validate the name and require that the tenant exists */
int
ctl_need_tenant(CTL *c, const char *name, SBUF *err)
{
	int e;

	if (!tenant_name_valid(name)) {
		sbuf_printf(err,
		            "invalid tenant name \"%.80s\": use 1 to 63 of a-z, 0-9 and '-', not "
		            "starting with '-'",
		            name);
		return -1;
	}
	if ((e = ctl_tenant_exists(c, name, err)) < 0)
		return -1;
	if (e == 0) {
		sbuf_printf(err, "no such tenant: %s", name);
		return -1;
	}
	return 0;
}
