/*
 * NAME
 *	dsn_text - recipients and reasons in the words of a plain-text bounce
 * DESCRIPTION
 *	qmail, Exim, old Sendmail, Exchange, Domino, GroupWise, IMail, Courier,
 *	Yahoo and AOL name failed recipients in text, not RFC 3464 fields. This
 *	module finds them (X-Failed-Recipients; addresses where a bounce puts
 *	them; local parts alone under a "following:" line; the returned
 *	original's envelope recipient or its one To) and the words that say
 *	why, up to where the returned original begins; it tells a delay
 *	warning from a failure.
 *	Each recipient is classified by dsn.c's dsn_classify.
 * SEE ALSO
 *	lib/dsn.c, lib/dsn_walk.h, docs/bounces.md
 */
#include "config.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tm_dsn.h"
#include "tm_mem.h"

#include "dsn_walk.h"

/*
 * inline_to - the header fields of an original returned inline after
 * text's marker at cut (old Sendmail's "----- Unsent message follows
 * -----" and its headers), when the MIME walk found no original at all:
 * its To and its first Received field's recipient are what dsn_returned_to
 * reports for a bounce that names no address. Only its header block is
 * read, up to its blank line: the body is not.
 */
static void
inline_to(WALK *w, const char *at)
{
	dsn_original_headers(w, at + strcspn(at, "\n"));
}

/*
 * dsn_cut_original - a plain-text bounce ends where the returned original
 * begins: its addresses (From, To, Cc) and words ("spam" in a spam
 * filter's header) are not the report. The markers are those of qmail,
 * Exim, Sendmail, Exchange, IMail, GroupWise, GMX and their clones.
 */
void
dsn_cut_original(WALK *w)
{
	SBUF *text = w->text;
	static const char *const markers[] = {
	    "original message follow", "returned message follows", "returned message below",
	    "this is a copy of the message", "below this line is a copy of the m", "below the next line is a copy",
	    "message header follows", "----- original message -----", "unsent message follows", "------- returned message",
	    "header of the original message is following", "included is a copy of the message header",
	    "message body follows", "mensaje original adjunto", "\ncontent-type: message/rfc822",
	    "\ncontent-type: text/rfc822-headers",
	    /* no marker at all: the original's header fields start a line where the report ends */
	    "\nreceived: from ", "\nreceived: by ", "\nreturn-path: <",
	    /* or quoted, each line after "> " */
	    "\n> received: ", "\n> return-path: ", NULL};
	size_t cut = text->len;

	for (int i = 0; markers[i]; i++) {
		const char *at = strcasestr(sbuf_str(text), markers[i]);
		if (at && (size_t)(at - sbuf_str(text)) < cut)
			cut = (size_t)(at - sbuf_str(text));
	}
	if (w->to == NULL && !w->orig_seen && cut < text->len)
		inline_to(w, sbuf_str(text) + cut);
	sbuf_truncate(text, cut);
}

/*
 * dsn_context - the human-readable text about addr: what follows its first
 * mention in text, up to a blank line after it, at most 600 bytes, on one
 * line; "" when text does not name it.
 */
char *
dsn_context(const char *text, const char *addr)
{
	const char *at = strcasestr(text, addr), *end;
	char *c;

	if (at == NULL)
		return xstrdup("");
	at += strlen(addr);
	end = at;
	while (*end && end - at < 600 && !(end - at > 40 && end[0] == '\n' && (end[1] == '\n' || end[1] == '\r')))
		end++;
	c = xstrndup(at, (size_t)(end - at));
	for (char *q = c; *q; q++)
		if (*q == '\r' || *q == '\n' || *q == '\t')
			*q = ' ';
	return c;
}

/*
 * dsn_html_text - the words of an HTML part into out: tags dropped (a line
 * break for the ones that end a line or a cell), the entities a bounce
 * uses decoded, so "&lt;x@y&gt;: 550 ..." reads as the text bounce it is.
 */
