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

typedef struct {
	char *status; /* glob or NULL */
	char *code;   /* glob or NULL */
	regex_t re;
	int has_re;
	int category;
	char *reason;
} BRULE;

struct bounce_rules {
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
			free(b->r[i].reason);
		}
		free(b->r);
		free(b);
	}
	return NULL;
}

size_t
brules_count(const BRULES *b)
{
	return b->n;
}

/* brules_line - parse one rule; 0, or -1 with why */
static int
brules_line(char *line, BRULE *r, SBUF *why)
{
	char *arrow = strstr(line, "=>"), *p, *cat;
	int rc;

	memset(r, 0, sizeof(*r));
	if (arrow == NULL) {
		sbuf_cat(why, "expected CONDITION... => CATEGORY REASON");
		return -1;
	}
	*arrow = 0;
	for (p = line; *p;) {
		char *end;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == 0)
			break;
		if (strncmp(p, "text=/", 6) == 0) {
			char *re = p + 6;
			end = strrchr(re, '/');
			if (end == NULL || end < re || r->has_re) {
				sbuf_cat(why, r->has_re ? "two text conditions" : "text=/REGEX/ needs a closing '/'");
				goto fail;
			}
			*end = 0;
			if ((rc = regcomp(&r->re, re, REG_EXTENDED | REG_ICASE | REG_NOSUB)) != 0) {
				char msg[128];
				regerror(rc, &r->re, msg, sizeof(msg));
				sbuf_printf(why, "bad regular expression: %s", msg);
				goto fail;
			}
			r->has_re = 1;
			p = end + 1;
			continue;
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
			goto fail;
		}
		p = end;
	}
	for (cat = arrow + 2; isspace((unsigned char)*cat); cat++)
		;
	p = cat + strcspn(cat, " \t");
	if (*p)
		*p++ = 0;
	if ((r->category = bounce_category_parse(cat)) < 0) {
		sbuf_printf(why, "unknown category \"%.40s\"", cat);
		goto fail;
	}
	while (isspace((unsigned char)*p))
		p++;
	r->reason = xstrdup(*p ? p : cat);
	return 0;
fail:
	free(r->status);
	free(r->code);
	if (r->has_re)
		regfree(&r->re);
	memset(r, 0, sizeof(*r));
	return -1;
}

BRULES *
brules_parse(const char *origin, const char *text, SBUF *errs)
{
	BRULES *b = xcalloc(1, sizeof(*b));
	size_t alloc = 0, lineno = 0, errs_before = errs->len;
	const char *p = text;
	SBUF *why = sbuf_new(64);

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xmalloc(len + 1), *s;
		memcpy(line, p, len);
		line[len] = 0;
		lineno++;
		p += len + (nl ? 1 : 0);
		for (s = line; isspace((unsigned char)*s); s++)
			;
		if (*s && *s != '#') {
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
				b->r[b->n++] = r;
			}
		}
		free(line);
	}
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
	BRULES *b = brules_parse("bounce-rules.conf (built in)", bounce_rules_default, errs);

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
		if ((p == text || !isalnum((unsigned char)p[-1])) && (p[0] == '2' || p[0] == '4' || p[0] == '5') &&
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

int
bounce_classify(const BRULES *b, const char *status, int code, const char *text, SBUF *reason)
{
	char cs[16] = "", capped[BOUNCE_MATCH_MAX + 1];
	size_t len;

	if (code > 0)
		snprintf(cs, sizeof(cs), "%d", code);
	status = status ? status : "";
	text = text ? text : "";
	/* the regular expressions see a bounded prefix (tm_bounce.h says why) */
	if ((len = strnlen(text, BOUNCE_MATCH_MAX + 1)) > BOUNCE_MATCH_MAX) {
		len = bounce_match_len(text, len);
		memcpy(capped, text, len);
		capped[len] = 0;
		text = capped;
	}
	for (size_t i = 0; b && i < b->n; i++) {
		const BRULE *r = &b->r[i];
		if (r->status && (*status == 0 || fnmatch(r->status, status, 0) != 0))
			continue;
		if (r->code && (*cs == 0 || fnmatch(r->code, cs, 0) != 0))
			continue;
		if (r->has_re && regexec(&r->re, text, 0, NULL, 0) != 0)
			continue;
		sbuf_cat(reason, r->reason);
		return r->category;
	}
	sbuf_cat(reason, "no rule matched");
	return BC_NONE;
}

int
bounce_log_category(const BRULES *r, const MAILLOG_REC *rec, SBUF *why)
{
	int cat;

	if (rec->status == ML_SENT) {
		sbuf_cat(why, "delivered");
		return BC_DELIVERED;
	}
	cat = bounce_classify(r, rec->dsn, bounce_extract_code(rec->text), rec->text, why);
	if (cat == BC_NONE || cat == BC_DELIVERED) {
		cat = rec->status == ML_BOUNCED ? BC_HARD : BC_SOFT;
		sbuf_reset(why);
		sbuf_cat(why, "no rule matched");
	}
	/* a deferral or expiry is never a hard bounce by itself */
	if (rec->status != ML_BOUNCED && cat == BC_HARD)
		cat = BC_SOFT;
	return cat;
}

int
bounce_log_final(const MAILLOG_REC *rec)
{
	return rec->status != ML_DEFERRED;
}

int
bounce_dsn_category(const BRULES *r, const char *action, int text_bounce, const char *status, int code,
		    const char *text, SBUF *why)
{
	int cat;

	if (strcasecmp(action, "delivered") == 0 || strcasecmp(action, "relayed") == 0 ||
	    strcasecmp(action, "expanded") == 0) {
		sbuf_printf(why, "%s", action);
		return BC_DELIVERED;
	}
	cat = bounce_classify(r, status, code, text, why);
	if (cat == BC_NONE || cat == BC_DELIVERED) {
		/* a failure report with nothing to go on: the action decides */
		int failed = strcasecmp(action, "failed") == 0 || text_bounce;
		sbuf_reset(why);
		cat = failed ? BC_HARD : BC_SOFT;
		sbuf_cat(why, failed ? "permanent failure without a reason" : "delayed without a reason");
	}
	return cat;
}

int
bounce_arf_category(const char *ft)
{
	return strncasecmp(ft, "opt-out", 7) == 0 ? BC_UNSUBSCRIBE : strcasecmp(ft, "not-spam") == 0 ? BC_NONE
												  : BC_COMPLAINT;
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
