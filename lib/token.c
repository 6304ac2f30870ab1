/*
 * NAME
 *	token - seal and open tokens with AES-256-GCM (OpenSSL EVP)
 * DESCRIPTION
 *	A file of its own, like digest.c: OpenSSL's headers define a CONF type.
 *	Payload: day (4 bytes, big-endian), then tenant, recipient and list,
 *	each one length byte and its bytes.
 * SEE ALSO
 *	tm_token.h
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "tm_mem.h"
#include "tm_token.h"

#define TK_NONCE 12
#define TK_TAG 16
#define TK_HEAD 2

typedef struct {
	int id;
	unsigned char key[32];
	long created;
	int retired;
} TKEY;

struct keyring {
	TKEY *k;
	size_t n;
};

KEYRING *
keyring_new(void)
{
	return xcalloc(1, sizeof(KEYRING));
}

KEYRING *
keyring_free(KEYRING *k)
{
	if (k) {
		OPENSSL_cleanse(k->k, k->n * sizeof(TKEY));
		free(k->k);
		free(k);
	}
	return NULL;
}

size_t
keyring_count(const KEYRING *k)
{
	return k->n;
}

static int
tk_hex(const char *h, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int v;
		if (!isxdigit((unsigned char)h[2 * i]) || !isxdigit((unsigned char)h[2 * i + 1]) ||
		    sscanf(h + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return h[2 * n] == 0 ? 0 : -1;
}

KEYRING *
keyring_parse(const char *origin, const char *text, SBUF *errs)
{
	KEYRING *k = keyring_new();
	size_t lineno = 0, before = errs->len;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512], hex[128] = "", flag[32] = "";
		int id, n;
		long created;
		lineno++;
		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), p);
		p += len + (nl ? 1 : 0);
		if (line[strspn(line, " \t")] == 0 || line[strspn(line, " \t")] == '#')
			continue;
		n = sscanf(line, "%d %127s %ld %31s", &id, hex, &created, flag);
		if (n < 3 || id < 1 || id > 255 || (n == 4 && strcmp(flag, "retired") != 0)) {
			sbuf_printf(errs, "%s:%zu: expected \"ID KEY CREATED [retired]\" with ID from 1 to 255\n", origin, lineno);
			continue;
		}
		k->k = xrealloc(k->k, (k->n + 1) * sizeof(TKEY));
		memset(&k->k[k->n], 0, sizeof(TKEY));
		if (tk_hex(hex, k->k[k->n].key, 32) < 0) {
			sbuf_printf(errs, "%s:%zu: the key must be 64 hexadecimal digits\n", origin, lineno);
			continue;
		}
		for (size_t i = 0; i < k->n; i++)
			if (k->k[i].id == id)
				sbuf_printf(errs, "%s:%zu: key id %d appears twice\n", origin, lineno, id);
		k->k[k->n].id = id;
		k->k[k->n].created = created;
		k->k[k->n++].retired = n == 4;
	}
	if (errs->len > before)
		return keyring_free(k);
	return k;
}

KEYRING *
keyring_load(const char *path, SBUF *errs)
{
	struct stat st;
	SBUF *text;
	KEYRING *k = NULL;

	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0) {
		sbuf_printf(errs, "%s: readable by group or others (mode %o); keys must be mode 0600\n", path,
			    (unsigned)(st.st_mode & 0777));
		return NULL;
	}
	text = sbuf_new(1024);
	if (sbuf_read_text(text, path, 65536, errs) == 0)
		k = keyring_parse(path, sbuf_str(text), errs);
	OPENSSL_cleanse(text->s, text->len);
	sbuf_free(text);
	return k;
}

void
keyring_format(const KEYRING *k, SBUF *out)
{
	sbuf_cat(out, "# tenant-milter token keys: ID KEY(hex) CREATED(unix) [retired]. Keep mode 0600.\n");
	for (size_t i = 0; i < k->n; i++) {
		sbuf_printf(out, "%d ", k->k[i].id);
		for (int j = 0; j < 32; j++)
			sbuf_printf(out, "%02x", k->k[i].key[j]);
		sbuf_printf(out, " %ld%s\n", k->k[i].created, k->k[i].retired ? " retired" : "");
	}
}

int
keyring_add(KEYRING *k, long created)
{
	int id = 0;

	for (size_t i = 0; i < k->n; i++)
		if (k->k[i].id > id)
			id = k->k[i].id;
	if (++id > 255)
		return -1;
	k->k = xrealloc(k->k, (k->n + 1) * sizeof(TKEY));
	memset(&k->k[k->n], 0, sizeof(TKEY));
	if (RAND_bytes(k->k[k->n].key, 32) != 1)
		return -1;
	k->k[k->n].id = id;
	k->k[k->n++].created = created;
	return id;
}

int
keyring_retire(KEYRING *k, int id)
{
	size_t live = 0;
	TKEY *t = NULL;

	for (size_t i = 0; i < k->n; i++) {
		live += !k->k[i].retired;
		if (k->k[i].id == id)
			t = &k->k[i];
	}
	if (t == NULL || t->retired || live < 2)
		return -1;
	t->retired = 1;
	return 0;
}

/* tk_sealer - the newest key that is not retired */
static const TKEY *
tk_sealer(const KEYRING *k)
{
	const TKEY *best = NULL;

	for (size_t i = 0; i < k->n; i++)
		if (!k->k[i].retired && (best == NULL || k->k[i].id > best->id))
			best = &k->k[i];
	return best;
}

