/*
 * NAME
 *	dsn - find and classify what a bounce or a feedback report says
 * DESCRIPTION
 *	GMime parses the MIME structure (multipart/report or not, any
 *	transfer encoding, nesting bounded at 32 levels). Our code starts at
 *	the report fields and the texts:
 *	  - message/delivery-status (or a text part that carries the same
 *	    fields, as some MTAs label it): one block per recipient, with
 *	    Final-Recipient, Action, Status and Diagnostic-Code;
 *	  - message/feedback-report: Feedback-Type and Original-Rcpt-To;
 *	  - text/rfc822-headers or message/rfc822: the returned original's
 *	    X-Tenant, Message-ID and To;
 *	  - otherwise, if the message looks like a bounce, the recipients in
 *	    X-Failed-Recipients or in the text, each with the reply text that
 *	    follows it.
 *	Auto-replies are recognised from their headers and subject.
 *	The plain-text side (recipients and reasons in the words of a bounce)
 *	is lib/dsn_text.c; what kind of message it is (bounce, automatic
 *	reply, feedback report), lib/dsn_kind.c.
 * SEE ALSO
 *	tm_dsn.h, lib/dsn_walk.h, lib/dsn_kind.c, RFC 3464, RFC 5965, lib/bounce.c
 */
#include "config.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tm_dsn.h"
#include "tm_mem.h"

#include "dsn_walk.h"

#define DSN_MAX_DEPTH 32

static pthread_once_t dsn_once = PTHREAD_ONCE_INIT;

static void
dsn_gmime_init(void)
{
	g_mime_init();
}

/* rcpt_clear - what one recipient's outcome owns */
static void
rcpt_clear(DSN_RCPT *x)
{
	free(x->recipient);
	free(x->orig_recipient);
	free(x->action);
	free(x->text);
	free(x->reason);
	free(x->rule);
	free(x->source);
}

void
dsn_report_clear(DSN_REPORT *r)
{
	for (size_t i = 0; i < r->n; i++)
		rcpt_clear(&r->r[i]);
	free(r->r);
	if (r->unnamed)
		rcpt_clear(r->unnamed);
	free(r->unnamed);
	free(r->feedback_type);
	free(r->tenant);
	free(r->message_id);
	free(r->report_id);
	free(r->queue_id);
	free(r->auth_results);
	for (size_t i = 0; i < r->nqids; i++)
		free(r->qids[i]);
	memset(r, 0, sizeof(*r));
}

/* dsn_clean_addr - "rfc822; <User@Example.COM>" -> "User@Example.COM" (owned), or NULL */
char *
dsn_clean_addr(const char *v)
{
	const char *semi = strchr(v, ';'), *p = semi ? semi + 1 : v, *end, *lt, *gt;
	char *a;

	if ((lt = strchr(p, '<')) != NULL && (gt = strchr(lt, '>')) != NULL && lt > p) {
		char *inner = xstrndup(lt + 1, (size_t)(gt - lt - 1)); /* "name <x@y>" (Comcast's Original-Rcpt-To) */
		a = dsn_clean_addr(inner);
		free(inner);
		return a;
	}
	while (isspace((unsigned char)*p) || *p == '<')
		p++;
	end = p + strlen(p);
	while (end > p && (isspace((unsigned char)end[-1]) || end[-1] == '>'))
		end--;
	if (*p == '@') { /* a source route, "@relay,@relay2:user@domain" (RFC 5321 4.1.2): the mailbox is after ':' */
		const char *colon = memchr(p, ':', (size_t)(end - p));
		if (colon == NULL)
			return NULL; /* "@domain": no mailbox at all */
		p = colon + 1;
	}
	if (end <= p || *p == '@' || memchr(p, '@', (size_t)(end - p)) == NULL || end - p > 320)
		return NULL;
	a = xmalloc((size_t)(end - p) + 1);
	memcpy(a, p, (size_t)(end - p));
	a[end - p] = 0;
	return a;
}

DSN_RCPT *
dsn_add(DSN_REPORT *r, char *recipient)
{
	DSN_RCPT *x;

	if (r->n >= DSN_MAX_RCPTS) {
		free(recipient);
		return NULL;
	}
	for (size_t i = 0; i < r->n; i++) { /* one line per recipient */
		if (strcasecmp(r->r[i].recipient, recipient) == 0) {
			free(recipient);
			return NULL;
		}
	}
	r->r = xrealloc(r->r, (r->n + 1) * sizeof(DSN_RCPT));
	x = &r->r[r->n++];
	memset(x, 0, sizeof(*x));
	x->recipient = recipient;
	x->action = xstrdup("");
	x->text = xstrdup("");
	return x;
}

