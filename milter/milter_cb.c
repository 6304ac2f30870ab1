/*
 * NAME
 *	milter_cb - tenant-milter callbacks: resolve, check, tag
 * DESCRIPTION
 *	Two contexts, as in OpenDKIM: a connection context (client address),
 *	freed in close, and a message context created in envfrom and freed in
 *	eom or abort. The message context holds its own references to the
 *	configuration and the tenant snapshot, so a reload or a tenantctl change
 *	never alters a message in flight.
 *
 *	MAIL FROM: resolve the tenant, check its status and the envelope
 *	sender's domain. RCPT: caps, rates and suppression (milter_rcpt.c).
 *	End of message: check the From author, remove every client-sent copy of
 *	the tenant tag and insert ours at the top, add the unsubscribe headers
 *	to bulk mail, and settle the reservations. Every other event is
 *	negotiated away, because each milter round trip costs
 *	two context switches on each side. No callback exits the process: internal failures
 *	return the store_error_action result.
 * SEE ALSO
 *	milter.h, milter_seam.h, tenant-milter(8)
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "milter.h"
#include "milter_int.h"
#include "milter_seam.h"
#include "tm_addr.h"
#include "tm_hdr.h"
#include "tm_logquote.h"
#include "tm_mem.h"
#include "tm_msg.h"
#include "tm_egress.h"
#include "tm_rewrite.h"
#include "tm_route.h"
#include "tm_suppress.h"
#include "tm_token.h"
#include "tm_unsub.h"


/* conn_get - the connection context, created by whichever callback comes first */
static CONNCTX *
conn_get(SMFICTX *ctx)
{
	CONNCTX *c = mseam_getpriv(ctx);

	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		snprintf(c->client_text, sizeof(c->client_text), "unknown");
		mseam_setpriv(ctx, c);
	}
	return c;
}

static GEN_SLOT cb_gen = GEN_SLOT_INIT; /* the current generation, swapped once per reload */
static pthread_mutex_t cb_derive_lock = PTHREAD_MUTEX_INITIALIZER; /* one part replaced at a time */
static MILTER_SNAP_FN cb_snap;
static unsigned long cb_seq;	/* message numbers */

void
milter_cb_init(MILTER_SNAP_FN source, CONF *c)
{
	GEN *g = gen_new(c, NULL, NULL, NULL);

	cb_snap = source;
	mr_init();
	milter_cb_set_gen(g);
	gen_unref(g);
}

void
milter_cb_set_gen(GEN *g)
{
	gen_slot_set(&cb_gen, g);
}

GEN *
milter_cb_gen(void)
{
	return gen_slot_get(&cb_gen);
}

CONF *
milter_cb_conf(void)
{
	GEN *g = milter_cb_gen();
	CONF *c = conf_ref(g->conf);

	gen_unref(g);
	return c;
}

/* cb_derive - install a generation like the current one with one part replaced by with() */
#define CB_DERIVE(with, value)                                                                                 \
	do {                                                                                                   \
		GEN *cur_, *new_;                                                                              \
		pthread_mutex_lock(&cb_derive_lock);                                                           \
		cur_ = milter_cb_gen();                                                                        \
		new_ = with(cur_, value);                                                                      \
		milter_cb_set_gen(new_);                                                                       \
		gen_unref(new_);                                                                               \
		gen_unref(cur_);                                                                               \
		pthread_mutex_unlock(&cb_derive_lock);                                                         \
	} while (0)

void
milter_cb_set_conf(CONF *c)
{
	CB_DERIVE(gen_with_conf, c);
}

void
milter_cb_set_pmap(PMAP *m)
{
	CB_DERIVE(gen_with_pmap, m);
}

void
milter_cb_set_keyring(KEYRING *k)
{
	CB_DERIVE(gen_with_keys, k);
}

void
milter_cb_set_dkim(DKK_TABLE *t)
{
	CB_DERIVE(gen_with_dkim, t);
}

