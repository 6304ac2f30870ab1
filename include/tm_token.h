/*
 * NAME
 *	tm_token 3h - sealed tokens (AES-256-GCM) for unsubscribe links and VERP
 * DESCRIPTION
 *	A token is base64url (no padding) of
 *
 *	    version 2 (1 byte), purpose (1 byte), key id (1 byte),
 *	    nonce (12 random bytes), encrypted payload, GCM tag (16 bytes)
 *
 *	The version, purpose and key id are readable, so the right key can be
 *	chosen, and authenticated as the AAD; any change to any byte fails.
 *	Each purpose seals with its own key, derived from the keyring key with
 *	HKDF-SHA256 (salt "tenant-milter token v2", info "unsubscribe" or
 *	"verp"), so a token of one purpose never opens as the other even if
 *	the header were ignored: a tenant cannot turn the unsubscribe token of
 *	its own message, which carries text it chose (the list id), into a
 *	bounce address that forwards mail. The payload is the issue day (4
 *	bytes, big-endian), then tenant, recipient, list id and return path,
 *	each a 2-byte big-endian length and its bytes.
 *
 *	Version 1 (version, key id, nonce, payload, tag; AAD the first two
 *	bytes; the keyring key itself; tenant, recipient and list each with a
 *	1-byte length) is no longer sealed. A version-1 token still opens, for
 *	either purpose, until token_lifetime ends, with legacy set: its third
 *	field may be a list id or, for VERP, a return path, so it is only good
 *	for unsubscribing and attribution, never for forwarding.
 *
 *	A keyring holds numbered keys: the newest key that is not retired
 *	seals; every key that is not retired opens. Rotation adds a key;
 *	retiring the old one later makes its tokens fail.
 */
#ifndef TM_TOKEN_H
#define TM_TOKEN_H

#include <stddef.h>

#include "tm_digest.h"
#include "tm_sbuf.h"

#define TOKEN_VERSION 2
#define TOKEN_VERSION_LEGACY 1

enum token_purpose { TOKEN_UNSUBSCRIBE = 1, TOKEN_VERP = 2 };

/* field limits in bytes; token_seal refuses a longer field, it never cuts one */
#define TOKEN_TENANT_MAX 63 /* TENANT_NAME_MAX */
#define TOKEN_ADDR_MAX 384  /* RFC 5321: 64 + 1 + 255, with room for quoting */
#define TOKEN_LIST_MAX 255
#define TOKEN_STREAM_MAX 16
/* the longest token text token_open reads (every field at its limit) */
#define TOKEN_TEXT_MAX 1536

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

/*
 * TOKEN_DATA - what a token seals. To seal, point the strings at the
 * caller's (NULL reads as ""); token_seal copies them. token_open points
 * them into d's own storage: valid while d is, and never copy a TOKEN_DATA
 * by value after opening.
 */
typedef struct token_data {
	long day;                /* issue day: days since 1970-01-01 */
	const char *tenant;      /* at most TOKEN_TENANT_MAX bytes */
	const char *recipient;   /* at most TOKEN_ADDR_MAX */
	const char *list;        /* unsubscribe: the list id or ""; at most TOKEN_LIST_MAX */
	const char *return_path; /* VERP: the sender to forward to, or ""; TOKEN_ADDR_MAX */
	const char *stream;      /* VERP: the stream the milter sent it in ("bulk", "transactional") or "" */
	int legacy; /* token_open: 1 for a version-1 token (never forward for it), else 0 */
	char store[TOKEN_TENANT_MAX + 2 * TOKEN_ADDR_MAX + TOKEN_LIST_MAX + TOKEN_STREAM_MAX + 5]; /* token_open's */
} TOKEN_DATA;

/*
 * token_seal - a version-2 token of purpose (TOKEN_UNSUBSCRIBE or
 * TOKEN_VERP) appended to out: 0, or -1 with the reason in err (no live
 * key, an unknown purpose, a field over its limit, a return path in an
 * unsubscribe token or a list id in a VERP token, no randomness).
 */
int token_seal(const KEYRING *k, int purpose, const TOKEN_DATA *d, SBUF *out, SBUF *err);
/*
 * token_open - open a token of purpose: 0 with d filled (d->legacy 1 for a
 * version-1 token), or -1 with a reason in err: malformed, unknown
 * version, another purpose, unknown or retired key, failed authentication
 * (forged, tampered, truncated, wrong key) or expired (older than
 * lifetime_days on today).
 */
int token_open(const KEYRING *k, int purpose, const char *token, long today, long lifetime_days,
               TOKEN_DATA *d, SBUF *err);

/*
 * token_from_address - the token of "PREFIX+TOKEN@DOMAIN" (a VERP return
 * path or a mailto unsubscribe address; angle brackets allowed, prefix and
 * domain compared without case). 1 with the token in tok, 0 when the
 * address is not of that form.
 */
int token_from_address(const char *addr, const char *prefix, const char *domain, SBUF *tok);

#define TOKEN_ID_LEN DIGEST_ID_LEN /* "V", 24 hex digits, NUL */
/*
 * token_id - a short name of the token tok into id: "V" and the first 24 hex
 * digits of its SHA-256. A token is sealed once per message, with a random
 * nonce, so it names that message (tenant-feedback's dedup key of a report
 * to a VERP address). 0, or -1 when the digest fails.
 */
int token_id(const char *tok, char id[TOKEN_ID_LEN]);

#endif
