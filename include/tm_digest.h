/*
 * NAME
 *	tm_digest 3h - SHA-1 in hex, and short ids from SHA-256
 */
#ifndef TM_DIGEST_H
#define TM_DIGEST_H

#include <stddef.h>

/* digest_sha1_hex - 40 hex digits and a NUL into out ("" if OpenSSL fails) */
void digest_sha1_hex(const void *data, size_t n, char out[41]);

#define DIGEST_ID_LEN 26 /* a letter, 24 hex digits, NUL */
/*
 * digest_id - a short name of n bytes of data into id: the letter kind and
 * the first 24 hex digits of their SHA-256 (the dedup ids of
 * tenant-feedback: "V" a VERP token, "M" a report's Message-ID). 0, or -1
 * when the digest fails.
 */
int digest_id(char kind, const void *data, size_t n, char id[DIGEST_ID_LEN]);

#endif
