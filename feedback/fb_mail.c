/*
 * NAME
 *	fb_mail - tenant-feedback's pipe(8) commands: dsn and unsubscribe
 * DESCRIPTION
 *	One message on standard input, from anyone who can mail the bounce,
 *	feedback-loop or unsubscribe address. Who a report is about is decided
 *	here: a VERP token that opens, a queue id tenant-milter recorded for the
 *	reported recipient, or a feedback loop our verifier vouches for; never
 *	what the message says of itself.
 * SEE ALSO
 *	tenant-feedback(1), tm_feedback.h, tm_dsn.h, tm_token.h
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tm_bounce.h"
#include "tm_conf.h"
#include "tm_digest.h"
#include "tm_dsn.h"
#include "tm_feedback.h"
#include "tm_mem.h"
#include "tm_msg.h"
#include "tm_provider.h"
#include "tm_store.h"
#include "tm_tenant.h"
#include "tm_token.h"
#include "tm_unsub.h"

#include "tenant-feedback.h"

/*
 * fb_keyring_load - keyring_load() for a log line: its errors are lines
 * (each ends in a newline), and a message logged mid-sentence must not break
 */
static KEYRING *
fb_keyring_load(const char *path, SBUF *err)
{
	KEYRING *k = keyring_load(path, err);

	while (err->len > 0 && err->s[err->len - 1] == '\n')
		sbuf_truncate(err, err->len - 1);
	return k;
}

/*
 * dsn_verp - is the envelope recipient a VERP return path of ours? 1 with d
 * filled from its token, 0 when it is not (or VERP is off), -1 when the
 * token does not open as a VERP token (forged, tampered, retired key,
 * expired, an unsubscribe token): logged, and the report is then read as
 * if it had come without VERP; -2 when the keyring cannot be read.
 */
static int
dsn_verp(const CONF *c, const char *rcpt, TOKEN_DATA *d, char id[TOKEN_ID_LEN], SBUF *err)
{
	SBUF *tok = sbuf_new(128);
	KEYRING *k;
	int rc = 0;

	if (rcpt && token_from_address(rcpt, c->bounce_prefix, c->return_path_domain, tok)) {
		if ((k = fb_keyring_load(c->token_keys, err)) == NULL) {
			rc = -2;
		} else {
			rc = token_open(k, TOKEN_VERP, sbuf_str(tok), (long)(time(NULL) / 86400),
			                c->token_lifetime / 86400000, d, err) == 0
			         ? 1
			         : -1;
			keyring_free(k);
		}
	}
	/* a token is sealed once per message (its nonce is random): its digest names the
	   message, so a report replayed to the same VERP address counts once */
	if (rc == 1 && token_id(sbuf_str(tok), id) < 0)
		*id = 0;
	sbuf_free(tok);
	return rc;
}

/*
 * dsn_forward - forward_bounces: pass the message on, unchanged, to the
 * tenant's original return path, with a null sender so it can never loop.
 * 0, or -1 with err (the caller tempfails, so Postfix retries).
 */