void
dsn_html_text(SBUF *out, const char *h)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&nbsp;", ' '}, {"&#64;", '@'}};

	for (const char *p = h; *p && out->len < DSN_MAX_TEXT;) {
		if (*p == '<') {
			const char *e = strchr(p, '>');
			if (e == NULL)
				break;
			if (strncasecmp(p, "<br", 3) == 0 || strncasecmp(p, "<p", 2) == 0 || strncasecmp(p, "</p", 3) == 0 ||
			    strncasecmp(p, "<div", 4) == 0 || strncasecmp(p, "</div", 5) == 0 ||
			    strncasecmp(p, "</tr", 4) == 0 || strncasecmp(p, "<li", 3) == 0)
				sbuf_putc(out, '\n');
			else
				sbuf_putc(out, ' ');
			p = e + 1;
			continue;
		}
		if (*p == '&') {
			size_t k;
			for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
				if (strncasecmp(p, ents[k].ent, strlen(ents[k].ent)) == 0)
					break;
			if (k < sizeof(ents) / sizeof(ents[0])) {
				sbuf_putc(out, ents[k].c);
				p += strlen(ents[k].ent);
				continue;
			}
		}
		sbuf_putc(out, *p++);
	}
	sbuf_putc(out, '\n');
}

/* dsn_is_daemon_addr - addresses in a bounce that are not recipients */
static int
dsn_is_daemon_addr(const char *a)
{
	return strncasecmp(a, "mailer-daemon@", 14) == 0 || strncasecmp(a, "postmaster@", 11) == 0 ||
	       strncasecmp(a, "mail-daemon@", 12) == 0 || strncasecmp(a, "noreply@", 8) == 0;
}

/* A candidate recipient of a plain-text bounce: the address, where it starts and ends in the text */
typedef struct {
	char *addr;
	const char *start, *at;
} CANDIDATE;

/*
 * header_line - does the line at bol start with a header field that names
 * no failed recipient (the returned original's Message-ID, From, Received,
 * ... quoted in the text)?
 */
static int
header_line(const char *bol)
{
	static const char *const names[] = {"Message-ID:", "In-Reply-To:", "References:", "Return-Path:",
					    "Reply-To:", "Sender:", "From:", "Received:", "Date:", "DKIM-Signature:",
					    "X-Mailer:", "Errors-To:", NULL};

	return dsn_field_at(bol + strspn(bol, " \t>"), names);
}

/* scan_named - does the address at s..e stand where a bounce names a recipient? */
static int
scan_named(const char *text, const char *s, const char *e, int loose)
{
	const char *ls = s, *bol = s;

	while (bol > text && bol[-1] != '\n')
		bol--;
	if (header_line(bol))
		return 0;
	while (ls > text && (ls[-1] == ' ' || ls[-1] == '\t'))
		ls--;
	/* a list's bullet before it: "-- x@y" (Mimecast), "- x@y", "* x@y" */
	while (ls > bol && (ls[-1] == '-' || ls[-1] == '*') && ls - bol <= 3)
		ls--;
	if ((s > text && s[-1] == '<') || ls == text || ls[-1] == '\n' || *e == ':' || (*e == '>' && e[1] == ':') ||
	    strncasecmp(e, ">:", 2) == 0)
		return 1;
	/* "RCPT TO:<x>" and "Original-Recipient" lines name it too */
	if (ls - text >= 8 && strncasecmp(ls - 8, "RCPT TO:", 8) == 0) /* also "RCPT TO: x@y" (Verizon) */
		return 1;
	/* found nothing so far: also "sent mail to x@y.", "for x@y" in a sentence and IMail's "Unknown user: x@y" */
	if (s > text && s[-1] == '"' && *e == '"' && e[1] == ':') /* GMX: "x@y": */
		return 1;
	if (s - text >= 2 && s[-1] == '\'' && *e == '\'' && (s[-2] == ' ' || s[-2] == '\t' || s[-2] == '\n'))
		return 1; /* Exchange: "      'x@y' on 1/1/2004 10:00 AM" */
	/* last, when nothing else names one: quoted alone on its line ("Delivery of email to this
	   address\n\n"x@y"\n\nhas failed"), not a contact address below a sentence that names one */
	if (loose > 1 && s > bol && s[-1] == '"' && *e == '"' && (e[1] == '\n' || e[1] == '\r' || e[1] == 0) &&
	    strspn(bol, " \t") == (size_t)(s - 1 - bol))
		return 1;
	return loose && ((s - text >= 3 && strncasecmp(s - 3, "to ", 3) == 0) ||
			 (s - text >= 4 && strncasecmp(s - 4, "for ", 4) == 0) ||
			 (s - text >= 2 && strncmp(s - 2, ": ", 2) == 0) ||
			 (s > text && s[-1] == '(' && *e == ')')); /* Domino: "User x (x@y) not listed" */
}

