/*
 * NAME
 *	tm_sbuf 3h - growable strings
 * DESCRIPTION
 *	All built text (headers, keys, replies, errors) goes through an sbuf.
 *	The buffer is always NUL-terminated; sbuf_str() borrows it until the
 *	next modification. sbuf_free() accepts NULL and returns NULL.
 */
#ifndef TM_SBUF_H
#define TM_SBUF_H

#include <stddef.h>

typedef struct sbuf {
	char *s;
	size_t len;
	size_t cap;
} SBUF;

SBUF *sbuf_new(size_t hint);
SBUF *sbuf_free(SBUF *b);
char *sbuf_steal(SBUF *b); /* returns the owned text and frees the sbuf */
void sbuf_reset(SBUF *b);
void sbuf_cat(SBUF *b, const char *s);
void sbuf_catn(SBUF *b, const char *s, size_t n);
void sbuf_putc(SBUF *b, int c);
void sbuf_printf(SBUF *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_truncate(SBUF *b, size_t len);
/*
 * sbuf_read_text - append a whole text file (at most max bytes, no NUL
 * byte) to b. 0, or -1 with "path: reason" and a newline in errs.
 */
int sbuf_read_text(SBUF *b, const char *path, size_t max, SBUF *errs);

#define sbuf_str(b) ((const char *)(b)->s)
#define sbuf_len(b) ((b)->len)

#endif
