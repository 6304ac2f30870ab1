/*
 * NAME
 *	unsub - one-click unsubscribe header values and the keep/replace rule
 * SEE ALSO
 *	tm_unsub.h, lib/unsub.lua, RFC 2369, RFC 8058
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tm_conf.h"
#include "tm_keys.h"
#include "tm_store.h"
#include "tm_suppress.h"
#include "tm_token.h"
#include "tm_unsub.h"

int
unsub_has_https(const char *v)
{
	for (const char *p = v; (p = strchr(p, '<')) != NULL; p++) {
		while (p[1] == ' ' || p[1] == '\t')
			p++;
		if (strncasecmp(p + 1, "https://", 8) == 0)
			return 1;
	}
	return 0;
}

int
unsub_keep_existing(int replace, int n_lu, int lu_https, int n_post, int post_ok)
{
	return !replace && n_lu == 1 && lu_https && n_post == 1 && post_ok;
}

void
unsub_header(const char *host, const char *mailto_domain, const char *token, SBUF *out)
{
	sbuf_printf(out, "<https://%s/u/%s>", host, token);
	if (mailto_domain && *mailto_domain)
		sbuf_printf(out, ", <mailto:unsubscribe+%s@%s>", token, mailto_domain);
}

void
unsub_mask(const char *addr, SBUF *out)
{
	const char *at = strrchr(addr, '@');
	size_t n = at ? (size_t)(at - addr) : strlen(addr);

	if (n == 0) {
		sbuf_cat(out, "***");
	} else if (n <= 2) {
		sbuf_catn(out, addr, 1);
		sbuf_cat(out, "***");
	} else {
		sbuf_catn(out, addr, 1);
		sbuf_cat(out, "***");
		sbuf_catn(out, addr + n - 1, 1);
	}
	if (at)
		sbuf_cat(out, at);
}

int
unsub_open(const CONF *c, const KEYRING *k, const char *token, TOKEN_DATA *d, SBUF *err)
{
	if (k == NULL) {
		sbuf_cat(err, "no token keys loaded");
		return UNSUB_BAD_TOKEN;
	}
	return token_open(k, TOKEN_UNSUBSCRIBE, token, (long)(time(NULL) / 86400),
	                  c->token_lifetime / 86400000, d, err) == 0
	           ? 0
	           : UNSUB_BAD_TOKEN;
}

#include "lib/unsub_lua.h" /* unsub_lua[]: lib/suppress.lua and lib/unsub.lua as a C string */

/* the suppression, its source and the counter, once: a repeat changes nothing */
static STORE_SCRIPT unsub_script = {.body = unsub_lua};

int
unsub_apply(STORE *s, const CONF *c, const KEYRING *k, const char *token, const char *source, TOKEN_DATA *d,
	    int *fresh, SBUF *err)
{
	char supp[128], log[128], fb[128], now[32], date[16], ttl[24];
	const char *keys[3] = {supp, log, fb}, *args[5];
	SBUF *key = sbuf_new(64);
	time_t t = time(NULL);
	struct tm tm;
	STORE_VAL *r;
	int rc;

	*fresh = 0;
	if ((rc = unsub_open(c, k, token, d, err)) < 0 || (rc = supp_key(d->recipient, key, err)) < 0) {
		sbuf_free(key);
		return UNSUB_BAD_TOKEN;
	}
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	snprintf(supp, sizeof(supp), KEY_T_SUPP_FMT, d->tenant);
	snprintf(log, sizeof(log), KEY_T_UNSUB_FMT, d->tenant);
	snprintf(fb, sizeof(fb), KEY_T_FB_FMT, d->tenant, date);
	snprintf(now, sizeof(now), "%lld", (long long)t);
	args[0] = sbuf_str(key);
	args[1] = now;
	args[2] = source;
	args[3] = d->list;
	snprintf(ttl, sizeof(ttl), "%ld", (long)KEY_TTL_COUNTERS);
	args[4] = ttl;
	r = store_eval(s, &unsub_script, 3, keys, 5, args, err);
	sbuf_free(key);
	if (r == NULL)
		return -1;
	*fresh = r->type == STORE_V_INT && r->integer == 1;
	store_val_free(r);
	return 0;
}
