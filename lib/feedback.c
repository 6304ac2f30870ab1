/*
 * NAME
 *	feedback - the client of the feedback script
 * DESCRIPTION
 *	One outcome is applied in two steps. Step 1 decides whom it is about:
 *	a tenant the caller was given (a VERP token, a feedback loop), with no
 *	call, or else the queue-id maps of the outcome's queue ids, one HMGET
 *	each, in order, until one lists the recipient. Step 2 is one EVALSHA of
 *	lib/feedback.lua, with every key it touches in KEYS, built here from
 *	include/tm_keys.h: it applies the effect and moves the reader's
 *	position in one atomic call. A map is written once, by the milter's
 *	commit, and then only expires, so step 1's answer still holds when the
 *	script runs. A batch (follow) pipelines each step for all its outcomes.
 * SEE ALSO
 *	tm_feedback.h, lib/feedback.lua, docs/redis-schema.md
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tm_addr.h"
#include "tm_bounce.h"
#include "tm_feedback.h"
#include "tm_keys.h"
#include "tm_mem.h"
#include "tm_msg.h"
#include "tm_suppress.h"
#include "tm_tenant.h"
#include "tm_token.h"

#include "lib/feedback_lua.h" /* feedback_lua[]: lib/feedback.lua as a C string */

#define FB_NKEYS 8 /* the script's KEYS, lib/feedback.lua */

static STORE_SCRIPT fb_script = {.body = feedback_lua};

STORE_SCRIPT *
feedback_script(void)
{
	return &fb_script;
}

/* FB_REC - one outcome on its way: its keys and candidates, then (step 1) whom it is about */
typedef struct {
	const CONF *c;
	const PMAP *pm;
	FB_EVENT e;
	SBUF *key;			   /* the to= recipient's key, or "" */
	SBUF *okey;			   /* the orig_to= recipient's key, or "" */
	const char *cand[FB_MAX_QIDS + 1]; /* queue ids whose maps may name the tenant, in order */
	size_t nc;
	int decided;		    /* step 1 is done */
	SBUF *tenant;		    /* "" when the outcome is unattributed */
	SBUF *known;		    /* a tenant whose map did not list the recipient, or "" */
	const char *rcpt;	    /* the recipient key recorded: key or okey */
	const char *why;	    /* why unattributed */
	const char *seen_qid;	    /* the queue id whose map named an unnamed complaint's tenant */
	const char *decided_qid;    /* the queue id whose map named the recipient */
	int confirm;		    /* a VERP report's qid is looked up only to confirm it */
	int confirmed;		    /* ...and its map named the token's tenant and recipient */
	char *own[9 + FB_MAX_QIDS]; /* a batch's copies of e's strings */
} FB_REC;

/* FB_ARGS - an argv being built: borrowed strings, and built ones in buf */
typedef struct {
	const char **argv;
	char (*buf)[384];
	int n, b;
} FB_ARGS;

/* fb_push - one argument that outlives the call (the event's, a constant) */
static void
fb_push(FB_ARGS *a, const char *s)
{
	if (a->n >= FB_ARGV_MAX)
		msg_panic("feedback: more than %d arguments", FB_ARGV_MAX);
	a->argv[a->n++] = s;
}

/* fb_pushf - one built argument, in the next buffer */
static void __attribute__((format(printf, 2, 3))) fb_pushf(FB_ARGS *a, const char *fmt, ...)
{
	va_list ap;

	if (a->b >= FB_BUF_MAX)
		msg_panic("feedback: more than %d built arguments", FB_BUF_MAX);
	va_start(ap, fmt);
	vsnprintf(a->buf[a->b], sizeof(a->buf[a->b]), fmt, ap);
	va_end(ap);
	fb_push(a, a->buf[a->b++]);
}

/* fb_key - the suppression key of a reported address into key; "" when there is none or it is too
 * long */
