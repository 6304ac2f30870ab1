/*
 * NAME
 *	milter_out - what end of message adds to the outgoing message
 * DESCRIPTION
 *	mo_unsubscribe() adds the RFC 8058 headers to bulk mail; mo_verp()
 *	rewrites the envelope sender of single-recipient mail to a sealed
 *	bounce address, so each bounce names its tenant and recipient. Both
 *	seal tokens with the keyring of the message's generation (tm_gen.h),
 *	and the signature uses that generation's DKIM keys: a reload never
 *	changes a message in flight.
 * SEE ALSO
 *	tm_token(3h), tm_unsub(3h), tenant-milter.conf(5)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "milter.h"
#include "milter_int.h"
#include "milter_seam.h"
#include "tm_dkim.h"
#include "tm_egress.h"
#include "tm_hdr.h"
#include "tm_msg.h"
#include "tm_route.h"
#include "tm_token.h"
#include "tm_unsub.h"

/* mo_seal - seal a token of purpose with the newest key of the message's generation; 0, or -1 with err */
static int
mo_seal(const MSGCTX *m, int purpose, const TOKEN_DATA *d, SBUF *tok, SBUF *err)
{
	if (m->gen->keys == NULL) {
		sbuf_cat(err, "no token keys loaded");
		return -1;
	}
	return token_seal(m->gen->keys, purpose, d, tok, err);
}

/* mo_token_data - today, the tenant and the one recipient; the strings are borrowed from m */
static void
mo_token_data(const MSGCTX *m, TOKEN_DATA *d)
{
	memset(d, 0, sizeof(*d));
	d->day = (long)(time(NULL) / 86400);
	d->tenant = m->res.tenant->name;
	d->recipient = m->rcpt1;
}

/*
 * mo_unsub_plan - on bulk mail with one recipient, the RFC 8058 headers with
 * a sealed token, replacing the client's unless they are complete and
 * existing_unsubscribe is keep: sets m->unsub_value. SMFIS_CONTINUE or a
 * refusal (bulk_multi_recipient = reject; no keys).
 */
static sfsistat
mo_unsub_plan(SMFICTX *ctx, MSGCTX *m)
{
	SBUF *tok, *err;
	TOKEN_DATA d;

	if (m->res.tenant == NULL || *m->conf->unsubscribe_url_host == 0 || m->stream != STREAM_BULK)
		return SMFIS_CONTINUE;
	if (m->nrcpt != 1 || m->rcpt1 == NULL) {
		SBUF *why = sbuf_new(128);
		sfsistat r = SMFIS_CONTINUE;
		sbuf_printf(why, "tenant %s: bulk mail must be sent one recipient per message, so each can carry its own "
				 "unsubscribe link; this message has %zu recipients", m->res.tenant->name, m->nrcpt);
		if (m->conf->bulk_multi_recipient == 1)
			r = cb_refuse(ctx, m, 0, "5.7.0", sbuf_str(why));
		else
			msg_warn("%s: %s: sent without unsubscribe headers (bulk_multi_recipient=accept)", m->qid,
				 sbuf_str(why));
		sbuf_free(why);
		return r;
	}
	if (unsub_keep_existing(m->conf->existing_unsubscribe, m->n_lu, m->lu_https, m->n_post, m->post_ok))
		return SMFIS_CONTINUE;
	if (strlen(m->rcpt1) > TOKEN_ADDR_MAX) /* no token can name it, and a retry will not help */
		return cb_refuse(ctx, m, 0, "5.1.3",
		                 "the recipient address is too long for an unsubscribe link");
	tok = sbuf_new(128);
	err = sbuf_new(64);
	mo_token_data(m, &d);
	/* milter_cb.c cuts the list id to 200 bytes, under TOKEN_LIST_MAX, as it reads the header
	 */
	d.list = m->list_id;
	if (mo_seal(m, TOKEN_UNSUBSCRIBE, &d, tok, err) == 0) {
		SBUF *val = sbuf_new(256);
		unsub_header(m->conf->unsubscribe_url_host, m->conf->unsubscribe_mailto_domain, sbuf_str(tok), val);
		m->unsub_value = sbuf_steal(val);
	}
	sbuf_free(tok);
	if (m->unsub_value == NULL) {
		msg_warn("%s: tenant %s: %s", m->qid, m->res.tenant->name, sbuf_str(err));
		sbuf_free(err);
		return cb_refuse(ctx, m, 1, "4.3.0", "cannot add the unsubscribe headers, try again later");
	}
	sbuf_free(err);
	return SMFIS_CONTINUE;
}

