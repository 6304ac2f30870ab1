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
	f->failed = sbuf_new(64);
	return f;
}

void
fake_free(FAKE_CTX *f)
{
	sbuf_free(f->reply);
	sbuf_free(f->changes);
	sbuf_free(f->failed);
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
	sbuf_reset(f->reply);
	mseam_clean_reply(f->reply, text); /* milter_seam.c's own cleaning */
	return MI_SUCCESS;
}

/* fake_change - the change recorded from start on fails (moved to f->failed) or stays */
static int
fake_change(FAKE_CTX *f, size_t start)
{
	const char *rec = sbuf_str(f->changes) + start;

	if (f->fail_changes ||
	    (f->fail_change && strncmp(rec, f->fail_change, strlen(f->fail_change)) == 0)) {
		sbuf_cat(f->failed, rec);
		sbuf_truncate(f->changes, start);
		return MI_FAILURE;
	}
	return MI_SUCCESS;
}

int
mseam_chgheader(SMFICTX *ctx, const char *name, int index, const char *value)
{
	FAKE_CTX *f = (FAKE_CTX *)(void *)ctx;
	size_t start = f->changes->len;

	sbuf_printf(f->changes, "del %s %d\n", name, index);
	return fake_change(f, start);
}

int
mseam_insheader(SMFICTX *ctx, int index, const char *name, const char *value)
{
	FAKE_CTX *f = (FAKE_CTX *)(void *)ctx;
	size_t start = f->changes->len;

	sbuf_printf(f->changes, "ins %d %s: %s\n", index, name, value);
	return fake_change(f, start);
}

int
mseam_delrcpt(SMFICTX *ctx, const char *rcpt)
{
	FAKE_CTX *f = (FAKE_CTX *)(void *)ctx;
	size_t start = f->changes->len;

	sbuf_printf(f->changes, "delrcpt %s\n", rcpt);
	return fake_change(f, start);
}

int
mseam_chgfrom(SMFICTX *ctx, const char *sender)
{
	FAKE_CTX *f = (FAKE_CTX *)(void *)ctx;
	size_t start = f->changes->len;

	sbuf_printf(f->changes, "chgfrom %s\n", sender);
	return fake_change(f, start);
}

int
mseam_setsymlist(SMFICTX *ctx, int stage, const char *macros)
{
	FAKE_CTX *f = (FAKE_CTX *)(void *)ctx;

	sbuf_printf(f->changes, "symlist %d %s\n", stage, macros);
	return MI_SUCCESS;
}