static void
fb_key(const char *addr, size_t room, SBUF *key)
{
	SBUF *err = sbuf_new(32);

	sbuf_reset(key);
	if (addr == NULL || supp_key(addr, key, err) < 0 || sbuf_len(key) >= room)
		sbuf_reset(key); /* a key too long for its buffer is dropped, never cut: cut, it
		                    could name another */
	sbuf_free(err);
}

/*
 * fb_rec_init - an outcome's keys and candidates. A tenant given is taken
 * as it is if its name is valid (it builds keys), and step 1 is then done
 * with no call, but for a VERP report's queue id, looked up only to confirm
 * it as the dedup key; so it is when there is no queue id to look up.
 */
static void
fb_rec_init(FB_REC *r, const CONF *c, const PMAP *pm, const FB_EVENT *e)
{
	const char *qid = e->qid && *e->qid ? e->qid : NULL;

	*r = (FB_REC){.c = c,
	              .pm = pm,
	              .e = *e,
	              .key = sbuf_new(64),
	              .okey = sbuf_new(64),
	              .tenant = sbuf_new(32),
	              .known = sbuf_new(32),
	              .why = ""};
	fb_key(e->rcpt, 384, r->key);
	fb_key(e->orig_rcpt, 384, r->okey);
	r->rcpt = sbuf_str(r->key);
	if (e->tenant == NULL) {
		if (qid)
			r->cand[r->nc++] = qid;
		for (size_t i = 0; i < e->nqids && r->nc <= FB_MAX_QIDS; i++)
			if (e->qids[i] && *e->qids[i] && strlen(e->qids[i]) < 64)
				r->cand[r->nc++] = e->qids[i];
	} else if (tenant_name_valid(e->tenant))
		sbuf_cat(r->tenant, e->tenant);
	if (sbuf_len(r->tenant) && e->report_id && e->unnamed == 0 && qid && strlen(qid) < 64) {
		/* anyone can write a queue id into a report to a VERP address; it dedups only
		   when its map shows it is the token's message */
		r->cand[r->nc++] = qid;
		r->confirm = 1;
		return;
	}
	if (e->unnamed > 0 && e->tenant && e->nqids > 0 && e->qids[0] && strlen(e->qids[0]) < 64)
		r->seen_qid = e->qids[0]; /* the loop's tag named the tenant: its message's queue id dedups */
	if (e->unnamed < 0) {
		r->nc = 0;
		r->decided = 1;
		r->why = "a report that names no recipient counts only from a verified feedback loop";
		return;
	}
	if (e->tenant || r->nc == 0) {
		r->decided = 1;
		if (!sbuf_len(r->tenant))
			r->why = "no queue id";
	}
}

/* fb_rec_clear - free what an outcome owns */
static void
fb_rec_clear(FB_REC *r)
{
	sbuf_free(r->key);
	sbuf_free(r->okey);
	sbuf_free(r->tenant);
	sbuf_free(r->known);
	for (size_t i = 0; i < sizeof(r->own) / sizeof(r->own[0]); i++)
		free(r->own[i]);
}

/*
 * fb_map_query - the HMGET of candidate i's map: its key into mkey, its
 * fields (the tenant, then r:ORIGKEY and r:KEY where there is a key; the
 * field bufs of and rf hold them) into fields; their count
 */
static int
fb_map_query(const FB_REC *r, size_t i, SBUF *mkey, SBUF *of, SBUF *rf, const char **fields)
{
	int n = 0;

	sbuf_reset(mkey);
	sbuf_printf(mkey, KEY_QID_FMT, r->cand[i]);
	fields[n++] = "tenant";
	if (sbuf_len(r->okey)) {
		sbuf_reset(of);
		sbuf_printf(of, "r:%s", sbuf_str(r->okey));
		fields[n++] = sbuf_str(of);
	}
	if (sbuf_len(r->key)) {
		sbuf_reset(rf);
		sbuf_printf(rf, "r:%s", sbuf_str(r->key));
		fields[n++] = sbuf_str(rf);
	}
	return n;
}

