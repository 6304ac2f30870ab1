/* seam_fake.h - a recording stand-in for libmilter, for driving the callbacks in unit tests */
#ifndef SEAM_FAKE_H
#define SEAM_FAKE_H

#include "milter_seam.h"
#include "tm_sbuf.h"

typedef struct fake_ctx {
	void *priv;
	const char *macros[8][2]; /* name, value */
	char rcode[8], xcode[16];
	SBUF *reply;	/* last reply text, cleaned as milter_seam.c hands it to libmilter */
	SBUF *changes;  /* "del NAME IDX\n", "ins IDX NAME: VALUE\n", "delrcpt ADDR\n", "chgfrom
	                   ADDR\n" */
	SBUF *failed;   /* the changes that failed, recorded the same way */
	int fail_changes; /* every header, recipient and sender change fails */
	const char *fail_change; /* a change whose record starts with this fails; NULL: none */
	char *owned[8];	/* macro values fake_envelope made */
	int nowned;
} FAKE_CTX;

FAKE_CTX *fake_new(void);
void fake_free(FAKE_CTX *f);
void fake_macro(FAKE_CTX *f, const char *name, const char *value);
/* fake_envelope - {mail_addr} or {rcpt_addr} as smtpd sets it for the argument "<a@b>": a@b */
void fake_envelope(FAKE_CTX *f, const char *name, const char *arg);

#endif