void
milter_cb_shutdown(void)
{
	gen_slot_set(&cb_gen, NULL);
	mr_shutdown();
}

/* cb_strv_push - append an owned string */
void
cb_strv_push(char ***v, size_t *n, char *item)
{
	*v = xrealloc(*v, sizeof(**v) * (*n + 1));
	(*v)[(*n)++] = item;
}

void
cb_strv_free(char ***v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}


/* msg_free - release a message context; accepts NULL */
static MSGCTX *
msgctx_free(MSGCTX *m)
{
	if (m) {
		mr_settle(m, 0); /* a transaction that ends any other way gives its reservations back */
		cb_strv_free(&m->discard, &m->ndiscard);
		free(m->rcpt1);
		free(m->local_refusal);
		free(m->list_id);
		mo_msg_free(m);
		tsnap_unref(m->snap);
		gen_unref(m->gen); /* the last message of an old generation frees it */
		free(m->sender);
		free(m->sender_q);
		free(m->sender_canon);
		free(m->sender_dom);
		sbuf_free(m->from_domain);
		sbuf_free(m->from_err);
		free(m);
	}
	return NULL;
}

/* cb_qid - the queue id for logs */
const char *
cb_qid(SMFICTX *ctx)
{
	const char *q = mseam_getsymval(ctx, "i");

	return q && *q ? q : "NOQUEUE";
}

