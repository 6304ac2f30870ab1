/*
 * NAME
 *	tm_digest 3h - SHA-1 in hex
 */
#ifndef TM_DIGEST_H
#define TM_DIGEST_H

#include <stddef.h>

/* digest_sha1_hex - 40 hex digits and a NUL into out ("" if OpenSSL fails) */
void digest_sha1_hex(const void *data, size_t n, char out[41]);

#endif
