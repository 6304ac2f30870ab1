/*
 * NAME
 *	bounce - what a delivery outcome means: its category and its effect
 * DESCRIPTION
 *	The one home of that meaning (tm_bounce.h): the categories of log
 *	records, DSN recipients and ARF reports, and what each category
 *	counts, suppresses and does to the soft-bounce streak.
 *
 *	Rule syntax, one per line:
 *	    CONDITION... => CATEGORY REASON...
 *	where a CONDITION is status=GLOB (enhanced status, "5.1.*"), code=GLOB
 *	(basic reply code, "55?") or text=/REGEX/ (POSIX extended, case
 *	insensitive, on the reply text's first BOUNCE_MATCH_MAX bytes). All
 *	conditions of a rule must hold; the first rule that matches wins. '#'
 *	starts a comment.
 * SEE ALSO
 *	tm_bounce.h, conf/bounce-rules.conf
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tm_bounce.h"
#include "tm_maillog.h"
#include "tm_mem.h"
#include "tm_suppress.h"

static const char *const cat_names[] = {"none", "delivered", "hard", "soft", "block", "throttle",
					"complaint", "unsubscribe", "auto-reply"};

/*
 * The taxonomy: every reason and the one category it means. Only proof that
 * the recipient does not exist is hard. The soft reasons are the recipient's
 * side (each final one feeds the soft streak); block and throttle are the
 * sender's side, which never suppress and never feed a streak.
 */
static const struct {
	const char *name;
	int category;
} reasons[] = {
    [BR_NONE] = {"none", BC_NONE},
    [BR_DELIVERED] = {"delivered", BC_DELIVERED},
    [BR_USER_UNKNOWN] = {"user-unknown", BC_HARD},
    [BR_HOST_UNKNOWN] = {"host-unknown", BC_HARD},
    [BR_NOT_ACCEPT] = {"not-accept", BC_HARD},
    [BR_HAS_MOVED] = {"has-moved", BC_HARD},
    [BR_MAILBOX_FULL] = {"mailbox-full", BC_SOFT},
    [BR_MESSAGE_TOO_BIG] = {"message-too-big", BC_SOFT},
    [BR_EXPIRED] = {"expired", BC_SOFT},
    [BR_SYSTEM_ERROR] = {"system-error", BC_SOFT},
    [BR_MAILER_ERROR] = {"mailer-error", BC_SOFT},
    [BR_ON_HOLD] = {"on-hold", BC_SOFT},
    [BR_UNKNOWN] = {"unknown", BC_SOFT},
    [BR_BLOCKED] = {"blocked", BC_BLOCK},
    [BR_SPAM_CONTENT] = {"spam-content", BC_BLOCK},
    [BR_POLICY] = {"policy", BC_BLOCK},
    [BR_AUTHENTICATION] = {"authentication", BC_BLOCK},
    [BR_TLS_REQUIRED] = {"tls-required", BC_BLOCK},
    [BR_RATE_LIMITED] = {"rate-limited", BC_THROTTLE},
    [BR_TOO_MANY_CONN] = {"too-many-conn", BC_THROTTLE},
    [BR_FEEDBACK_ABUSE] = {"feedback-abuse", BC_COMPLAINT},
    [BR_FEEDBACK_FRAUD] = {"feedback-fraud", BC_COMPLAINT},
    [BR_FEEDBACK_VIRUS] = {"feedback-virus", BC_COMPLAINT},
    [BR_FEEDBACK_OPTOUT] = {"feedback-optout", BC_UNSUBSCRIBE},
    [BR_FEEDBACK_OTHER] = {"feedback-other", BC_NONE},
    [BR_AUTOREPLY] = {"auto-reply", BC_AUTOREPLY},
};

const char *
bounce_category_name(int c)
{
	return c >= 0 && c <= BC_AUTOREPLY ? cat_names[c] : "none";
}

int
bounce_category_parse(const char *s)
{
	for (int i = 0; i <= BC_AUTOREPLY; i++)
		if (strcmp(cat_names[i], s) == 0)
			return i;
	return -1;
}

const char *
bounce_reason_name(int r)
{
	return r >= 0 && r < BR_COUNT ? reasons[r].name : "none";
}

int
bounce_reason_parse(const char *s)
{
	for (int i = 0; i < BR_COUNT; i++)
		if (strcmp(reasons[i].name, s) == 0)
			return i;
	return -1;
}

int
bounce_reason_category(int r)
{
	return r >= 0 && r < BR_COUNT ? reasons[r].category : BC_NONE;
}

