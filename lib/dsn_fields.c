/*
 * NAME
 *	dsn_fields - blocks of header fields, and what a returned original says of itself
 * DESCRIPTION
 *	fields_next reads one block of "Name: value" lines, unfolded: the
 *	per-recipient blocks of a delivery-status part, an ARF report, the
 *	header fields of a returned original. The returned original, attached
 *	(message/rfc822), as headers alone (text/rfc822-headers) or inline
 *	after a bounce's cut marker, gives its X-Tenant and Message-ID, its To,
 *	the Postfix queue ids of its Received fields (candidates, which change
 *	state only when tenant-milter recorded the recipient under one) and
 *	the envelope recipient its first Received field names.
 * SEE ALSO
 *	lib/dsn.c, lib/dsn_text.c, lib/dsn_walk.h
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

void
fields_clear(FIELDS *f)
{
	for (int i = 0; i < f->n; i++) {
		free(f->name[i]);
		free(f->value[i]);
	}
	f->n = 0;
}

const char *
fields_get(const FIELDS *f, const char *name)
{
	for (int i = 0; i < f->n; i++)
		if (strcasecmp(f->name[i], name) == 0)
			return f->value[i];
	return NULL;
}

/*
 * fields_next - the next block of "Name: value" lines (continuations
 * unfolded) from *pp, up to a blank line. Returns 0 at the end.
 */