/* dsn_set_verdict - x's reason and rule from v */
void
dsn_set_verdict(DSN_RCPT *x, const BOUNCE_VERDICT *v)
{
	SBUF *rule = sbuf_new(64);

	x->category = v->category;
	bounce_explain(v, rule);
	free(x->reason);
	free(x->rule);
	free(x->source);
	x->reason = xstrdup(bounce_reason_name(v->reason));
	x->rule = sbuf_steal(rule);
	x->source = v->source ? xstrdup(v->source) : NULL;
	x->by_rule = v->origin != NULL;
}

/*
 * dsn_explain_from_text - a DSN recipient that no rule explained (Status
 * 5.0.0 and no Diagnostic-Code, as Domino and others send) is read again
 * with what the report's human-readable part says about it, then with
 * the report's Subject. The first that a rule explains stands.
 */
static void
dsn_explain_from_text(WALK *w, DSN_RCPT *x, const char *subject)
{
	const char *tries[2];
	char *ctx = dsn_context(sbuf_str(w->text), x->recipient);

	tries[0] = ctx;
	tries[1] = subject ? subject : "";
	for (int i = 0; i < 2 && !x->by_rule; i++) {
		BOUNCE_VERDICT v;
		int cat;
		if (*tries[i] == 0)
			continue;
		cat = bounce_dsn_verdict(w->rules, x->action, 0, x->status, x->code, tries[i], &v);
		if (v.origin == NULL || cat == BC_DELIVERED)
			continue;
		dsn_set_verdict(x, &v);
		free(x->text);
		x->text = xstrdup(tries[i]);
	}
	free(ctx);
}

/*
 * dsn_full_reply - a Diagnostic-Code that is the first line of a
 * multi-line reply ("550-5.7.1 ... this message is"): Sendmail keeps only
 * that line, and the words that say why come after it. The whole reply is
 * in the report's transcript ("<<< 550-5.7.1 ..." lines): x's text
 * becomes that reply, its lines joined, when the transcript has it (1).
 */
static int
dsn_full_reply(WALK *w, DSN_RCPT *x)
{
	const char *t = x->text, *at;
	SBUF *full;

	if (!(isdigit((unsigned char)t[0]) && isdigit((unsigned char)t[1]) && isdigit((unsigned char)t[2]) && t[3] == '-') ||
	    strlen(t) < 12)
		return 0;
	full = sbuf_new(256);
	/* each place the text names that first line (the "(reason: ...)" summary names it too) */
	for (at = strstr(sbuf_str(w->text), t); at; at = strstr(at + 1, t)) {
		int lines = 0;
		sbuf_truncate(full, 0);
		for (const char *p = at; *p && full->len < 2000; lines++) { /* this line, and the next of the reply */
			const char *eol = p + strcspn(p, "\r\n"), *nx;
			sbuf_catn(full, p, (size_t)(eol - p));
			if (p[3] != '-')
				break; /* "550 ..." ends the reply */
			nx = eol + strspn(eol, "\r\n");
			if (strncmp(nx, "<<< ", 4) == 0)
				nx += 4;
			if (strncmp(nx, t, 3) != 0 || (nx[3] != '-' && nx[3] != ' '))
				break;
			sbuf_putc(full, ' ');
			p = nx;
		}
		if (lines > 0) {
			free(x->text);
			x->text = sbuf_steal(full);
			return 1;
		}
	}
	sbuf_free(full);
	return 0;
}

/* domain_char - may c be part of a domain name? */
static int
domain_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.';
}

/*
 * sender_missing - does text say that the sender's own domain d (or its
 * address there) does not exist, rather than the recipient (whose domain is
 * not d)? Exim's sender check answers "553 sender.example does not exist"
 * after DATA; read as the recipient's, it would suppress every recipient of
 * a sender whose domain some receivers cannot resolve.
 */