typedef struct {
	char *status; /* glob or NULL */
	char *code;   /* glob or NULL */
	regex_t re;
	int has_re;
	int reason;
	int line;     /* in its file */
	char *source; /* the "# source:" comment above it, or NULL */
} BRULE;

struct bounce_rules {
	char *origin;
	BRULE *r;
	size_t n;
};

BRULES *
brules_free(BRULES *b)
{
	if (b) {
		for (size_t i = 0; i < b->n; i++) {
			free(b->r[i].status);
			free(b->r[i].code);
			if (b->r[i].has_re)
				regfree(&b->r[i].re);
			free(b->r[i].source);
		}
		free(b->r);
		free(b->origin);
		free(b);
	}
	return NULL;
}

size_t
brules_count(const BRULES *b)
{
	return b->n;
}

size_t
brules_unsourced(const BRULES *b, SBUF *where)
{
	size_t n = 0;

	for (size_t i = 0; i < b->n; i++)
		if (b->r[i].source == NULL) {
			sbuf_printf(where, "%s:%d\n", b->origin, b->r[i].line);
			n++;
		}
	return n;
}

/* brules_cond - one "status=", "code=" or "text=/RE/" condition at *pp into r */
static int
brules_cond(char **pp, BRULE *r, SBUF *why)
{
	char *p = *pp, *end;
	int rc;

	if (strncmp(p, "text=/", 6) == 0) {
		char *re = p + 6;
		end = strrchr(re, '/');
		if (end == NULL || end < re || r->has_re) {
			sbuf_cat(why, r->has_re ? "two text conditions" : "text=/REGEX/ needs a closing '/'");
			return -1;
		}
		*end = 0;
		if ((rc = regcomp(&r->re, re, REG_EXTENDED | REG_ICASE | REG_NOSUB)) != 0) {
			char msg[128];
			regerror(rc, &r->re, msg, sizeof(msg));
			sbuf_printf(why, "bad regular expression: %s", msg);
			return -1;
		}
		r->has_re = 1;
		*pp = end + 1;
		return 0;
	}
	end = p + strcspn(p, " \t");
	if (*end)
		*end++ = 0;
	if (strncmp(p, "status=", 7) == 0 && p[7] && r->status == NULL)
		r->status = xstrdup(p + 7);
	else if (strncmp(p, "code=", 5) == 0 && p[5] && r->code == NULL)
		r->code = xstrdup(p + 5);
	else {
		sbuf_printf(why, "unknown condition \"%.40s\" (status=GLOB, code=GLOB or text=/REGEX/, once each)", p);
		return -1;
	}
	*pp = end;
	return 0;
}

/* brules_line - parse one rule "CONDITION... => REASON"; 0, or -1 with why */
static int
brules_line(char *line, BRULE *r, SBUF *why)
{
	char *arrow = strstr(line, "=>"), *p, *name, *end;

	memset(r, 0, sizeof(*r));
	if (arrow == NULL) {
		sbuf_cat(why, "expected CONDITION... => REASON");
		return -1;
	}
	*arrow = 0;
	for (p = line; *p;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p && brules_cond(&p, r, why) < 0)
			goto fail;
	}
	for (name = arrow + 2; isspace((unsigned char)*name); name++)
		;
	end = name + strcspn(name, " \t");
	if (*end)
		*end++ = 0;
	while (isspace((unsigned char)*end))
		end++;
	if ((r->reason = bounce_reason_parse(name)) < 0 || r->reason == BR_NONE) {
		if (bounce_category_parse(name) >= 0)
			sbuf_printf(why, "\"%.40s\" is a category: a rule names a reason, and the reason its category "
					 "(user-unknown, mailbox-full, spam-content, ...: tenant-feedback(1))",
				    name);
		else
			sbuf_printf(why, "unknown reason \"%.40s\" (user-unknown, mailbox-full, spam-content, ...: "
					 "tenant-feedback(1))",
				    name);
		goto fail;
	}
	if (*end && *end != '#') {
		sbuf_printf(why, "unexpected \"%.40s\" after the reason (a comment starts with '#')", end);
		goto fail;
	}
	return 0;
fail:
	free(r->status);
	free(r->code);
	if (r->has_re)
		regfree(&r->re);
	memset(r, 0, sizeof(*r));
	return -1;
}

