/*
 * NAME
 *	rewrite - replay trivial-rewrite(8) on an envelope address
 * DESCRIPTION
 *	The order is Postfix's: rewrite_tree() strips a source route, and an
 *	address without '@' has its bang path swapped, else its last '%'
 *	promoted, else @$myorigin appended; resolve_addr() then strips
 *	trailing dots and, when the domain is local and the local part still
 *	holds '@', '!' or '%', drops the domain and rewrites what is left.
 *	Every scan skips quoted strings and backslash pairs, as tok822 does,
 *	so "a%b"@x is never split.
 *
 *	An address literal counts as local whatever inet_interfaces says:
 *	resolving "user%site@[192.0.2.1]" to user@site can only make a
 *	suppression match more often, never less. Lookup tables in
 *	$mydestination cannot be replayed; rw_load's caller warns about them.
 * SEE ALSO
 *	tm_rewrite.h, Postfix trivial-rewrite(8) rewrite.c and resolve.c
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tm_addr.h"
#include "tm_mem.h"
#include "tm_postconf.h"
#include "tm_rewrite.h"

#define RW_MAX_PASSES 8

RW_CONF *
rw_defaults(void)
{
	RW_CONF *rw = xcalloc(1, sizeof(*rw));

	rw->percent_hack = 1;
	rw->swap_bangpath = 1;
	rw->myorigin = xstrdup("");
	return rw;
}

RW_CONF *
rw_free(RW_CONF *rw)
{
	if (rw) {
		for (size_t i = 0; i < rw->nlocal; i++)
			free(rw->local_domains[i]);
		free(rw->local_domains);
		free(rw->myorigin);
		free(rw);
	}
	return NULL;
}

/* rw_bool - Postfix's boolean spellings */
static int
rw_bool(const char *v, int *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0) {
		*out = 1;
		return 0;
	}
	if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0) {
		*out = 0;
		return 0;
	}
	return -1;
}

/* rw_origin - $myorigin, which Debian sets to /etc/mailname: a file's first line */
static void
rw_origin(RW_CONF *rw, const char *v)
{
	SBUF *d = sbuf_new(64), *err = sbuf_new(64);
	char line[512] = "";

	if (*v == '/') {
		FILE *fp = fopen(v, "r");
		if (fp) {
			if (fgets(line, sizeof(line), fp) == NULL)
				*line = 0;
			fclose(fp);
		}
		line[strcspn(line, " \t\r\n")] = 0;
		v = line;
	}
	if (*v && domain_normalize(v, strlen(v), d, err) == 0) {
		free(rw->myorigin);
		rw->myorigin = sbuf_steal(d);
		d = NULL;
	}
	sbuf_free(d);
	sbuf_free(err);
}

/* rw_destinations - $mydestination: names, and tables that cannot be replayed */
static void
rw_destinations(RW_CONF *rw, const char *v)
{
	char *copy = xstrdup(v), *save = NULL;
	SBUF *d = sbuf_new(64), *err = sbuf_new(64);

	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		if (strchr(w, ':') || *w == '/') {
			rw->ntables++;
			continue;
		}
		sbuf_reset(d);
		sbuf_reset(err);
		if (domain_normalize(w, strlen(w), d, err) < 0)
			continue;
		rw->local_domains = xrealloc(rw->local_domains, sizeof(char *) * (rw->nlocal + 1));
		rw->local_domains[rw->nlocal++] = xstrdup(sbuf_str(d));
	}
	sbuf_free(d);
	sbuf_free(err);
	free(copy);
}

RW_CONF *
rw_parse(const char *text, SBUF *err)
{
	RW_CONF *rw = rw_defaults();
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");
		char *line = xstrndup(p, n), *eq, *name, *val;
		p += n + (p[n] == '\n');
		if ((eq = strchr(line, '=')) == NULL) {
			free(line);
			continue;
		}
		*eq = 0;
		name = line + strspn(line, " \t");
		name[strcspn(name, " \t")] = 0;
		val = eq + 1 + strspn(eq + 1, " \t");
		val[strcspn(val, "\r")] = 0;
		if ((strcmp(name, "allow_percent_hack") == 0 && rw_bool(val, &rw->percent_hack) < 0) ||
		    (strcmp(name, "swap_bangpath") == 0 && rw_bool(val, &rw->swap_bangpath) < 0)) {
			sbuf_printf(err, "%s: not a boolean: %s", name, val);
			free(line);
			return rw_free(rw);
		}
		if (strcmp(name, "mydestination") == 0)
			rw_destinations(rw, val);
		else if (strcmp(name, "myorigin") == 0)
			rw_origin(rw, val);
		free(line);
	}
	return rw;
}

