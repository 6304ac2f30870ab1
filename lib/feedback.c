/*
 * NAME
 *	feedback - the client of the feedback script
 * SEE ALSO
 *	tm_feedback.h, lib/feedback.lua
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tm_addr.h"
#include "tm_bounce.h"
#include "tm_feedback.h"
#include "tm_keys.h"
#include "tm_suppress.h"
#include "tm_tenant.h"
#include "tm_token.h"

#include "lib/feedback_lua.h" /* feedback_lua[]: lib/feedback.lua as a C string */

static STORE_SCRIPT fb_script = {.body = feedback_lua};

STORE_SCRIPT *
feedback_script(void)
{
	return &fb_script;
}

/* fb_key - the suppression key of a reported address into key; "" when there is none or it is too long */
static void
fb_key(const char *addr, size_t room, SBUF *key)
{
	SBUF *err = sbuf_new(32);

	sbuf_reset(key);
	if (addr == NULL || supp_key(addr, key, err) < 0 || sbuf_len(key) >= room)
		sbuf_reset(key); /* a key too long for its buffer is dropped, never cut: cut, it could name another */
	sbuf_free(err);
}

int
feedback_argv(const CONF *c, const PMAP *pm, const FB_EVENT *e, const char **argv, char buf[][384])
{
	SBUF *key = sbuf_new(64), *okey = sbuf_new(64);
	const char *at, *tenant = e->tenant;
	char day[16];
	const char *qid = e->qid && *e->qid ? e->qid : NULL;
	time_t now = time(NULL);
	struct tm tm;
	int n = 0, nkeys = 7, b = 0;
	/* what the outcome means is bounce.c's to say; the script only applies it */
	BOUNCE_EFFECT fx = bounce_effect(e->category, e->final, c->hard_bounce_scope == 1);
	static const char *const streak_arg[] = {[BS_KEEP] = "", [BS_END] = "end", [BS_FEED] = "feed"};

	/* a tenant name builds keys: only a valid one, else the report is unattributed */
	if (tenant && !tenant_name_valid(tenant))
		tenant = NULL;
	fb_key(e->rcpt, 384 - sizeof(KEY_FB_SEEN_FMT) - (qid ? strlen(qid) : 1), key);
	fb_key(e->orig_rcpt, 384, okey);
	at = strrchr(sbuf_str(key), '@');
	gmtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	argv[n++] = "EVALSHA";
	argv[n++] = store_script_sha(&fb_script);
	argv[n++] = NULL; /* the key count, below */
	argv[n++] = e->pos_key ? e->pos_key : "";
	argv[n++] = KEY_SUPP_GLOBAL;
	snprintf(buf[b], 384, KEY_FB_SEEN_FMT, qid ? qid : "-", sbuf_str(key));
	argv[n++] = qid && e->final && key->len ? buf[b] : "";
	b++;
	snprintf(buf[b], 384, KEY_STATS_FMT, day);
	argv[n++] = buf[b++];
	/* the tenant's own keys, when it is known before the call */
	snprintf(buf[b], 384, KEY_T_SUPP_FMT, tenant ? tenant : "");
	argv[n++] = tenant ? buf[b] : "";
	b++;
	snprintf(buf[b], 384, KEY_T_FB_FMT, tenant ? tenant : "", day);
	argv[n++] = tenant ? buf[b] : "";
	b++;
	snprintf(buf[b], 384, KEY_T_STREAK_FMT, tenant ? tenant : "");
	argv[n++] = tenant ? buf[b] : "";
	b++;
	if (e->tenant == NULL) { /* the queue ids that may name the tenant and recipient */
		const char *cand[FB_MAX_QIDS + 1];
		size_t nc = 0;
		if (qid)
			cand[nc++] = qid;
		for (size_t i = 0; i < e->nqids && nc <= FB_MAX_QIDS; i++)
			if (e->qids[i] && *e->qids[i] && strlen(e->qids[i]) < 64)
				cand[nc++] = e->qids[i];
		for (size_t i = 0; i < nc; i++) {
			snprintf(buf[b], 384, KEY_QID_FMT, cand[i]);
			argv[n++] = buf[b++];
			nkeys++;
		}
	}
	snprintf(buf[b], 384, "%d", nkeys);
	argv[2] = buf[b++];
	argv[n++] = tenant ? tenant : "";
	argv[n++] = fx.counter ? fx.counter : "";
	snprintf(buf[b], 384, "%s", sbuf_str(key));
	argv[n++] = buf[b++];
	argv[n++] = at && pm ? pmap_lookup(pm, at + 1) : at ? "other" : "";
	argv[n++] = e->transport ? e->transport : "";
	snprintf(buf[b], 384, "%s", day);
	argv[n++] = buf[b++];
	argv[n++] = e->pos ? e->pos : "";
	argv[n++] = fx.supp_global ? "global" : "tenant";
	snprintf(buf[b], 384, "%ld", c->soft_bounce_limit);
	argv[n++] = buf[b++];
	snprintf(buf[b], 384, "%ld", c->soft_bounce_window / 1000);
	argv[n++] = buf[b++];
	snprintf(buf[b], 384, "%ld", KEY_TTL_COUNTERS);
	argv[n++] = buf[b++];
	snprintf(buf[b], 384, "%ld", c->queue_map_ttl / 1000);
	argv[n++] = buf[b++];
	argv[n++] = e->final ? "1" : "0";
	snprintf(buf[b], 384, "%s", sbuf_str(okey));
	argv[n++] = buf[b++];
	/* the same three keys' names for a tenant the maps name: %s stays for the script */
	argv[n++] = KEY_T_SUPP_FMT;
	snprintf(buf[b], 384, KEY_T_FB_FMT, "%s", day);
	argv[n++] = buf[b++];
	argv[n++] = KEY_T_STREAK_FMT;
	argv[n++] = fx.supp_reason >= 0 ? supp_reason_name(fx.supp_reason) : "";
	argv[n++] = streak_arg[fx.streak];
	argv[n++] = fx.streak_reason >= 0 ? supp_reason_name(fx.streak_reason) : "";
	sbuf_free(key);
	sbuf_free(okey);
	return n;
}

