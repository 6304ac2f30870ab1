/*
 * NAME
 *	ctl_dkim - tenantctl dkim generate|add|list
 * DESCRIPTION
 *	The tenant's DKIM keys: generate makes a 2048-bit RSA key in
 *	dkim_key_dir (mode 0600, owned by run_as_user so a reload can read
 *	it) and prints the DNS TXT record to publish; add registers a key the
 *	tenant already has; list shows the table. Both write dkim_keys through
 *	a temporary file. The domain must be the tenant's (or a subdomain of
 *	one). tenant-milter reads the keys at start and on reload (SIGHUP).
 * SEE ALSO
 *	tenantctl(1), tm_dkim.h
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "tm_dkim.h"
#include "tm_keys.h"
#include "tm_mem.h"

/* dkim_domain_owned - the tenant owns the domain or a parent of it; 1, 0 or -1 */
static int
dkim_domain_owned(CTL *c, const char *tenant, const char *domain, SBUF *err)
{
	SBUF *owner = sbuf_new(64);
	int found = 0;

	for (const char *d = domain; d; d = strchr(d, '.') ? strchr(d, '.') + 1 : NULL) {
		sbuf_reset(owner);
		if ((found = store_hget(c->store, KEY_IDX_DOMAIN, d, owner, err)) < 0)
			break;
		if (found && strcmp(sbuf_str(owner), tenant) == 0)
			break;
		found = 0;
	}
	sbuf_free(owner);
	return found;
}

/* dkim_txt - the DNS record of the key's "v=DKIM1; k=rsa; p=..." value, in strings of at most 255
 * characters */
static void
dkim_txt(const SBUF *p, const char *selector, const char *domain, SBUF *out)
{
	sbuf_printf(out, "%s._domainkey.%s. IN TXT (", selector, domain);
	for (size_t i = 0; i < p->len; i += 255)
		sbuf_printf(out, " \"%.*s\"", (int)(p->len - i > 255 ? 255 : p->len - i), p->s + i);
	sbuf_cat(out, " )\n");
}

/* dkim_save - the table with the new line, written back */
static int
dkim_save(CTL *c, const char *domain, const char *tenant, const char *selector, const char *path,
          SBUF *err)
{
	DKK_TABLE *t = dkk_read(c->conf->dkim_keys, err);
	SBUF *text;
	int rc;

	if (t == NULL)
		return -1;
	if (dkk_put(t, domain, tenant, selector, path, err) < 0) {
		dkk_free(t);
		return -1;
	}
	text = sbuf_new(1024);
	dkk_format(t, text);
	rc = ctl_write_file(c->conf->dkim_keys, text, 0644, err);
	sbuf_free(text);
	dkk_free(t);
	return rc;
}

/* dkim_owner - give the key to run_as_user, so tenant-milter can read it again on reload */
static void
dkim_owner(CTL *c, const char *path)
{
	struct passwd *pw = getpwnam(c->conf->run_as_user);

	if (pw && geteuid() == 0 && chown(path, pw->pw_uid, pw->pw_gid) < 0)
		fprintf(stderr, "tenantctl: warning: chown %s: %s\n", path, strerror(errno));
}

/* dkim_generate - a new key in dkim_key_dir, registered; its DNS record printed */
static int
dkim_generate(CTL *c, const char *tenant, const char *domain, const char *selector, SBUF *err)
{
	SBUF *path = sbuf_new(256), *txt = sbuf_new(1024), *rec = sbuf_new(512);
	int rc = -1;

	if (mkdir(c->conf->dkim_key_dir, 0700) == 0)
		dkim_owner(c,
		           c->conf->dkim_key_dir); /* run_as_user opens the keys in it on reload */
	else if (errno != EEXIST) {
		sbuf_printf(err, "%s: %s", c->conf->dkim_key_dir, strerror(errno));
		goto out;
	}
	sbuf_printf(path, "%s/%s.%s.key", c->conf->dkim_key_dir, domain, selector);
	if (dkk_generate(sbuf_str(path), 2048, rec, err) < 0)
		goto out;
	dkim_owner(c, sbuf_str(path));
	dkim_txt(rec, selector, domain, txt);
	if (dkim_save(c, domain, tenant, selector, sbuf_str(path), err) < 0) {
		unlink(sbuf_str(path));
		goto out;
	}
	printf("key %s (2048-bit RSA, mode 0600) for %s, selector %s, tenant %s\n"
	       "publish this DNS record, then reload tenant-milter:\n%s",
	       sbuf_str(path), domain, selector, tenant, sbuf_str(txt));
	rc = 0;
out:
	sbuf_free(path);
	sbuf_free(txt);
	sbuf_free(rec);
	return rc;
}