/* brules_source - a "# source: ..." comment line's text, or NULL */
static const char *
brules_source(const char *s)
{
	s++;
	while (*s == ' ' || *s == '\t')
		s++;
	if (strncasecmp(s, "source:", 7) != 0)
		return NULL;
	for (s += 7; *s == ' ' || *s == '\t'; s++)
		;
	return *s ? s : NULL;
}

BRULES *
brules_parse(const char *origin, const char *text, SBUF *errs)
{
	BRULES *b = xcalloc(1, sizeof(*b));
	size_t alloc = 0, lineno = 0, errs_before = errs->len;
	const char *p = text;
	char *source = NULL; /* the last "# source:" comment: it names the source of the rules below it */
	SBUF *why = sbuf_new(64);

	b->origin = xstrdup(origin);
	while (*p) {
		const char *nl = strchr(p, '\n'), *src;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xmalloc(len + 1), *s;
		memcpy(line, p, len);
		line[len] = 0;
		lineno++;
		p += len + (nl ? 1 : 0);
		for (s = line; isspace((unsigned char)*s); s++)
			;
		if (*s == '#' && (src = brules_source(s)) != NULL) {
			free(source);
			source = xstrdup(src);
		} else if (*s && *s != '#') {
			BRULE r;
			size_t l = strlen(s);
			while (l && isspace((unsigned char)s[l - 1]))
				s[--l] = 0;
			sbuf_reset(why);
			if (brules_line(s, &r, why) < 0) {
				sbuf_printf(errs, "%s:%zu: %s\n", origin, lineno, sbuf_str(why));
			} else {
				if (b->n == alloc) {
					alloc = alloc ? alloc * 2 : 32;
					b->r = xrealloc(b->r, alloc * sizeof(BRULE));
				}
				r.line = (int)lineno;
				r.source = source ? xstrdup(source) : NULL;
				b->r[b->n++] = r;
			}
		}
		free(line);
	}
	free(source);
	sbuf_free(why);
	if (errs->len > errs_before)
		return brules_free(b);
	return b;
}

#include "lib/bounce_rules.h" /* bounce_rules_default[]: conf/bounce-rules.conf as a C string */

BRULES *
brules_default(void)
{
	SBUF *errs = sbuf_new(64);
	BRULES *b = brules_parse("built-in bounce-rules.conf", bounce_rules_default, errs);

	sbuf_free(errs); /* the shipped file is checked by the unit tests */
	return b;
}

BRULES *
brules_load(const char *path, SBUF *errs)
{
	SBUF *text = sbuf_new(4096);
	BRULES *b = NULL;

	if (sbuf_read_text(text, path, 1024 * 1024, errs) == 0)
		b = brules_parse(path, sbuf_str(text), errs);
	sbuf_free(text);
	return b;
}

void
bounce_extract_status(const char *text, char *out, size_t n)
{
	out[0] = 0;
	for (const char *p = text; p && *p; p++) {
		const char *q = p;
		if ((*q != '2' && *q != '4' && *q != '5') || q[1] != '.' || (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '.')))
			continue;
		q += 2;
		if (!isdigit((unsigned char)*q))
			continue;
		while (isdigit((unsigned char)*q) && q - p < 6)
			q++;
		if (*q != '.' || !isdigit((unsigned char)q[1]))
			continue;
		q++;
		while (isdigit((unsigned char)*q) && q - p < 11)
			q++;
		if (isalnum((unsigned char)*q) || (*q == '.' && isdigit((unsigned char)q[1])))
			continue;
		snprintf(out, n, "%.*s", (int)(q - p), p);
		return;
	}
}

int
bounce_extract_code(const char *text)
{
	for (const char *p = text; p && *p; p++) {
		/* not the last part of an address or a version: "Connected to 192.0.2.225 but sender was
		   rejected" has no 225 reply, and read as one it would be a delivery; nor a parameter's
		   value (Exim's "after MAIL FROM:<x> SIZE=222:") */
		if ((p == text || (!isalnum((unsigned char)p[-1]) && p[-1] != '.' && p[-1] != ':' && p[-1] != '=')) &&
		    (p[0] == '2' || p[0] == '4' || p[0] == '5') &&
		    isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
		    (p[3] == ' ' || p[3] == '-' || p[3] == 0 || p[3] == '\t' || p[3] == ':')) {
			int c = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
			if (c >= 200 && c <= 599 && (p[3] != ' ' || !isdigit((unsigned char)p[4]) || p[5] == '.'))
				return c;
		}
	}
	return 0;
}