/* mo_unsubscribe - apply the plan: the client's headers out, ours in; never a duplicate */
sfsistat
mo_unsubscribe(SMFICTX *ctx, MSGCTX *m)
{
	int rc = 0;

	if (m->unsub_value == NULL)
		return SMFIS_CONTINUE;
	for (int i = m->n_lu; i >= 1 && rc == 0; i--)
		rc = mseam_chgheader(ctx, "List-Unsubscribe", i, NULL) == MI_SUCCESS ? 0 : -1;
	for (int i = m->n_post; i >= 1 && rc == 0; i--)
		rc = mseam_chgheader(ctx, "List-Unsubscribe-Post", i, NULL) == MI_SUCCESS ? 0 : -1;
	if (rc == 0 && (mseam_insheader(ctx, 1, "List-Unsubscribe-Post", UNSUB_POST_VALUE) != MI_SUCCESS ||
			mseam_insheader(ctx, 1, "List-Unsubscribe", m->unsub_value) != MI_SUCCESS))
		rc = -1;
	if (rc < 0) {
		msg_warn("%s: tenant %s: cannot change the unsubscribe headers", m->qid, m->res.tenant->name);
		return cb_refuse(ctx, m, 1, "4.3.0", "cannot add the unsubscribe headers, try again later");
	}
	return SMFIS_CONTINUE;
}

/* ---- DKIM ---- */

/* mo_delivered_header - does this received header reach the recipient? */
static int
mo_delivered_header(const MSGCTX *m, const char *name)
{
	if (hdr_is_tag(name, m->conf->tenant_header))
		return 0; /* every client copy is removed */
	if (m->unsub_value && (hdr_is_tag(name, "List-Unsubscribe") || hdr_is_tag(name, "List-Unsubscribe-Post")))
		return 0; /* replaced by ours */
	return 1;
}

/*
 * mo_dkim_start - the tenant's key for the From domain; the signature then
 * gets the headers as they will be delivered: the client's, less the ones
 * we remove, plus ours.
 */
static void
mo_dkim_start(MSGCTX *m)
{
	const char *dom = m->from_domain->len ? sbuf_str(m->from_domain) : NULL;
	const DKK_KEY *k;
	SBUF *err;
	int rc = 0;

	if (m->res.tenant == NULL || dom == NULL)
		return;
	if (!m->can_sign) {
		if (dkk_count(m->gen->dkim) > 0) /* keys were loaded after this SMTP session began */
			msg_info("%s: not signed: DKIM keys were loaded after this connection asked for no body",
				 m->qid);
		return;
	}
	if (dkk_count(m->gen->dkim) == 0)
		return;
	err = sbuf_new(64);
	/* the message's generation holds the table until the message ends */
	if ((k = dkk_find(m->gen->dkim, m->res.tenant->name, dom)) != NULL)
		m->dkim = dks_begin(k, m->qid, err);
	if (k == NULL) {
		m->dkim_state = DKS_NO_KEY;
		sbuf_free(err);
		return;
	}
	for (size_t i = 0; m->dkim && i < m->nhdr && rc == 0; i++)
		if (mo_delivered_header(m, m->hname[i]))
			rc = dks_header(m->dkim, m->hname[i], m->hval[i], err);
	if (m->dkim && m->unsub_value && rc == 0)
		rc = dks_header(m->dkim, "List-Unsubscribe", m->unsub_value, err) < 0 ||
		     dks_header(m->dkim, "List-Unsubscribe-Post", UNSUB_POST_VALUE, err) < 0 ? -1 : 0;
	if (m->dkim == NULL || rc < 0) {
		msg_warn("%s: tenant %s: %s", m->qid, m->res.tenant->name, sbuf_str(err));
		dks_free(m->dkim);
		m->dkim = NULL;
		m->dkim_state = DKS_FAILED;
	} else {
		m->dkim_state = DKS_SIGNING;
	}
	sbuf_free(err);
}

