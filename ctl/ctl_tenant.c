/*
 * NAME
 *	ctl_tenant - tenant, identity and domain commands
 * DESCRIPTION
 *	tenant add|show|list|remove|pause|disable|resume|stream, identity
 *	add|remove and domain add|remove, over the records and claims of
 *	ctl_owner.c. Removing a tenant releases everything it owned and
 *	deletes its own keys; its dated counters stay until they expire.
 * SEE ALSO
 *	tenantctl(1), docs/redis-schema.md, ctl_owner.c
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "tm_egress.h"
#include "tm_keys.h"
#include "tm_tenant.h"

/* ctl_join - a JSON string array as "a, b" or "-" */
static void
ctl_join(json_t *a, SBUF *out)
{
	size_t i;
	json_t *v;

	if (json_array_size(a) == 0)
		sbuf_cat(out, "-");
	json_array_foreach(a, i, v) sbuf_printf(out, "%s%s", i ? ", " : "", json_string_value(v));
}

static void
ctl_print_tenant(json_t *o)
{
	SBUF *b = sbuf_new(256);

	printf("tenant:   %s\n", jstr(o, "name"));
	printf("status:   %s%s%s\n", jstr(o, "status"), *jstr(o, "reason") ? " - " : "",
	       jstr(o, "reason"));
	ctl_join(json_object_get(o, "domains"), b);
	printf("domains:  %s\n", sbuf_str(b));
	sbuf_reset(b);
	ctl_join(json_object_get(o, "sasl"), b);
	printf("sasl:     %s\n", sbuf_str(b));
	sbuf_reset(b);
	ctl_join(json_object_get(o, "networks"), b);
	printf("networks: %s\n", sbuf_str(b));
	printf("created:  %s\n", jstr(o, "created"));
	sbuf_free(b);
}

/* ctl_remove - delete a tenant and release everything it owned */
static int
ctl_remove(CTL *c, const char *name, SBUF *err)
{
	const CTL_KIND *kinds[] = {&ctl_kind_domain, &ctl_kind_sasl, &ctl_kind_network};
	char key[128];
	STORE_VAL *r;

	for (int i = 0; i < 3; i++) {
		ctl_key(key, sizeof(key), kinds[i]->set_fmt, name);
		if ((r = store_smembers(c->store, key, err)) == NULL)
			return -1;
		for (size_t j = 0; j < r->elements; j++) {
			if (ctl_release(c, kinds[i], name, r->element[j]->str, err) < 0) {
				store_val_free(r);
				return -1;
			}
		}
		store_val_free(r);
		const char *del[] = {"DEL", key};
		if (ctl_simple(c, err, 2, del) < 0)
			return -1;
	}
	/* its limits, own suppression list and in-flight state go too; its dated
	   counters stay for the dashboards until they expire */
	static const char *const own[] = {KEY_T_LIMITS_FMT, KEY_T_SUPP_FMT,   KEY_T_RESV_FMT,
	                                  KEY_T_GCRA_FMT,   KEY_T_EGRESS_FMT, KEY_T_STREAMS_FMT};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		const char *d[] = {"DEL", ctl_key(key, sizeof(key), own[i], name)};
		if (ctl_simple(c, err, 2, d) < 0)
			return -1;
	}
	const char *del[] = {"DEL", ctl_key(key, sizeof(key), KEY_T_FMT, name)};
	const char *srem[] = {"SREM", KEY_TENANTS, name};
	if (ctl_simple(c, err, 2, del) < 0 || ctl_simple(c, err, 3, srem) < 0)
		return -1;
	return ctl_bump(c, err);
}

/* tenant_cmd_reason - parse an optional "--reason TEXT" */
static int
tenant_cmd_reason(int argc, char **argv, const char **reason)
{
	*reason = "";
	if (argc == 0)
		return 0;
	if (argc == 2 && strcmp(argv[0], "--reason") == 0 && strlen(argv[1]) <= 200) {
		*reason = argv[1];
		return 0;
	}
	return -1;
}

/* tenant_cmd_all - every tenant's ctl_tenant_json, sorted by name (owned), or NULL with err */
static json_t *
tenant_cmd_all(CTL *c, SBUF *err)
{
	STORE_VAL *r = store_sorted(c->store, KEY_TENANTS, err);
	json_t *all, *o;

	if (r == NULL)
		return NULL;
	all = json_array();
	for (size_t i = 0; i < r->elements; i++) {
		if ((o = ctl_tenant_json(c, r->element[i]->str, err)) == NULL) {
			json_decref(all);
			all = NULL;
			break;
		}
		json_array_append_new(all, o);
	}
	store_val_free(r);
	return all;
}