size_t
bounce_match_len(const char *text, size_t len)
{
	size_t cut = BOUNCE_MATCH_MAX;

	if (len <= BOUNCE_MATCH_MAX)
		return len;
	/* text[cut] is the first byte left out: if it continues a character, leave that one out whole */
	while (cut > BOUNCE_MATCH_MAX - 3 && ((unsigned char)text[cut] & 0xC0) == 0x80)
		cut--;
	if (((unsigned char)text[cut] & 0xC0) == 0x80)
		cut = BOUNCE_MATCH_MAX; /* not UTF-8: a plain byte cut */
	return cut;
}

/*
 * bounce_join_lines - the first len bytes of text into out (len + 1
 * bytes), without the "550-" and "550-5.7.1 " that start each continuation
 * line of a multi-line SMTP reply: the rules read "this message is likely
 * unsolicited mail" as one phrase, as Gmail, Outlook and others wrap it;
 * and each run of blanks and line ends as one space ("Host not\n    found,
 * try again" is Postfix's temporary "Host not found, try again").
 */
void
bounce_join_lines(const char *text, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		const char *p = text + i;
		size_t skip = 0;
		if ((i == 0 || p[-1] == ' ' || p[-1] == '\n') && i + 4 <= len && (*p == '2' || *p == '4' || *p == '5') &&
		    isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) && p[3] == '-') {
			skip = 4;
			/* and the enhanced status that repeats after it, with its space */
			if (i + skip + 6 <= len && p[4] == p[0] && p[5] == '.') {
				size_t k = 6;
				while (i + k < len && (isdigit((unsigned char)p[k]) || p[k] == '.') && k < 14)
					k++;
				if (i + k < len && p[k] == ' ')
					skip = k + 1;
			}
		}
		if (skip) {
			i += skip;
			continue;
		}
		if (isspace((unsigned char)text[i])) { /* a run of blanks or line ends, as a wrapped text has them: one space */
			if (o == 0 || out[o - 1] != ' ')
				out[o++] = ' ';
			i++;
			continue;
		}
		out[o++] = text[i++];
	}
	out[o] = 0;
}

int
bounce_addr_span(const char *text, const char *at, const char **start, const char **end)
{
	const char *s = at, *e = at + 1;

	/* bytes >= 0x80: UTF-8 local parts and domains (SMTPUTF8, 8-bit bounces) */
	while (s > text && (isalnum((unsigned char)s[-1]) || (unsigned char)s[-1] >= 0x80 || strchr("._%+-=/'", s[-1])))
		s--;
	while (isalnum((unsigned char)*e) || (unsigned char)*e >= 0x80 || *e == '.' || *e == '-')
		e++;
	while (e > at + 1 && e[-1] == '.')
		e--;
	while (s < at && (*s == '\'' || *s == '.' || *s == '/' || *s == '=')) /* Exchange's 'x@y': not the address */
		s++;
	*start = s;
	*end = e;
	return s < at && e > at + 3 && memchr(at, '.', (size_t)(e - at)) != NULL;
}

/* mask_run - the letters and digits of s[from, to) as 'x' */
static void
mask_run(char *s, size_t from, size_t to)
{
	for (size_t k = from; k < to; k++)
		if (isalnum((unsigned char)s[k]) || (unsigned char)s[k] >= 0x80)
			s[k] = 'x';
}

/*
 * bounce_mask_names - the names in a reply that are not its words, masked
 * in place (their letters as 'x'): every address, and a host name written
 * before its [IP] ("host mx1.antispam.example[192.0.2.1] said:"). A
 * recipient "filtered@", "spam@" or "blocked@", or a receiving host called
 * "spamfilter" or "mailguard", would otherwise read as a spam or block
 * reason ahead of the "User unknown" that follows it. Words in URLs and
 * block-list zones ("blocked using zen.spamhaus.org") stay.
 */
static void
bounce_mask_names(char *s)
{
	for (char *p = s; (p = strpbrk(p, "@[")) != NULL; p++) {
		const char *as, *ae;
		char *b, *e;
		if (*p == '@') {
			if (bounce_addr_span(s, p, &as, &ae)) {
				mask_run(s, (size_t)(as - s), (size_t)(ae - s));
				p = s + (ae - s) - 1;
			}
			continue;
		}
		if (!isdigit((unsigned char)p[1]) && strncasecmp(p + 1, "ipv6:", 5) != 0)
			continue;
		e = p;
		if (e > s && e[-1] == ' ')
			e--;
		b = e;
		while (b > s && (isalnum((unsigned char)b[-1]) || b[-1] == '.' || b[-1] == '-'))
			b--;
		if (b < e && memchr(b, '.', (size_t)(e - b)))
			mask_run(s, (size_t)(b - s), (size_t)(e - s));
	}
}

