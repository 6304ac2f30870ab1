/*
 * NAME
 *	ctl_apply - converge the store on a declarative tenant file
 * DESCRIPTION
 *	The file is JSON: {"tenants": {"NAME": {"status", "reason", "domains",
 *	"sasl", "networks"}}}. A field that is absent is left alone; a list that
 *	is present becomes exactly the tenant's list.
 *
 *	Everything is validated before anything is written, and every problem
 *	is reported with its JSON path. Then all releases happen before all
 *	claims, so a file that moves a domain from one tenant to another
 *	applies in one run. Applying the same file twice writes nothing the
 *	second time. With --prune, tenants missing from the file are removed.
 * SEE ALSO
 *	tenantctl(1), conf/tenants.example.json
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "tm_keys.h"
#include "tm_mem.h"
#include "tm_tenant.h"

static const CTL_KIND *const apply_kinds[] = {&ctl_kind_domain, &ctl_kind_sasl, &ctl_kind_network};

/* apply_validate_list - normalise one list of one tenant in place; 1 if anything is wrong */
static int
apply_validate_list(const char *name, int k, json_t *list, json_t *seen, SBUF *errs)
{
	const CTL_KIND *kind = apply_kinds[k];
	SBUF *norm = sbuf_new(64), *why = sbuf_new(64);
	json_t *v, *owner;
	size_t i;
	int bad = 0;

	json_array_foreach(list, i, v)
	{
		sbuf_reset(norm);
		sbuf_reset(why);
		if (!json_is_string(v) ||
		    ctl_normalize(kind, json_string_value(v), norm, why) < 0) {
			sbuf_printf(errs, "$.tenants.%s.%s[%zu]: invalid %s%s%s\n", name,
			            kind->field, i, kind->what, why->len ? ": " : "",
			            sbuf_str(why));
			bad = 1;
			continue;
		}
		owner = json_object_get(seen, sbuf_str(norm));
		if (owner && strcmp(json_string_value(owner), name) != 0) {
			sbuf_printf(errs,
			            "$.tenants.%s.%s[%zu]: %s %s is also listed for tenant %s\n",
			            name, kind->field, i, kind->what, sbuf_str(norm),
			            json_string_value(owner));
			bad = 1;
		}
		json_object_set_new(seen, sbuf_str(norm), json_string(name));
		json_array_set_new(list, i, json_string(sbuf_str(norm)));
	}
	sbuf_free(norm);
	sbuf_free(why);
	return bad;
}

/* apply_validate_tenant - one tenant's object; seen maps each item to the first tenant listing it
 */
static int
apply_validate_tenant(const char *name, json_t *t, json_t *seen[3], SBUF *errs)
{
	json_t *v, *list;
	int bad = 0;

	if (!tenant_name_valid(name)) {
		sbuf_printf(errs, "$.tenants.%s: invalid tenant name\n", name);
		bad = 1;
	}
	if (!json_is_object(t)) {
		sbuf_printf(errs, "$.tenants.%s: expected an object\n", name);
		return 1;
	}
	v = json_object_get(t, "status");
	if (v && (!json_is_string(v) || tenant_status_parse(json_string_value(v)) < 0)) {
		sbuf_printf(errs, "$.tenants.%s.status: expected active, paused or disabled\n",
		            name);
		bad = 1;
	}
	v = json_object_get(t, "reason");
	if (v && !json_is_string(v)) {
		sbuf_printf(errs, "$.tenants.%s.reason: expected a string\n", name);
		bad = 1;
	}
	for (int k = 0; k < 3; k++) {
		if ((list = json_object_get(t, apply_kinds[k]->field)) == NULL)
			continue;
		if (!json_is_array(list)) {
			sbuf_printf(errs, "$.tenants.%s.%s: expected a list\n", name,
			            apply_kinds[k]->field);
			bad = 1;
			continue;
		}
		bad |= apply_validate_list(name, k, list, seen[k], errs);
	}
	return bad;
}

/* apply_validate - normalise lists in place; report problems into errs */
static int
apply_validate(json_t *root, SBUF *errs)
{
	json_t *tenants = json_object_get(root, "tenants"), *t;
	json_t *seen[3] = {json_object(), json_object(), json_object()};
	const char *name;
	int bad = 0;

	if (!json_is_object(tenants)) {
		sbuf_cat(errs, "$.tenants: expected an object of tenants\n");
		bad = 1;
	} else {
		json_object_foreach(tenants, name, t)
		{
			bad |= apply_validate_tenant(name, t, seen, errs);
		}
	}
	for (int k = 0; k < 3; k++)
		json_decref(seen[k]);
	return bad ? -1 : 0;
}

/* apply_in - is s in the JSON string array a? */
static int
apply_in(json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) if (strcmp(json_string_value(v), s) == 0) return 1;
	return 0;
}

/* apply_conflicts - items claimed by a tenant that the file does not also manage */
static int
apply_conflicts(CTL *c, json_t *tenants, SBUF *errs)
{
	json_t *t, *list, *v;
	const char *name;
	size_t i;
	int bad = 0;

	json_object_foreach(tenants, name, t)
	{
		for (int k = 0; k < 3; k++) {
			if ((list = json_object_get(t, apply_kinds[k]->field)) == NULL)
				continue;
			json_array_foreach(list, i, v)
			{
				SBUF *owner = sbuf_new(64);
				int found = store_hget(c->store, apply_kinds[k]->index,
				                       json_string_value(v), owner, errs);
				if (found < 0) {
					sbuf_free(owner);
					return -1;
				}
				if (found && strcmp(sbuf_str(owner), name) != 0) {
					json_t *other = json_object_get(tenants, sbuf_str(owner));
					json_t *olist =
					    other ? json_object_get(other, apply_kinds[k]->field)
					          : NULL;
					if (olist == NULL ||
					    apply_in(olist, json_string_value(v))) {
						sbuf_printf(errs,
						            "$.tenants.%s.%s[%zu]: %s %s already "
						            "belongs to tenant %s\n",
						            name, apply_kinds[k]->field, i,
						            apply_kinds[k]->what,
						            json_string_value(v), sbuf_str(owner));
						bad = 1;
					}
				}
				sbuf_free(owner);
			}
		}
	}
	return bad ? -1 : 0;
}