/* scan_addrs - the candidates of text (loose: scan_named's), at most DSN_MAX_RCPTS; how many */
static int
scan_addrs(const char *text, const char *sender, int loose, CANDIDATE *found)
{
	const char *p = text;
	int n = 0;

	while ((p = strchr(p, '@')) != NULL && n < DSN_MAX_RCPTS) {
		const char *s, *e;
		if (bounce_addr_span(text, p, &s, &e) && scan_named(text, s, e, loose)) {
			char *a = xstrndup(s, (size_t)(e - s));
			if (dsn_is_daemon_addr(a) || (sender && strcasecmp(a, sender) == 0) || strstr(a, "..")) {
				free(a);
			} else {
				found[n].addr = a;
				found[n].start = s;
				found[n++].at = e;
			}
		}
		p = e > p ? e : p + 1;
	}
	return n;
}

void
dsn_text_of(DSN_RCPT *x, const char *from, const char *to)
{
	size_t len = (size_t)(to - from) > 2000 ? 2000 : (size_t)(to - from);

	free(x->text);
	x->text = xstrndup(from, len);
	for (char *c = x->text; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
}

/* text_verdict - x read from text[from, to) as a text bounce's failure, or its delay warning */
static void
text_verdict(WALK *w, DSN_RCPT *x, const char *from, const char *to)
{
	dsn_text_of(x, from, to);
	free(x->action);
	x->action = xstrdup(w->warning ? "delayed" : "failed");
	dsn_classify(w, x);
}

/* dsn_find - the recipient addr of out already reported, or NULL */
static DSN_RCPT *
dsn_find(DSN_REPORT *out, const char *addr)
{
	for (size_t i = 0; i < out->n; i++)
		if (strcasecmp(out->r[i].recipient, addr) == 0)
			return &out->r[i];
	return NULL;
}

/* scan_try - x read again with text[from, to); kept when a rule explains it, else x stays as it was */
static void
scan_try(WALK *w, DSN_RCPT *x, const char *from, const char *to)
{
	char *before = x->text, status[sizeof(x->status)];
	int code = x->code;

	/* the codes are this text's own: "Size (in bytes): 222" after the address is no 222 reply */
	memcpy(status, x->status, sizeof(status));
	x->code = 0;
	x->status[0] = 0;
	x->text = NULL;
	dsn_text_of(x, from, to);
	dsn_classify(w, x);
	if (x->by_rule) {
		free(before);
	} else {
		free(x->text);
		x->text = before;
		x->code = code;
		memcpy(x->status, status, sizeof(status));
		dsn_classify(w, x);
	}
}

/*
 * dsn_scan_text - recipients in a plain-text bounce: every address that
 * starts a line, is in <> or is followed by ':' (or, when there is none, one
 * in a sentence), with the text that follows it up to the next such
 * address (when there is none, one quoted alone on its line); when no rule
 * explains that, the text before it on its line
 * (IMail: "User mailbox exceeds allowed size: x@y").
 */
static void
dsn_scan_text(WALK *w, const char *text, const char *sender)
{
	CANDIDATE found[DSN_MAX_RCPTS];
	int n = 0;

	/* the strict forms first; a sentence's addresses only when they find none; then one quoted alone */
	for (int loose = 0; loose < 3 && n == 0; loose++)
		n = scan_addrs(text, sender, loose, found);
	for (int i = 0; i < n; i++) {
		/* the context runs to the next other address: Exim names the recipient again in
		   "RCPT TO:<x>:", just before the reply */
		int j = i + 1;
		const char *bol = found[i].start;
		const char *end;
		DSN_RCPT *x;
		while (j < n && strcasecmp(found[j].addr, found[i].addr) == 0)
			j++;
		end = j < n ? found[j].at : found[i].at + strlen(found[i].at);
		if (strncmp(found[i].at, ">...", 4) == 0) {
			/* Sendmail's "554 <x@y>... reason" is one line: the next one is about another
			   ("550 example.org (smtp)... 550 Host unknown" before its "<z@example.org>...") */
			const char *eol = strchr(found[i].at, '\n');
			if (eol && eol < end)
				end = eol;
		}
		while (bol > text && bol[-1] != '\n')
			bol--;
		if ((x = dsn_find(w->out, found[i].addr)) != NULL) {
			/* named again further on: what follows may say why (Sendmail lists the addresses, then
			   the transcript's "550 <x>... User unknown") */
			free(found[i].addr);
			if (!x->by_rule)
				scan_try(w, x, found[i].at, end);
			continue;
		}
		if ((x = dsn_add(w->out, found[i].addr)) == NULL)
			continue; /* DSN_MAX_RCPTS */
		text_verdict(w, x, found[i].at, end);
		if (!x->by_rule && bol < found[i].start)
			scan_try(w, x, bol, found[i].start);
		/* the reason stated above a list of recipients (MailMarshal: "Could not be delivered
		   because of 550 5.1.1 User unknown. The following recipients were affected:"), from
		   the previous recipient on, at most its last 2000 bytes */
		if (!x->by_rule) {
			const char *from = i > 0 ? found[i - 1].at : text;
			if (found[i].start - from > 2000)
				from = found[i].start - 2000;
			if (from < bol)
				scan_try(w, x, from, found[i].start);
		}
	}
}

/*
 * dsn_text_warning - is a plain-text bounce a delay warning (the mail is
 * still being tried), by its subject or its words? Postfix's "Delayed Mail
 * (still being retried)", Sendmail's "Warning: could not send message for
 * past 4 hours", Exim's "Warning: message ... delayed", Courier's "WARNING:
 * delayed mail.", and the texts that say no action is needed.
 */
static int
dsn_text_warning(GMimeMessage *m, const char *text)
{
	const char *subj = g_mime_message_get_subject(m);
	static const char *const subjects[] = {"delayed mail", "delivery delayed", "message delayed", "warning:",
					       "still being retried", "delivery status notification (delay)", NULL};
	static const char *const words[] = {"this is a warning only", "will keep trying", "will continue to try",
					    "delivery attempts will continue", "no action is required on your part",
					    "still being retried", "has not yet been delivered", "not been delivered yet",
					    "transient non-fatal errors", "will be retried", NULL};

	for (int i = 0; subj && subjects[i]; i++)
		if (strcasestr(subj, subjects[i]))
			return 1;
	for (int i = 0; words[i]; i++)
		if (strcasestr(text, words[i]))
			return 1;
	return 0;
}

/* bare_name - the length of a lone local part at p ("mykewlaolacct"), up to its line's end or " (", or 0 */
static size_t
bare_name(const char *p)
{
	size_t n = 0;

	while (isalnum((unsigned char)p[n]) || (p[n] && strchr("._+-", p[n])))
		n++;
	if (n == 0 || n > 64)
		return 0;
	return p[n] == 0 || p[n] == '\n' || p[n] == '\r' || strncmp(p + n, " (", 2) == 0 ? n : 0;
}

/* bare_add - the recipient NAME (n bytes at p) at domain, its reason read from text[from, to) */
static void
bare_add(WALK *w, const char *p, size_t n, const char *domain, const char *from, const char *to)
{
	SBUF *rcpt = sbuf_new(80);
	DSN_RCPT *x;

	sbuf_catn(rcpt, p, n);
	sbuf_cat(rcpt, domain);
	if ((x = dsn_add(w->out, sbuf_steal(rcpt))) != NULL)
		text_verdict(w, x, from, to);
}

/*
 * reason_then_name - a line "REASON: NAME", NAME a lone local part to the
 * line's end and REASON words a rule explains: where NAME starts (its
 * length in n), or NULL. "Subject: hello" is no such line: no rule reads
 * "Subject"; nor is "X-Spam-Flag: NO", a field name, not words. The rules read at most *budget such lines of a message (each
 * read costs every rule), so a text of a thousand "a: b" lines costs no more.
 */
static const char *
reason_then_name(const WALK *w, const char *line, const char *eol, size_t *n, int *budget)
{
	const char *c = NULL;
	BOUNCE_VERDICT v;
	char *reason;
	int r;

	for (const char *p = line; p + 1 < eol; p++)
		if (p[0] == ':' && p[1] == ' ')
			c = p;
	if (c == NULL || c == line || c - line > 200 || (*n = bare_name(c + 2)) == 0 || c + 2 + *n < eol - 1 ||
	    *budget <= 0)
		return NULL;
	if (memchr(line, ' ', (size_t)(c - line)) == NULL)
		return NULL; /* "X-Spam-Flag: NO" is a header field, not a reason in words */
	(*budget)--;
	reason = xstrndup(line, (size_t)(c - line));
	r = bounce_classify(w->rules, "", 0, reason, &v);
	free(reason);
	return r != BR_NONE && r != BR_DELIVERED ? c + 2 : NULL;
}

/*
 * dsn_bare_names - a bounce that names its recipients by local part alone,
 * one per line under a line that ends with ':' (legacy AOL's screen names,
 * GroupWise's "user (user not found)"), or after a reason on its own line
 * that a rule explains (CompuServe's "Receiver not found: user1"): each at
 * the domain of the bounce's own From, with the line above and its own
 * rest, or the words before it, as the reason.
 */
static void
dsn_bare_names(WALK *w, GMimeMessage *m)
{
	const char *addr = dsn_first_addr(g_mime_message_get_from(m));
	const char *domain = addr ? strrchr(addr, '@') : NULL, *text = sbuf_str(w->text), *head = NULL;
	int budget = 16;

	if (domain == NULL || domain[1] == 0)
		return;
	for (const char *line = text; *line;) {
		const char *eol = line + strcspn(line, "\n"), *p = line + strspn(line, " \t"), *q;
		size_t n;
		if (eol > line && (eol[-1] == ':' || (eol - line > 1 && eol[-1] == '\r' && eol[-2] == ':'))) {
			head = line;
		} else if (p == eol || *p == '\r') {
			head = NULL; /* a blank line ends the list */
		} else if (head && p > line && (n = bare_name(p)) > 0) {
			bare_add(w, p, n, domain, head, eol);
		} else if ((q = reason_then_name(w, line, eol, &n, &budget)) != NULL) {
			bare_add(w, q, n, domain, line, q);
		}
		line = *eol ? eol + 1 : eol;
	}
}

/*
 * names_word - does text name word (n bytes, at least 3) on its own, not
 * inside a longer word or an address? A role a bounce's own words name
 * ("contact your postmaster", "user unknown") is no name.
 */
static int
names_word(const char *text, const char *word, size_t n)
{
	static const char *const roles[] = {"postmaster", "administrator", "admin",   "info",	 "user",
					    "support",	  "mail",	   "root",    "abuse",	 "contact",
					    "webmaster",  "noreply",	   "mailer-daemon", "recipient", NULL};
	char *w = n >= 3 ? xstrndup(word, n) : NULL;
	int found = 0;

	for (int i = 0; w && roles[i]; i++)
		if (strcasecmp(w, roles[i]) == 0) {
			free(w);
			return 0;
		}

	for (const char *p = text; w && !found && (p = strcasestr(p, w)) != NULL; p++)
		found = (p == text || !(isalnum((unsigned char)p[-1]) || strchr("._-+=%@", p[-1]))) &&
		        !(isalnum((unsigned char)p[n]) || (p[n] && strchr("._-+=%@", p[n])));
	free(w);
	return found;
}

/* to_mailboxes - how many mailboxes an address list names (a group's members too); the last in *one */
static int
to_mailboxes(InternetAddressList *l, const char **one, int depth)
{
	int n = 0;

	for (int i = 0; l && i < internet_address_list_length(l) && i < 100; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
			if (addr && strchr(addr, '@')) {
				*one = addr;
				n++;
			}
		} else if (INTERNET_ADDRESS_IS_GROUP(a) && depth == 0) {
			n += to_mailboxes(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), one, 1);
		}
	}
	return n;
}

