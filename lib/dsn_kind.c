/*
 * NAME
 *	dsn_kind - what kind of message a report is: a bounce, an automatic
 *	reply, a feedback report (ARF or Microsoft's JMRP), a challenge
 * DESCRIPTION
 *	The message's own headers and subject say whether it is a bounce (the
 *	null sender, a mailer daemon, the subjects bounces use) or an automatic
 *	reply (Auto-Submitted, X-Autoreply, the subjects of out-of-office
 *	notices); a feedback report's recipients get what its Feedback-Type
 *	means. lib/dsn.c asks, in dsn_parse_message.
 * SEE ALSO
 *	lib/dsn.c, lib/dsn_walk.h, RFC 3834, RFC 5965, docs/bounces.md
 */
#include "config.h"

#include <gmime/gmime.h>
#include <string.h>
#include <strings.h>

#include "tm_bounce.h"
#include "tm_dsn.h"
#include "tm_mem.h"

#include "dsn_walk.h"

/* dsn_forwarded_by_person - "Fwd:", "FW:" or a translation ("WG:", "TR:", "RV:", "ENC:") from anyone but a mailer daemon */
static int
dsn_forwarded_by_person(GMimeMessage *m)
{
	const char *from = g_mime_object_get_header(GMIME_OBJECT(m), "From");
	const char *subj = g_mime_object_get_header(GMIME_OBJECT(m), "Subject");
	static const char *const prefixes[] = {"fwd:", "fw:", "wg:", "tr:", "rv:", "enc:", NULL};

	if (subj == NULL)
		return 0;
	subj += strspn(subj, " \t");
	for (int i = 0; prefixes[i]; i++)
		if (strncasecmp(subj, prefixes[i], strlen(prefixes[i])) == 0)
			return !(from && strcasestr(from, "mailer-daemon"));
	return 0;
}

/* dsn_looks_like_bounce - from the mailer daemon, or a subject bounces use */
int
dsn_looks_like_bounce(GMimeMessage *m)
{
	GMimeObject *o = GMIME_OBJECT(m);
	const char *from = g_mime_object_get_header(o, "From"), *subj = g_mime_object_get_header(o, "Subject");
	const char *ct = g_mime_object_get_header(o, "Content-Type");
	/* the subjects of qmail, Exim, Sendmail, Postfix, Exchange, Domino, GroupWise, Courier, IMail and
	   their translations, warnings included */
	static const char *const subjects[] = {
	    "undeliver", "undelivered", "delivery status", "delivery failure", "delivery has failed",
	    "delivery notification", "returned mail", "failure notice", "mail delivery failed",
	    "nondeliver", "non-deliver", "could not be delivered", "delivery problem", "not delivered",
	    "mail system error", "delivery failed", "undeliverable", "rejected", "delivery report",
	    "delivery error", "unzustellbar", "non remis", "no se puede entregar", "not deliverable",
	    "mail failure", "failed mail", "final failure", "delayed mail", "delivery delayed",
	    "message delayed", "could not send message", "cannot send message", "warning: message",
	    "delivery status notification", "mail delivery status", "non recapitabile",
	    "niet bezorgd", "nicht zugestellt", "error sending message", "nicht zustellbar", "onbestelbaar",
	    "non distribuable", "não foi possível entregar",
	    "não é possível entregar", "mancata consegna", "niedostarczon", "nedoručitel", "kan ikke leveres",
	    "kunde inte levereras", "не доставлен", "недоставлен", "配信不能", "配信エラー", "メールエラー", "无法传递",
	    "退信", NULL};
	static const char *const senders[] = {"mailer-daemon", "mailer_daemon", "mail-daemon", "postmaster", "post_master",
					      "mail delivery", "mail administrator", "delivery subsystem",
					      "system administrator", "mail system", NULL};

	if (ct && strcasestr(ct, "multipart/report"))
		return 1;
	if (dsn_forwarded_by_person(m))
		return 0; /* a person forwarding an old bounce: theirs to read, not ours to act on */
	if (from && (from[strspn(from, " \t<>")] == 0)) /* From: <>: the null sender of a daemon */
		return 1;
	for (int i = 0; from && senders[i]; i++)
		if (strcasestr(from, senders[i]))
			return 1;
	for (int i = 0; subj && subjects[i]; i++)
		if (strcasestr(subj, subjects[i]))
			return 1;
	return g_mime_object_get_header(o, "X-Failed-Recipients") != NULL;
}

/*
 * dsn_says_undelivered - a message with none of a bounce's headers (a
 * no-reply sender, a subject in words the list above lacks) that returns
 * an original (attached, its headers, or quoted after a cut marker) and
 * whose own words, before it, say that the original was not delivered; or
 * a bounce's text pasted with no header at all, whose words say so. A
 * person's "Fwd:" is still not a bounce.
 */
int
dsn_says_undelivered(const WALK *w, GMimeMessage *m)
{
	static const char *const words[] = {
	    "could not be delivered", "couldn't be delivered", "cannot be delivered", "can't be delivered",
	    "could not deliver", "unable to deliver", "failed to deliver", "was not delivered", "wasn't delivered",
	    "undeliverable", "delivery has failed", "delivery failed", "delivery to the following recipient",
	    "permanent error", "permanent fatal error", "returned to sender", NULL};
	size_t n;
	char *t;
	int found = 0;

	/* or a bounce's text pasted with no header at all */
	if ((w->to == NULL && w->rcvd_for == NULL && !w->pasted) || dsn_forwarded_by_person(m))
		return 0;
	/* one line, as Postfix wraps "could not\nbe delivered" */
	n = strnlen(sbuf_str(w->text), w->text->len);
	t = xmalloc(n + 1);
	bounce_join_lines(sbuf_str(w->text), n, t);
	for (int i = 0; words[i] && !found; i++)
		found = strcasestr(t, words[i]) != NULL;
	free(t);
	return found;
}