int
feedback_apply(STORE *s, const CONF *c, const PMAP *pm, const FB_EVENT *e, int *applied, SBUF *why_not, SBUF *err)
{
	const char *argv[FB_ARGV_MAX];
	char buf[FB_BUF_MAX][384];
	int n = feedback_argv(c, pm, e, argv, buf), nkeys = atoi(argv[2]);
	STORE_VAL *r = store_eval(s, &fb_script, nkeys, argv + 3, n - 3 - nkeys, argv + 3 + nkeys, err);

	if (r == NULL)
		return -1;
	*applied = r->type == STORE_V_ARR && r->elements == 3 && r->element[1]->integer == 1;
	if (why_not && r->type == STORE_V_ARR && r->elements == 3 && r->element[2]->str)
		sbuf_cat(why_not, r->element[2]->str);
	store_val_free(r);
	return 0;
}

int
feedback_forward_check(const TOKEN_DATA *verp, const DSN_REPORT *rep, const TSNAP *snap, SBUF *why)
{
	const char *rp = verp->return_path ? verp->return_path : "";
	const TENANT *owner = NULL;
	ADDR a;
	SBUF *err;
	int ok;

	if (verp->legacy) {
		sbuf_cat(why, "a version-1 token is never forwarded for");
		return 0;
	}
	if (*rp == 0) {
		sbuf_cat(why, "the token seals no return path");
		return 0;
	}
	if ((rep->kind != DSN_DSN && rep->kind != DSN_ARF && rep->kind != DSN_TEXT) ||
	    rep->n == 0) {
		sbuf_cat(why, "the message is no bounce or report");
		return 0;
	}
	for (const char *p = rp; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || strchr(",;:<>()[]\"\\", *p)) {
			sbuf_printf(why, "the return path <%.200s> is not one plain address", rp);
			return 0;
		}
	err = sbuf_new(64);
	if (addr_parse(rp, &a, err) < 0 || a.is_null || a.domain == NULL) {
		sbuf_printf(why, "the return path <%.200s> is not an address: %s", rp,
		            err->len ? sbuf_str(err) : "null or without a domain");
		sbuf_free(err);
		addr_clear(&a);
		return 0;
	}
	sbuf_free(err);
	ok = 1;
	if (snap && ((owner = tenant_domain_owner(snap, a.domain, NULL)) == NULL ||
	             strcmp(owner->name, verp->tenant) != 0)) {
		sbuf_printf(why, "the return path domain %s belongs to %s%s, not to tenant %s",
		            a.domain, owner ? "tenant " : "no tenant", owner ? owner->name : "",
		            verp->tenant);
		ok = 0;
	}
	addr_clear(&a);
	return ok;
}

