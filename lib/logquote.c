/*
 * NAME
 *	logquote - quote client text for our log lines
 * DESCRIPTION
 *	Every byte that could end the quoted field, start a new line or
 *	confuse a terminal is escaped; the rest is copied. 8-bit bytes are
 *	escaped too, so a log line is plain ASCII whatever the client sent.
 * SEE ALSO
 *	tm_logquote.h
 */
#include "config.h"

#include "tm_logquote.h"

void
log_quote(SBUF *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	sbuf_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			sbuf_putc(out, '\\');
			sbuf_putc(out, c);
		} else if (c < 0x20 || c >= 0x7f) {
			sbuf_putc(out, '\\');
			sbuf_putc(out, 'x');
			sbuf_putc(out, hex[c >> 4]);
			sbuf_putc(out, hex[c & 15]);
		} else {
			sbuf_putc(out, c);
		}
	}
	sbuf_putc(out, '"');
}
