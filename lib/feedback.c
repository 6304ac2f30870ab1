/*
 * NAME
 *	feedback - the client of the feedback script
 * SEE ALSO
 *	tm_feedback.h, lib/feedback.lua
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
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

int
feedback_argv(const CONF *c, const PMAP *pm, const FB_EVENT *e, const char **argv, char buf[][384])
{
	SBUF *key = sbuf_new(64), *err = sbuf_new(32);
	const char *at;
	time_t now = time(NULL);
	struct tm tm;
	int n = 0;

	if (supp_key(e->rcpt ? e->rcpt : "", key, err) < 0)
		sbuf_reset(key);
	/* a key too long for buf[1] is dropped, never cut: cut, it could name another */
	if (sbuf_len(key) + sizeof(FB_SEEN_FMT) + (e->qid ? strlen(e->qid) : 1) >= 384)
		sbuf_reset(key);
	at = strrchr(sbuf_str(key), '@');
	gmtime_r(&now, &tm);
	argv[n++] = "EVALSHA";
	argv[n++] = store_script_sha(&fb_script);
	argv[n++] = "4";
	snprintf(buf[0], 384, FB_QMAP_FMT, e->qid && *e->qid ? e->qid : "-");
	argv[n++] = e->tenant || !e->qid || !*e->qid ? "" : buf[0];
	argv[n++] = e->pos_key ? e->pos_key : "";
	argv[n++] = KEY_SUPP_GLOBAL;
	snprintf(buf[1], 384, FB_SEEN_FMT, e->qid && *e->qid ? e->qid : "-", sbuf_str(key));
	argv[n++] = e->qid && *e->qid && e->final ? buf[1] : "";
	argv[n++] = e->tenant ? e->tenant : "";
	argv[n++] = bounce_category_name(e->category);
	snprintf(buf[2], 384, "%s", sbuf_str(key));
	argv[n++] = buf[2];
	argv[n++] = at && pm ? pmap_lookup(pm, at + 1) : at ? "other" : "";
	argv[n++] = e->transport ? e->transport : "";
	strftime(buf[3], 384, "%Y-%m-%d", &tm);
	argv[n++] = buf[3];
	argv[n++] = e->pos ? e->pos : "";
	argv[n++] = c->hard_bounce_scope == 1 ? "global" : "tenant";
	snprintf(buf[4], 384, "%ld", c->soft_bounce_limit);
	argv[n++] = buf[4];
	snprintf(buf[5], 384, "%ld", c->soft_bounce_window / 1000);
	argv[n++] = buf[5];
	snprintf(buf[6], 384, "%ld", 400L * 86400);
	argv[n++] = buf[6];
	snprintf(buf[7], 384, "%ld", c->queue_map_ttl / 1000);
	argv[n++] = buf[7];
	argv[n++] = e->final ? "1" : "0";
	sbuf_free(key);
	sbuf_free(err);
	return n;
}

int
feedback_apply(STORE *s, const CONF *c, const PMAP *pm, const FB_EVENT *e, int *applied, SBUF *err)
{
	const char *argv[24];
	char buf[8][384];
	int n = feedback_argv(c, pm, e, argv, buf);
	redisReply *r = store_eval(s, &fb_script, 4, argv + 3, n - 7, argv + 7, err);

	if (r == NULL)
		return -1;
	*applied = r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[1]->integer == 1;
	freeReplyObject(r);
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