static void
b64url(const unsigned char *in, size_t n, SBUF *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
		sbuf_putc(out, a[v >> 18 & 63]);
		sbuf_putc(out, a[v >> 12 & 63]);
		if (i + 1 < n)
			sbuf_putc(out, a[v >> 6 & 63]);
		if (i + 2 < n)
			sbuf_putc(out, a[v & 63]);
	}
}

/* unb64url - decoded length, or -1 on a character outside the alphabet */
static long
unb64url(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0, bits = 0;
	unsigned v = 0;

	for (; *s; s++) {
		int c = *s;
		int d = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52 : c == '-' ? 62 : c == '_' ? 63 : -1;
		if (d < 0)
			return -1;
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == max)
				return -1;
			out[n++] = (unsigned char)(v >> bits);
		}
	}
	return (long)n;
}

static int
tk_put(unsigned char *p, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (n > TOKEN_FIELD_MAX)
		return -1;
	p[(*len)++] = (unsigned char)n;
	memcpy(p + *len, s, n);
	*len += n;
	return 0;
}

int
token_seal(const KEYRING *k, const TOKEN_DATA *d, SBUF *out, SBUF *err)
{
	const TKEY *key = tk_sealer(k);
	unsigned char plain[4 + 3 * (TOKEN_FIELD_MAX + 1)], buf[TK_HEAD + TK_NONCE + sizeof(plain) + TK_TAG];
	size_t plen = 0;
	int outl = 0, fl = 0, ok = 0;
	EVP_CIPHER_CTX *ctx;

	if (key == NULL) {
		sbuf_cat(err, "no key to seal with: run tenantctl unsubscribe-key generate");
		return -1;
	}
	plain[plen++] = (unsigned char)(d->day >> 24);
	plain[plen++] = (unsigned char)(d->day >> 16);
	plain[plen++] = (unsigned char)(d->day >> 8);
	plain[plen++] = (unsigned char)d->day;
	if (tk_put(plain, &plen, d->tenant) < 0 || tk_put(plain, &plen, d->recipient) < 0 ||
	    tk_put(plain, &plen, d->list) < 0) {
		sbuf_cat(err, "a token field is longer than 255 bytes");
		return -1;
	}
	buf[0] = TOKEN_VERSION;
	buf[1] = (unsigned char)key->id;
	if (RAND_bytes(buf + TK_HEAD, TK_NONCE) != 1 || (ctx = EVP_CIPHER_CTX_new()) == NULL) {
		sbuf_cat(err, "no randomness for a nonce");
		return -1;
	}
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, TK_NONCE, NULL) == 1 &&
	     EVP_EncryptInit_ex(ctx, NULL, NULL, key->key, buf + TK_HEAD) == 1 &&
	     EVP_EncryptUpdate(ctx, NULL, &outl, buf, TK_HEAD) == 1 &&
	     EVP_EncryptUpdate(ctx, buf + TK_HEAD + TK_NONCE, &outl, plain, (int)plen) == 1 &&
	     EVP_EncryptFinal_ex(ctx, buf + TK_HEAD + TK_NONCE + outl, &fl) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TK_TAG, buf + TK_HEAD + TK_NONCE + outl + fl) == 1;
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(plain, sizeof(plain));
	if (!ok) {
		sbuf_cat(err, "encryption failed");
		return -1;
	}
	b64url(buf, TK_HEAD + TK_NONCE + (size_t)(outl + fl) + TK_TAG, out);
	return 0;
}