/*
 * fb_map_answer - what a candidate's map (v, the HMGET's reply) says: it
 * names the tenant when that is a valid name and the map lists the
 * recipient, orig_to= first (to= is the address after virtual expansion);
 * a map with a tenant but not the recipient is remembered in known. 0, or
 * -1 with err for an error in v.
 */
static int
fb_map_answer(FB_REC *r, const char *qid, const STORE_VAL *v, SBUF *err)
{
	const char *keyof[3] = {NULL, sbuf_len(r->okey) ? sbuf_str(r->okey) : sbuf_str(r->key),
	                        sbuf_str(r->key)};

	for (size_t i = 0; i < v->elements; i++)
		if (v->element[i]->type == STORE_V_ERR) {
			sbuf_printf(err, "redis: %s", v->element[i]->str);
			return -1;
		}
	if (r->confirm) {
		r->decided = 1;
		for (size_t i = 1; i < v->elements && i < 3; i++)
			r->confirmed |= v->element[0]->type == STORE_V_STR &&
			                strcmp(v->element[0]->str, sbuf_str(r->tenant)) == 0 &&
			                v->element[i]->type != STORE_V_NIL;
		return 0;
	}
	if (v->elements == 0 || v->element[0]->type != STORE_V_STR ||
	    !tenant_name_valid(v->element[0]->str))
		return 0;
	sbuf_reset(r->known);
	sbuf_cat(r->known, v->element[0]->str);
	if (r->e.unnamed > 0 && !r->decided) {
		/* a redacted complaint names no one to look for: the message is this tenant's */
		sbuf_cat(r->tenant, v->element[0]->str);
		r->seen_qid = qid;
		r->decided = 1;
	}
	for (size_t i = 1; i < v->elements && i < 3 && !r->decided; i++)
		if (v->element[i]->type != STORE_V_NIL) {
			sbuf_cat(r->tenant, v->element[0]->str);
			r->rcpt = keyof[i];
			r->decided_qid = qid;
			r->decided = 1;
		}
	return 0;
}

/* fb_rec_undecided - after every candidate: no map listed the recipient */
static void
fb_rec_undecided(FB_REC *r)
{
	if (r->decided)
		return;
	r->decided = 1;
	r->why = sbuf_len(r->known) ? "the queue id was not recorded for this recipient"
	                            : "no queue id of ours";
}

/* fb_seen - the dedup key of id for this outcome (tm:fb:seen:ID:RCPT, "-" for a redacted
 * complaint), or "": none for a deferral, and none too long for its buffer (never cut: cut,
 * it could name another) */
static void
fb_seen(FB_ARGS *a, const FB_REC *r, const char *id)
{
	const FB_EVENT *e = &r->e;
	const char *who = e->unnamed > 0 ? "-" : sbuf_str(r->key);

	if (id && *id && e->final && *who && strlen(KEY_FB_SEEN_FMT) + strlen(id) + strlen(who) < 384)
		fb_pushf(a, KEY_FB_SEEN_FMT, id, who);
	else
		fb_push(a, "");
}

/* fb_keys - the command, the script and its KEYS: every key it touches, "" for one it has no use
 * for */