/* verdict - v set to a decision of the code itself (no rule) */
static int
verdict(BOUNCE_VERDICT *v, int reason, const char *note)
{
	v->reason = reason;
	v->category = bounce_reason_category(reason);
	v->origin = NULL;
	v->line = 0;
	v->source = NULL;
	v->note = note;
	return v->category;
}

int
bounce_classify(const BRULES *b, const char *status, int code, const char *text, BOUNCE_VERDICT *v)
{
	char cs[16] = "", capped[BOUNCE_MATCH_MAX + 1];
	size_t len;

	if (code > 0)
		snprintf(cs, sizeof(cs), "%d", code);
	status = status ? status : "";
	text = text ? text : "";
	/* the regular expressions see a bounded prefix (tm_bounce.h says why), joined */
	if ((len = strnlen(text, BOUNCE_MATCH_MAX + 1)) > BOUNCE_MATCH_MAX)
		len = bounce_match_len(text, len);
	bounce_join_lines(text, len, capped);
	bounce_mask_names(capped);
	text = capped;
	for (size_t i = 0; b && i < b->n; i++) {
		const BRULE *r = &b->r[i];
		if (r->status && (*status == 0 || fnmatch(r->status, status, 0) != 0))
			continue;
		if (r->code && (*cs == 0 || fnmatch(r->code, cs, 0) != 0))
			continue;
		if (r->has_re && regexec(&r->re, text, 0, NULL, 0) != 0)
			continue;
		verdict(v, r->reason, NULL);
		v->origin = b->origin;
		v->line = r->line;
		v->source = r->source;
		return r->reason;
	}
	verdict(v, BR_NONE, "no rule matched");
	return BR_NONE;
}

void
bounce_explain(const BOUNCE_VERDICT *v, SBUF *out)
{
	if (v->origin)
		sbuf_printf(out, "%s:%d", v->origin, v->line);
	else
		sbuf_cat(out, v->note ? v->note : "");
}

enum { TEMP_NO, TEMP_YES, TEMP_VAGUE };

/*
 * temporary - a 4xx status or reply code: the failure may pass (TEMP_YES);
 * TEMP_VAGUE when the only sign is an undetailed 4.0.0 status, which says
 * nothing of time (Gmail writes it over its own DNS errors, failed at the
 * first attempt)
 */
static int
temporary(const char *status, int code)
{
	if (code >= 400 && code < 500)
		return TEMP_YES;
	if (status && status[0] == '4')
		return strcmp(status, "4.0.0") == 0 ? TEMP_VAGUE : TEMP_YES;
	return TEMP_NO;
}

/*
 * outcome - the verdict of a failure once the rules have spoken: a
 * temporary failure or a deferral (final 0) is never hard; a failure that
 * no rule explains is "unknown" when final and "on-hold" when not, and a
 * final failure whose only stated cause is temporary has "expired".
 */
static int
outcome(BOUNCE_VERDICT *v, int final, int temp)
{
	if (v->reason == BR_NONE || v->reason == BR_DELIVERED)
		return verdict(v, !final ? BR_ON_HOLD : temp ? BR_EXPIRED : BR_UNKNOWN,
			       !final ? "delayed, no rule matched" : temp ? "given up after temporary failures, no rule matched"
									: "permanent failure, no rule matched");
	if (final && temp && v->reason == BR_ON_HOLD) { /* "still being tried", no more: it has expired */
		v->reason = BR_EXPIRED;
		v->category = bounce_reason_category(BR_EXPIRED);
	}
	if (!final && v->reason == BR_EXPIRED) { /* a delay warning's 4.4.7: it is still being tried */
		v->reason = BR_ON_HOLD;
		v->category = bounce_reason_category(BR_ON_HOLD);
	}
	/* not proof yet: the address may come back. A null MX (RFC 7505) is the
	   domain's own word in DNS, not a reply, so a final failure for it stands
	   when the reporting MTA wrote no more than a bare 4.0.0 over it (Gmail
	   does); so does a domain that does not exist (Gmail's NXDOMAIN). Not
	   under a 4xx reply or a detailed 4.x.y: Postfix answers 450 4.1.2
	   "Domain not found" while a lookup may still pass, and any receiver
	   may say "does not accept mail" for now */
	if (v->category == BC_HARD &&
	    (!final || (temp && !(temp == TEMP_VAGUE && (v->reason == BR_NOT_ACCEPT || v->reason == BR_HOST_UNKNOWN)))))
		v->category = BC_SOFT;
	return v->category;
}