static int
tk_get(const unsigned char *p, size_t len, size_t *pos, char *out, size_t max)
{
	size_t n;

	if (*pos >= len || (n = p[*pos]) > len - *pos - 1 || n >= max)
		return -1;
	memcpy(out, p + *pos + 1, n);
	out[n] = 0;
	*pos += n + 1;
	return memchr(out, 0, n) ? -1 : 0;
}

int
token_open(const KEYRING *k, const char *token, long today, long lifetime_days, TOKEN_DATA *d, SBUF *err)
{
	unsigned char buf[1024], plain[1024];
	long n = strlen(token) > 1300 ? -1 : unb64url(token, buf, sizeof(buf));
	const TKEY *key = NULL;
	size_t clen, pos = 0;
	int outl = 0, fl = 0, ok;
	EVP_CIPHER_CTX *ctx;

	memset(d, 0, sizeof(*d));
	if (n < TK_HEAD + TK_NONCE + 4 + 3 + TK_TAG) {
		sbuf_cat(err, "malformed token");
		return -1;
	}
	if (buf[0] != TOKEN_VERSION) {
		sbuf_printf(err, "token version %d is not %d", buf[0], TOKEN_VERSION);
		return -1;
	}
	for (size_t i = 0; i < k->n; i++)
		if (k->k[i].id == buf[1])
			key = &k->k[i];
	if (key == NULL || key->retired) {
		sbuf_printf(err, "token key %d is %s", buf[1], key ? "retired" : "unknown");
		return -1;
	}
	clen = (size_t)n - TK_HEAD - TK_NONCE - TK_TAG;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		sbuf_cat(err, "out of memory");
		return -1;
	}
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, TK_NONCE, NULL) == 1 &&
	     EVP_DecryptInit_ex(ctx, NULL, NULL, key->key, buf + TK_HEAD) == 1 &&
	     EVP_DecryptUpdate(ctx, NULL, &outl, buf, TK_HEAD) == 1 &&
	     EVP_DecryptUpdate(ctx, plain, &outl, buf + TK_HEAD + TK_NONCE, (int)clen) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TK_TAG, buf + TK_HEAD + TK_NONCE + clen) == 1 &&
	     EVP_DecryptFinal_ex(ctx, plain + outl, &fl) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		sbuf_cat(err, "token failed authentication");
		return -1;
	}
	clen = (size_t)(outl + fl);
	d->day = (long)plain[0] << 24 | (long)plain[1] << 16 | (long)plain[2] << 8 | plain[3];
	pos = 4;
	if (tk_get(plain, clen, &pos, d->tenant, sizeof(d->tenant)) < 0 ||
	    tk_get(plain, clen, &pos, d->recipient, sizeof(d->recipient)) < 0 ||
	    tk_get(plain, clen, &pos, d->list, sizeof(d->list)) < 0 || pos != clen) {
		sbuf_cat(err, "malformed token payload");
		return -1;
	}
	if (today - d->day > lifetime_days || d->day > today + 1) {
		sbuf_cat(err, "token expired");
		return -1;
	}
	return 0;
}

int
token_from_address(const char *addr, const char *prefix, const char *domain, SBUF *tok)
{
	size_t n = strlen(addr), plen = strlen(prefix);
	const char *at, *t;

	if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>') {
		addr++;
		n -= 2;
	}
	if ((at = memchr(addr, '@', n)) == NULL || *prefix == 0 || *domain == 0)
		return 0;
	if ((size_t)(n - (at + 1 - addr)) != strlen(domain) || strncasecmp(at + 1, domain, strlen(domain)) != 0)
		return 0;
	if ((size_t)(at - addr) <= plen + 1 || strncasecmp(addr, prefix, plen) != 0 || addr[plen] != '+')
		return 0;
	t = addr + plen + 1;
	for (const char *p = t; p < at; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return 0;
	sbuf_reset(tok);
	sbuf_catn(tok, t, (size_t)(at - t));
	return 1;
}
