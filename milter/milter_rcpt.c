/*
 * NAME
 *	milter_rcpt - tenant-milter at RCPT: caps, rates and suppression
 * DESCRIPTION
 *	Every recipient is one call of the quota script (tm_quota.h) through a
 *	pool of Redis connections, so no thread waits on another's call. A
 *	recipient that passes holds a reservation, settled at end of message or
 *	when the transaction ends any other way. Failures follow
 *	store_error_action; fail-open recipients are logged and counted.
 * SEE ALSO
 *	milter_int.h, tm_quota.h, docs/limits.md
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "milter.h"
#include "milter_int.h"
#include "milter_seam.h"
#include "tm_keys.h"
#include "tm_logquote.h"
#include "tm_mem.h"
#include "tm_msg.h"
#include "tm_quota.h"
#include "tm_suppress.h"

static SPOOL *cb_pool;		/* Redis connections for the RCPT checks */
static char cb_host[64];	/* reservation ids: host:pid:message.recipient */
static unsigned long cb_fail_open;	/* fail-open recipients since start */
static unsigned long cb_fail_open_unsaved; /* not yet added to tm:stats:DATE */

void
mr_init(void)
{
	cb_pool = spool_new();
	if (gethostname(cb_host, sizeof(cb_host) - 1) < 0 || *cb_host == 0)
		snprintf(cb_host, sizeof(cb_host), "localhost");
	cb_host[strcspn(cb_host, ".|")] = 0;
}

void
mr_shutdown(void)
{
	cb_pool = spool_free(cb_pool);
}

/* mr_provider - the provider group of a normalised recipient domain, by the message's provider map */
const char *
mr_provider(const MSGCTX *m, const char *domain)
{
	return m->gen->pmap ? pmap_lookup(m->gen->pmap, domain) : "other"; /* interned: outlives the map */
}

/*
 * mr_settle - commit (the message was accepted) or release (it was not)
 * every reservation the message holds. A failure loses nothing: released
 * reservations expire within reservation_ttl; a failed commit undercounts.
 */
void
mr_settle(MSGCTX *m, int commit)
{
	SBUF *err;
	STORE *s;
	const LIMITS *l;
	LIMITS_NOW at;
	int rc = -1;

	if (m->nresv == 0)
		return;
	err = sbuf_new(64);
	l = m->res.tenant->limits;
	limits_at(l, time(NULL), "other", &at);
	if ((s = spool_get(cb_pool, m->conf, err)) != NULL) {
		rc = quota_settle(s, m->res.tenant->name, at.date, commit,
				  !commit && l && l->has_rate ? l->rate.interval_us : 0, m->qid,
				  m->conf->queue_map_ttl / 1000, m->resv, m->nrkeys == m->nresv ? m->rkeys : NULL,
				  m->nresv, err);
		spool_put(cb_pool, s);
	}
	if (rc < 0)
		msg_warn("%s: tenant %s: cannot %s %zu reservation(s): %s; %s", m->qid, m->res.tenant->name,
			 commit ? "commit" : "release", m->nresv, sbuf_str(err),
			 commit ? "today's usage undercounts them" : "they expire within reservation_ttl");
	cb_strv_free(&m->resv, &m->nresv);
	cb_strv_free(&m->rkeys, &m->nrkeys);
	sbuf_free(err);
}

/* cb_fail_open_saved - add fail-open recipients counted during an outage to tm:stats:DATE */
static void
cb_fail_open_saved(STORE *s)
{
	unsigned long n = __atomic_exchange_n(&cb_fail_open_unsaved, 0, __ATOMIC_RELAXED);
	LIMITS_NOW at;
	SBUF *err;
	char key[64];

	if (n == 0)
		return;
	err = sbuf_new(64);
	limits_at(NULL, time(NULL), "other", &at);
	snprintf(key, sizeof(key), KEY_STATS_FMT, at.date);
	if (store_hincrby(s, key, "fail_open", (long long)n, err) < 0)
		__atomic_add_fetch(&cb_fail_open_unsaved, n, __ATOMIC_RELAXED);
	sbuf_free(err);
}

/* cb_rcpt_store_down - the RCPT script could not run: store_error_action */
static sfsistat
cb_rcpt_store_down(SMFICTX *ctx, MSGCTX *m, const char *rcpt, const char *why)
{
	if (m->conf->store_error_action == ACT_ACCEPT) {
		unsigned long n = __atomic_add_fetch(&cb_fail_open, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&cb_fail_open_unsaved, 1, __ATOMIC_RELAXED);
		msg_warn("%s: fail-open: tenant=%s rcpt=%s: limits and suppression not checked: %s "
			 "(store_error_action=accept; %lu fail-open recipients since start)",
			 m->qid, m->res.tenant->name, rcpt, why, n);
		m->nrcpt++;
		return SMFIS_CONTINUE;
	}
	msg_warn("%s: %s", m->qid, why);
	return cb_refuse(ctx, m, 1, "4.3.0", "tenant limits temporarily unavailable, try again later");
}

