/*
 * NAME
 *	milter_seam - libmilter calls used by the callbacks
 * DESCRIPTION
 *	libmilter drops a reply whose text holds a lone '%', and fails one with
 *	CR or LF; tenant-supplied text (pause reasons, sender addresses) can
 *	contain both, so every reply is cleaned here, once.
 * SEE ALSO
 *	milter_seam.h, smfi_setreply(3)
 */
#include "config.h"

#include "milter_seam.h"

void *
mseam_getpriv(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

void
mseam_setpriv(SMFICTX *ctx, void *priv)
{
	smfi_setpriv(ctx, priv);
}

const char *
mseam_getsymval(SMFICTX *ctx, const char *name)
{
	return smfi_getsymval(ctx, (char *)name);
}

int
mseam_setreply(SMFICTX *ctx, const char *rcode, const char *xcode, const char *text)
{
	SBUF *clean = sbuf_new(256);
	int rc;

	mseam_clean_reply(clean, text);
	rc = smfi_setreply(ctx, (char *)rcode, (char *)xcode, clean->s);
	sbuf_free(clean);
	return rc;
}

int
mseam_chgheader(SMFICTX *ctx, const char *name, int index, const char *value)
{
	return smfi_chgheader(ctx, (char *)name, index, (char *)value);
}

int
mseam_insheader(SMFICTX *ctx, int index, const char *name, const char *value)
{
	return smfi_insheader(ctx, index, (char *)name, (char *)value);
}

int
mseam_delrcpt(SMFICTX *ctx, const char *rcpt)
{
	return smfi_delrcpt(ctx, (char *)rcpt);
}

int
mseam_chgfrom(SMFICTX *ctx, const char *sender)
{
	return smfi_chgfrom(ctx, (char *)sender, NULL);
}

int
mseam_setsymlist(SMFICTX *ctx, int stage, const char *macros)
{
	return smfi_setsymlist(ctx, stage, (char *)macros);
}
