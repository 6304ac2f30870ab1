/* seam_fake - records what the callbacks ask of libmilter */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seam_fake.h"

FAKE_CTX *
fake_new(void)
{
	FAKE_CTX *f = calloc(1, sizeof(*f));

	f->reply = sbuf_new(64);
	f->changes = sbuf_new(64);
	return f;
}

void
fake_free(FAKE_CTX *f)
{
	sbuf_free(f->reply);
	sbuf_free(f->changes);
	for (int i = 0; i < f->nowned; i++)
		free(f->owned[i]);
	free(f);
}

void
fake_macro(FAKE_CTX *f, const char *name, const char *value)
{
	for (int i = 0; i < 8; i++) {
		if (f->macros[i][0] == NULL || strcmp(f->macros[i][0], name) == 0) {
			f->macros[i][0] = name;
			f->macros[i][1] = value;
			return;
		}
	}
}

void
fake_envelope(FAKE_CTX *f, const char *name, const char *arg)
{
	size_t n = strlen(arg);
	char *v;

	if (n >= 2 && arg[0] == '<' && arg[n - 1] == '>')
		v = strndup(arg + 1, n - 2);
	else
		v = strdup(arg);
	if (f->nowned == 8) {
		free(v);
		return;
	}
	f->owned[f->nowned++] = v;
	fake_macro(f, name, v);
}

void *
mseam_getpriv(SMFICTX *ctx)
{
	return ((FAKE_CTX *)(void *)ctx)->priv;
}

void
mseam_setpriv(SMFICTX *ctx, void *priv)
{
	((FAKE_CTX *)(void *)ctx)->priv = priv;
}

const char *
mseam_getsymval(SMFICTX *ctx, const char *name)
{
	FAKE_CTX *f = (FAKE_CTX *)(void *)ctx;

	for (int i = 0; i < 8 && f->macros[i][0]; i++)
		if (strcmp(f->macros[i][0], name) == 0)
			return f->macros[i][1];
	return NULL;
}

int
mseam_setreply(SMFICTX *ctx, const char *rcode, const char *xcode, const char *text)
{
	FAKE_CTX *f = (FAKE_CTX *)(void *)ctx;

	snprintf(f->rcode, sizeof(f->rcode), "%s", rcode);
	snprintf(f->xcode, sizeof(f->xcode), "%s", xcode);
	/* cleaned as milter_seam.c does: '%' doubled, control bytes '?', cut at 400 */
	sbuf_reset(f->reply);
	for (const char *p = text; *p && f->reply->len < 400; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '%')
			sbuf_cat(f->reply, "%%");
		else
			sbuf_putc(f->reply, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	return MI_SUCCESS;
}

int
mseam_chgheader(SMFICTX *ctx, const char *name, int index, const char *value)
{
	FAKE_CTX *f = (FAKE_CTX *)(void *)ctx;

	if (f->fail_changes)
		return MI_FAILURE;
	sbuf_printf(f->changes, "del %s %d\n", name, index);
	return MI_SUCCESS;
}

int
mseam_insheader(SMFICTX *ctx, int index, const char *name, const char *value)
{
	FAKE_CTX *f = (FAKE_CTX *)(void *)ctx;

	if (f->fail_changes)
		return MI_FAILURE;
	sbuf_printf(f->changes, "ins %d %s: %s\n", index, name, value);
	return MI_SUCCESS;
}

int
mseam_delrcpt(SMFICTX *ctx, const char *rcpt)
{
	FAKE_CTX *f = (FAKE_CTX *)(void *)ctx;

	if (f->fail_changes)
		return MI_FAILURE;
	sbuf_printf(f->changes, "delrcpt %s\n", rcpt);
	return MI_SUCCESS;
}

int
mseam_chgfrom(SMFICTX *ctx, const char *sender)
{
	FAKE_CTX *f = (FAKE_CTX *)(void *)ctx;

	if (f->fail_changes)
		return MI_FAILURE;
	sbuf_printf(f->changes, "chgfrom %s\n", sender);
	return MI_SUCCESS;
}

int
mseam_setsymlist(SMFICTX *ctx, int stage, const char *macros)
{
	FAKE_CTX *f = (FAKE_CTX *)(void *)ctx;

	sbuf_printf(f->changes, "symlist %d %s\n", stage, macros);
	return MI_SUCCESS;
}