/* apply_status - pass 1: the file's status and reason, when they differ from the store's */
static int
apply_status(CTL *c, const char *name, json_t *t, json_t *cur, SBUF *errs)
{
	const char *st = json_string_value(json_object_get(t, "status"));
	const char *re = json_string_value(json_object_get(t, "reason"));

	if (json_object_get(t, "status") == NULL && json_object_get(t, "reason") == NULL)
		return 0;
	st = st ? st : json_string_value(json_object_get(cur, "status"));
	re = re ? re : "";
	if (strcmp(st, json_string_value(json_object_get(cur, "status"))) == 0 &&
	    strcmp(re, json_string_value(json_object_get(cur, "reason"))) == 0)
		return 0;
	if (ctl_set_status(c, name, st, re, errs) < 0)
		return -1;
	printf("%s: status %s%s%s\n", name, st, *re ? " - " : "", re);
	return 0;
}

/* apply_lists - pass 0 releases what the file's lists drop, pass 1 claims what they add */
static int
apply_lists(CTL *c, const char *name, json_t *t, json_t *cur, int pass, SBUF *errs)
{
	json_t *list, *have, *v;
	size_t i;

	for (int k = 0; k < 3; k++) {
		if ((list = json_object_get(t, apply_kinds[k]->field)) == NULL)
			continue;
		have = json_object_get(cur, apply_kinds[k]->field);
		json_t *from = pass == 0 ? have : list, *other = pass == 0 ? list : have;
		json_array_foreach(from, i, v)
		{
			const char *item = json_string_value(v);
			if (apply_in(other, item))
				continue;
			if ((pass == 0 ? ctl_release : ctl_claim)(c, apply_kinds[k], name, item,
			                                          errs) < 0)
				return -1;
			printf("%s: %s %s %s\n", name, pass == 0 ? "-" : "+", apply_kinds[k]->what,
			       item);
		}
	}
	return 0;
}

/* apply_tenant - one tenant's part of a pass: 0 releases; 1 creates, sets the status and claims */
static int
apply_tenant(CTL *c, const char *name, json_t *t, int pass, SBUF *errs)
{
	json_t *cur;
	int exists, rc;

	if ((exists = ctl_tenant_exists(c, name, errs)) < 0)
		return -1;
	if (!exists && pass == 0)
		return 0;
	if (!exists) {
		if (ctl_tenant_create(c, name, errs) < 0)
			return -1;
		printf("%s: created\n", name);
	}
	if ((cur = ctl_tenant_json(c, name, errs)) == NULL)
		return -1;
	rc = pass == 1 ? apply_status(c, name, t, cur, errs) : 0;
	if (rc == 0)
		rc = apply_lists(c, name, t, cur, pass, errs);
	json_decref(cur);
	return rc;
}

/* apply_prune - remove the tenants the file does not name: 0, -1 with errs, or 1 when printed */
static int
apply_prune(CTL *c, json_t *tenants, SBUF *errs)
{
	STORE_VAL *r = store_smembers(c->store, KEY_TENANTS, errs);
	int rc = 0;

	if (r == NULL)
		return -1;
	for (size_t i = 0; i < r->elements && rc == 0; i++) {
		if (json_object_get(tenants, r->element[i]->str))
			continue;
		char *args[] = {"remove", r->element[i]->str};
		if (ctl_cmd_tenant(c, 2, args) != CTL_OK)
			rc = 1;
	}
	store_val_free(r);
	return rc;
}

/* ctl_cmd_apply - "apply FILE [--prune]": validate everything, then release, then claim */
int
ctl_cmd_apply(CTL *c, int argc, char **argv)
{
	json_error_t jerr;
	json_t *root, *tenants, *t;
	const char *name;
	SBUF *errs;
	int rc = CTL_FAIL, prune = argc == 2 && strcmp(argv[1], "--prune") == 0, r = 0;

	if (argc != 1 && !prune)
		return CTL_USAGE;
	if ((root = json_load_file(argv[0], JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return ctl_fail("%s:%d:%d: %s", argv[0], jerr.line, jerr.column, jerr.text);
	errs = sbuf_new(256);
	tenants = json_object_get(root, "tenants");
	if (apply_validate(root, errs) < 0 || apply_conflicts(c, tenants, errs) < 0) {
		fputs(sbuf_str(errs), stderr);
		rc = ctl_fail("%s: not applied; nothing was changed", argv[0]);
		goto out;
	}
	/* every release before any claim: a file may move an item from one tenant to another */
	for (int pass = 0; pass < 2 && r == 0; pass++) {
		json_object_foreach(tenants, name, t)
		{
			if ((r = apply_tenant(c, name, t, pass, errs)) < 0)
				break;
		}
	}
	if (r == 0 && prune)
		r = apply_prune(c, tenants, errs);
	if (r < 0)
		rc = ctl_fail("%s", sbuf_str(errs));
	else if (r == 0)
		rc = CTL_OK;
out:
	json_decref(root);
	sbuf_free(errs);
	return rc;
}