/* tenant_cmd_list - "tenant list [--json]": one line a tenant, with its claims counted */
static int
tenant_cmd_list(CTL *c, int argc, char **argv)
{
	SBUF *err;
	json_t *all, *o;
	size_t i;

	(void)argv;
	if (argc != 1)
		return CTL_USAGE;
	err = sbuf_new(128);
	if ((all = tenant_cmd_all(c, err)) == NULL)
		return ctl_fail_free(err);
	sbuf_free(err);
	if (c->json) {
		ctl_print_json(all);
		return CTL_OK;
	}
	printf("%-24s %-9s %7s %5s %8s\n", "TENANT", "STATUS", "DOMAINS", "SASL", "NETWORKS");
	json_array_foreach(all, i, o)
	    printf("%-24s %-9s %7zu %5zu %8zu\n", jstr(o, "name"), jstr(o, "status"),
	           json_array_size(json_object_get(o, "domains")),
	           json_array_size(json_object_get(o, "sasl")),
	           json_array_size(json_object_get(o, "networks")));
	json_decref(all);
	return CTL_OK;
}

/* tenant_cmd_add - "tenant add NAME" */
static int
tenant_cmd_add(CTL *c, int argc, char **argv)
{
	SBUF *err;

	if (argc != 2)
		return CTL_USAGE;
	err = sbuf_new(128);
	if (!tenant_name_valid(argv[1])) {
		ctl_need_tenant(c, argv[1], err); /* its text for an invalid name */
		return ctl_fail_free(err);
	}
	if (ctl_tenant_create(c, argv[1], err) < 0)
		return ctl_fail_free(err);
	printf("tenant %s added\n", argv[1]);
	sbuf_free(err);
	return CTL_OK;
}

/* tenant_cmd_stream - "tenant stream NAME transactional|bulk": the default of its domains */
static int
tenant_cmd_stream(CTL *c, int argc, char **argv)
{
	SBUF *err;
	char key[160];
	int st;

	if (argc != 3)
		return CTL_USAGE;
	err = sbuf_new(128);
	if ((st = stream_parse(argv[2])) < 0 || st == STREAM_ANY) {
		sbuf_printf(err, "unknown stream \"%.20s\": use transactional or bulk", argv[2]);
		return ctl_fail_free(err);
	}
	if (ctl_need_tenant(c, argv[1], err) < 0)
		return ctl_fail_free(err);
	const char *set[] = {"HSET", ctl_key(key, sizeof(key), KEY_T_FMT, argv[1]), "stream",
	                     argv[2]};
	if (ctl_simple(c, err, 4, set) < 0 || ctl_bump(c, err) < 0)
		return ctl_fail_free(err);
	printf("tenant %s sends %s mail unless a domain says otherwise\n", argv[1], argv[2]);
	sbuf_free(err);
	return CTL_OK;
}

/* tenant_cmd_show - "tenant show NAME [--json]" */
static int
tenant_cmd_show(CTL *c, int argc, char **argv)
{
	SBUF *err;
	json_t *o;

	if (argc != 2)
		return CTL_USAGE;
	err = sbuf_new(128);
	if (ctl_need_tenant(c, argv[1], err) < 0 || (o = ctl_tenant_json(c, argv[1], err)) == NULL)
		return ctl_fail_free(err);
	sbuf_free(err);
	if (c->json) {
		ctl_print_json(o);
	} else {
		ctl_print_tenant(o);
		json_decref(o);
	}
	return CTL_OK;
}

/* tenant_cmd_remove - "tenant remove NAME" */
static int
tenant_cmd_remove(CTL *c, int argc, char **argv)
{
	SBUF *err;

	if (argc != 2)
		return CTL_USAGE;
	err = sbuf_new(128);
	if (ctl_need_tenant(c, argv[1], err) < 0 || ctl_remove(c, argv[1], err) < 0)
		return ctl_fail_free(err);
	printf("tenant %s removed\n", argv[1]);
	sbuf_free(err);
	return CTL_OK;
}

/* tenant_cmd_hold - "tenant pause|disable NAME [--reason TEXT]" */
static int
tenant_cmd_hold(CTL *c, int argc, char **argv)
{
	const char *st = strcmp(argv[0], "pause") == 0 ? "paused" : "disabled", *reason;
	SBUF *err;

	if (argc < 2 || tenant_cmd_reason(argc - 2, argv + 2, &reason) < 0)
		return CTL_USAGE;
	err = sbuf_new(128);
	if (ctl_need_tenant(c, argv[1], err) < 0 || ctl_set_status(c, argv[1], st, reason, err) < 0)
		return ctl_fail_free(err);
	printf("tenant %s %s\n", argv[1], st);
	sbuf_free(err);
	return CTL_OK;
}

/* tenant_cmd_resume - "tenant resume NAME": active again, the reason cleared */
static int
tenant_cmd_resume(CTL *c, int argc, char **argv)
{
	SBUF *err;

	if (argc != 2)
		return CTL_USAGE;
	err = sbuf_new(128);
	if (ctl_need_tenant(c, argv[1], err) < 0 ||
	    ctl_set_status(c, argv[1], "active", "", err) < 0)
		return ctl_fail_free(err);
	printf("tenant %s resumed\n", argv[1]);
	sbuf_free(err);
	return CTL_OK;
}

