/*
 * seal-tokens - print N unsubscribe tokens for tenant TENANT, one per line,
 * for recipients r0@dest.example ... sealed with the keyring at KEYS, as
 * tenant-milter seals them. For bench/unsubscribe.sh (wrk POSTs each once).
 * With RETURN_PATH, VERP tokens (bulk stream) that seal it, as tenant-milter
 * seals them with forward_bounces, for the tests of tenant-feedback dsn.
 *
 *	seal-tokens KEYS TENANT N [RETURN_PATH]
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

	if ((argc != 4 && argc != 5) || (n = atol(argv[3])) <= 0) {
		fputs("usage: seal-tokens KEYS TENANT N [RETURN_PATH]\n", stderr);
		return 2;
	}
	if ((k = keyring_load(argv[1], err)) == NULL) {
		fprintf(stderr, "seal-tokens: %s\n", sbuf_str(err));
		return 1;
	}
	d.day = (long)(time(NULL) / 86400);
	d.tenant = argv[2];
	d.recipient = rcpt;
	if (argc == 5) {
		d.return_path = argv[4];
		d.stream = "bulk";
	}
	for (long i = 0; i < n; i++) {
		sbuf_reset(tok);
		snprintf(rcpt, sizeof(rcpt), "r%ld@dest.example", i);
		if (token_seal(k, argc == 5 ? TOKEN_VERP : TOKEN_UNSUBSCRIBE, &d, tok, err) < 0) {
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