/*
 * dsn_returned_to - a bounce whose text names no address at all: about the
 * envelope recipient that its returned original's first Received field
 * names ("for <x>"), when the original's To names no mailbox (a Bcc,
 * "undisclosed-recipients:;") or the bounce's words name that recipient's
 * local part (Nifty: "X could not receive a mail", to a list's member);
 * else about the original's one To. The bounce's whole text is the reason.
 * (Whether it may change state is decided later, by the queue id recorded
 * for that recipient or a VERP token: lib/feedback.c.) A Received
 * recipient is not taken over a To that names one otherwise, nor over one
 * of the same local part: the last hop may have rewritten the address (an
 * alias, a mailstore's own name), and the one the sender gave is the one
 * recorded.
 */
static void
dsn_returned_to(WALK *w)
{
	InternetAddressList *l = w->to ? internet_address_list_parse(NULL, w->to) : NULL;
	const char *one = NULL, *rcpt = NULL, *at = w->rcvd_for ? strchr(w->rcvd_for, '@') : NULL;
	int n = to_mailboxes(l, &one, 0);
	DSN_RCPT *x;

	size_t local = at ? (size_t)(at - w->rcvd_for) : 0;

	if (at && (n == 0 || (names_word(sbuf_str(w->text), w->rcvd_for, local) &&
	                      !(n == 1 && strncasecmp(one, w->rcvd_for, local + 1) == 0))))
		rcpt = w->rcvd_for;
	else if (n == 1)
		rcpt = one;
	if (rcpt && (x = dsn_add(w->out, xstrdup(rcpt))) != NULL) {
		w->guessed = 1;
		text_verdict(w, x, sbuf_str(w->text), sbuf_str(w->text) + w->text->len);
	}
	if (l)
		g_object_unref(l);
}