/*
 * mr_refuse_rcpt - refuse one recipient with 550; under
 * suppressed_action=discard a suppressed one is dropped at end of message
 * instead, and the others are delivered.
 *
 * Mail submitted with sendmail(1) passes cleanup's milter, where refusing
 * one recipient fails the whole message with a misleading "server
 * configuration error", and dropping one cannot be relied on: cleanup's
 * delrcpt matches the recipient as submitted (its original recipient),
 * while the milter is shown it after rewriting ("site!user" arrives as
 * user@site, and a delrcpt of that deletes nothing). So such a recipient is
 * remembered and the whole message is refused at end of message, with this
 * reason: the sender gets a bounce that names it, and the suppressed
 * address gets nothing.
 */
static sfsistat
mr_refuse_rcpt(SMFICTX *ctx, MSGCTX *m, const char *rcpt, const char *rq, int suppressed, const char *xcode,
	       const char *text, const char *what)
{
	if (m->local) {
		if (m->local_refusal == NULL)
			m->local_refusal = xstrdup(text);
		msg_info("%s: reject-rcpt: tenant=%s rcpt=%s: %s (%s; submitted with sendmail(1): the message is "
			 "refused at its end)", m->qid, m->res.tenant->name, rq, text, what);
		return SMFIS_CONTINUE;
	}
	if (suppressed && m->conf->suppressed_action == SUPP_DISCARD) {
		cb_strv_push(&m->discard, &m->ndiscard, xstrdup(rcpt));
		msg_info("%s: discard-rcpt: tenant=%s rcpt=%s: %s (%s; suppressed_action=discard)", m->qid,
			 m->res.tenant->name, rq, text, what);
		return SMFIS_CONTINUE;
	}
	mseam_setreply(ctx, "550", xcode, text);
	msg_info("%s: reject-rcpt: tenant=%s rcpt=%s: %s (%s)", m->qid, m->res.tenant->name, rq, text, what);
	return SMFIS_REJECT;
}

/*
 * mr_check - the quota script for one recipient key, as reservation rid:
 * 0 with its verdict in res, or -1 with err (no connection, or the call
 * failed). q is filled in for quota_reply and borrows key and rid.
 */
static int
mr_check(MSGCTX *m, const char *key, const char *rid, QUOTA_REQ *q, QUOTA_RES *res, SBUF *err)
{
	const char *at = strrchr(key, '@');
	STORE *s;
	int rc = -1;

	*q = (QUOTA_REQ){.tenant = m->res.tenant->name, .lim = m->res.tenant->limits, .rcpt_key = key,
			 .provider = mr_provider(m, at ? at + 1 : ""), .rid = rid,
			 .resv_ttl_ms = m->conf->reservation_ttl, .now = time(NULL)};
	sbuf_reset(err);
	if ((s = spool_get(cb_pool, m->conf, err)) != NULL) {
		rc = quota_rcpt(s, q, res, err);
		if (rc == 0)
			cb_fail_open_saved(s);
		spool_put(cb_pool, s);
	}
	return rc;
}

/* mr_hold - a recipient that passed: its reservation is held until end of message */
static void
mr_hold(MSGCTX *m, const char *rq, const char *key, const QUOTA_REQ *q, QUOTA_RES *res)
{
	cb_strv_push(&m->resv, &m->nresv, res->member);
	cb_strv_push(&m->rkeys, &m->nrkeys, xstrdup(key));
	res->member = NULL;
	m->nrcpt++;
	if (m->rcpt1 == NULL && *key) /* the recipient an unsubscribe token names */
		m->rcpt1 = xstrdup(key);
	msg_debug("%s: rcpt ok: tenant=%s rcpt=%s provider=%s day=%s used=%ld", m->qid, q->tenant, rq,
		  q->provider, res->at.date, res->used);
}