static void
fb_keys(FB_ARGS *a, const FB_REC *r, const char *day)
{
	const FB_EVENT *e = &r->e;
	const char *qid = e->qid && *e->qid ? e->qid : NULL, *tenant = sbuf_str(r->tenant);

	/* the reporter's queue id: our own bounce names the original's, which its log record
	   counts under too. Not a queue id of the returned original's Received fields: the log
	   counted that message's delivery under it ("sent"), and a remote bounce after it is news */
	if (e->unnamed > 0)
		qid = r->seen_qid; /* one redacted complaint per message of ours */
	else if (e->report_id)
		qid = r->confirmed ? qid : NULL; /* anyone can write a queue id into a VERP report */
	fb_push(a, "EVALSHA");
	fb_push(a, store_script_sha(&fb_script));
	fb_pushf(a, "%d", FB_NKEYS);
	fb_push(a, e->pos_key ? e->pos_key : "");
	fb_push(a, KEY_SUPP_GLOBAL);
	fb_seen(a, r, qid);
	fb_pushf(a, KEY_STATS_FMT, day);
	if (*tenant) {
		fb_pushf(a, KEY_T_SUPP_FMT, tenant);
		fb_pushf(a, KEY_T_FB_FMT, tenant, day);
		fb_pushf(a, KEY_T_STREAK_FMT, tenant);
	} else {
		fb_push(a, "");
		fb_push(a, "");
		fb_push(a, "");
	}
	if (e->report_id) {
		fb_seen(a, r, e->report_id); /* the report's own: a VERP token's, a redacted complaint's */
	} else if (r->decided_qid && (qid == NULL || strcmp(r->decided_qid, qid) != 0)) {
		/* a report that a queue id of its returned original's Received fields attributed:
		   once per that message and kind of report, whatever queue id its reporter gives
		   (apart from the log's key for the message's delivery: a bounce after "sent" counts) */
		char id[128];
		snprintf(id, sizeof(id), "R%s.%s", r->decided_qid, bounce_category_name(e->category));
		fb_seen(a, r, id);
	} else {
		fb_push(a, "");
	}
}

/* fb_args - the script's ARGV: whom, the outcome's effect (bounce_effect decides it), the settings
 */
static void
fb_args(FB_ARGS *a, const FB_REC *r)
{
	static const char *const streak_arg[] = {
	    [BS_KEEP] = "", [BS_END] = "end", [BS_FEED] = "feed"};
	const CONF *c = r->c;
	const FB_EVENT *e = &r->e;
	/* what the outcome means is bounce.c's to say; the script only applies it */
	BOUNCE_EFFECT fx = bounce_effect(e->category, e->final, c->hard_bounce_scope == 1);
	const char *at = strrchr(sbuf_str(r->key), '@');

	fb_pushf(a, "%s", sbuf_str(r->tenant));
	fb_push(a, fx.counter ? fx.counter : "");
	fb_pushf(a, "%s", r->rcpt);
	fb_push(a, at && r->pm ? pmap_lookup(r->pm, at + 1) : at ? "other" : "");
	fb_push(a, e->transport ? e->transport : "");
	fb_push(a, e->pos ? e->pos : "");
	fb_push(a, fx.supp_global ? "global" : "tenant");
	fb_pushf(a, "%ld", c->soft_bounce_limit);
	fb_pushf(a, "%ld", c->soft_bounce_window / 1000);
	fb_pushf(a, "%ld", KEY_TTL_COUNTERS);
	fb_pushf(a, "%ld", c->queue_map_ttl / 1000);
	fb_push(a, e->final ? "1" : "0");
	fb_push(a, r->why);
	fb_push(a, fx.supp_reason >= 0 ? supp_reason_name(fx.supp_reason) : "");
	fb_push(a, streak_arg[fx.streak]);
	fb_push(a, fx.streak_reason >= 0 ? supp_reason_name(fx.streak_reason) : "");
	fb_push(a, e->unnamed > 0 ? "1" : "");
}

/* fb_rec_argv - step 2: the EVALSHA argv of a decided outcome; its count */
static int
fb_rec_argv(const FB_REC *r, const char **argv, char buf[][384])
{
	FB_ARGS a = {.argv = argv, .buf = buf};
	time_t now = time(NULL);
	struct tm tm;
	char day[16];

	gmtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	fb_keys(&a, r, day);
	fb_args(&a, r);
	return a.n;
}

/* fb_rec_resolve - step 1 now, on maps: one HMGET per candidate until one decides; 0 or -1 with err
 */