/*
 * mo_stream_check - a From domain whose stream is not the envelope's: one
 * log line. The message stays in the envelope's stream, the one
 * tenant-policyd routed it by at DATA, so it never carries bulk headers
 * through the transactional pool, nor leaves bulk mail without them.
 */
static void
mo_stream_check(const MSGCTX *m)
{
	const char *from = m->from_domain->len ? sbuf_str(m->from_domain) : NULL;
	int fs;

	if (m->res.tenant == NULL || (fs = route_stream_conflict(m->snap, m->res.tenant, m->stream, from)) < 0)
		return;
	msg_warn("%s: tenant %s: From domain %s is %s mail but the envelope sender's domain %s is %s: sent as %s, "
		 "as the envelope sender decides",
		 m->qid, m->res.tenant->name, from, stream_name(fs), m->sender_dom ? m->sender_dom : "<>",
		 stream_name(m->stream), stream_name(m->stream));
}

sfsistat
mo_prepare(SMFICTX *ctx, MSGCTX *m)
{
	sfsistat r;

	m->prepared = 1;
	if (m->snap == NULL)
		return SMFIS_CONTINUE; /* failed open: no tenant, nothing to add or sign */
	snprintf(m->qid, sizeof(m->qid), "%s", cb_qid(ctx));
	mo_stream_check(m);
	if ((r = mo_unsub_plan(ctx, m)) != SMFIS_CONTINUE)
		return r;
	mo_dkim_start(m);
	return SMFIS_CONTINUE;
}

sfsistat
mo_body(SMFICTX *ctx, MSGCTX *m, const unsigned char *buf, size_t len, int can_skip)
{
	SBUF *err;

	(void)ctx;
	if (m->dkim == NULL)
		return can_skip ? SMFIS_SKIP : SMFIS_CONTINUE;
	err = sbuf_new(64);
	if (dks_body(m->dkim, buf, len, err) < 0) {
		msg_warn("%s: tenant %s: %s", m->qid, m->res.tenant->name, sbuf_str(err));
		dks_free(m->dkim);
		m->dkim = NULL;
		m->dkim_state = DKS_FAILED;
	}
	sbuf_free(err);
	return SMFIS_CONTINUE;
}

/*
 * mo_sign - add the signature. Without a key for the From domain,
 * dkim_missing_key decides: unsigned (a warning and the tenant's
 * dkim_unsigned counter), tempfail or reject. A signing failure tempfails:
 * bulk mail without its signature would lose the unsubscribe button.
 */
sfsistat
mo_sign(SMFICTX *ctx, MSGCTX *m)
{
	SBUF *sig, *err;
	int rc;

	if (m->dkim_state == DKS_FAILED)
		return cb_refuse(ctx, m, 1, "4.3.0", "cannot DKIM-sign the message, try again later");
	if (m->dkim_state == DKS_NO_KEY) {
		SBUF *why = sbuf_new(128);
		sfsistat r = SMFIS_CONTINUE;
		sbuf_printf(why, "tenant %s: no DKIM key for From domain %s", m->res.tenant->name,
			    sbuf_str(m->from_domain));
		if (m->conf->dkim_missing_key == ACT_REJECT)
			r = cb_refuse(ctx, m, 0, "5.7.0", sbuf_str(why));
		else if (m->conf->dkim_missing_key == ACT_TEMPFAIL)
			r = cb_refuse(ctx, m, 1, "4.7.0", sbuf_str(why));
		else {
			msg_warn("%s: %s; sent unsigned (dkim_missing_key=unsigned)", m->qid, sbuf_str(why));
			mr_count(m, "dkim_unsigned");
		}
		sbuf_free(why);
		return r;
	}
	if (m->dkim == NULL)
		return SMFIS_CONTINUE;
	sig = sbuf_new(512);
	err = sbuf_new(64);
	rc = dks_finish(m->dkim, sig, err);
	if (rc == 0 && mseam_insheader(ctx, 0, "DKIM-Signature", sbuf_str(sig)) != MI_SUCCESS) {
		sbuf_cat(err, "cannot add the DKIM-Signature header");
		rc = -1;
	}
	if (rc < 0)
		msg_warn("%s: tenant %s: %s", m->qid, m->res.tenant->name, sbuf_str(err));
	sbuf_free(sig);
	sbuf_free(err);
	return rc < 0 ? cb_refuse(ctx, m, 1, "4.3.0", "cannot DKIM-sign the message, try again later") : SMFIS_CONTINUE;
}

