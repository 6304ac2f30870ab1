/*
 * NAME
 *	addr - envelope address and domain parsing and normalisation
 * DESCRIPTION
 *	addr_parse() accepts what an MTA hands a milter: optional white space
 *	and angle brackets, an optional obsolete source route, a local part that
 *	may be quoted (and may contain '@' inside the quotes), and a domain that
 *	may be UTF-8 (SMTPUTF8), carry a trailing dot, or be an address literal.
 *	Domains are converted to lower-case A-labels with libidn2, so that
 *	"Bücher.Example." and "xn--bcher-kva.example" are the same domain.
 * SEE ALSO
 *	RFC 5321 section 4.1.2, RFC 5890
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "tm_addr.h"
#include "tm_mem.h"

/* domain_ascii_ok - LDH plus underscore, which real host names do carry */
static int
domain_ascii_ok(int c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.';
}

/*
 * addr_alabel_ok - is an "xn--" label a true A-label, one that IDNA turns
 * into a U-label and back into itself? GMime decodes A-labels in From, so
 * a bogus one ("xn--ofu_qqexam") would come out of From as another domain
 * than out of the envelope.
 */
static int
addr_alabel_ok(const char *label, size_t n)
{
	char *l = xstrndup(label, n), *u = NULL, *a = NULL;
	int ok = idn2_to_unicode_8z8z(l, &u, 0) == IDN2_OK &&
	         idn2_to_ascii_8z(u, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) == IDN2_OK &&
	         strcmp(a, l) == 0;

	idn2_free(u);
	idn2_free(a);
	free(l);
	return ok;
}

/* domain_scan - in[0..n) is a domain's length and bytes: LDH, underscore, or UTF-8 (*non_ascii) */
static int
domain_scan(const char *in, size_t n, int *non_ascii, SBUF *err)
{
	*non_ascii = 0;
	if (n == 0) {
		sbuf_cat(err, "empty domain");
		return -1;
	}
	if (n > ADDR_MAX_DOMAIN * 4) {
		sbuf_cat(err, "domain too long");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c >= 0x80)
			*non_ascii = 1;
		else if (!domain_ascii_ok(c)) {
			sbuf_printf(err, "invalid character 0x%02x in domain", c);
			return -1;
		}
	}
	return 0;
}