static const CTL_SUB tenant_subs[] = {
    {"add", tenant_cmd_add, NULL},
    {"show", tenant_cmd_show, NULL},
    {"list", tenant_cmd_list, NULL},
    {"remove", tenant_cmd_remove, NULL},
    {"pause", tenant_cmd_hold, NULL},
    {"disable", tenant_cmd_hold, NULL},
    {"resume", tenant_cmd_resume, NULL},
    {"stream", tenant_cmd_stream, NULL},
    {NULL, NULL, NULL},
};

/* ctl_cmd_tenant - "tenant VERB ... [--json]"; a trailing --json is every verb's */
int
ctl_cmd_tenant(CTL *c, int argc, char **argv)
{
	c->json = argc >= 2 && strcmp(argv[argc - 1], "--json") == 0;
	if (c->json)
		argc--;
	return ctl_dispatch(c, tenant_subs, argc, argv);
}

/* ctl_item_cmd - "add|remove NAME ITEM" for one kind */
static int
ctl_item_cmd(CTL *c, const CTL_KIND *k, const char *verb, const char *name, const char *item)
{
	SBUF *err = sbuf_new(128), *norm = sbuf_new(64);
	int rc = CTL_OK, add = strcmp(verb, "add") == 0;

	if (!add && strcmp(verb, "remove") != 0) {
		rc = CTL_USAGE;
		goto out;
	}
	if (ctl_need_tenant(c, name, err) < 0)
		goto fail;
	if (ctl_normalize(k, item, norm, err) < 0) {
		SBUF *m = sbuf_new(128);
		sbuf_printf(m, "invalid %s \"%.100s\": %s", k->what, item, sbuf_str(err));
		rc = ctl_fail("%s", sbuf_str(m));
		sbuf_free(m);
		goto out;
	}
	if ((add ? ctl_claim : ctl_release)(c, k, name, sbuf_str(norm), err) < 0)
		goto fail;
	printf("%s %s %s tenant %s\n", k->what, sbuf_str(norm), add ? "added to" : "removed from",
	       name);
	goto out;
fail:
	rc = ctl_fail("%s", sbuf_str(err));
out:
	sbuf_free(err);
	sbuf_free(norm);
	return rc;
}

int
ctl_cmd_identity(CTL *c, int argc, char **argv)
{
	if (argc != 4)
		return CTL_USAGE;
	if (strcmp(argv[2], "--sasl") == 0)
		return ctl_item_cmd(c, &ctl_kind_sasl, argv[0], argv[1], argv[3]);
	if (strcmp(argv[2], "--network") == 0)
		return ctl_item_cmd(c, &ctl_kind_network, argv[0], argv[1], argv[3]);
	return CTL_USAGE;
}

/* ctl_domain_stream - record (or with NULL, forget) the stream of a tenant's domain */
static int
ctl_domain_stream(CTL *c, const char *name, const char *domain, const char *stream)
{
	SBUF *err = sbuf_new(64), *norm = sbuf_new(64);
	char key[160];
	int rc = CTL_OK;

	snprintf(key, sizeof(key), KEY_T_STREAMS_FMT, name);
	if (ctl_normalize(&ctl_kind_domain, domain, norm, err) == 0) {
		const char *set[] = {"HSET", key, sbuf_str(norm), stream};
		const char *del[] = {"HDEL", key, sbuf_str(norm)};
		if ((stream ? ctl_simple(c, err, 4, set) : ctl_simple(c, err, 3, del)) < 0 ||
		    ctl_bump(c, err) < 0)
			rc = ctl_fail("%s", sbuf_str(err));
		else if (stream)
			printf("domain %s of tenant %s sends %s mail\n", sbuf_str(norm), name,
			       stream);
	}
	sbuf_free(err);
	sbuf_free(norm);
	return rc;
}

int
ctl_cmd_domain(CTL *c, int argc, char **argv)
{
	int rc;

	if (argc == 5 && strcmp(argv[0], "add") == 0 && strcmp(argv[3], "--stream") == 0) {
		int st = stream_parse(argv[4]);
		if (st < 0 || st == STREAM_ANY)
			return ctl_fail("unknown stream \"%.20s\": use transactional or bulk",
			                argv[4]);
		if ((rc = ctl_item_cmd(c, &ctl_kind_domain, argv[0], argv[1], argv[2])) != CTL_OK) {
			/* already this tenant's: only the stream changes */
			SBUF *err = sbuf_new(64), *norm = sbuf_new(64), *owner = sbuf_new(64);
			int own =
			    ctl_normalize(&ctl_kind_domain, argv[2], norm, err) == 0 &&
			    store_hget(c->store, KEY_IDX_DOMAIN, sbuf_str(norm), owner, err) > 0 &&
			    strcmp(sbuf_str(owner), argv[1]) == 0;
			sbuf_free(err);
			sbuf_free(norm);
			sbuf_free(owner);
			if (!own)
				return rc;
		}
		return ctl_domain_stream(c, argv[1], argv[2], stream_name(st));
	}
	if (argc != 3)
		return CTL_USAGE;
	rc = ctl_item_cmd(c, &ctl_kind_domain, argv[0], argv[1], argv[2]);
	if (rc == CTL_OK && strcmp(argv[0], "remove") == 0)
		rc = ctl_domain_stream(c, argv[1], argv[2], NULL);
	return rc;
}