/* cb_refuse - set the reply, log the decision with the reason, and choose the result */
sfsistat
cb_refuse(SMFICTX *ctx, MSGCTX *m, int temp, const char *xcode, const char *text)
{
	mseam_setreply(ctx, temp ? "451" : "550", xcode, text);
	msg_info("%s: %s: tenant=%s via=%s%s%s sender=%s: %s", cb_qid(ctx),
		 temp ? "tempfail" : "reject", m && m->res.tenant ? m->res.tenant->name : "-",
		 m ? tenant_how_name(m->res.how) : "none", m && m->res.key ? ":" : "",
		 m && m->res.key ? m->res.key : "", m && m->sender_q ? m->sender_q : "\"\"", text);
	return temp ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	CONNCTX *c = conn_get(ctx);
	SBUF *t = sbuf_new(64);

	if (ipaddr_from_sockaddr(hostaddr, &c->client) == 0)
		ipaddr_format(&c->client, t);
	else
		sbuf_cat(t, "unknown");
	snprintf(c->client_text, sizeof(c->client_text), "%s", sbuf_str(t));
	sbuf_free(t);
	return (c->noreply & SMFIP_NR_CONN) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* cb_ownership - an ownership problem: refuse under enforce, log under warn */
static sfsistat
cb_ownership(SMFICTX *ctx, MSGCTX *m, const char *xcode, const char *why)
{
	if (m->conf->sender_ownership == OWN_ENFORCE)
		return cb_refuse(ctx, m, 0, xcode, why);
	msg_warn("%s: %s (sender_ownership=warn)", cb_qid(ctx), why);
	return SMFIS_CONTINUE;
}

/*
 * cb_local_submission - mail that came in through sendmail(1) and pickup,
 * not SMTP: cleanup has its queue id before MAIL, which smtpd, opening the
 * queue file at the first valid RCPT, does not; and the client is
 * cleanup's stand-in "localhost [127.0.0.1]".
 */
static int
cb_local_submission(SMFICTX *ctx)
{
	const char *qid = mseam_getsymval(ctx, "i"), *client = mseam_getsymval(ctx, "_");

	return qid && *qid && client && strcmp(client, "localhost [127.0.0.1]") == 0;
}

/* cb_unknown - the reply for a message no tenant claims */
static sfsistat
cb_unknown(SMFICTX *ctx, CONNCTX *c, MSGCTX *m, const char *auth)
{
	SBUF *why = sbuf_new(256);
	sfsistat r;

	if (auth)
		sbuf_printf(why, "no tenant for this message: SASL login %s belongs to no tenant, and a login is "
				 "never resolved by its client network or sender domain", auth);
	else
		sbuf_printf(why, "no tenant for this message: not authenticated, client %s is in no tenant network, ",
			    c->client_text);
	if (auth)
		;
	else if (m->sender_dom)
		sbuf_printf(why, "sender domain %s belongs to no tenant", m->sender_dom);
	else
		sbuf_cat(why, "and the sender has no usable domain");
	if (*m->sender == 0 && m->local) {
		/* like the bounces Postfix writes itself, which never pass a milter; tenant-feedback's
		   forward_bounces copies are such mail. Safe only while Postfix's local_login_sender_maps
		   keeps "sendmail -f '<>'" to root and the service users: tenant-milter.c warns without it */
		msg_info("%s: accept: tenant=- via=none sender=<>: a notification submitted on this host with "
			 "sendmail(1) passes untagged", cb_qid(ctx));
		sbuf_free(why);
		return SMFIS_CONTINUE;
	}
	switch (m->conf->unknown_tenant_action) {
	case ACT_ACCEPT:
		msg_info("%s: accept: tenant=- via=none sender=%s: %s (unknown_tenant_action=accept)",
			 cb_qid(ctx), m->sender_q, sbuf_str(why));
		r = SMFIS_CONTINUE;
		break;
	case ACT_TEMPFAIL:
		r = cb_refuse(ctx, m, 1, "4.7.1", sbuf_str(why));
		break;
	default:
		r = cb_refuse(ctx, m, 0, "5.7.1", sbuf_str(why));
		break;
	}
	sbuf_free(why);
	return r;
}

/* cb_store_down - no snapshot fresh enough: apply store_error_action */
static sfsistat
cb_store_down(SMFICTX *ctx, MSGCTX *m, long age_ms)
{
	if (m->conf->store_error_action == ACT_ACCEPT) {
		msg_warn("%s: fail-open: tenant store unavailable (cache age %ldms); accepting sender=%s "
			 "without tenant checks (store_error_action=accept)",
			 cb_qid(ctx), age_ms, m->sender_q);
		return SMFIS_CONTINUE;
	}
	return cb_refuse(ctx, m, 1, "4.3.0",
			 "tenant directory temporarily unavailable, try again later");
}

/*
 * cb_msg_start - a fresh message context for c, replacing any left from
 * an aborted message: the current generation, held until the message ends
 * (a reload never changes it), and the sender as MAIL FROM gave it
 */
static MSGCTX *
cb_msg_start(SMFICTX *ctx, CONNCTX *c, char **argv)
{
	MSGCTX *m;
	SBUF *q;
	size_t n;

	c->msg = msgctx_free(c->msg);
	m = c->msg = xcalloc(1, sizeof(*m));
	m->gen = milter_cb_gen();
	m->conf = m->gen->conf;
	m->sender = xstrdup(argv && argv[0] ? argv[0] : "");
	if ((n = strlen(m->sender)) >= 2 && m->sender[0] == '<' && m->sender[n - 1] == '>') {
		memmove(m->sender, m->sender + 1, n - 2); /* logs show it inside <> again */
		m->sender[n - 2] = 0;
	}
	/* client text in our log lines is quoted and escaped (tm_logquote.h): never a field of its own */
	q = sbuf_new(64);
	log_quote(q, m->sender, strlen(m->sender));
	m->sender_q = sbuf_steal(q);
	m->from_domain = sbuf_new(64);
	m->from_err = sbuf_new(64);
	m->can_sign = c->body;
	m->seq = __atomic_add_fetch(&cb_seq, 1, __ATOMIC_RELAXED);
	snprintf(m->qid, sizeof(m->qid), "%s", cb_qid(ctx));
	return m;
}

/*
 * cb_sender - the envelope sender as Postfix will deliver it, from smtpd's
 * {mail_addr}: its domain and its canonical form, or why it is malformed
 * in err (left empty for the null sender)
 */
static void
cb_sender(MSGCTX *m, const char *mail_addr, SBUF *err)
{
	SBUF *canon = sbuf_new(128);
	ADDR a;

	if (rw_canon(m->conf->rewrite, mail_addr, canon, err) == 0 && canon->len &&
	    addr_parse(sbuf_str(canon), &a, err) == 0) {
		m->sender_dom = a.domain ? xstrdup(a.domain) : NULL;
		m->sender_canon = xstrdup(sbuf_str(canon)); /* the return path a VERP token seals */
		addr_clear(&a);
	}
	sbuf_free(canon);
}

/* cb_resolve - the message's tenant, into m->res */
static void
cb_resolve(CONNCTX *c, MSGCTX *m, const char *auth)
{
	tenant_resolve(m->snap, auth, &c->client, m->sender_dom, &m->res);
	if (auth && *auth && m->res.how != RES_SASL) {
		/* a login speaks only for the tenant it maps to: never for its network's or its sender domain's */
		memset(&m->res, 0, sizeof(m->res));
		m->res.how = RES_NONE;
	}
}

/* cb_status - a paused or disabled tenant's refusal; SMFIS_CONTINUE for an active one */
static sfsistat
cb_status(SMFICTX *ctx, MSGCTX *m)
{
	const TENANT *t = m->res.tenant;
	SBUF *why;
	sfsistat r;

	if (t->status != TS_PAUSED && t->status != TS_DISABLED)
		return SMFIS_CONTINUE;
	why = sbuf_new(256);
	if (t->status == TS_PAUSED) {
		sbuf_printf(why, "tenant %s is paused: %s", t->name,
		            *t->reason ? t->reason : "no reason given");
		r = cb_refuse(ctx, m, 1, "4.7.1", sbuf_str(why));
	} else {
		sbuf_printf(why, "tenant %s is disabled%s%s", t->name, *t->reason ? ": " : "",
		            t->reason);
		r = cb_refuse(ctx, m, 0, "5.7.1", sbuf_str(why));
	}
	sbuf_free(why);
	return r;
}

/* cb_sender_owned - the envelope sender against the tenant's domains; err: cb_sender's reason */
static sfsistat
cb_sender_owned(SMFICTX *ctx, MSGCTX *m, const SBUF *err)
{
	const TENANT *t = m->res.tenant;
	SBUF *why = sbuf_new(256);
	sfsistat r = SMFIS_CONTINUE;

	if (err->len > 0) {
		sbuf_printf(why, "tenant %s: sender address <%.200s> is malformed: %s", t->name,
		            m->sender, sbuf_str(err));
		r = cb_ownership(ctx, m, "5.1.7", sbuf_str(why));
	} else if (m->sender_dom && tenant_domain_owner(m->snap, m->sender_dom, NULL) != t) {
		sbuf_printf(why, "tenant %s: sender domain %s is not a domain of tenant %s",
		            t->name, m->sender_dom, t->name);
		r = cb_ownership(ctx, m, "5.7.1", sbuf_str(why));
	}
	sbuf_free(why);
	return r;
}

/* cb_envfrom - MAIL FROM: resolve the tenant, then its status and the sender's domain */
static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	CONNCTX *c = mseam_getpriv(ctx);
	MSGCTX *m;
	const char *auth, *mail_addr;
	SBUF *err;
	long age = -1;
	sfsistat r;

	if (c == NULL) /* no connect callback: should not happen, but never crash */
		return SMFIS_TEMPFAIL;
	m = cb_msg_start(ctx, c, argv);
	if ((m->snap = cb_snap(m->conf->tenant_cache_max_age, &age)) == NULL)
		return cb_store_down(ctx, m, age);

	m->local = cb_local_submission(ctx);
	/* smtpd's parsed address, not the client's text: "<a@b (c)>" and "< a@b>" reach Postfix as a@b */
	if ((mail_addr = mseam_getsymval(ctx, "{mail_addr}")) == NULL) {
		msg_warn("%s: Postfix sent no {mail_addr} macro: milter_mail_macros must include it", m->qid);
		return cb_refuse(ctx, m, 1, "4.3.0", "sender address unavailable to the tenant check, try again later");
	}
	err = sbuf_new(64);
	cb_sender(m, mail_addr, err);
	auth = mseam_getsymval(ctx, "{auth_authen}");
	cb_resolve(c, m, auth);
	if (m->res.tenant == NULL) {
		r = cb_unknown(ctx, c, m, auth && *auth ? auth : NULL);
	} else {
		/* the stream, once, as tenant-policyd decides it: by the envelope, never by From */
		m->stream = route_stream(m->snap, m->res.tenant, m->sender_dom);
		r = cb_status(ctx, m);
		if (r == SMFIS_CONTINUE && m->conf->sender_ownership != OWN_OFF)
			r = cb_sender_owned(ctx, m, err);
	}
	sbuf_free(err);
	return r;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	CONNCTX *c = mseam_getpriv(ctx);
	MSGCTX *m = c ? c->msg : NULL;

	if (m != NULL) {
		if (m->can_sign && m->nhdr < 2000) { /* Postfix's header_size_limit bounds the rest */
			size_t nval = m->nhdr;
			cb_strv_push(&m->hval, &nval, xstrdup(value));
			cb_strv_push(&m->hname, &m->nhdr, xstrdup(name));
		}
		if (hdr_is_tag(name, m->conf->tenant_header))
			m->ntags++;
		if (hdr_is_tag(name, "From") && ++m->nfrom == 1)
			m->from_result = hdr_from_domain(value, m->from_domain, m->from_err);
		if (hdr_is_tag(name, "List-Unsubscribe")) {
			m->n_lu++;
			m->lu_https |= unsub_has_https(value);
		}
		if (hdr_is_tag(name, "List-Unsubscribe-Post")) {
			const char *v = value + strspn(value, " \t");
			m->n_post++;
			m->post_ok |= strncasecmp(v, UNSUB_POST_VALUE, strlen(UNSUB_POST_VALUE)) == 0;
		}
		if (*m->conf->unsubscribe_list_header && m->list_id == NULL &&
		    hdr_is_tag(name, m->conf->unsubscribe_list_header))
			m->list_id = xstrndup(value + strspn(value, " \t"), strlen(value + strspn(value, " \t")) > 200
									       ? 200
									       : strlen(value + strspn(value, " \t")));
	}
	return c && (c->noreply & SMFIP_NR_HDR) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* cb_from_problem - describe what is wrong with the From fields; NULL if nothing */
static int
cb_from_problem(MSGCTX *m, SBUF *why)
{
	const char *t = m->res.tenant->name;

	if (m->nfrom == 0 || (m->nfrom == 1 && m->from_result == FROM_NONE))
		sbuf_printf(why, "tenant %s: message has no From author; add a From header with a domain of tenant %s", t, t);
	else if (m->nfrom > 1)
		sbuf_printf(why, "tenant %s: message has %d From header fields; exactly one is allowed", t, m->nfrom);
	else if (m->from_result == FROM_MULTI_MAILBOX)
		sbuf_printf(why, "tenant %s: %s; use a single author address", t, sbuf_str(m->from_err));
	else if (m->from_result == FROM_BAD)
		sbuf_printf(why, "tenant %s: From header is malformed: %s", t, sbuf_str(m->from_err));
	else if (tenant_domain_owner(m->snap, sbuf_str(m->from_domain), NULL) != m->res.tenant)
		sbuf_printf(why, "tenant %s: From domain %s is not a domain of tenant %s", t,
			    sbuf_str(m->from_domain), t);
	else
		return 0;
	return 1;
}

/* cb_check_from - the From author must be the tenant's; SMFIS_CONTINUE or a refusal */
static sfsistat
cb_check_from(SMFICTX *ctx, MSGCTX *m)
{
	SBUF *why;
	sfsistat r = SMFIS_CONTINUE;

	if (m->res.tenant == NULL || m->conf->sender_ownership == OWN_OFF)
		return SMFIS_CONTINUE;
	why = sbuf_new(256);
	if (cb_from_problem(m, why))
		r = cb_ownership(ctx, m, "5.7.1", sbuf_str(why));
	sbuf_free(why);
	return r;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	CONNCTX *c = mseam_getpriv(ctx);
	MSGCTX *m = c ? c->msg : NULL;
	const char *tag;
	sfsistat r = SMFIS_CONTINUE;

	if (m == NULL)
		return SMFIS_CONTINUE;
	snprintf(m->qid, sizeof(m->qid), "%s", cb_qid(ctx)); /* assigned after the first RCPT */
	/* From is checked here, not at end of headers: one milter round trip less per message */
	if ((r = cb_check_from(ctx, m)) != SMFIS_CONTINUE)
		goto out;
	if (m->local_refusal) {
		SBUF *why = sbuf_new(256);
		sbuf_printf(why, "%s; mail submitted with sendmail(1) cannot lose one recipient, so none was sent: "
				 "send it again without that recipient", m->local_refusal);
		r = cb_refuse(ctx, m, 0, "5.7.1", sbuf_str(why));
		sbuf_free(why);
		goto out;
	}
	if (m->ndiscard > 0 && m->nrcpt == 0) {
		msg_info("%s: discard: tenant=%s sender=%s: every recipient is suppressed (suppressed_action=discard)",
			 m->qid, m->res.tenant->name, m->sender_q);
		r = SMFIS_DISCARD;
		goto out;
	}
	for (size_t i = 0; i < m->ndiscard; i++) {
		if (mseam_delrcpt(ctx, m->discard[i]) != MI_SUCCESS) {
			r = cb_refuse(ctx, m, 1, "4.3.0", "cannot drop a suppressed recipient, try again later");
			goto out;
		}
	}
	tag = m->conf->tenant_header;
	/* delete from the last copy down, so earlier indexes stay valid */
	for (int i = m->ntags; i >= 1; i--) {
		if (mseam_chgheader(ctx, tag, i, NULL) != MI_SUCCESS) {
			r = cb_refuse(ctx, m, 1, "4.3.0", "cannot remove a client-supplied tenant tag, try again later");
			goto out;
		}
	}
	if (m->res.tenant && mseam_insheader(ctx, 0, tag, m->res.tenant->name) != MI_SUCCESS) {
		r = cb_refuse(ctx, m, 1, "4.3.0", "cannot add the tenant tag, try again later");
		goto out;
	}
	if (!m->prepared && (r = mo_prepare(ctx, m)) != SMFIS_CONTINUE)
		goto out;
	if (m->snap && (r = mo_unsubscribe(ctx, m)) != SMFIS_CONTINUE)
		goto out;
	if (m->snap && (r = mo_verp(ctx, m)) != SMFIS_CONTINUE)
		goto out;
	if ((r = mo_sign(ctx, m)) != SMFIS_CONTINUE)
		goto out;
	msg_info("%s: accept: tenant=%s via=%s%s%s sender=%s from=%s tags_removed=%d rcpts=%zu dropped=%zu%s", cb_qid(ctx),
		 m->res.tenant ? m->res.tenant->name : "-", tenant_how_name(m->res.how),
		 m->res.key ? ":" : "", m->res.key ? m->res.key : "", m->sender_q,
		 m->from_domain->len ? sbuf_str(m->from_domain) : "-", m->ntags, m->nrcpt,
		 m->ndiscard, m->snap == NULL ? " fail-open" : "");
	mr_settle(m, 1);
out:
	c->msg = msgctx_free(c->msg); /* releases whatever was not committed */
	return r;
}

/* cb_body - only negotiated while DKIM keys are loaded */
static sfsistat
cb_body(SMFICTX *ctx, unsigned char *buf, size_t len)
{
	CONNCTX *c = mseam_getpriv(ctx);
	MSGCTX *m = c ? c->msg : NULL;
	sfsistat r;

	if (m == NULL)
		return SMFIS_CONTINUE;
	if (!m->prepared && (r = mo_prepare(ctx, m)) != SMFIS_CONTINUE) {
		c->msg = msgctx_free(c->msg);
		return r;
	}
	return mo_body(ctx, m, buf, len, c->can_skip);
}

/* cb_data - only negotiated over TCP; see cb_negotiate */
static sfsistat
cb_data(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	CONNCTX *c = mseam_getpriv(ctx);

	if (c)
		c->msg = msgctx_free(c->msg);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	CONNCTX *c = mseam_getpriv(ctx);

	if (c) {
		msgctx_free(c->msg);
		free(c);
		mseam_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

/*
 * cb_negotiate - skip the events we do not use and ask for no reply to the
 * connect event and to headers: each milter round trip costs two context
 * switches on each side.
 *
 * Over TCP the DATA event is kept, with an empty reply. Postfix's smtpd
 * buffers the macros of skipped events and flushes them when it hands the
 * milter connection to cleanup; cleanup's next write then waits behind
 * Nagle for our delayed ACK, about 40 ms per message. Answering DATA makes
 * smtpd read before the hand-over, so nothing is left to flush. Unix
 * sockets have no Nagle, and skip DATA too.
 */
static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
	     unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
	     unsigned long *pf3)
{
	unsigned long want_skip = SMFIP_NOHELO | SMFIP_NOBODY | SMFIP_NOUNKNOWN |
				  SMFIP_NOEOH | SMFIP_NR_CONN | SMFIP_NR_HDR;
	GEN *g = milter_cb_gen();

	if (strncmp(g->conf->milter_socket, "inet", 4) != 0)
		want_skip |= SMFIP_NODATA;
	if (dkk_count(g->dkim) > 0)
		want_skip &= ~(unsigned long)SMFIP_NOBODY; /* signing needs the body */
	gen_unref(g);
	*pf0 = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
	if ((f0 & *pf0) != *pf0)
		return SMFIS_REJECT; /* the MTA cannot change headers: we cannot tag */
	*pf0 |= f0 & (SMFIF_DELRCPT | SMFIF_CHGFROM); /* suppressed_action=discard; VERP */
	if (f0 & SMFIF_SETSYMLIST) {
		/* the addresses as smtpd parsed them, whatever milter_*_macros say */
		*pf0 |= SMFIF_SETSYMLIST;
		mseam_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_type} {auth_authen} {mail_addr}");
		mseam_setsymlist(ctx, SMFIM_ENVRCPT, "i {rcpt_addr}");
	}
	*pf1 = f1 & (want_skip | SMFIP_SKIP);
	conn_get(ctx)->noreply = *pf1 & (SMFIP_NR_HDR | SMFIP_NR_CONN);
	conn_get(ctx)->can_skip = (*pf1 & SMFIP_SKIP) != 0;
	conn_get(ctx)->body = (*pf1 & SMFIP_NOBODY) == 0;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

struct smfiDesc milter_desc = {
    .xxfi_name = "tenant-milter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_DELRCPT | SMFIF_CHGFROM | SMFIF_SETSYMLIST,
    .xxfi_connect = cb_connect,
    .xxfi_envfrom = cb_envfrom,
    .xxfi_envrcpt = mr_envrcpt,
    .xxfi_header = cb_header,
    .xxfi_eom = cb_eom,
    .xxfi_body = cb_body,
    .xxfi_data = cb_data,
    .xxfi_abort = cb_abort,
    .xxfi_close = cb_close,
    .xxfi_negotiate = cb_negotiate,
};