static int
fb_rec_resolve(STORE *maps, FB_REC *r, SBUF *err)
{
	SBUF *mkey = sbuf_new(64), *of = sbuf_new(64), *rf = sbuf_new(64);
	int rc = 0;

	for (size_t i = 0; i < r->nc && !r->decided && rc == 0; i++) {
		const char *fields[3];
		int n = fb_map_query(r, i, mkey, of, rf, fields);
		STORE_VAL *v;
		if (maps == NULL) {
			sbuf_cat(err, "feedback: no store to read the queue-id maps from");
			rc = -1;
		} else if ((v = store_hmget(maps, sbuf_str(mkey), n, fields, err)) == NULL)
			rc = -1;
		else {
			rc = fb_map_answer(r, r->cand[i], v, err);
			store_val_free(v);
		}
	}
	if (rc == 0)
		fb_rec_undecided(r);
	sbuf_free(mkey);
	sbuf_free(of);
	sbuf_free(rf);
	return rc;
}

int
feedback_argv(STORE *maps, const CONF *c, const PMAP *pm, const FB_EVENT *e, const char **argv,
              char buf[][384], SBUF *err)
{
	FB_REC r;
	int rc;

	fb_rec_init(&r, c, pm, e);
	if ((rc = fb_rec_resolve(maps, &r, err)) == 0)
		rc = fb_rec_argv(&r, argv, buf);
	fb_rec_clear(&r);
	return rc;
}

int
feedback_apply(STORE *s, const CONF *c, const PMAP *pm, const FB_EVENT *e, int *applied,
               SBUF *why_not, SBUF *who, SBUF *err)
{
	const char *argv[FB_ARGV_MAX];
	char buf[FB_BUF_MAX][384];
	int n = feedback_argv(s, c, pm, e, argv, buf, err);
	STORE_VAL *r;

	if (n < 0 || (r = store_eval(s, &fb_script, FB_NKEYS, argv + 3, n - 3 - FB_NKEYS,
	                             argv + 3 + FB_NKEYS, err)) == NULL)
		return -1;
	*applied = r->type == STORE_V_ARR && r->elements == 3 && r->element[1]->integer == 1;
	if (why_not && r->type == STORE_V_ARR && r->elements == 3 && r->element[2]->str)
		sbuf_cat(why_not, r->element[2]->str);
	/* the tenant charged, also when the outcome was already counted for it */
	if (who && r->type == STORE_V_ARR && r->elements == 3 && r->element[0]->str)
		sbuf_cat(who, r->element[0]->str);
	store_val_free(r);
	return 0;
}

/* A batch: the outcomes of one pipelined round of follow */
struct fb_batch {
	FB_REC *r;
	size_t n, cap;
};

FB_BATCH *
feedback_batch_new(void)
{
	return xcalloc(1, sizeof(FB_BATCH));
}

/* fb_batch_empty - forget every outcome of the batch */
static void
fb_batch_empty(FB_BATCH *b)
{
	for (size_t i = 0; i < b->n; i++)
		fb_rec_clear(&b->r[i]);
	b->n = 0;
}

FB_BATCH *
feedback_batch_free(FB_BATCH *b)
{
	if (b) {
		fb_batch_empty(b);
		free(b->r);
		free(b);
	}
	return NULL;
}

/* fb_own - a copy of s that r owns, or NULL */
static const char *
fb_own(FB_REC *r, size_t *k, const char *s)
{
	return s ? (r->own[(*k)++] = xstrdup(s)) : NULL;
}