RW_CONF *
rw_load(const char *postconf, const char *config_dir, SBUF *err)
{
	static const char *const args[] = {"-x", "allow_percent_hack", "swap_bangpath", "mydestination",
					   "myorigin", NULL};
	SBUF *out = sbuf_new(512);
	RW_CONF *rw = NULL;

	if (pc_run(postconf, config_dir, args, out, err) == 0)
		rw = rw_parse(sbuf_str(out), err);
	sbuf_free(out);
	return rw;
}

int
rw_is_local(const RW_CONF *rw, const char *domain)
{
	if (*domain == '[')
		return 1;
	for (size_t i = 0; i < rw->nlocal; i++)
		if (strcasecmp(rw->local_domains[i], domain) == 0)
			return 1;
	return 0;
}

/* rw_find - the offset of the first (or last) unquoted ch in s[0..n), or -1 */
static long
rw_find(const char *s, size_t n, int ch, int last)
{
	long found = -1;
	int quoted = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == ch) {
			found = (long)i;
			if (!last)
				break;
		}
	}
	return found;
}

/* rw_domain_key - the normalised form of a domain, for the local-domain test */
static int
rw_domain_key(const char *d, size_t n, SBUF *out)
{
	SBUF *err = sbuf_new(64);
	int rc;

	if (n > 0 && *d == '[') {
		sbuf_catn(out, d, n);
		rc = 0;
	} else
		rc = domain_normalize(d, n, out, err);
	sbuf_free(err);
	return rc;
}

/* Postfix's defaults with no local domain: what a program without a running Postfix replays */
static const RW_CONF rw_std = {.percent_hack = 1, .swap_bangpath = 1, .myorigin = (char *)""};

/*
 * rw_trim - addr without the space and angle brackets around it, as [*pp, *endp):
 * 1, or 0 for the null address (a lone "@" is one too), or -1 with err
 */
static int
rw_trim(const char *addr, const char **pp, const char **endp, SBUF *err)
{
	const char *p = addr, *end;

	if (strlen(addr) > ADDR_MAX_INPUT) {
		sbuf_printf(err, "address longer than %d characters", ADDR_MAX_INPUT);
		return -1;
	}
	while (isspace((unsigned char)*p))
		p++;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (end - p >= 2 && *p == '<' && end[-1] == '>') {
		p++;
		end--;
	}
	if (p == end || (end - p == 1 && *p == '@'))
		return 0;
	for (const char *q = p; q < end; q++) {
		if ((unsigned char)*q < 0x20 || *q == 0x7f) {
			sbuf_cat(err, "control character in address");
			return -1;
		}
	}
	*pp = p;
	*endp = end;
	return 1;
}

/* rw_strip_route - "@a,@b:user@domain" becomes "user@domain", as rewrite_tree() does */
static int
rw_strip_route(SBUF **sp, SBUF *err)
{
	SBUF *s = *sp, *t;
	long i;

	if (s->s[0] != '@')
		return 0;
	i = rw_find(s->s, s->len, ':', 0);
	if (i < 0 || (size_t)i + 1 == s->len) {
		sbuf_cat(err, "malformed source route");
		return -1;
	}
	t = sbuf_new(s->len);
	sbuf_cat(t, s->s + i + 1);
	sbuf_free(s);
	*sp = t;
	return 0;
}

/*
 * rw_add_domain - an address without '@' gets one: its bang path swapped,
 * else its last '%' promoted, else @$myorigin appended; -1 with err when
 * none applies
 */