static int
sender_missing(const char *text, const char *d, const char *rcpt)
{
	static const char *const missing[] = {"does not exist", "doesn't exist", "not found", "no such domain",
					      "could not be found", "couldn't be found", "unknown", "is invalid", NULL};
	const char *at = rcpt ? strrchr(rcpt, '@') : NULL;
	size_t n = strlen(d);

	if (n == 0 || (at && strcasecmp(at + 1, d) == 0))
		return 0;
	for (const char *p = text; (p = strcasestr(p, d)) != NULL; p += n) {
		const char *e = p + n;
		if ((p > text && domain_char(p[-1])) || domain_char(*e))
			continue; /* part of another name: mx.sender.example, sender.example.net */
		e += strspn(e, ">:\"' ");
		for (int i = 0; missing[i]; i++)
			if (strncasecmp(e, missing[i], strlen(missing[i])) == 0)
				return 1;
	}
	return 0;
}

/* dsn_classify - fill status, code, category and finality (bounce_dsn_verdict) of x from its text */
void
dsn_classify(WALK *w, DSN_RCPT *x)
{
	BOUNCE_VERDICT v;
	int text_final = w->out->kind == DSN_TEXT && !w->warning; /* a text bounce is final, but for a warning */

	if (x->code == 0)
		x->code = bounce_extract_code(x->text);
	if (*x->status == 0)
		bounce_extract_status(x->text, x->status, sizeof(x->status));
	x->category = bounce_dsn_verdict(w->rules, x->action, text_final, x->status, x->code, x->text, &v);
	x->final = text_final || bounce_dsn_final(x->action, x->status);
	if (*x->status == 0 && x->code >= 400)
		snprintf(x->status, sizeof(x->status), "%d.0.0", x->code / 100);
	if (x->category == BC_HARD && w->sender_domain && sender_missing(x->text, w->sender_domain, x->recipient)) {
		v = (BOUNCE_VERDICT){.reason = BR_AUTHENTICATION, .category = BC_BLOCK,
				     .note = "the reply says the sender's own domain does not exist, not the recipient"};
		x->category = BC_BLOCK;
		dsn_set_verdict(x, &v);
		x->by_rule = 1; /* decided: no other text of this report makes it the recipient's */
		return;
	}
	dsn_set_verdict(x, &v);
}

/*
 * dsn_reply_status - whose status code counts: the receiving server's own,
 * when its reply (the Diagnostic-Code) carries one ("550 #5.1.0 Address
 * rejected" under "Status: 5.1.1"); and when its reply has a basic code
 * only, a Status that alone would say the address does not exist (5.1.1,
 * 5.1.10, 5.1.2, 5.1.3, 5.2.1) is the reporting MTA's guess from that code
 * - Sendmail writes 5.1.1 for any 550 to RCPT - not proof: it becomes
 * 5.0.0, and the reply's words decide. classify shows the status believed.
 */
void
dsn_reply_status(DSN_RCPT *x)
{
	char own[sizeof(x->status)];

	if (*x->text == 0 || strcmp(x->status, "4.4.7") == 0 || strcmp(x->status, "5.4.7") == 0)
		return; /* "delivery time expired" is the reporting MTA's own word; the reply is only the last one */
	bounce_extract_status(x->text, own, sizeof(own));
	if (*own) {
		memcpy(x->status, own, sizeof(own));
		return;
	}
	if (bounce_extract_code(x->text) >= 500 &&
	    (strcmp(x->status, "5.1.1") == 0 || strcmp(x->status, "5.1.10") == 0 || strcmp(x->status, "5.1.2") == 0 ||
	     strcmp(x->status, "5.1.3") == 0 || strcmp(x->status, "5.2.1") == 0))
		snprintf(x->status, sizeof(x->status), "5.0.0");
}

