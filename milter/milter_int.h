/*
 * NAME
 *	milter_int 3h - what tenant-milter's callback files share
 * DESCRIPTION
 *	milter_cb.c holds the connection and message callbacks, milter_rcpt.c
 *	the RCPT-time checks; both work on these two contexts.
 */
#ifndef MILTER_INT_H
#define MILTER_INT_H

#include <libmilter/mfapi.h>
#include <pthread.h>

#include "tm_cidr.h"
#include "tm_conf.h"
#include "tm_gen.h"
#include "tm_sbuf.h"
#include "tm_tenant.h"

typedef struct {
	GEN *gen;	   /* owned reference: the configuration and tables this message started with */
	CONF *conf;	   /* borrowed from gen */
	TSNAP *snap;	   /* owned reference; NULL if failed open */
	RESOLUTION res;	   /* borrows from snap */
	char *sender;	   /* as given */
	char *sender_q;	   /* as given, quoted for logs (log_quote) */
	char *sender_canon; /* the address Postfix uses (tm_rewrite.h); NULL for <> or unusable */
	int local;	   /* submitted with sendmail(1): cleanup's milter, which cannot refuse one recipient */
	char *local_refusal; /* why a recipient of such mail was refused: the message is, at its end */
	char *sender_dom;  /* normalised; NULL for <> */
	int ntags;	   /* client-sent copies of the tag */
	int nfrom;	   /* From fields seen */
	int from_result;   /* FROM_* of the first From */
	SBUF *from_domain; /* author domain of the first From */
	SBUF *from_err;
	int stream;	   /* STREAM_*: decided once, from the envelope sender (route_stream) */
	char qid[32];	   /* for logs after the macros are gone */
	unsigned long seq; /* message number: reservation ids */
	size_t nseen;	   /* RCPT events: reservation ids */
	size_t nrcpt;	   /* recipients that go on to delivery */
	char **resv;	   /* reservations held, settled at end of message */
	size_t nresv;
	char **rkeys;	   /* the recipient key of each reservation, recorded for tenant-feedback */
	size_t nrkeys;
	char **discard;	   /* suppressed recipients to drop (suppressed_action=discard) */
	size_t ndiscard;
	char *rcpt1;	   /* the first checked recipient that goes on, normalised: the unsubscribe token's */
	int n_lu, lu_https, n_post, post_ok; /* client-sent List-Unsubscribe(-Post) */
	char *list_id;	   /* unsubscribe_list_header's value */
	int can_sign;	   /* the connection asked for the body (DKIM keys were loaded) */
	char **hname, **hval; /* the headers as received, for the DKIM signature */
	size_t nhdr;
	int prepared;	   /* mo_prepare ran (first body chunk or end of message) */
	char *unsub_value; /* our List-Unsubscribe, replacing the client's; NULL: no change */
	struct dks_job *dkim; /* the signature in progress; NULL: not signing */
	int dkim_state;	   /* DKS_* */
} MSGCTX;

enum { DKS_NONE, DKS_SIGNING, DKS_NO_KEY, DKS_FAILED }; /* a message that reaches end of message without snap was failed open */

typedef struct {
	IPADDR client;
	char client_text[64];
	unsigned long noreply; /* SMFIP_NR_* agreed in negotiate */
	int can_skip;	       /* SMFIP_SKIP agreed: a body we do not sign is skipped */
	int body;	       /* body events agreed: messages can be signed */
	MSGCTX *msg;
} CONNCTX;

/* milter_cb.c */
const char *cb_qid(SMFICTX *ctx); /* the queue id for logs, or NOQUEUE */
/* cb_refuse - set the reply, log the decision with the reason, and choose the result */
sfsistat cb_refuse(SMFICTX *ctx, MSGCTX *m, int temp, const char *xcode, const char *text);
void cb_strv_push(char ***v, size_t *n, char *item);
void cb_strv_free(char ***v, size_t *n);

/*
 * milter_out.c: what the outgoing message gets; each returns SMFIS_CONTINUE
 * or a refusal. mo_prepare (at the first body chunk, or at end of message)
 * decides the unsubscribe headers and starts the DKIM signature over the
 * headers as they will be delivered; mo_body feeds it; at end of message
 * mo_unsubscribe applies the headers, mo_verp the return path and mo_sign
 * adds the signature.
 */
sfsistat mo_prepare(SMFICTX *ctx, MSGCTX *m);
sfsistat mo_body(SMFICTX *ctx, MSGCTX *m, const unsigned char *buf, size_t len, int can_skip);
sfsistat mo_unsubscribe(SMFICTX *ctx, MSGCTX *m);
sfsistat mo_verp(SMFICTX *ctx, MSGCTX *m);
sfsistat mo_sign(SMFICTX *ctx, MSGCTX *m);
void mo_msg_free(MSGCTX *m);
/* mr_count - add 1 to a counter of the message's tenant today ({t:NAME}:stats:DATE) */
void mr_count(MSGCTX *m, const char *field);

/* milter_rcpt.c */
void mr_init(void);
const char *mr_provider(const MSGCTX *m, const char *domain); /* the provider group, by the message's map */
void mr_shutdown(void);
/* mr_settle - commit (accepted) or release (anything else) the message's reservations */
void mr_settle(MSGCTX *m, int commit);
sfsistat mr_envrcpt(SMFICTX *ctx, char **argv);

#endif