static int
rw_add_domain(const RW_CONF *rw, SBUF **sp, SBUF *err)
{
	SBUF *s = *sp, *t;
	long b = rw->swap_bangpath ? rw_find(s->s, s->len, '!', 0) : -1;
	long pc = rw->percent_hack ? rw_find(s->s, s->len, '%', 1) : -1;

	if (b > 0 && (size_t)b + 1 < s->len) { /* site!user -> user@site */
		t = sbuf_new(s->len + 2);
		sbuf_printf(t, "%s@%.*s", s->s + b + 1, (int)b, s->s);
		sbuf_free(s);
		*sp = t;
	} else if (pc > 0 && (size_t)pc + 1 < s->len) {
		s->s[pc] = '@';
	} else if (*rw->myorigin) {
		sbuf_printf(s, "@%s", rw->myorigin);
	} else {
		sbuf_cat(err, "address has no domain");
		return -1;
	}
	return 0;
}

/*
 * rw_local_part - the local part s[0..at) of an address in a local domain,
 * a quoted one cracked open first (resolve_dequoted, on by default, "to
 * stop relaying problems"); owned by the caller
 */
static SBUF *
rw_local_part(const SBUF *s, long at)
{
	SBUF *lp = sbuf_new((size_t)at + 1);

	if (at >= 2 && s->s[0] == '"' && s->s[at - 1] == '"' &&
	    rw_find(s->s + 1, (size_t)at - 2, '"', 0) < 0) {
		for (long j = 1; j + 1 < at; j++) {
			if (s->s[j] == '\\' && j + 2 < at)
				j++;
			sbuf_putc(lp, s->s[j]);
		}
	} else
		sbuf_catn(lp, s->s, (size_t)at);
	return lp;
}

/* rw_routes_on - whether a local part is rewritten again: an '@', or a '!' or '%' that is on */
static int
rw_routes_on(const RW_CONF *rw, const SBUF *lp)
{
	return rw_find(lp->s, lp->len, '@', 0) >= 0 ||
	       (rw->swap_bangpath && rw_find(lp->s, lp->len, '!', 0) >= 0) ||
	       (rw->percent_hack && rw_find(lp->s, lp->len, '%', 0) >= 0);
}

/* rw_canon - the address Postfix delivers to (tm_rewrite.h): trim, strip a route, then rewrite */
int
rw_canon(const RW_CONF *rw, const char *addr, SBUF *out, SBUF *err)
{
	const char *p = NULL, *end = NULL;
	SBUF *s = NULL, *dom = NULL, *lp;
	int ret = -1, pass;
	long at;

	if (rw == NULL)
		rw = &rw_std;
	if ((ret = rw_trim(addr, &p, &end, err)) <= 0)
		return ret; /* the null address, or unusable */
	ret = -1;
	s = sbuf_new(128);
	dom = sbuf_new(64);
	sbuf_catn(s, p, (size_t)(end - p));
	if (rw_strip_route(&s, err) < 0)
		goto out;
	for (pass = 0;; pass++) {
		if (pass == RW_MAX_PASSES) {
			sbuf_cat(err, "address needs too many rewrites");
			goto out;
		}
		if ((at = rw_find(s->s, s->len, '@', 1)) < 0) {
			if (rw_add_domain(rw, &s, err) < 0)
				goto out;
			at = rw_find(s->s, s->len, '@', 1);
		}
		while (s->len > 0 && s->s[s->len - 1] == '.')
			sbuf_truncate(s, s->len - 1);
		/* at < 0: @$myorigin went inside an unterminated quote */
		if (at <= 0 || (size_t)at + 1 >= s->len) {
			sbuf_cat(err, at == 0 ? "address has an empty local part"
			                      : "address has no domain");
			goto out;
		}
		sbuf_reset(dom);
		if (rw_domain_key(s->s + at + 1, s->len - (size_t)at - 1, dom) < 0 ||
		    !rw_is_local(rw, sbuf_str(dom)))
			break;
		/* a local domain: what is left is rewritten again */
		lp = rw_local_part(s, at);
		if (!rw_routes_on(rw, lp)) {
			sbuf_free(lp); /* a plain local mailbox: the address stays as it is */
			break;
		}
		sbuf_free(s);
		s = lp;
	}
	sbuf_catn(out, s->s, s->len);
	ret = 0;
out:
	sbuf_free(s);
	sbuf_free(dom);
	return ret;
}