/* dsn_status_fields - the per-recipient blocks of a delivery-status body */
static void
dsn_status_fields(WALK *w, const char *body)
{
	FIELDS f = {0};
	const char *p = body;

	while (fields_next(&p, &f)) {
		const char *fr = fields_get(&f, "Final-Recipient"), *orr = fields_get(&f, "Original-Recipient");
		const char *st = fields_get(&f, "Status"), *dc = fields_get(&f, "Diagnostic-Code");
		const char *ac = fields_get(&f, "Action"), *q = fields_get(&f, "X-Postfix-Queue-ID");
		char *addr;
		DSN_RCPT *x;
		if (q && w->out->queue_id == NULL && strlen(q) < 32)
			w->out->queue_id = xstrdup(q);
		if (fr == NULL && orr == NULL)
			continue;
		if ((addr = dsn_clean_addr(fr ? fr : orr)) == NULL && orr)
			addr = dsn_clean_addr(orr);
		if (addr == NULL || (x = dsn_add(w->out, addr)) == NULL)
			continue;
		w->have_fields = 1;
		if (fr && orr && (x->orig_recipient = dsn_clean_addr(orr)) != NULL &&
		    strcasecmp(x->orig_recipient, x->recipient) == 0) {
			free(x->orig_recipient); /* the same address: nothing to say */
			x->orig_recipient = NULL;
		}
		if (ac) { /* its first word: Sendmail writes "relayed (to non-DSN-aware mailer)" */
			free(x->action);
			x->action = xstrndup(ac, strcspn(ac, " \t("));
		}
		if (dc) {
			const char *semi = strchr(dc, ';');
			free(x->text);
			x->text = xstrdup(semi ? semi + 1 + strspn(semi + 1, " ") : dc);
		}
		if (st)
			bounce_extract_status(st, x->status, sizeof(x->status));
		dsn_reply_status(x);
		dsn_classify(w, x);
	}
	fields_clear(&f);
}

/* dsn_feedback_fields - an ARF report */
static void
dsn_feedback_fields(WALK *w, const char *body)
{
	FIELDS f = {0};
	const char *p = body;

	w->out->kind = DSN_ARF;
	while (fields_next(&p, &f)) {
		const char *ft = fields_get(&f, "Feedback-Type");
		if (ft && w->out->feedback_type == NULL)
			w->out->feedback_type = xstrdup(ft);
		for (int i = 0; i < f.n; i++) {
			char *addr;
			DSN_RCPT *x;
			if (strcasecmp(f.name[i], "Original-Rcpt-To") != 0 && strcasecmp(f.name[i], "Removal-Recipient") != 0)
				continue;
			if ((addr = dsn_clean_addr(f.value[i])) != NULL && (x = dsn_add(w->out, addr)) != NULL)
				w->have_fields = 1;
		}
	}
	fields_clear(&f);
}

/* dsn_part_text - the decoded content of a leaf part, NUL-terminated, bounded */
static char *
dsn_part_text(GMimePart *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *s;
	GByteArray *arr;
	char *t;

	if (dw == NULL)
		return xstrdup("");
	s = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(dw, s);
	arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	t = xmalloc(arr->len > DSN_MAX_TEXT ? DSN_MAX_TEXT + 1 : arr->len + 1);
	if (arr->len > 0)
		memcpy(t, arr->data, arr->len > DSN_MAX_TEXT ? DSN_MAX_TEXT : arr->len);
	t[arr->len > DSN_MAX_TEXT ? DSN_MAX_TEXT : arr->len] = 0;
	g_object_unref(s);
	return t;
}

/*
 * dsn_is_header_block - does a text part hold a message's header fields
 * ("Received:", "Return-Path:" ... first) rather than words? Some MTAs
 * return the original's headers as a text/plain attachment
 * ("mailheaders.txt"): its To and Message-ID are not failed recipients.
 */
static int
dsn_is_header_block(const char *t)
{
	static const char *const first[] = {"Received:", "Return-Path:", "DKIM-Signature:", "X-Received:",
					    "Delivered-To:", NULL};

	return dsn_field_at(t + strspn(t, "\r\n"), first);
}

/* dsn_field_at - does line start with one of the field names ("Received:", ...) of names (NULL-ended)? */
int
dsn_field_at(const char *line, const char *const names[])
{
	for (int i = 0; names[i]; i++)
		if (strncasecmp(line, names[i], strlen(names[i])) == 0)
			return 1;
	return 0;
}

/* dsn_leaf - one leaf part of type/sub with decoded content t: its fields, or its words into w->text */
static void
dsn_leaf(WALK *w, const char *type, const char *sub, const char *t)
{
	if (strcasecmp(sub, "delivery-status") == 0 || strcasecmp(sub, "global-delivery-status") == 0)
		dsn_status_fields(w, t);
	else if (strcasecmp(sub, "feedback-report") == 0)
		dsn_feedback_fields(w, t);
	else if (strcasecmp(sub, "rfc822-headers") == 0 || strcasecmp(sub, "global-headers") == 0 ||
		 (strcasecmp(type, "text") == 0 && dsn_is_header_block(t)))
		dsn_original_headers(w, t);
	else if (strcasecmp(type, "text") == 0 || strcasecmp(type, "message") == 0) {
		/* a mislabelled status part still carries the fields */
		if (strcasestr(t, "Final-Recipient:") && strcasestr(t, "Status:"))
			dsn_status_fields(w, t);
		if (w->text->len < DSN_MAX_TEXT && strcasecmp(sub, "html") != 0)
			sbuf_printf(w->text, "%s\n", t);
		else if (w->text->len == 0 && strcasecmp(sub, "html") == 0)
			dsn_html_text(w->text, t); /* an HTML-only bounce: its words */
	}
}

