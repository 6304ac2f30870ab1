/*
 * NAME
 *	tm_token 3h - sealed tokens (AES-256-GCM) for unsubscribe links and VERP
 * DESCRIPTION
 *	A token is base64url of: version (1 byte), key id (1 byte), a 12-byte
 *	random nonce, the encrypted payload and the 16-byte GCM tag. The
 *	version and key id are authenticated (AAD) but readable, so the right
 *	key can be chosen; the payload (issue day, tenant, recipient, optional
 *	list id) is not readable without the key. Any change to any byte fails
 *	authentication.
 *
 *	A keyring holds numbered keys: the newest key that is not retired
 *	seals; every key that is not retired opens. Rotation adds a key;
 *	retiring the old one later makes its tokens fail.
 */
#ifndef TM_TOKEN_H
#define TM_TOKEN_H

#include <stddef.h>

#include "tm_sbuf.h"

#define TOKEN_VERSION 1
#define TOKEN_FIELD_MAX 255

typedef struct keyring KEYRING;

/* keyring_parse - lines "ID HEX64KEY CREATED [retired]"; NULL with "origin:line: reason" errors */
KEYRING *keyring_parse(const char *origin, const char *text, SBUF *errs);
/* keyring_load - the file must not be readable by group or others (mode 0600) */
KEYRING *keyring_load(const char *path, SBUF *errs);
KEYRING *keyring_free(KEYRING *k);
/* keyring_format - the file text, for writing back */
void keyring_format(const KEYRING *k, SBUF *out);
/* keyring_add - a fresh random key with the next id; returns the id, or -1 (255 keys) */
int keyring_add(KEYRING *k, long created);
/* keyring_retire - 0, or -1 if there is no such key or it is the only one not retired */
int keyring_retire(KEYRING *k, int id);
KEYRING *keyring_new(void);
size_t keyring_count(const KEYRING *k);

typedef struct token_data {
	long day;	      /* issue day: days since 1970-01-01 */
	char tenant[64];
	char recipient[TOKEN_FIELD_MAX + 1];
	char list[TOKEN_FIELD_MAX + 1]; /* "" if none */
} TOKEN_DATA;

/* token_seal - 0 with the token appended to out, or -1 with err */
int token_seal(const KEYRING *k, const TOKEN_DATA *d, SBUF *out, SBUF *err);
/*
 * token_open - 0 with d filled, or -1 with a reason in err: malformed,
 * version mismatch, unknown or retired key, failed authentication
 * (forged, tampered, truncated, wrong key) or expired (older than
 * lifetime_days on today).
 */
int token_open(const KEYRING *k, const char *token, long today, long lifetime_days, TOKEN_DATA *d, SBUF *err);

/*
 * token_from_address - the token of "PREFIX+TOKEN@DOMAIN" (a VERP return
 * path or a mailto unsubscribe address; angle brackets allowed, prefix and
 * domain compared without case). 1 with the token in tok, 0 when the
 * address is not of that form.
 */
int token_from_address(const char *addr, const char *prefix, const char *domain, SBUF *tok);

#endif