/* A failed recipient named in the text: which one, and where its address ends */
typedef struct {
	size_t rcpt;
	const char *at;
} MENTION;

#define MAX_MENTIONS 400

/*
 * failed_words - each recipient of X-Failed-Recipients (Exim) with the
 * words that follow where the text names it, up to where it names another:
 * Exim lists them in turn, each with its own reply, and may list them
 * twice (Mail.Ru: Russian, then English) or first all, then the reasons.
 * Addresses are matched whole ("jbob@y" is not "bob@y") in one pass; the
 * first mention decides, a later one is read when no rule explained it; a
 * recipient the text never names gets the whole text.
 */
static void
failed_words(WALK *w)
{
	DSN_REPORT *out = w->out;
	const char *text = sbuf_str(w->text), *p = text;
	MENTION *m = xcalloc(MAX_MENTIONS, sizeof(*m));
	size_t n = 0;
	char *seen = xcalloc(out->n ? out->n : 1, 1);

	while ((p = strchr(p, '@')) != NULL && n < MAX_MENTIONS) {
		const char *s, *e;
		if (bounce_addr_span(text, p, &s, &e)) {
			for (size_t i = 0; i < out->n; i++)
				if (strlen(out->r[i].recipient) == (size_t)(e - s) &&
				    strncasecmp(out->r[i].recipient, s, (size_t)(e - s)) == 0) {
					m[n].rcpt = i;
					m[n++].at = e;
					break;
				}
		}
		p = e > p ? e : p + 1;
	}
	for (size_t k = 0; k < n; k++) {
		DSN_RCPT *x = &out->r[m[k].rcpt];
		const char *end = m[k].at + strlen(m[k].at);
		for (size_t j = k + 1; j < n; j++)
			if (m[j].rcpt != m[k].rcpt) {
				end = m[j].at - strlen(out->r[m[j].rcpt].recipient);
				break;
			}
		if (seen[m[k].rcpt]) {
			if (!x->by_rule)
				scan_try(w, x, m[k].at, end);
			continue;
		}
		seen[m[k].rcpt] = 1;
		text_verdict(w, x, m[k].at, end);
	}
	for (size_t i = 0; i < out->n; i++)
		if (!seen[i])
			text_verdict(w, &out->r[i], text, text + w->text->len);
	free(seen);
	free(m);
}