/* mr_verdict - the answer to the recipient rcpt (rq: as logged), by the quota script's res */
static sfsistat
mr_verdict(SMFICTX *ctx, MSGCTX *m, const char *rcpt, const char *rq, const char *key,
	   const QUOTA_REQ *q, QUOTA_RES *res)
{
	SBUF *text = sbuf_new(128), *what = sbuf_new(64);
	sfsistat r = SMFIS_CONTINUE;

	quota_reply(q, res, rcpt[0] == '<' ? key : rcpt, text);
	switch (res->verdict) {
	case Q_OK:
		mr_hold(m, rq, key, q, res);
		break;
	case Q_SUPPRESSED:
		sbuf_printf(what, "%s list", res->scope);
		r = mr_refuse_rcpt(ctx, m, rcpt, rq, 1, "5.7.1", sbuf_str(text), sbuf_str(what));
		break;
	case Q_DISABLED:
		mseam_setreply(ctx, "550", "5.7.1", sbuf_str(text));
		msg_info("%s: reject-rcpt: tenant=%s rcpt=%s: %s", m->qid, q->tenant, rq, sbuf_str(text));
		r = SMFIS_REJECT;
		break;
	default: /* caps, rate, paused, removed: try again later */
		mseam_setreply(ctx, "451", "4.7.1", sbuf_str(text));
		msg_info("%s: defer-rcpt: tenant=%s rcpt=%s provider=%s: %s", m->qid, q->tenant, rq, q->provider,
			 sbuf_str(text));
		r = SMFIS_TEMPFAIL;
		break;
	}
	sbuf_free(text);
	sbuf_free(what);
	return r;
}

/*
 * mr_envrcpt - every RCPT-time check in one Redis call (tm_quota.h). A
 * recipient that passes holds a reservation until end of message. A
 * refusal covers this recipient only; the others of the transaction go on.
 */
sfsistat
mr_envrcpt(SMFICTX *ctx, char **argv)
{
	CONNCTX *c = mseam_getpriv(ctx);
	MSGCTX *m = c ? c->msg : NULL;
	const char *rcpt = argv && argv[0] ? argv[0] : "", *rcpt_addr;
	char rid[128];
	SBUF *key, *err, *text, *rq;
	QUOTA_REQ q;
	QUOTA_RES res;
	sfsistat r;

	if (m == NULL || m->snap == NULL || m->res.tenant == NULL) {
		if (m)
			m->nrcpt++; /* failed open or no tenant: nothing to check against */
		return SMFIS_CONTINUE;
	}
	/* the address smtpd parsed, not the client's text ("<a@b (c)>" reaches Postfix as a@b), keyed as
	   trivial-rewrite will rewrite it, so the key names the mailbox the message reaches */
	if ((rcpt_addr = mseam_getsymval(ctx, "{rcpt_addr}")) == NULL) {
		msg_warn("%s: Postfix sent no {rcpt_addr} macro: milter_rcpt_macros must include it", m->qid);
		return cb_refuse(ctx, m, 1, "4.3.0", "recipient address unavailable to the tenant checks, try again later");
	}
	key = sbuf_new(64);
	err = sbuf_new(64);
	text = sbuf_new(128);
	rq = sbuf_new(64);
	log_quote(rq, rcpt, strlen(rcpt)); /* client text in our logs: quoted, never a field of its own */
	if (supp_key_rw(m->conf->rewrite, rcpt_addr, key, err) < 0) {
		sbuf_printf(text, "<%.300s>: bad recipient address syntax: %s", rcpt_addr, sbuf_str(err));
		r = mr_refuse_rcpt(ctx, m, rcpt, sbuf_str(rq), 0, "5.1.3", sbuf_str(text), "cannot be keyed");
	} else {
		snprintf(rid, sizeof(rid), "%s:%ld:%lu.%zu", cb_host, (long)getpid(), m->seq, ++m->nseen);
		if (mr_check(m, sbuf_str(key), rid, &q, &res, err) < 0) {
			r = cb_rcpt_store_down(ctx, m, sbuf_str(rq), sbuf_str(err));
			if (r == SMFIS_CONTINUE && m->rcpt1 == NULL && key->len)
				m->rcpt1 = xstrdup(sbuf_str(key)); /* failed open: it goes on */
		} else {
			r = mr_verdict(ctx, m, rcpt, sbuf_str(rq), sbuf_str(key), &q, &res);
			quota_res_clear(&res);
		}
	}
	sbuf_free(key);
	sbuf_free(err);
	sbuf_free(text);
	sbuf_free(rq);
	return r;
}

void
mr_count(MSGCTX *m, const char *field)
{
	SBUF *err = sbuf_new(64);
	LIMITS_NOW at;
	STORE *s;
	char key[160];
	int rc = -1;

	limits_at(m->res.tenant->limits, time(NULL), "other", &at);
	if ((s = spool_get(cb_pool, m->conf, err)) != NULL) {
		snprintf(key, sizeof(key), KEY_T_STATS_FMT, m->res.tenant->name, at.date);
		rc = store_hincrby(s, key, field, 1, err);
		spool_put(cb_pool, s);
	}
	if (rc < 0)
		msg_warn("%s: tenant %s: cannot count %s: %s", m->qid, m->res.tenant->name, field, sbuf_str(err));
	sbuf_free(err);
}
