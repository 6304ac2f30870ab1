/*
 * NAME
 *	milter_seam 3h - the only path from the callbacks to libmilter
 * DESCRIPTION
 *	milter_seam.c implements these over smfi_*(); the unit tests link a
 *	recording implementation instead, and drive the callbacks directly.
 */
#ifndef MILTER_SEAM_H
#define MILTER_SEAM_H

#include <libmilter/mfapi.h>

#include "tm_sbuf.h"

void *mseam_getpriv(SMFICTX *ctx);
void mseam_setpriv(SMFICTX *ctx, void *priv);
/* mseam_getsymval - a macro value, borrowed until the callback returns; NULL if unset */
const char *mseam_getsymval(SMFICTX *ctx, const char *name);
/* mseam_setreply - text is made safe (no CR, LF or lone '%') before it is sent */
int mseam_setreply(SMFICTX *ctx, const char *rcode, const char *xcode, const char *text);

/*
 * mseam_clean_reply - append text to out as smfi_setreply() may be given it:
 * '%' doubled, control bytes and DEL as '?', cut at 400 bytes. Inline so the
 * recording seam in tests/unit/seam_fake.c cleans with this very code.
 */
static inline void
mseam_clean_reply(SBUF *out, const char *text)
{
	for (const char *p = text; *p && out->len < 400; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '%')
			sbuf_cat(out, "%%");
		else
			sbuf_putc(out, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
}
int mseam_chgheader(SMFICTX *ctx, const char *name, int index, const char *value);
int mseam_insheader(SMFICTX *ctx, int index, const char *name, const char *value);

/* mseam_setsymlist - the macros wanted at a stage (SMFIM_*); only in negotiate */
int mseam_setsymlist(SMFICTX *ctx, int stage, const char *macros);
int mseam_delrcpt(SMFICTX *ctx, const char *rcpt);
/* mseam_chgfrom - the new envelope sender, "<addr>" */
int mseam_chgfrom(SMFICTX *ctx, const char *sender);

#endif