/*
 * dsn_is_vacation - a person's automatic reply by its own marks: X-Autoreply,
 * X-Autorespond, Precedence: auto_reply or its subject (not Auto-Submitted:
 * auto-replied, which Postfix's bounces carry too)
 */
int
dsn_is_vacation(GMimeMessage *m)
{
	GMimeObject *o = GMIME_OBJECT(m);
	const char *subj = g_mime_object_get_header(o, "Subject");
	const char *prec = g_mime_object_get_header(o, "Precedence");
	static const char *const subjects[] = {"auto:", "automatic reply", "autoreply", "auto-reply", "auto reply",
					       "out of office", "out of the office", "abwesenheit", "absence",
					       "vacation", "réponse automatique", "respuesta automática",
					       "automatic response", "auto response", "autoresponse",
					       "automatische antwort", "automatisch antwoord", "risposta automatica",
					       "resposta automática", "automatyczna odpowied", "thank you for your e-mail",
					       "thank you for your email", "thank you for your message",
					       "thank you for contacting", NULL};

	if (g_mime_object_get_header(o, "X-Autoreply") || g_mime_object_get_header(o, "X-Autorespond") ||
	    (prec && strcasestr(prec, "auto_reply")))
		return 1;
	for (int i = 0; subj && subjects[i]; i++)
		if (strncasecmp(subj, subjects[i], strlen(subjects[i])) == 0 ||
		    (strlen(subjects[i]) > 6 && strcasestr(subj, subjects[i])))
			return 1;
	return 0;
}

/* dsn_is_autoreply - an automatic reply (RFC 3834's Auto-Submitted, or dsn_is_vacation's marks) */
int
dsn_is_autoreply(GMimeMessage *m)
{
	const char *as = g_mime_object_get_header(GMIME_OBJECT(m), "Auto-Submitted");

	return (as && strcasestr(as, "auto-replied")) || dsn_is_vacation(m);
}

/* dsn_autoreply - an automatic reply: its From, with verdict v (nothing failed) */
void
dsn_autoreply(DSN_REPORT *out, GMimeMessage *m, const BOUNCE_VERDICT *v)
{
	const char *from = dsn_first_addr(g_mime_message_get_from(m));
	DSN_RCPT *x;

	out->kind = DSN_AUTOREPLY;
	if (from && (x = dsn_add(out, xstrdup(from))) != NULL) {
		dsn_set_verdict(x, v);
		x->final = 1;
	}
}

/*
 * dsn_arf - the recipients of a feedback report, each with what its
 * Feedback-Type means; out->unnamed when it names none
 */
void
dsn_arf(WALK *w)
{
	DSN_REPORT *out = w->out;
	const char *ft = out->feedback_type ? out->feedback_type : "abuse";
	BOUNCE_VERDICT v = {.reason = bounce_arf_reason(ft), .note = "feedback report (Feedback-Type)"};

	if (out->n == 0 && w->to) { /* no Original-Rcpt-To: the original's To */
		InternetAddressList *l = internet_address_list_parse(NULL, w->to);
		const char *to = dsn_first_addr(l);
		if (to && strchr(to, '@'))
			dsn_add(out, xstrdup(to));
		if (l)
			g_object_unref(l);
	}
	v.category = bounce_reason_category(v.reason);
	for (size_t i = 0; i < out->n; i++) {
		dsn_set_verdict(&out->r[i], &v);
		out->r[i].final = 1;
	}
	if (out->n == 0 && out->unnamed == NULL) {
		/* the provider redacted the complainant ("undisclosed recipient"): still a
		   complaint about the tenant's message, though about no one address */
		out->unnamed = xcalloc(1, sizeof(*out->unnamed));
		out->unnamed->action = xstrdup("");
		out->unnamed->text = xstrdup("");
		dsn_set_verdict(out->unnamed, &v);
		out->unnamed->final = 1;
	}
}

/*
 * dsn_is_jmrp - a report of Microsoft's Junk Mail Reporting Program
 * (Outlook.com, Hotmail): not ARF, but a message from staff@hotmail.com
 * (or a "complaint about message from IP" subject) returning the
 * complained-of original, which names the complainant in
 * X-HmXmrOriginalRecipient; or, in its older form, the original itself
 * with that field, its Return-Path staff@hotmail.com. Whether it may change state is the feedback
 * gate's decision (verified feedback-loop source), as for ARF.
 */
int
dsn_is_jmrp(GMimeMessage *m)
{
	const char *from = g_mime_object_get_header(GMIME_OBJECT(m), "From");
	const char *subj = g_mime_object_get_header(GMIME_OBJECT(m), "Subject");
	const char *rp = g_mime_object_get_header(GMIME_OBJECT(m), "Return-Path");

	return (from && strcasestr(from, "staff@hotmail.com")) || (rp && strcasestr(rp, "staff@hotmail.com")) ||
	       (subj && strcasestr(subj, "complaint about message from"));
}

/*
 * dsn_challenge - a message that is neither a bounce nor a report, but
 * whose text the rules call an auto-reply (a challenge-response system
 * asking the sender to confirm): an auto-reply, the rule named.
 */
void
dsn_challenge(WALK *w, GMimeMessage *m)
{
	BOUNCE_VERDICT v;

	if (bounce_classify(w->rules, "", 0, sbuf_str(w->text), &v) == BR_AUTOREPLY)
		dsn_autoreply(w->out, m, &v);
}