int
fields_next(const char **pp, FIELDS *f)
{
	const char *p = *pp;

	fields_clear(f);
	while (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t') /* blank lines between blocks */
		p++;
	if (*p == 0)
		return 0;
	while (*p && *p != '\r' && *p != '\n') {
		const char *eol = p + strcspn(p, "\r\n"), *colon = memchr(p, ':', (size_t)(eol - p));
		SBUF *v = sbuf_new(64);
		if (colon && colon > p && f->n < 64 && !isspace((unsigned char)*p)) {
			const char *q = colon + 1;
			while (q < eol && isspace((unsigned char)*q))
				q++;
			sbuf_catn(v, q, (size_t)(eol - q));
			for (;;) { /* folded continuation lines */
				const char *nx = eol;
				if (*nx == '\r')
					nx++;
				if (*nx == '\n')
					nx++;
				if (*nx != ' ' && *nx != '\t')
					break;
				while (*nx == ' ' || *nx == '\t')
					nx++;
				eol = nx + strcspn(nx, "\r\n");
				sbuf_putc(v, ' ');
				sbuf_catn(v, nx, (size_t)(eol - nx));
			}
			f->name[f->n] = xmalloc((size_t)(colon - p) + 1);
			memcpy(f->name[f->n], p, (size_t)(colon - p));
			f->name[f->n][colon - p] = 0;
			f->value[f->n++] = sbuf_steal(v);
			v = NULL;
		}
		sbuf_free(v);
		p = eol;
		if (*p == '\r')
			p++;
		if (*p == '\n')
			p++;
		if (*p == '\r' || *p == '\n')
			break; /* blank line: the block ends */
	}
	*pp = p;
	return 1;
}

/*
 * dsn_received_qid - the queue id a Postfix names in a Received field of the
 * returned original ("by relay.example (Postfix) with ESMTP id 4F2A1C0;").
 * These are only candidates: a report changes state only when one of them
 * was recorded by tenant-milter for the reported recipient.
 */
void
dsn_received_qid(DSN_REPORT *out, const char *v)
{
	const char *p, *e;

	if (out->nqids >= DSN_MAX_QIDS || strstr(v, "(Postfix)") == NULL || (p = strstr(v, " id ")) == NULL)
		return;
	p += 4;
	for (e = p; isalnum((unsigned char)*e); e++)
		;
	if (e - p < 6 || e - p > 20 || (*e && *e != ';' && !isspace((unsigned char)*e)))
		return;
	for (size_t i = 0; i < out->nqids; i++)
		if (strlen(out->qids[i]) == (size_t)(e - p) && memcmp(out->qids[i], p, (size_t)(e - p)) == 0)
			return;
	out->qids[out->nqids++] = xstrndup(p, (size_t)(e - p));
}

/*
 * dsn_received_for - the envelope recipient that a Received field of a
 * returned original names: "for <x@y>" (Sendmail, Postfix) or "for x@y"
 * (Exim), written by the MTA that took it. The caller reads only the first
 * (topmost) field of the first original: the last hop's, the one that
 * failed; an earlier hop's is an earlier address (a list's, an alias).
 */
static char *
dsn_received_for(const char *v)
{
	const char *p = v, *e;
	char *tok, *a;

	while ((p = strcasestr(p, "for")) != NULL) {
		if (p > v && isspace((unsigned char)p[-1]) && isspace((unsigned char)p[3]))
			break;
		p += 3;
	}
	if (p == NULL)
		return NULL;
	p += 3 + strspn(p + 3, " \t\r\n");
	/* "<x@y>" up to its '>', whatever follows ("<x@y>,<z@y>", "<x@y>(comment)"); a bare x@y up to a
	   blank, ';', ',' or '(' */
	e = *p == '<' ? strchr(p, '>') : p + strcspn(p, " \t\r\n;,(");
	if (e == NULL || e == p || e - p > 320)
		return NULL;
	tok = xstrndup(p, (size_t)(e - p) + (*p == '<'));
	a = dsn_clean_addr(tok);
	free(tok);
	return a;
}

/*
 * original_field - one header field of a returned original, in order: the
 * first X-Tenant, Message-ID, To and X-HmXmrOriginalRecipient (Microsoft's
 * JMRP) count; every Received field's Postfix queue id is a candidate, and
 * the first one's recipient is rcvd_for when first is set (the first
 * original's)
 */
static void
original_field(WALK *w, const char *name, const char *v, int *first)
{
	if (strcasecmp(name, "X-Tenant") == 0) {
		if (w->out->tenant == NULL)
			w->out->tenant = xstrdup(v);
	} else if (strcasecmp(name, "Message-ID") == 0) {
		if (w->out->message_id == NULL)
			w->out->message_id = xstrdup(v);
	} else if (strcasecmp(name, "To") == 0) {
		if (w->to == NULL)
			w->to = xstrdup(v);
	} else if (strcasecmp(name, "X-HmXmrOriginalRecipient") == 0) {
		if (w->jmrp == NULL)
			w->jmrp = dsn_clean_addr(v);
	} else if (strcasecmp(name, "Received") == 0) {
		dsn_received_qid(w->out, v);
		if (*first && w->rcvd_for == NULL)
			w->rcvd_for = dsn_received_for(v);
		*first = 0;
	}
}

/* mime_only - is f a MIME part's own header block (Content-*, MIME-Version), not a message's? */
static int
mime_only(const FIELDS *f)
{
	for (int i = 0; i < f->n; i++)
		if (strncasecmp(f->name[i], "Content-", 8) != 0 && strcasecmp(f->name[i], "MIME-Version") != 0)
			return 0;
	return f->n > 0;
}

void
dsn_original_headers(WALK *w, const char *text)
{
	FIELDS f = {0};
	const char *p = text;
	int first = !w->orig_seen;

	w->orig_seen = 1;
	/* a MIME part's own header lines before it ("Content-Type: message/rfc822" in a text
	   whose boundary did not match) are not the original's */
	if (fields_next(&p, &f) && mime_only(&f))
		(void)fields_next(&p, &f);
	for (int i = 0; i < f.n; i++)
		original_field(w, f.name[i], f.value[i], &first);
	fields_clear(&f);
}

void
dsn_original_message(WALK *w, GMimeMessage *m)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
	int first = !w->orig_seen;

	w->orig_seen = 1;
	for (int i = 0; hl && i < g_mime_header_list_get_count(hl) && i < 200; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		if (h && g_mime_header_get_name(h) && g_mime_header_get_value(h))
			original_field(w, g_mime_header_get_name(h), g_mime_header_get_value(h), &first);
	}
}