int
bounce_log_verdict(const BRULES *r, const MAILLOG_REC *rec, BOUNCE_VERDICT *v)
{
	if (rec->status == ML_SENT)
		return verdict(v, BR_DELIVERED, "delivered");
	bounce_classify(r, rec->dsn, bounce_extract_code(rec->text), rec->text, v);
	/* a deferral is not final; an expiry is final, but its cause was temporary: TEMP_YES for
	   any record but "status=bounced", so no exception for a vague 4.0.0 applies to it */
	return outcome(v, rec->status != ML_DEFERRED,
		       rec->status != ML_BOUNCED || temporary(rec->dsn, bounce_extract_code(rec->text)));
}

int
bounce_log_category(const BRULES *r, const MAILLOG_REC *rec, SBUF *why)
{
	BOUNCE_VERDICT v;
	int cat = bounce_log_verdict(r, rec, &v);

	sbuf_cat(why, bounce_reason_name(v.reason));
	return cat;
}

int
bounce_log_final(const MAILLOG_REC *rec)
{
	return rec->status != ML_DEFERRED;
}

int
bounce_dsn_final(const char *action, const char *status)
{
	if (*action)
		return strcasecmp(action, "delayed") != 0;
	return status && status[0] == '5'; /* no Action: a permanent status is a failure */
}

int
bounce_dsn_verdict(const BRULES *r, const char *action, int text_bounce, const char *status, int code,
		   const char *text, BOUNCE_VERDICT *v)
{
	/* Postfix's address verification report (sendmail -bv) says "deliverable" */
	if (strcasecmp(action, "delivered") == 0 || strcasecmp(action, "relayed") == 0 ||
	    strcasecmp(action, "expanded") == 0 || strcasecmp(action, "deliverable") == 0)
		return verdict(v, BR_DELIVERED, "delivered");
	bounce_classify(r, status, code, text, v);
	return outcome(v, bounce_dsn_final(action, status) || text_bounce, temporary(status, code));
}

int
bounce_arf_reason(const char *ft)
{
	if (strncasecmp(ft, "opt-out", 7) == 0)
		return BR_FEEDBACK_OPTOUT;
	if (strcasecmp(ft, "abuse") == 0)
		return BR_FEEDBACK_ABUSE;
	if (strcasecmp(ft, "fraud") == 0)
		return BR_FEEDBACK_FRAUD;
	if (strcasecmp(ft, "virus") == 0)
		return BR_FEEDBACK_VIRUS;
	/* not-spam, other, auth-failure (RFC 6591: about the sender's authentication, not
	   the recipient) and types registered later say nothing against the recipient */
	return BR_FEEDBACK_OTHER;
}

int
bounce_arf_category(const char *ft)
{
	return bounce_reason_category(bounce_arf_reason(ft));
}

BOUNCE_EFFECT
bounce_effect(int category, int final, int hard_global)
{
	BOUNCE_EFFECT fx = {.counter = NULL, .supp_reason = -1, .supp_global = 0, .streak = BS_KEEP,
			    .streak_reason = -1};

	switch (category) {
	case BC_DELIVERED:
		fx.counter = "delivered";
		fx.streak = BS_END;
		break;
	case BC_HARD:
		fx.counter = "bounced_hard";
		fx.supp_reason = SR_HARD_BOUNCE;
		fx.supp_global = hard_global;
		fx.streak = BS_END;
		break;
	case BC_SOFT:
		if (final) {
			fx.counter = "bounced_soft";
			fx.streak = BS_FEED;
			fx.streak_reason = SR_SOFT_STREAK;
		} else {
			fx.counter = "deferred";
		}
		break;
	case BC_BLOCK:
		fx.counter = "blocked";
		break;
	case BC_THROTTLE:
		fx.counter = "throttled";
		break;
	case BC_COMPLAINT:
		fx.counter = "complaints";
		fx.supp_reason = SR_COMPLAINT;
		break;
	case BC_UNSUBSCRIBE:
		fx.counter = "unsubscribes";
		fx.supp_reason = SR_UNSUBSCRIBE;
		break;
	default: /* none, auto-reply: nothing to apply */
		break;
	}
	return fx;
}