static void
dsn_walk(WALK *w, GMimeObject *obj, int depth)
{
	GMimeContentType *ct;
	const char *type, *sub;

	if (obj == NULL || depth > DSN_MAX_DEPTH)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		const char *pro = g_mime_multipart_get_prologue(mp);
		if (n == 0 && pro) { /* no boundary found: the whole body is the prologue; read it as text */
			char *t = xstrndup(pro, strnlen(pro, DSN_MAX_TEXT));
			dsn_leaf(w, "text", "plain", t);
			free(t);
		}
		for (int i = 0; i < n && i < 64; i++)
			dsn_walk(w, g_mime_multipart_get_part(mp, i), depth + 1);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (m && w->inner == NULL)
			w->inner = g_object_ref(m);
		if (m)
			dsn_original_message(w, m);
		return; /* the original's own parts are not the report */
	}
	if (!GMIME_IS_PART(obj))
		return;
	ct = g_mime_object_get_content_type(obj);
	type = ct ? g_mime_content_type_get_media_type(ct) : "text";
	sub = ct ? g_mime_content_type_get_media_subtype(ct) : "plain";
	type = type ? type : "text";
	sub = sub ? sub : "plain";
	{
		char *t = dsn_part_text(GMIME_PART(obj));
		dsn_leaf(w, type, sub, t);
		free(t);
	}
}

static void dsn_parse_message(GMimeMessage *m, const BRULES *rules, DSN_REPORT *out, int depth, int pasted);

/*
 * dsn_forwarded - a bounce that names no recipient itself (at most the
 * returned original's recipient, for want of one) but carries a
 * bounce as an attached message (a gateway that wraps the notice it was
 * handed, as Trend Micro's does): the attached bounce's report, one level
 * deep. The outer message's Authentication-Results stay: they are about
 * the message that reached us.
 */
static void
dsn_forwarded(WALK *w, GMimeMessage *m, int depth)
{
	DSN_REPORT inner;

	if ((w->out->n > 0 && !w->guessed) || w->inner == NULL || depth > 0 || w->out->kind == DSN_ARF || !dsn_looks_like_bounce(m) ||
	    !dsn_looks_like_bounce(w->inner))
		return;
	dsn_parse_message(w->inner, w->rules, &inner, depth + 1, 0);
	if (inner.n == 0) {
		dsn_report_clear(&inner);
		return;
	}
	free(inner.auth_results);
	inner.auth_results = w->out->auth_results;
	w->out->auth_results = NULL;
	dsn_report_clear(w->out);
	*w->out = inner;
}

/* header_first - does data start with a header field ("Name:"), or an mbox "From " line? */
static int
header_first(const char *data, size_t len)
{
	size_t i = 0;

	if (len >= 5 && strncmp(data, "From ", 5) == 0)
		return 1;
	while (i < len && data[i] > ' ' && data[i] < 0x7f && data[i] != ':')
		i++;
	return i > 0 && i < len && data[i] == ':';
}

int
dsn_parse(const char *data, size_t len, const BRULES *rules, DSN_REPORT *out)
{
	GMimeStream *s;
	GMimeParser *p;
	GMimeMessage *m;
	const char *id;
	int pasted = !header_first(data, len);

	memset(out, 0, sizeof(*out));
	pthread_once(&dsn_once, dsn_gmime_init);
	s = g_mime_stream_mem_new();
	if (pasted) /* a bounce's text pasted without its headers: all of it is the body */
		g_mime_stream_write(s, "\n", 1);
	g_mime_stream_write(s, data, len);
	g_mime_stream_reset(s);
	p = g_mime_parser_new_with_stream(s);
	m = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	g_object_unref(s);
	if (m == NULL)
		return 0;
	dsn_parse_message(m, rules, out, 0, pasted);
	if ((id = g_mime_message_get_message_id(m)) != NULL && *id && strlen(id) < 1000)
		out->report_id = xstrdup(id);
	g_object_unref(m);
	return 0;
}

