/*
 * NAME
 *	dsn_ses - Amazon SES event notifications, as SNS delivers them by mail
 * DESCRIPTION
 *	A relay that sends through Amazon SES (its relayhost) can have SES's
 *	bounce and complaint notifications mailed to the bounce address by an
 *	SNS "email" or "email-json" subscription: a text body holding the SES
 *	notification in JSON ({"notificationType": "Bounce", ...}), or SNS's
 *	envelope around it ({"Type": "Notification", "Message": "<that JSON
 *	as a string>"}). Each bounced recipient is read as a DSN recipient (its
 *	status and diagnosticCode, then SES's own bounceType and bounceSubType
 *	for the rules); a complaint is a feedback report whose Feedback-Type is
 *	the complaintFeedbackType. Whether either may change state is the
 *	feedback gate's decision, as for any report: the JSON proves nothing.
 * SEE ALSO
 *	Amazon SES Developer Guide, "Contents of event data that Amazon SES
 *	publishes to Amazon SNS"; lib/dsn.c, docs/bounces.md
 */
#include "config.h"

#include <gmime/gmime.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tm_bounce.h"
#include "tm_dsn.h"
#include "tm_mem.h"
#include "tm_sbuf.h"

#include "dsn_walk.h"

/* ses_str - the string member name of o, or NULL */
static const char *
ses_str(json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

/*
 * ses_load - the JSON value the text begins with (what follows it, SNS's
 * footer, is not read), or NULL. A line longer than SMTP allows comes
 * broken as "!\n " (Sendmail's way): those are taken out when the text
 * does not parse as it is.
 */
static json_t *
ses_load(const char *text)
{
	const char *t = text + strspn(text, " \t\r\n");
	json_t *j;

	if (*t != '{')
		return NULL;
	if ((j = json_loads(t, JSON_DISABLE_EOF_CHECK, NULL)) == NULL && strstr(t, "!\n ")) {
		SBUF *s = sbuf_new(strlen(t));
		for (const char *p = t; *p; p++) {
			if (p[0] == '!' && p[1] == '\n' && p[2] == ' ')
				p += 2;
			else
				sbuf_putc(s, *p);
		}
		j = json_loads(sbuf_str(s), JSON_DISABLE_EOF_CHECK, NULL);
		sbuf_free(s);
	}
	if (j && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/*
 * ses_original - the Message-ID of the original and the queue ids its
 * Received fields name, from the notification's mail.headers (SES sends
 * them when the identity's "include original headers" is on). Its X-Tenant
 * is not taken: any AWS account can mail the bounce address an SNS
 * notification, and the JSON proves nothing about whose mail it was. The
 * queue id recorded for the recipient decides that (lib/feedback.c).
 */
static void
ses_original(DSN_REPORT *out, json_t *n)
{
	json_t *headers = json_object_get(json_object_get(n, "mail"), "headers"), *h;
	size_t i;

	json_array_foreach(headers, i, h) {
		const char *name = ses_str(h, "name"), *value = ses_str(h, "value");
		if (name == NULL || value == NULL)
			continue;
		if (strcasecmp(name, "Message-ID") == 0 && out->message_id == NULL && strlen(value) < 1000)
			out->message_id = xstrdup(value);
		else if (strcasecmp(name, "Received") == 0)
			dsn_received_qid(out, value);
	}
}

/* ses_addr_ok - an emailAddress with no control bytes, spaces or DEL (a JSON string may hold any) */
static int
ses_addr_ok(const char *a)
{
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* ses_bounce - the bounced recipients of a "Bounce" notification b */
static void
ses_bounce(WALK *w, json_t *b)
{
	const char *type = ses_str(b, "bounceType"), *sub = ses_str(b, "bounceSubType");
	json_t *r;
	size_t i;

	w->out->kind = DSN_DSN;
	json_array_foreach(json_object_get(b, "bouncedRecipients"), i, r) {
		const char *addr = ses_str(r, "emailAddress"), *status = ses_str(r, "status");
		const char *diag = ses_str(r, "diagnosticCode"), *action = ses_str(r, "action");
		char *a = addr && ses_addr_ok(addr) ? dsn_clean_addr(addr) : NULL;
		DSN_RCPT *x;
		char st[sizeof(x->status)] = "";
		SBUF *text;
		if (a == NULL || (x = dsn_add(w->out, a)) == NULL)
			continue;
		/* what SES calls it, then the receiver's reply: the rules read both, and a long reply cut
		   at 2000 bytes keeps SES's words */
		text = sbuf_new(256);
		sbuf_printf(text, "(Amazon SES bounce: %s, %s) %s", type ? type : "Undetermined", sub ? sub : "General",
			    diag ? diag : "");
		dsn_text_of(x, sbuf_str(text), sbuf_str(text) + text->len);
		sbuf_free(text);
		free(x->action);
		x->action = xstrdup(action ? action : "failed");
		/* the status only when it is one ("5.1.1"); a Transient bounce with none, in its reply
		   either, may pass another time: a 450, so no rule reads it as final */
		if (status) {
			bounce_extract_status(status, st, sizeof(st));
			if (strcmp(st, status) != 0)
				st[0] = 0;
		}
		memcpy(x->status, st, sizeof(x->status));
		dsn_reply_status(x);
		if (*x->status == 0 && bounce_extract_code(x->text) == 0 && type && strcasecmp(type, "Transient") == 0)
			x->code = 450;
		dsn_classify(w, x);
	}
}

/* ses_complaint - the complainants of a "Complaint" notification c: a feedback report */
static void
ses_complaint(WALK *w, json_t *c)
{
	const char *ft = ses_str(c, "complaintFeedbackType");
	json_t *r;
	size_t i;

	w->out->kind = DSN_ARF;
	w->out->feedback_type = xstrdup(ft ? ft : "abuse"); /* SES leaves it out when the ISP says nothing more */
	json_array_foreach(json_object_get(c, "complainedRecipients"), i, r) {
		const char *addr = ses_str(r, "emailAddress");
		char *a = addr ? dsn_clean_addr(addr) : NULL;
		if (a)
			(void)dsn_add(w->out, a);
	}
	dsn_arf(w);
}

int
dsn_ses(WALK *w)
{
	json_t *top = ses_load(sbuf_str(w->text)), *n = top, *inner = NULL;
	const char *type, *msg;

	if (top == NULL)
		return 0;
	if ((msg = ses_str(top, "Message")) != NULL) /* SNS's envelope (email-json): the notification is a string in it */
		n = inner = ses_load(msg);
	type = n ? ses_str(n, "notificationType") : NULL;
	if (type == NULL)
		type = n ? ses_str(n, "eventType") : NULL; /* event publishing's name for it */
	if (type && strcasecmp(type, "Bounce") == 0 && json_is_object(json_object_get(n, "bounce")))
		ses_bounce(w, json_object_get(n, "bounce"));
	else if (type && strcasecmp(type, "Complaint") == 0 && json_is_object(json_object_get(n, "complaint")))
		ses_complaint(w, json_object_get(n, "complaint"));
	else
		type = NULL;
	if (type)
		ses_original(w->out, n);
	json_decref(inner);
	json_decref(top);
	return type != NULL;
}
