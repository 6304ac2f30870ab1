/*
 * fuzz_token - libFuzzer target for the token opener, token_open(), with a
 * fixed keyring. Properties, any breach aborts:
 *
 *	the input as a token opens for neither purpose (forging one would
 *	mean forging AES-GCM);
 *
 *	fields cut from the input, sealed with token_seal for the purpose
 *	the first byte picks, open again for that purpose with every field
 *	byte for byte the same, not legacy, and do not open for the other
 *	purpose;
 *
 *	that token with any one character changed (position and change from
 *	the input) does not open: every character of the text counts.
 *
 * Built and run by fuzz/run.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_msg.h"
#include "tm_sbuf.h"
#include "tm_token.h"

#define DAY 20400

static KEYRING *ring;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	SBUF *errs = sbuf_new(64);

	(void)argc;
	(void)argv;
	msg_set_level(MSG_ERROR);
	ring = keyring_parse(
	    "fuzz",
	    "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 1795000000\n",
	    errs);
	if (ring == NULL)
		abort();
	sbuf_free(errs);
	return 0;
}

/* opens - does text open as a token of purpose? */
static int
opens(int purpose, const char *text, TOKEN_DATA *d)
{
	SBUF *err = sbuf_new(64);
	int rc = token_open(ring, purpose, text, DAY, 365, d, err);

	if (rc != 0 && err->len == 0)
		abort();
	sbuf_free(err);
	return rc == 0;
}

/* same - a field that came back, against what was sealed */
static int
same(const char *got, const char *sealed)
{
	return got != NULL && strcmp(got, sealed) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static TOKEN_DATA d; /* large */
	TOKEN_DATA s = {0};
	char *text, *f[3];
	const uint8_t *p;
	size_t n, len[3], flip;
	int purpose, other;
	SBUF *tok, *err;

	if (size > 4 * TOKEN_TEXT_MAX)
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	if (opens(TOKEN_UNSUBSCRIBE, text, &d) || opens(TOKEN_VERP, text, &d))
		abort();
	free(text);
	if (size < 6)
		return 0;

	purpose = data[0] & 1 ? TOKEN_VERP : TOKEN_UNSUBSCRIBE;
	other = purpose == TOKEN_VERP ? TOKEN_UNSUBSCRIBE : TOKEN_VERP;
	flip = (size_t)data[1] << 8 | data[2];
	p = data + 6;
	n = size - 6;
	len[0] = data[3] % (TOKEN_TENANT_MAX + 1) < n ? data[3] % (TOKEN_TENANT_MAX + 1) : n;
	len[1] = (size_t)data[4] * 3 / 2 < n - len[0] ? (size_t)data[4] * 3 / 2
	                                              : n - len[0]; /* <= 382 */
	len[2] = n - len[0] - len[1] < TOKEN_LIST_MAX ? n - len[0] - len[1] : TOKEN_LIST_MAX;
	for (int i = 0; i < 3; i++) {
		f[i] = strndup((const char *)p, len[i]); /* a NUL cuts a field short */
		p += len[i];
	}
	s.day = DAY - data[5] % 100;
	s.tenant = f[0];
	s.recipient = f[1];
	s.list = purpose == TOKEN_UNSUBSCRIBE ? f[2] : "";
	s.return_path = purpose == TOKEN_VERP ? f[2] : "";
	tok = sbuf_new(256);
	err = sbuf_new(64);
	if (token_seal(ring, purpose, &s, tok, err) != 0) {
		fprintf(stderr, "token_seal: %s\n", sbuf_str(err));
		abort();
	}
	if (!opens(purpose, tok->s, &d)) {
		fprintf(stderr, "a sealed token does not open\n");
		abort();
	}
	if (d.day != s.day || d.legacy || !same(d.tenant, s.tenant) ||
	    !same(d.recipient, s.recipient) || !same(d.list, s.list) ||
	    !same(d.return_path, s.return_path))
		abort();
	if (opens(other, tok->s, &d))
		abort();
	/* one character changed, perhaps to NUL (the token cut short there) */
	flip %= tok->len;
	tok->s[flip] = (char)(tok->s[flip] ^ (1 + data[5] % 127));
	if (opens(purpose, tok->s, &d) || opens(other, tok->s, &d)) {
		fprintf(stderr, "token opens with character %zu of %zu changed\n", flip, tok->len);
		abort();
	}
	sbuf_free(tok);
	sbuf_free(err);
	for (int i = 0; i < 3; i++)
		free(f[i]);
	return 0;
}