void
feedback_batch_add(FB_BATCH *b, const CONF *c, const PMAP *pm, const FB_EVENT *e)
{
	FB_REC *r;
	FB_EVENT copy = *e;
	size_t k = 0;

	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->r = xrealloc(b->r, b->cap * sizeof(*b->r));
	}
	r = &b->r[b->n++];
	fb_rec_init(r, c, pm, e); /* its keys are its own; e's strings are copied below */
	copy.tenant = fb_own(r, &k, e->tenant);
	copy.qid = fb_own(r, &k, e->qid);
	copy.report_id = fb_own(r, &k, e->report_id);
	copy.rcpt = fb_own(r, &k, e->rcpt);
	copy.orig_rcpt = fb_own(r, &k, e->orig_rcpt);
	copy.transport = fb_own(r, &k, e->transport);
	copy.pos_key = fb_own(r, &k, e->pos_key);
	copy.pos = fb_own(r, &k, e->pos);
	copy.qids = NULL;
	copy.nqids = 0;
	r->e = copy;
	/* the candidates: the copied queue id first, then copies of the others */
	for (size_t i = 0; i < r->nc; i++)
		r->cand[i] = i == 0 && copy.qid && *copy.qid ? copy.qid : fb_own(r, &k, r->cand[i]);
}

/*
 * fb_batch_round - step 1 for the batch's undecided outcomes with a
 * candidate of rank i: their HMGETs pipelined, in a MULTI so that one EXEC
 * answers them all (the store reads a pipeline's replies only as a count);
 * nothing when none is left. 0, or -1 with err.
 */
static int
fb_batch_round(FB_BATCH *b, STORE *s, size_t i, SBUF *err)
{
	SBUF *mkey = sbuf_new(64), *of = sbuf_new(64), *rf = sbuf_new(64), *ignored = sbuf_new(64);
	const char *multi[] = {"MULTI"}, *exec[] = {"EXEC"}, *discard[] = {"DISCARD"};
	size_t queued = 0, k = 0;
	STORE_VAL *v = NULL;
	int rc = 0;

	for (size_t j = 0; j < b->n; j++)
		queued += !b->r[j].decided && i < b->r[j].nc;
	if (queued == 0)
		goto out;
	rc = store_append(s, 1, multi, NULL, err);
	for (size_t j = 0; j < b->n && rc == 0; j++) {
		const char *argv[5] = {"HMGET"};
		int n;
		if (b->r[j].decided || i >= b->r[j].nc)
			continue;
		n = fb_map_query(&b->r[j], i, mkey, of, rf, argv + 2);
		argv[1] = sbuf_str(mkey);
		rc = store_append(s, n + 2, argv, NULL, err);
	}
	if (rc == 0 && store_drain(s, queued + 1, err) < 0) {
		store_val_free(store_callv(s, ignored, 1,
		                           discard)); /* a refused HMGET leaves the MULTI open */
		rc = -1;
	}
	if (rc == 0 && (v = store_callv(s, err, 1, exec)) == NULL)
		rc = -1;
	else if (rc == 0 && (v->type != STORE_V_ARR || v->elements != queued)) {
		sbuf_cat(err, "redis: unexpected EXEC reply");
		rc = -1;
	}
	for (size_t j = 0; j < b->n && rc == 0; j++)
		if (!b->r[j].decided && i < b->r[j].nc)
			rc = fb_map_answer(&b->r[j], b->r[j].cand[i], v->element[k++], err);
out:
	store_val_free(v);
	sbuf_free(mkey);
	sbuf_free(of);
	sbuf_free(rf);
	sbuf_free(ignored);
	return rc;
}

int
feedback_batch_send(FB_BATCH *b, STORE *s, SBUF *err)
{
	int rc = 0;

	for (size_t i = 0; i <= FB_MAX_QIDS && rc == 0; i++)
		rc = fb_batch_round(b, s, i, err);
	for (size_t j = 0; j < b->n && rc == 0; j++) {
		const char *argv[FB_ARGV_MAX];
		char buf[FB_BUF_MAX][384];
		int n;
		fb_rec_undecided(&b->r[j]);
		n = fb_rec_argv(&b->r[j], argv, buf);
		rc = store_append(s, n, argv, NULL, err);
	}
	fb_batch_empty(b);
	return rc;
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
	    (rep->n == 0 && rep->unnamed == NULL)) {
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