/* fbl_strip_comments - an RFC 8601 value without its (comments), lower-cased */
static char *
fbl_strip_comments(const char *v)
{
	SBUF *o = sbuf_new(strlen(v) + 1);
	int depth = 0;

	for (const char *p = v; *p; p++) {
		if (*p == '\\' && depth && p[1]) {
			p++;
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth)
			depth--;
		else if (!depth)
			sbuf_putc(o, tolower((unsigned char)*p));
	}
	return sbuf_steal(o);
}

/* fbl_listed - is d one of the domains in list? */
static int
fbl_listed(const char *list, const char *d, size_t n)
{
	for (const char *p = list; *p;) {
		size_t w;
		p += strspn(p, " \t,");
		w = strcspn(p, " \t,");
		if (w == n && w > 0 && strncasecmp(p, d, n) == 0)
			return 1;
		p += w;
	}
	return 0;
}

int
feedback_fbl_trusted(const char *ar, const char *authserv_id, const char *domains, SBUF *domain, SBUF *why)
{
	char *v, *save = NULL, *part;
	int first = 1, ok = 0;

	if (!*authserv_id || !*domains) {
		sbuf_cat(why, "no feedback loop is configured (feedback_loop_authserv_id, feedback_loop_domains)");
		return 0;
	}
	if (ar == NULL) {
		sbuf_cat(why, "the report carries no Authentication-Results");
		return 0;
	}
	v = fbl_strip_comments(ar);
	for (part = strtok_r(v, ";", &save); part && !ok; part = strtok_r(NULL, ";", &save), first = 0) {
		char *w = part + strspn(part, " \t\r\n");
		if (first) { /* authserv-id [version] */
			size_t n = strcspn(w, " \t\r\n");
			if (n != strlen(authserv_id) || strncasecmp(w, authserv_id, n) != 0) {
				sbuf_printf(why, "its Authentication-Results are not ours (authserv-id %.*s)", (int)(n > 64 ? 64 : n),
					    w);
				free(v);
				return 0;
			}
			continue;
		}
		if (strncmp(w, "dkim=pass", 9) != 0 || (w[9] && !strchr(" \t\r\n", w[9])))
			continue;
		for (char *q = w + 9; *q;) { /* the properties: header.d=D or header.i=...@D */
			char *val;
			size_t n;
			q += strspn(q, " \t\r\n");
			if (strncmp(q, "header.d=", 9) == 0)
				val = q + 9;
			else if (strncmp(q, "header.i=", 9) == 0 && (val = memchr(q, '@', strcspn(q, " \t\r\n"))) != NULL)
				val++;
			else {
				q += strcspn(q, " \t\r\n");
				continue;
			}
			n = strcspn(val, " \t\r\n");
			if (fbl_listed(domains, val, n)) {
				sbuf_catn(domain, val, n);
				ok = 1;
				break;
			}
			q = val + n;
		}
	}
	if (!ok)
		sbuf_cat(why, "no verified DKIM signature of a feedback-loop domain");
	free(v);
	return ok;
}
