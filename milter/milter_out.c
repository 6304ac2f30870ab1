/*
 * NAME
 *	milter_out - what end of message adds to the outgoing message
 * DESCRIPTION
 *	mo_unsubscribe() adds the RFC 8058 headers to bulk mail; mo_verp()
 *	rewrites the envelope sender of single-recipient mail to a sealed
 *	bounce address, so each bounce names its tenant and recipient. Both
 *	seal tokens with the keyring, swapped in whole on reload.
 * SEE ALSO
 *	tm_token(3h), tm_unsub(3h), tenant-milter.conf(5)
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "milter.h"
#include "milter_int.h"
#include "milter_seam.h"
#include "tm_egress.h"
#include "tm_msg.h"
#include "tm_token.h"
#include "tm_unsub.h"

static pthread_rwlock_t mo_keys_lock = PTHREAD_RWLOCK_INITIALIZER;
static KEYRING *mo_keys; /* NULL: no unsubscribe headers, no VERP */

void
milter_cb_set_keyring(KEYRING *k)
{
	KEYRING *old;

	pthread_rwlock_wrlock(&mo_keys_lock);
	old = mo_keys;
	mo_keys = k;
	pthread_rwlock_unlock(&mo_keys_lock);
	keyring_free(old);
}

/* mo_seal - seal with the newest key; 0, or -1 with err */
static int
mo_seal(const TOKEN_DATA *d, SBUF *tok, SBUF *err)
{
	int rc;

	pthread_rwlock_rdlock(&mo_keys_lock);
	rc = mo_keys ? token_seal(mo_keys, d, tok, err) : (sbuf_cat(err, "no token keys loaded"), -1);
	pthread_rwlock_unlock(&mo_keys_lock);
	return rc;
}

/* mo_token_data - today, the tenant, the one recipient and an extra field */
static void
mo_token_data(const MSGCTX *m, const char *extra, TOKEN_DATA *d)
{
	memset(d, 0, sizeof(*d));
	d->day = (long)(time(NULL) / 86400);
	snprintf(d->tenant, sizeof(d->tenant), "%s", m->res.tenant->name);
	snprintf(d->recipient, sizeof(d->recipient), "%s", m->rcpt1);
	snprintf(d->list, sizeof(d->list), "%s", extra ? extra : "");
}

/*
 * mo_unsubscribe - on bulk mail with one recipient, the RFC 8058 headers with
 * a sealed token, replacing the client's unless they are complete and
 * existing_unsubscribe is keep. SMFIS_CONTINUE or a refusal.
 */
sfsistat
mo_unsubscribe(SMFICTX *ctx, MSGCTX *m)
{
	SBUF *tok, *val, *err;
	TOKEN_DATA d = {0};
	int rc;

	if (m->res.tenant == NULL || *m->conf->unsubscribe_url_host == 0 ||
	    tenant_stream(m->snap, m->res.tenant, m->from_domain->len ? sbuf_str(m->from_domain) : m->sender_dom) !=
		STREAM_BULK)
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
	tok = sbuf_new(128);
	val = sbuf_new(256);
	err = sbuf_new(64);
	mo_token_data(m, m->list_id, &d);
	rc = mo_seal(&d, tok, err);
	if (rc == 0) {
		for (int i = m->n_lu; i >= 1 && rc == 0; i--) /* never a duplicate */
			rc = mseam_chgheader(ctx, "List-Unsubscribe", i, NULL) == MI_SUCCESS ? 0 : -1;
		for (int i = m->n_post; i >= 1 && rc == 0; i--)
			rc = mseam_chgheader(ctx, "List-Unsubscribe-Post", i, NULL) == MI_SUCCESS ? 0 : -1;
		unsub_header(m->conf->unsubscribe_url_host, m->conf->unsubscribe_mailto_domain, sbuf_str(tok), val);
		if (rc == 0 && (mseam_insheader(ctx, 1, "List-Unsubscribe-Post", UNSUB_POST_VALUE) != MI_SUCCESS ||
				mseam_insheader(ctx, 1, "List-Unsubscribe", sbuf_str(val)) != MI_SUCCESS))
			rc = -1;
		if (rc < 0)
			sbuf_cat(err, "cannot change the unsubscribe headers");
	}
	sbuf_free(tok);
	sbuf_free(val);
	if (rc < 0) {
		msg_warn("%s: tenant %s: %s", m->qid, m->res.tenant->name, sbuf_str(err));
		sbuf_free(err);
		return cb_refuse(ctx, m, 1, "4.3.0", "cannot add the unsubscribe headers, try again later");
	}
	sbuf_free(err);
	return SMFIS_CONTINUE;
}

/*
 * mo_verp - with return_path_domain set, the envelope sender of a message
 * with one recipient becomes bounce_prefix+TOKEN@return_path_domain. The
 * token seals the tenant and the recipient and, with forward_bounces, the
 * original sender, so tenant-feedback dsn can pass the bounce on. Null
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
	if (m->conf->forward_bounces && strlen(m->sender) > TOKEN_FIELD_MAX) {
		msg_warn("%s: tenant %s: sender <%.64s...> too long to seal for forward_bounces; envelope sender kept",
			 m->qid, m->res.tenant->name, m->sender);
		return SMFIS_CONTINUE;
	}
	mo_token_data(m, m->conf->forward_bounces ? m->sender : NULL, &d);
	addr = sbuf_new(256);
	err = sbuf_new(64);
	sbuf_printf(addr, "<%s+", m->conf->bounce_prefix);
	if ((rc = mo_seal(&d, addr, err)) == 0) {
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