void
mo_msg_free(MSGCTX *m)
{
	for (size_t i = 0; i < m->nhdr; i++) {
		free(m->hname[i]);
		free(m->hval[i]);
	}
	free(m->hname);
	free(m->hval);
	free(m->unsub_value);
	dks_free(m->dkim);
}

/*
 * mo_verp - with return_path_domain set, the envelope sender of a message
 * with one recipient becomes bounce_prefix+TOKEN@return_path_domain. The
 * VERP-purpose token seals the tenant and the recipient and, with
 * forward_bounces, the original sender as its return path, so
 * tenant-feedback dsn can pass a bounce on. Null
 * senders (bounces themselves) and multi-recipient messages keep theirs.
 */
sfsistat
mo_verp(SMFICTX *ctx, MSGCTX *m)
{
	TOKEN_DATA d;
	SBUF *addr, *err;
	int rc;

	if (m->res.tenant == NULL || *m->conf->return_path_domain == 0 || *m->sender == 0 || m->nrcpt != 1 ||
	    m->rcpt1 == NULL)
		return SMFIS_CONTINUE;
	if (strlen(m->rcpt1) > TOKEN_ADDR_MAX ||
	    (m->conf->forward_bounces && strlen(m->sender) > TOKEN_ADDR_MAX)) {
		msg_warn("%s: tenant %s: %s too long to seal (over %d bytes); envelope sender kept",
		         m->qid, m->res.tenant->name,
		         strlen(m->rcpt1) > TOKEN_ADDR_MAX ? "recipient" : "sender",
		         TOKEN_ADDR_MAX);
		return SMFIS_CONTINUE;
	}
	mo_token_data(m, &d);
	/* the stream this message is sent in, for tenant-policyd's socketmap: once the envelope
	   sender is the VERP address, only the token says which tenant and pool it belongs to */
	d.stream = stream_name(m->stream);
	/* a return path goes into VERP tokens only: tenant-feedback forwards to nothing else */
	if (m->conf->forward_bounces)
		d.return_path = m->sender_canon ? m->sender_canon : m->sender;
	addr = sbuf_new(256);
	err = sbuf_new(64);
	sbuf_printf(addr, "<%s+", m->conf->bounce_prefix);
	if ((rc = mo_seal(m, TOKEN_VERP, &d, addr, err)) == 0) {
		sbuf_printf(addr, "@%s>", m->conf->return_path_domain);
		if (mseam_chgfrom(ctx, sbuf_str(addr)) != MI_SUCCESS) {
			sbuf_cat(err, "cannot change the envelope sender (does the MTA allow SMFIF_CHGFROM?)");
			rc = -1;
		}
	}
	if (rc < 0)
		msg_warn("%s: tenant %s: VERP: %s", m->qid, m->res.tenant->name, sbuf_str(err));
	else
		msg_debug("%s: VERP sender %s", m->qid, sbuf_str(addr));
	sbuf_free(addr);
	sbuf_free(err);
	return rc < 0 ? cb_refuse(ctx, m, 1, "4.3.0", "cannot set the bounce address, try again later") : SMFIS_CONTINUE;
}