static int
dsn_forward(const CONF *c, const char *to, const char *data, size_t len, SBUF *err)
{
	char *cmd = xstrdup(c->sendmail_path), *argv[32], *save = NULL;
	int n = 0, fds[2], status;
	pid_t pid;
	size_t off = 0;

	for (char *w = strtok_r(cmd, " \t", &save); w && n < 26; w = strtok_r(NULL, " \t", &save))
		argv[n++] = w;
	if (n == 0) {
		free(cmd);
		sbuf_cat(err, "sendmail_path is empty");
		return -1;
	}
	argv[n++] = "-i";
	argv[n++] = "-f";
	argv[n++] = "<>";
	argv[n++] = "--";
	argv[n++] = (char *)to;
	argv[n] = NULL;
	if (pipe(fds) < 0 || (pid = fork()) < 0) {
		sbuf_printf(err, "cannot run %s: %s", argv[0], strerror(errno));
		free(cmd);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	while (off < len) {
		ssize_t w = write(fds[1], data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (off < len || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sbuf_printf(err, "forwarding to <%s> failed: %s exited with %d", to, argv[0],
		            WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		free(cmd);
		return -1;
	}
	free(cmd);
	return 0;
}

/*
 * dsn_may_forward - forward_bounces: 1 to forward to verp->return_path, 0
 * not (the reason logged), -1 when the tenant directory, needed to check
 * the return path's domain, could not be read (err).
 */
static int
dsn_may_forward(STORE *s, const TOKEN_DATA *verp, const DSN_REPORT *rep, SBUF *err)
{
	SBUF *why = sbuf_new(128), *warn = sbuf_new(64);
	TSNAP *snap = NULL;
	int rc = feedback_forward_check(verp, rep, NULL, why);

	/* the directory only when nothing else already says no */
	if (rc == 1)
		rc = (snap = store_load(s, err, warn)) == NULL
		         ? -1
		         : feedback_forward_check(verp, rep, snap, why);
	if (rc == 0)
		msg_warn("dsn: tenant=%s rcpt=%s: not forwarded: %s", verp->tenant, verp->recipient,
		         sbuf_str(why));
	tsnap_unref(snap);
	sbuf_free(warn);
	sbuf_free(why);
	return rc;
}

/* DSN - one dsn run: the message and what has been decided about it */
typedef struct {
	const FB_CTX *x;
	char *data; /* the message, owned */
	size_t len;
	DSN_REPORT rep;
	TOKEN_DATA verp; /* when v is 1 */
	int v;           /* dsn_verp()'s answer */
	char verp_id[TOKEN_ID_LEN]; /* when v is 1: its token's token_id, or "" */
	int fwd;         /* 1 when the message was forwarded */
	STORE *s;
	SBUF *err, *why_not;
	SBUF *who; /* the tenant an outcome was charged to, as the store said */
	SBUF *fbl_domain; /* the feedback loop that vouches for fbl_tenant */
	char *fbl_tenant; /* the tenant a trusted ARF report names by its tag, owned, or NULL */
	int fbl_verified; /* the report is a verified feedback loop's (feedback_fbl_trusted) */
} DSN;

/* dsn_open_verp - the VERP step: 0, or 75 when the keyring cannot be read */
static int
dsn_open_verp(DSN *d, const char *rcpt)
{
	d->v = dsn_verp(d->x->c, rcpt, &d->verp, d->verp_id, d->err);
	if (d->v == -2) {
		msg_warn("dsn: %s; the message is kept for a retry", sbuf_str(d->err));
		return 75;
	}
	if (d->v == -1) {
		msg_warn("dsn: recipient <%.200s>: VERP token refused (%s); reading the report "
		         "without it",
		         rcpt, sbuf_str(d->err));
		sbuf_reset(d->err);
	}
	return 0;
}

/* dsn_forward_first - forward_bounces, before anything is applied: 0, or 75 when it failed */
static int
dsn_forward_first(DSN *d)
{
	if (d->v != 1 || !d->x->c->forward_bounces)
		return 0;
	if ((d->fwd = dsn_may_forward(d->s, &d->verp, &d->rep, d->err)) < 0) {
		msg_warn("dsn: tenant=%s: cannot read the tenant directory to check the "
		         "return path: %s; the message is kept for a retry",
		         d->verp.tenant, sbuf_str(d->err));
		return 75;
	}
	if (d->fwd == 1 && dsn_forward(d->x->c, d->verp.return_path, d->data, d->len, d->err) < 0) {
		msg_warn("dsn: tenant=%s: %s; the message is kept for a retry", d->verp.tenant,
		         sbuf_str(d->err));
		return 75;
	}
	return 0;
}

/*
 * dsn_fbl_tenant - a feedback loop's report, when our verifier says its
 * DKIM signature is the provider's (d->fbl_verified), may name its tenant by
 * the returned message's tag, which is ours: d->fbl_tenant when it is a
 * tenant of ours. 0, or 75 when the tenant directory cannot be read.
 */
static int
dsn_fbl_tenant(DSN *d)
{
	const CONF *c = d->x->c;
	SBUF *why, *warn;
	TSNAP *snap;
	char *t;
	int rc = 0;

	/* a report with recipients needs a tag to name its tenant; a redacted one (unnamed) needs
	   only to be the loop's own, for dsn_event */
	if (d->v == 1 || d->rep.kind != DSN_ARF ||
	    (d->rep.unnamed == NULL && (d->rep.n == 0 || d->rep.tenant == NULL)))
		return 0;
	why = sbuf_new(64);
	warn = sbuf_new(64);
	d->fbl_verified = feedback_fbl_trusted(d->rep.auth_results, c->feedback_loop_authserv_id,
	                                       c->feedback_loop_domains, d->fbl_domain, why);
	if (!d->fbl_verified)
		msg_info("dsn: ARF report: %s: %s",
		         d->rep.tenant ? "its tenant tag is not trusted" : "naming no recipient, not a verified feedback loop's",
		         sbuf_str(why));
	else if (d->rep.tenant == NULL)
		; /* no tag: a recorded queue id in its original names the tenant, if any does */
	else if ((snap = store_load(d->s, d->err, warn)) == NULL) {
		msg_warn(
		    "dsn: cannot read the tenant directory to check the report's tenant: %s; the "
		    "message is kept for a retry",
		    sbuf_str(d->err));
		rc = 75;
	} else {
		t = d->rep.tenant + strspn(d->rep.tenant, " \t");
		t[strcspn(t, " \t\r\n")] = 0;
		if (tenant_name_valid(t) && tsnap_find(snap, t))
			d->fbl_tenant = xstrdup(t);
		else
			msg_warn("dsn: ARF report from %s names no tenant of ours; nothing applied",
			         sbuf_str(d->fbl_domain));
		tsnap_unref(snap);
	}
	sbuf_free(why);
	sbuf_free(warn);
	return rc;
}

/*
 * dsn_event - the outcome for the report's recipient i. Who the report is
 * about: a VERP token that opened names the tenant and the one recipient
 * for certain. Otherwise only a queue id of ours that tenant-milter
 * recorded for this very recipient does (the reporter's own, as in our own
 * bounces, or one in the returned original's Received fields); the
 * X-Tenant of a returned original is the sender's say-so and is never used.
 */
static FB_EVENT
dsn_event(const DSN *d, const DSN_RCPT *x)
{
	int v = d->v;

	return (FB_EVENT){.tenant = v == 1 ? d->verp.tenant : d->fbl_tenant,
	                  /* the dedup key of a final outcome: the reporter's queue id (our own
	                     bounce names the original's, as its log record does); dsn_apply
	                     gives a VERP report that names none its token's */
	                  .qid = d->rep.queue_id ? d->rep.queue_id : "",
	                  .qids = (const char *const *)d->rep.qids,
	                  .nqids = v == 1 ? 0 : d->rep.nqids,
	                  .category = x->category,
	                  .rcpt = v == 1 ? d->verp.recipient : x->recipient,
	                  /* the address the sender gave, as orig_to= of a log record: it is the one recorded */
	                  .orig_rcpt = v == 1 ? NULL : x->orig_recipient,
	                  .transport = "",
	                  .final = x->final, /* a delay warning is a deferral */
	                  /* a redacted complaint: its tenant's counters, no one's suppression, and
	                     only from a verified feedback loop (a VERP token names the recipient
	                     the report does not) */
	                  .unnamed = v == 1 || x->recipient ? 0 : d->fbl_verified ? 1 : -1};
}

/* dsn_apply - each recipient's outcome applied and logged: 0, or 75 when Redis failed */
static int
dsn_apply(DSN *d)
{
	int v = d->v, fbl = v != 1 && d->fbl_tenant;
	size_t n = d->rep.n ? d->rep.n : d->rep.unnamed != NULL;

	for (size_t i = 0; i < n; i++) {
		const DSN_RCPT *x = d->rep.n ? &d->rep.r[i] : d->rep.unnamed;
		FB_EVENT e = dsn_event(d, x);
		char rid[TOKEN_ID_LEN + 32];
		int applied = 0;
		if (v == 1 && *d->verp_id) {
			/* a token is sealed once per message: the same report replayed to its VERP
			   address counts once; another kind of report about it (a complaint after a
			   delivery notice) still counts */
			snprintf(rid, sizeof(rid), "%s.%s", d->verp_id, bounce_category_name(x->category));
			e.report_id = rid;
		} else if (e.unnamed > 0 && e.tenant && e.nqids == 0 && d->rep.report_id) {
			/* a redacted complaint the loop's tag charges, its original naming no queue id:
			   the same report sent again counts once, by the report's own Message-ID (the
			   provider's; the original's is the tenant's to write, and one it repeated
			   would hide its complaints) */
			SBUF *b = sbuf_new(128);
			sbuf_printf(b, "%s\n%s", e.tenant, d->rep.report_id);
			if (digest_id('M', sbuf_str(b), sbuf_len(b), rid) == 0)
				e.report_id = rid;
			sbuf_free(b);
		}
		sbuf_reset(d->why_not);
		sbuf_reset(d->who);
		if (bounce_effect(e.category, e.final, 0).counter == NULL)
			continue; /* an auto-reply or a not-spam report: nothing to apply */
		if (feedback_apply(d->s, d->x->c, d->x->pm, &e, &applied, d->why_not, d->who, d->err) < 0) {
			fprintf(stderr, "tenant-feedback: %s\n", sbuf_str(d->err));
			return 75;
		}
		msg_info("dsn: tenant=%s rcpt=%s category=%s%s%s%s%s%s%s%s",
		         e.tenant ? e.tenant : sbuf_len(d->who) ? sbuf_str(d->who) : "-",
		         e.rcpt ? e.rcpt : "(redacted)",
		         bounce_category_name(x->category), v == 1 ? " via=verp" : "",
		         fbl ? " via=fbl:" : "", fbl ? sbuf_str(d->fbl_domain) : "",
		         d->fwd == 1 ? " forwarded" : "",
		         applied ? "" : " (not applied: ", applied ? "" : sbuf_str(d->why_not),
		         applied ? "" : ")");
		if (v == 1)
			return 0; /* one recipient per VERP message */
	}
	if (n == 0 && v == 1)
		msg_info("dsn: tenant=%s rcpt=%s: message to the VERP address is no bounce or "
		         "report; nothing applied",
		         d->verp.tenant, d->verp.recipient);
	return 0;
}

/*
 * fb_cmd_dsn - one message on stdin, as a pipe(8) command; the optional
 * argument is the envelope recipient (${original_recipient}), which names
 * the tenant and recipient when it is a VERP return path. Exit 0 when its
 * outcomes were applied or it is nothing to apply; 75 (EX_TEMPFAIL) when
 * Redis, the keyring or the forwarding could not be reached, so Postfix
 * keeps the message and retries. Forwarding (feedback_forward_check says
 * when) comes first: a retry may forward twice, but never loses the
 * tenant's copy.
 */
int
fb_cmd_dsn(const FB_CTX *x, int argc, char **argv)
{
	DSN d = {.x = x, .err = sbuf_new(128)};
	int rc;

	if ((d.data = fb_read_all("-", &d.len, d.err)) == NULL) {
		fprintf(stderr, "tenant-feedback: %s\n", sbuf_str(d.err));
		sbuf_free(d.err);
		return 75;
	}
	d.why_not = sbuf_new(64);
	d.who = sbuf_new(32);
	d.fbl_domain = sbuf_new(64);
	if ((rc = dsn_open_verp(&d, argc > 0 ? argv[0] : NULL)) == 0) {
		dsn_parse(d.data, d.len, x->rules, &d.rep);
		d.s = store_new(x->c);
		if ((rc = dsn_forward_first(&d)) == 0 && (rc = dsn_fbl_tenant(&d)) == 0)
			rc = dsn_apply(&d);
	}
	store_free(d.s);
	dsn_report_clear(&d.rep);
	free(d.data);
	sbuf_free(d.err);
	sbuf_free(d.why_not);
	sbuf_free(d.who);
	sbuf_free(d.fbl_domain);
	free(d.fbl_tenant);
	return rc;
}

/*
 * fb_cmd_unsubscribe - the mailto path of RFC 8058 headers, as a pipe(8)
 * command: the envelope recipient unsubscribe+TOKEN@unsubscribe_mailto_domain
 * names the tenant and the address. Exit 0 when recorded (or the token is
 * bad: logged, never bounced, as that would be backscatter), 75 when Redis
 * or the keyring could not be reached, so Postfix retries.
 */
int
fb_cmd_unsubscribe(const FB_CTX *x, int argc, char **argv)
{
	CONF *c = x->c;
	SBUF *err = sbuf_new(128), *tok = sbuf_new(128);
	char buf[65536];
	TOKEN_DATA d;
	KEYRING *k = NULL;
	STORE *s = NULL;
	int rc = 0, fresh = 0, r;

	while (fread(buf, 1, sizeof(buf), stdin) > 0) /* the message itself says nothing more */
		;
	if (argc < 1 ||
	    !token_from_address(argv[0], "unsubscribe", c->unsubscribe_mailto_domain, tok)) {
		msg_warn(
		    "unsubscribe: recipient <%.200s> is not unsubscribe+TOKEN@%s; nothing done",
		    argc ? argv[0] : "", c->unsubscribe_mailto_domain);
		goto out;
	}
	if ((k = fb_keyring_load(c->token_keys, err)) == NULL) {
		msg_warn("unsubscribe: %s; the message is kept for a retry", sbuf_str(err));
		rc = 75;
		goto out;
	}
	s = store_new(c);
	r = unsub_apply(s, c, k, sbuf_str(tok), "mailto", &d, &fresh, err);
	if (r == UNSUB_BAD_TOKEN)
		msg_warn("unsubscribe: refused token: %s; nothing done", sbuf_str(err));
	else if (r < 0) {
		msg_warn("unsubscribe: %s; the message is kept for a retry", sbuf_str(err));
		rc = 75;
	} else
		msg_info("unsubscribe: tenant=%s rcpt=%s source=mailto%s", d.tenant, d.recipient,
		         fresh ? "" : " (already unsubscribed)");
out:
	store_free(s);
	keyring_free(k);
	sbuf_free(tok);
	sbuf_free(err);
	return rc;
}