/* dsn_text_bounce - the recipients of a plain-text bounce: X-Failed-Recipients (Exim), else the text's */
void
dsn_text_bounce(WALK *w, GMimeMessage *m)
{
	DSN_REPORT *out = w->out;
	const char *xf = g_mime_object_get_header(GMIME_OBJECT(m), "X-Failed-Recipients");

	out->kind = DSN_TEXT;
	w->warning = dsn_text_warning(m, sbuf_str(w->text));
	if (xf) { /* Exim names them; the text says why */
		char *copy = xstrdup(xf), *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			char *a = dsn_clean_addr(t);
			if (a)
				(void)dsn_add(out, a); /* NULL: a repeat, or past DSN_MAX_RCPTS */
		}
		free(copy);
		failed_words(w);
	}
	if (out->n == 0) { /* the bounce's own To is the original's sender (or its VERP address), not a recipient */
		const char *own = dsn_first_addr(g_mime_message_get_to(m));
		dsn_scan_text(w, sbuf_str(w->text), own);
		if (out->n == 0 && own) /* unless it is the only one: a sender who mailed itself */
			dsn_scan_text(w, sbuf_str(w->text), NULL);
	}
	if (out->n == 0)
		dsn_bare_names(w, m);
	if (out->n == 0)
		dsn_returned_to(w);
}