/* dkim_add - register a key the tenant has (mode 0600 or stricter); its DNS record printed */
static int
dkim_add(CTL *c, const char *tenant, const char *domain, const char *selector, const char *key,
         SBUF *err)
{
	char *abs = realpath(key, NULL);
	SBUF *txt = sbuf_new(1024), *rec = sbuf_new(512);
	struct stat st;
	int rc = -1;

	if (abs == NULL) {
		sbuf_printf(err, "%s: %s", key, strerror(errno));
		goto out;
	}
	if (stat(abs, &st) == 0 && (st.st_mode & 077) != 0) {
		sbuf_printf(err, "%s: readable by group or others (mode %o); chmod 600 it first",
		            key, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	if (dkk_record(abs, rec, err) < 0)
		goto out;
	dkim_txt(rec, selector, domain, txt);
	if (dkim_save(c, domain, tenant, selector, abs, err) < 0)
		goto out;
	printf("key %s added for %s, selector %s, tenant %s; its DNS record:\n%s", abs, domain,
	       selector, tenant, sbuf_str(txt));
	rc = 0;
out:
	free(abs);
	sbuf_free(txt);
	sbuf_free(rec);
	return rc;
}

/* dkim_list - the table, one tenant's or all, with each key file's state */
static int
dkim_list(CTL *c, const char *tenant, SBUF *err)
{
	DKK_TABLE *t = dkk_read(c->conf->dkim_keys, err);
	json_t *arr;

	if (t == NULL)
		return -1;
	arr = json_array();
	if (!c->json)
		printf("%-10s %-28s %-12s %s\n", "TENANT", "DOMAIN", "SELECTOR", "KEY");
	for (size_t i = 0; i < dkk_count(t); i++) {
		const DKK_KEY *k = dkk_get(t, i);
		struct stat st;
		const char *state = stat(k->path, &st) < 0 ? "missing"
		                    : (st.st_mode & 077)   ? "too open"
		                                           : "ok";
		if (tenant && strcmp(tenant, k->tenant) != 0)
			continue;
		if (c->json)
			json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s}", "tenant",
			                                     k->tenant, "domain", k->domain,
			                                     "selector", k->selector, "key",
			                                     k->path, "state", state));
		else
			printf("%-10s %-28s %-12s %s%s%s\n", k->tenant, k->domain, k->selector,
			       k->path, strcmp(state, "ok") ? "  ** " : "",
			       strcmp(state, "ok") ? state : "");
	}
	if (c->json)
		ctl_print_json(arr);
	else
		json_decref(arr);
	dkk_free(t);
	return 0;
}

static const char *const dkim_known[] = {"--selector", "--key", "--json", NULL};

/* dkim_cmd_list - "dkim list [NAME] [--json]" */
static int
dkim_cmd_list(CTL *c, int argc, char **argv)
{
	int from = argc > 1 && argv[1][0] != '-' ? 2 : 1; /* options follow the NAME, if any */
	SBUF *err;

	if (!ctl_opts_known(argc, argv, from, dkim_known))
		return CTL_USAGE;
	c->json = ctl_has_json(argc, argv);
	err = sbuf_new(128);
	if (dkim_list(c, from == 2 ? argv[1] : NULL, err) < 0)
		return ctl_fail_free(err);
	sbuf_free(err);
	return CTL_OK;
}

/* dkim_cmd_key - "dkim generate|add NAME DOMAIN --selector S [--key FILE]", for a domain of the
 * tenant */
static int
dkim_cmd_key(CTL *c, int argc, char **argv)
{
	int add = strcmp(argv[0], "add") == 0, own;
	const char *sel, *key;
	SBUF *err;

	if (argc < 3 || !ctl_opts_known(argc, argv, 3, dkim_known))
		return CTL_USAGE;
	sel = ctl_opt(argc, argv, 3, "--selector");
	key = ctl_opt(argc, argv, 3, "--key");
	if (sel == NULL || (add && key == NULL))
		return CTL_USAGE;
	err = sbuf_new(128);
	if (ctl_need_tenant(c, argv[1], err) < 0)
		return ctl_fail_free(err);
	if ((own = dkim_domain_owned(c, argv[1], argv[2], err)) < 0)
		return ctl_fail_free(err);
	if (own == 0) {
		sbuf_free(err);
		return ctl_fail("%s is not a domain of tenant %s (tenantctl domain add %s %s)",
		                argv[2], argv[1], argv[1], argv[2]);
	}
	if ((add ? dkim_add(c, argv[1], argv[2], sel, key, err)
	         : dkim_generate(c, argv[1], argv[2], sel, err)) < 0)
		return ctl_fail_free(err);
	sbuf_free(err);
	return CTL_OK;
}

static const CTL_SUB dkim_subs[] = {
    {"list", dkim_cmd_list, NULL},
    {"generate", dkim_cmd_key, NULL},
    {"add", dkim_cmd_key, NULL},
    {NULL, NULL, NULL},
};

/* ctl_cmd_dkim - "dkim generate|add|list ..." */
int
ctl_cmd_dkim(CTL *c, int argc, char **argv)
{
	return ctl_dispatch(c, dkim_subs, argc, argv);
}
