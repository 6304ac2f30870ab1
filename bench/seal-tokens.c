/*
 * seal-tokens - print N unsubscribe tokens for tenant TENANT, one per line,
 * for recipients r0@dest.example ... sealed with the keyring at KEYS, as
 * tenant-milter seals them. For bench/unsubscribe.sh (wrk POSTs each once).
 *
 *	seal-tokens KEYS TENANT N
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tm_token.h"

int
main(int argc, char **argv)
{
	SBUF *err = sbuf_new(64), *tok = sbuf_new(128);
	KEYRING *k;
	TOKEN_DATA d = {0};
	char rcpt[64];
	long n;

	if (argc != 4 || (n = atol(argv[3])) <= 0) {
		fputs("usage: seal-tokens KEYS TENANT N\n", stderr);
		return 2;
	}
	if ((k = keyring_load(argv[1], err)) == NULL) {
		fprintf(stderr, "seal-tokens: %s\n", sbuf_str(err));
		return 1;
	}
	d.day = (long)(time(NULL) / 86400);
	d.tenant = argv[2];
	d.recipient = rcpt;
	for (long i = 0; i < n; i++) {
		sbuf_reset(tok);
		snprintf(rcpt, sizeof(rcpt), "r%ld@dest.example", i);
		if (token_seal(k, TOKEN_UNSUBSCRIBE, &d, tok, err) < 0) {
			fprintf(stderr, "seal-tokens: %s\n", sbuf_str(err));
			return 1;
		}
		puts(sbuf_str(tok));
	}
	keyring_free(k);
	sbuf_free(tok);
	sbuf_free(err);
	return 0;
}