/* domain_ascii - in[0..n) as A-labels when non_ascii, else as it is; owned, or NULL with err */
static char *
domain_ascii(const char *in, size_t n, int non_ascii, SBUF *err)
{
	char *tmp = xstrndup(in, n), *ascii = NULL;
	int rc;

	if (!non_ascii)
		return tmp;
	rc = idn2_to_ascii_8z(tmp, &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	free(tmp);
	if (rc != IDN2_OK) {
		sbuf_printf(err, "invalid internationalised domain: %s", idn2_strerror(rc));
		return NULL;
	}
	tmp = xstrdup(ascii);
	idn2_free(ascii);
	return tmp;
}

/*
 * domain_lower - d lower-cased in place, its bytes checked again: NFC
 * makes ASCII of some (U+037E is ';')
 */
static int
domain_lower(char *d, SBUF *err)
{
	for (size_t i = 0; d[i]; i++) {
		if (!domain_ascii_ok((unsigned char)d[i])) {
			sbuf_printf(err, "invalid character 0x%02x in domain", (unsigned char)d[i]);
			return -1;
		}
		d[i] = (char)tolower((unsigned char)d[i]);
	}
	return 0;
}

/* domain_labels - d's length and labels: none empty, none over 63, each "xn--" a true A-label */
static int
domain_labels(const char *d, SBUF *err)
{
	size_t llen;

	if (strlen(d) > ADDR_MAX_DOMAIN) {
		sbuf_printf(err, "domain longer than %d characters", ADDR_MAX_DOMAIN);
		return -1;
	}
	for (const char *label = d;; label += llen + 1) {
		llen = strcspn(label, ".");
		if (llen == 0) {
			sbuf_cat(err, "empty label in domain");
			return -1;
		}
		if (llen > 63) {
			sbuf_cat(err, "domain label longer than 63 characters");
			return -1;
		}
		if (llen >= 4 && strncmp(label, "xn--", 4) == 0 && !addr_alabel_ok(label, llen)) {
			sbuf_cat(err, "invalid A-label in domain");
			return -1;
		}
		if (label[llen] == 0)
			return 0;
	}
}

/* domain_normalize - one trailing dot dropped, then checked, A-labels, lower case (tm_addr.h) */
int
domain_normalize(const char *in, size_t n, SBUF *out, SBUF *err)
{
	int non_ascii;
	char *tmp;

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (domain_scan(in, n, &non_ascii, err) < 0)
		return -1;
	if ((tmp = domain_ascii(in, n, non_ascii, err)) == NULL)
		return -1;
	if (domain_lower(tmp, err) < 0 || domain_labels(tmp, err) < 0) {
		free(tmp);
		return -1;
	}
	sbuf_cat(out, tmp);
	free(tmp);
	return 0;
}

const char *
domain_parent(const char *d)
{
	const char *dot = strchr(d, '.');

	return dot && dot[1] ? dot + 1 : NULL;
}

/* addr_literal - "[1.2.3.4]" or "[IPv6:...]": kept verbatim, lower-cased */
static int
addr_literal(const char *d, size_t n, SBUF *out, SBUF *err)
{
	if (n < 3 || d[n - 1] != ']') {
		sbuf_cat(err, "unterminated address literal");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		if (!(isalnum(c) || c == '.' || c == ':' || c == '[' || c == ']')) {
			sbuf_cat(err, "invalid character in address literal");
			return -1;
		}
		sbuf_putc(out, tolower(c));
	}
	return 0;
}

void
addr_clear(ADDR *a)
{
	free(a->local);
	free(a->domain);
	memset(a, 0, sizeof(*a));
}

/*
 * addr_trim - in without the space and angle brackets around it, nor an
 * obsolete source route ("@a,@b:user@dom"), as [*pp, *endp): 1, or 0 for
 * the null address, or -1 with err
 */
static int
addr_trim(const char *in, const char **pp, const char **endp, SBUF *err)
{
	const char *p, *end, *q;

	if (strlen(in) > ADDR_MAX_INPUT) {
		sbuf_printf(err, "address longer than %d characters", ADDR_MAX_INPUT);
		return -1;
	}
	for (p = in; isspace((unsigned char)*p); p++)
		;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (p < end && *p == '<') {
		if (end[-1] != '>' || end - p < 2) {
			sbuf_cat(err, "unbalanced angle brackets");
			return -1;
		}
		p++;
		end--;
	}
	if (p == end)
		return 0;
	if (*p == '@') {
		q = memchr(p, ':', (size_t)(end - p));
		if (q == NULL) {
			sbuf_cat(err, "malformed source route");
			return -1;
		}
		p = q + 1;
	}
	*pp = p;
	*endp = end;
	return 1;
}

/*
 * addr_split - the '@' that ends the local part of [p, end) into *atp,
 * skipping quoted strings; -1 with err on a control byte, a bare bracket,
 * space or comma, an open quote, no domain or an empty local part
 */
static int
addr_split(const char *p, const char *end, const char **atp, SBUF *err)
{
	const char *at = NULL;
	int quoted = 0;

	for (const char *q = p; q < end; q++) {
		unsigned char c = (unsigned char)*q;
		if (c < 0x20 || c == 0x7f) {
			sbuf_cat(err, "control character in address");
			return -1;
		}
		if (quoted && c == '\\' && q + 1 < end) {
			q++; /* the escaped byte is kept, so it is checked too */
			if ((unsigned char)*q < 0x20 || *q == 0x7f) {
				sbuf_cat(err, "control character in address");
				return -1;
			}
			continue;
		}
		if (c == '"')
			quoted = !quoted;
		else if (!quoted && c == '@')
			at = q;
		else if (!quoted && (c == '<' || c == '>' || c == ' ' || c == ',')) {
			sbuf_printf(err, "unexpected '%c' in address", c);
			return -1;
		}
	}
	if (quoted) {
		sbuf_cat(err, "unterminated quoted local part");
		return -1;
	}
	if (at == NULL) {
		sbuf_cat(err, "address has no domain");
		return -1;
	}
	if (at == p) {
		sbuf_cat(err, "address has an empty local part");
		return -1;
	}
	*atp = at;
	return 0;
}

/* addr_local - the local part [p, at) with its quotes and escapes removed, into local */
static int
addr_local(const char *p, const char *at, SBUF *local, SBUF *err)
{
	for (const char *q = p; q < at; q++) {
		if (*q == '"')
			continue;
		if (*q == '\\' && q + 1 < at)
			q++;
		sbuf_putc(local, *q);
	}
	if ((size_t)(at - p) > ADDR_MAX_LOCAL + 2 || local->len > ADDR_MAX_LOCAL) {
		sbuf_printf(err, "local part longer than %d characters", ADDR_MAX_LOCAL);
		return -1;
	}
	return 0;
}

/* addr_parse - trim, split at the last unquoted '@', the local part, the domain (tm_addr.h) */
int
addr_parse(const char *in, ADDR *out, SBUF *err)
{
	const char *p = NULL, *end = NULL, *at = NULL;
	SBUF *dom = NULL, *local = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = addr_trim(in, &p, &end, err)) <= 0) {
		out->is_null = ret == 0;
		return ret;
	}
	if (addr_split(p, end, &at, err) < 0)
		return -1;
	ret = -1;
	local = sbuf_new(64);
	if (addr_local(p, at, local, err) < 0)
		goto out;
	dom = sbuf_new(64);
	if (at[1] == '[') {
		if (addr_literal(at + 1, (size_t)(end - at - 1), dom, err) < 0)
			goto out;
	} else if (domain_normalize(at + 1, (size_t)(end - at - 1), dom, err) < 0) {
		goto out;
	}
	out->local = sbuf_steal(local);
	out->domain = sbuf_steal(dom);
	local = dom = NULL;
	ret = 0;
out:
	sbuf_free(local);
	sbuf_free(dom);
	return ret;
}