const char *
dsn_first_addr(InternetAddressList *l)
{
	InternetAddress *a = l && internet_address_list_length(l) > 0 ? internet_address_list_get_address(l, 0) : NULL;

	return a && INTERNET_ADDRESS_IS_MAILBOX(a) ? internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)) : NULL;
}

/* sender_domain_of - the domain of m's To: a bounce goes to the original's sender (owned), or NULL */
static char *
sender_domain_of(GMimeMessage *m)
{
	const char *addr = dsn_first_addr(g_mime_message_get_to(m));
	const char *d = addr ? strrchr(addr, '@') : NULL;

	return d && d[1] && strlen(d + 1) < 256 ? xstrdup(d + 1) : NULL;
}

/* dsn_parse_message - dsn_parse of a parsed message m; depth: how many bounces it is wrapped in;
 * pasted: it came with no header (the text of a bounce, pasted) */
static void
dsn_parse_message(GMimeMessage *m, const BRULES *rules, DSN_REPORT *out, int depth, int pasted)
{
	WALK w = {.out = out, .rules = rules, .pasted = pasted};
	const char *ar;

	memset(out, 0, sizeof(*out));
	w.text = sbuf_new(1024);
	out->kind = DSN_NONE;
	w.sender_domain = sender_domain_of(m);
	/* the topmost one is the receiving MTA's own, when it runs a verifier (tenant-feedback(1)) */
	if ((ar = g_mime_object_get_header(GMIME_OBJECT(m), "Authentication-Results")) && strlen(ar) < 4096)
		out->auth_results = xstrdup(ar);
	BOUNCE_VERDICT autoreply = {.reason = BR_AUTOREPLY, .category = BC_AUTOREPLY,
				    .note = "automatic reply (Auto-Submitted, X-Autoreply or its subject)"};

	if (dsn_is_autoreply(m) && !dsn_looks_like_bounce(m)) {
		dsn_autoreply(out, m, &autoreply);
		goto done;
	}
	dsn_walk(&w, g_mime_message_get_mime_part(m), 0);
	dsn_cut_original(&w); /* once: every reader of the text wants the report, not the original */
	if (w.jmrp == NULL && (ar = g_mime_object_get_header(GMIME_OBJECT(m), "X-HmXmrOriginalRecipient")) != NULL)
		w.jmrp = dsn_clean_addr(ar); /* JMRP's older form: the complained-of message itself, from staff@hotmail.com */
	if (out->kind != DSN_ARF && !w.have_fields && w.jmrp && dsn_is_jmrp(m)) {
		out->kind = DSN_ARF; /* Microsoft's JMRP: a complaint, in its own format */
		out->feedback_type = xstrdup("abuse");
		dsn_add(out, xstrdup(w.jmrp));
	}
	if (out->kind == DSN_ARF) {
		dsn_arf(&w);
	} else if (w.have_fields) {
		out->kind = DSN_DSN;
		for (size_t i = 0; i < out->n; i++)
			if (dsn_full_reply(&w, &out->r[i]))
				dsn_classify(&w, &out->r[i]);
		for (size_t i = 0; i < out->n; i++)
			if (!out->r[i].by_rule && out->r[i].category != BC_DELIVERED)
				dsn_explain_from_text(&w, &out->r[i], g_mime_object_get_header(GMIME_OBJECT(m), "Subject"));
	} else if (dsn_ses(&w)) {
		/* an Amazon SES notification, mailed by SNS */
	} else if (dsn_looks_like_bounce(m)) {
		dsn_text_bounce(&w, m);
	} else {
		dsn_challenge(&w, m);
		if (out->n == 0 && dsn_says_undelivered(&w, m))
			dsn_text_bounce(&w, m);
	}
	dsn_forwarded(&w, m, depth);
	/* a person's vacation reply relayed by a daemon (Amazon SES sends them on from
	   MAILER-DAEMON@amazonses.com): it names no failed recipient, nor carries a bounce */
	if (out->n == 0 && out->kind == DSN_TEXT && dsn_is_vacation(m))
		dsn_autoreply(out, m, &autoreply);
done:
	free(w.sender_domain);
	free(w.to);
	free(w.rcvd_for);
	free(w.jmrp);
	if (w.inner)
		g_object_unref(w.inner);
	sbuf_free(w.text);
}
