/*
 * NAME
 *	digest - SHA-1 in hex, for EVALSHA; short ids from SHA-256
 * DESCRIPTION
 *	A file of its own: OpenSSL's headers define a CONF type of their own,
 *	so they stay out of every file that includes tm_conf.h.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>

#include "tm_digest.h"

void
digest_sha1_hex(const void *data, size_t n, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	out[0] = 0;
	if (EVP_Digest(data, n, md, &len, EVP_sha1(), NULL) != 1)
		return;
	for (unsigned int i = 0; i < len && i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int
digest_id(char kind, const void *data, size_t n, char id[DIGEST_ID_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(data, n, md, &len, EVP_sha256(), NULL) != 1 || len < 12)
		return -1;
	id[0] = kind;
	for (int i = 0; i < 12; i++)
		snprintf(id + 1 + 2 * i, 3, "%02x", md[i]);
	return 0;
}
