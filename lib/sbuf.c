/*
 * NAME
 *	sbuf - growable NUL-terminated strings
 * SEE ALSO
 *	tm_sbuf.h; Postfix vstring(3); sds (github.com/antirez/sds)
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_mem.h"
#include "tm_sbuf.h"

/* sbuf_new - empty string with room for hint bytes */
SBUF *
sbuf_new(size_t hint)
{
	SBUF *b = xmalloc(sizeof(*b));

	b->cap = hint < 16 ? 16 : hint;
	b->s = xmalloc(b->cap);
	b->s[0] = 0;
	b->len = 0;
	return b;
}

SBUF *
sbuf_free(SBUF *b)
{
	if (b) {
		free(b->s);
		free(b);
	}
	return NULL;
}

char *
sbuf_steal(SBUF *b)
{
	char *s = b->s;

	free(b);
	return s;
}

/* sbuf_grow - make room for n more bytes plus the terminator */
static void
sbuf_grow(SBUF *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	while (b->len + n + 1 > b->cap)
		b->cap *= 2;
	b->s = xrealloc(b->s, b->cap);
}

void
sbuf_reset(SBUF *b)
{
	b->len = 0;
	b->s[0] = 0;
}

void
sbuf_truncate(SBUF *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->s[len] = 0;
	}
}

void
sbuf_catn(SBUF *b, const char *s, size_t n)
{
	sbuf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void
sbuf_cat(SBUF *b, const char *s)
{
	sbuf_catn(b, s, strlen(s));
}

void
sbuf_putc(SBUF *b, int c)
{
	char ch = (char)c;

	sbuf_catn(b, &ch, 1);
}

void
sbuf_printf(SBUF *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		sbuf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

int
sbuf_read_text(SBUF *b, const char *path, size_t max, SBUF *errs)
{
	FILE *fp = fopen(path, "r");
	char buf[4096];
	size_t n, start = b->len;
	int rc = 0;

	if (fp == NULL) {
		sbuf_printf(errs, "%s: cannot open: %s\n", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		if (memchr(buf, 0, n)) {
			sbuf_printf(errs, "%s: contains a NUL byte; not a text file\n", path);
			rc = -1;
		} else if (b->len - start + n > max) {
			if (max % (1024 * 1024) == 0)
				sbuf_printf(errs, "%s: larger than %zu MiB\n", path, max / (1024 * 1024));
			else
				sbuf_printf(errs, "%s: larger than %zu bytes\n", path, max);
			rc = -1;
		} else {
			sbuf_catn(b, buf, n);
		}
	}
	fclose(fp);
	return rc;
}
