/*
 * NAME
 *	token - seal and open tokens with AES-256-GCM (OpenSSL EVP)
 * DESCRIPTION
 *	A file of its own, like digest.c: OpenSSL's headers define a CONF type.
 *	The layouts of versions 2 and 1 are in tm_token.h. The per-purpose
 *	keys are derived once, when a key is read or made, so sealing costs no
 *	HKDF; they are wiped with the keyring.
 * SEE ALSO
 *	tm_token.h
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "tm_digest.h"
#include "tm_mem.h"
#include "tm_token.h"

#define TK_NONCE 12
#define TK_TAG 16
#define TK_HEAD 3        /* version, purpose, key id */
#define TK_HEAD_LEGACY 2 /* version, key id */
#define TK_KDF_SALT "tenant-milter token v2"

typedef struct {
	int id;
	unsigned char key[32]; /* the keyring's; seals nothing since version 2, opens version 1 */
	unsigned char sub[2][32]; /* HKDF-derived, per purpose (index purpose - 1) */
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

/* tk_derive - the per-purpose keys of t->key (RFC 5869 HKDF-SHA256); 0, or -1 */
static int
tk_derive(TKEY *t)
{
	static const char *const info[2] = {"unsubscribe", "verp"};
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	char digest[] = "SHA256", salt[] = TK_KDF_SALT;
	int ok = kctx != NULL;

	for (int i = 0; i < 2 && ok; i++) {
		OSSL_PARAM params[] = {
		    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
		    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, t->key, sizeof(t->key)),
		    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt, strlen(salt)),
		    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info[i],
		                                      strlen(info[i])),
		    OSSL_PARAM_construct_end(),
		};
		ok = EVP_KDF_derive(kctx, t->sub[i], sizeof(t->sub[i]), params) == 1;
	}
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
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
		if (tk_derive(&k->k[k->n]) < 0) {
			OPENSSL_cleanse(&k->k[k->n], sizeof(TKEY));
			sbuf_printf(errs,
			            "%s:%zu: cannot derive the per-purpose keys (OpenSSL HKDF)\n",
			            origin, lineno);
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
	if (RAND_bytes(k->k[k->n].key, 32) != 1 || tk_derive(&k->k[k->n]) < 0) {
		OPENSSL_cleanse(&k->k[k->n], sizeof(TKEY));
		return -1;
	}
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

/* unb64url - decoded length, or -1 on a character outside the alphabet or a non-canonical end */
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
	/* only the one spelling b64url writes: no dangling character, unused bits zero */
	if (bits >= 6 || (v & ((1u << bits) - 1)) != 0)
		return -1;
	return (long)n;
}

/* tk_field - one field of a payload, with its limit and name for errors */
typedef struct {
	const char *name;
	size_t max;
} TK_FIELD;

static const TK_FIELD tk_fields[] = {
    {"tenant", TOKEN_TENANT_MAX},
    {"recipient", TOKEN_ADDR_MAX},
    {"list id", TOKEN_LIST_MAX},
    {"return path", TOKEN_ADDR_MAX},
    {"stream", TOKEN_STREAM_MAX}, /* last and optional: VERP tokens name the stream they were sent in */
};
#define TK_NFIELDS (sizeof(tk_fields) / sizeof(tk_fields[0]))
#define TK_PLAIN_MAX (4 + 2 * TK_NFIELDS + TOKEN_TENANT_MAX + 2 * TOKEN_ADDR_MAX + TOKEN_LIST_MAX + TOKEN_STREAM_MAX)
#define TK_RAW_MAX (TOKEN_TEXT_MAX / 4 * 3)

/* tk_gcm - AES-256-GCM over in (encrypt: tag out; decrypt: tag checked); 1 if it worked */
static int
tk_gcm(int enc, const unsigned char *key, const unsigned char *nonce, const unsigned char *aad,
       int aadlen, const unsigned char *in, int inlen, unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0, fl = 0, ok;

	if (ctx == NULL)
		return 0;
	ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, TK_NONCE, NULL) == 1 &&
	     EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) == 1 &&
	     EVP_CipherUpdate(ctx, NULL, &outl, aad, aadlen) == 1 &&
	     EVP_CipherUpdate(ctx, out, &outl, in, inlen) == 1 &&
	     (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TK_TAG, tag) == 1) &&
	     EVP_CipherFinal_ex(ctx, out + outl, &fl) == 1 && outl + fl == inlen &&
	     (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TK_TAG, tag) == 1);
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

static const char *
tk_purpose_name(int purpose)
{
	return purpose == TOKEN_UNSUBSCRIBE ? "unsubscribe"
	       : purpose == TOKEN_VERP      ? "VERP"
	                                    : "unknown";
}

int
token_seal(const KEYRING *k, int purpose, const TOKEN_DATA *d, SBUF *out, SBUF *err)
{
	const TKEY *key = tk_sealer(k);
	const char *f[TK_NFIELDS] = {d->tenant, d->recipient, d->list, d->return_path, d->stream};
	unsigned char plain[TK_PLAIN_MAX], buf[TK_HEAD + TK_NONCE + TK_PLAIN_MAX + TK_TAG];
	size_t plen = 0;
	int ok;

	if (key == NULL) {
		sbuf_cat(err, "no key to seal with: run tenantctl unsubscribe-key generate");
		return -1;
	}
	if (purpose != TOKEN_UNSUBSCRIBE && purpose != TOKEN_VERP) {
		sbuf_printf(err, "token purpose %d is unknown", purpose);
		return -1;
	}
	for (size_t i = 0; i < TK_NFIELDS; i++)
		if (f[i] == NULL)
			f[i] = "";
	/* each purpose its own fields: a list id is tenant text, a return path is forwarded to */
	if (purpose == TOKEN_UNSUBSCRIBE && *f[3]) {
		sbuf_cat(err, "an unsubscribe token carries no return path");
		return -1;
	}
	if (purpose == TOKEN_VERP && *f[2]) {
		sbuf_cat(err, "a VERP token carries no list id");
		return -1;
	}
	if (d->day < 0 || d->day > 0xffffffffL) {
		sbuf_printf(err, "token day %ld is out of range", d->day);
		return -1;
	}
	plain[plen++] = (unsigned char)(d->day >> 24);
	plain[plen++] = (unsigned char)(d->day >> 16);
	plain[plen++] = (unsigned char)(d->day >> 8);
	plain[plen++] = (unsigned char)d->day;
	for (size_t i = 0; i < TK_NFIELDS; i++) {
		size_t n = strlen(f[i]);
		if (i == TK_NFIELDS - 1 && n == 0)
			break; /* the optional last field, empty: not written, as before it existed */
		if (n > tk_fields[i].max) {
			sbuf_printf(err, "the token %s is %zu bytes, over the limit of %zu",
			            tk_fields[i].name, n, tk_fields[i].max);
			OPENSSL_cleanse(plain, sizeof(plain));
			return -1;
		}
		plain[plen++] = (unsigned char)(n >> 8);
		plain[plen++] = (unsigned char)n;
		memcpy(plain + plen, f[i], n);
		plen += n;
	}
	buf[0] = TOKEN_VERSION;
	buf[1] = (unsigned char)purpose;
	buf[2] = (unsigned char)key->id;
	if (RAND_bytes(buf + TK_HEAD, TK_NONCE) != 1) {
		OPENSSL_cleanse(plain, sizeof(plain));
		sbuf_cat(err, "no randomness for a nonce");
		return -1;
	}
	ok = tk_gcm(1, key->sub[purpose - 1], buf + TK_HEAD, buf, TK_HEAD, plain, (int)plen,
	            buf + TK_HEAD + TK_NONCE, buf + TK_HEAD + TK_NONCE + plen);
	OPENSSL_cleanse(plain, sizeof(plain));
	if (!ok) {
		sbuf_cat(err, "encryption failed");
		return -1;
	}
	b64url(buf, TK_HEAD + TK_NONCE + plen + TK_TAG, out);
	return 0;
}

/* tk_get - field i of a payload (lenbytes: 1 in version 1, 2 in version 2) into d->store at *at */
static int
tk_get(const unsigned char *p, size_t len, size_t *pos, int lenbytes, size_t i, TOKEN_DATA *d,
       size_t *at, const char **out)
{
	size_t n;

	if (*pos + (size_t)lenbytes > len)
		return -1;
	n = lenbytes == 1 ? p[*pos] : (size_t)p[*pos] << 8 | p[*pos + 1];
	*pos += (size_t)lenbytes;
	if (n > len - *pos || n > tk_fields[i].max || memchr(p + *pos, 0, n))
		return -1;
	memcpy(d->store + *at, p + *pos, n);
	d->store[*at + n] = 0;
	*out = d->store + *at;
	*at += n + 1;
	*pos += n;
	return 0;
}

/* tk_clear - nothing opened: every string "" */
static void
tk_clear(TOKEN_DATA *d)
{
	OPENSSL_cleanse(d, sizeof(*d));
	d->tenant = d->recipient = d->list = d->return_path = d->stream = "";
}

/* tk_key - the key with this id, or NULL with err */
static const TKEY *
tk_key(const KEYRING *k, int id, SBUF *err)
{
	const TKEY *key = NULL;

	for (size_t i = 0; i < k->n; i++)
		if (k->k[i].id == id)
			key = &k->k[i];
	if (key == NULL || key->retired) {
		sbuf_printf(err, "token key %d is %s", id, key ? "retired" : "unknown");
		return NULL;
	}
	return key;
}

int
token_open(const KEYRING *k, int purpose, const char *token, long today, long lifetime_days,
           TOKEN_DATA *d, SBUF *err)
{
	unsigned char buf[TK_RAW_MAX], plain[TK_RAW_MAX];
	long n = strlen(token) > TOKEN_TEXT_MAX ? -1 : unb64url(token, buf, sizeof(buf));
	const char **f[TK_NFIELDS] = {&d->tenant, &d->recipient, &d->list, &d->return_path, &d->stream};
	const TKEY *key;
	size_t head, clen, pos = 0, at = 0, nf;
	int v2, lenbytes, ok, bad = 0;

	tk_clear(d);
	if (purpose != TOKEN_UNSUBSCRIBE && purpose != TOKEN_VERP) {
		sbuf_printf(err, "token purpose %d is unknown", purpose);
		return -1;
	}
	if (n < TK_HEAD_LEGACY + TK_NONCE + 4 + 3 + TK_TAG) { /* shorter than any version */
		sbuf_cat(err, "malformed token");
		return -1;
	}
	if (buf[0] != TOKEN_VERSION && buf[0] != TOKEN_VERSION_LEGACY) {
		sbuf_printf(err, "token version %d is not %d", buf[0], TOKEN_VERSION);
		return -1;
	}
	v2 = buf[0] == TOKEN_VERSION;
	head = v2 ? TK_HEAD : TK_HEAD_LEGACY;
	lenbytes = v2 ? 2 : 1;
	nf = v2 ? TK_NFIELDS : 3;
	if ((size_t)n < head + TK_NONCE + 4 + (v2 ? nf - 1 : nf) * (size_t)lenbytes + TK_TAG) {
		sbuf_cat(err, "malformed token");
		return -1;
	}
	if (v2 && buf[1] != purpose) {
		if (buf[1] == TOKEN_UNSUBSCRIBE || buf[1] == TOKEN_VERP)
			sbuf_printf(err, "%s %s token is no %s token",
			            buf[1] == TOKEN_UNSUBSCRIBE ? "an" : "a",
			            tk_purpose_name(buf[1]), tk_purpose_name(purpose));
		else
			sbuf_printf(err, "token purpose %d is unknown", buf[1]);
		return -1;
	}
	if ((key = tk_key(k, buf[head - 1], err)) == NULL)
		return -1;
	clen = (size_t)n - head - TK_NONCE - TK_TAG;
	/* version 1 used the keyring key itself, for both purposes alike */
	ok = tk_gcm(0, v2 ? key->sub[purpose - 1] : key->key, buf + head, buf, (int)head,
	            buf + head + TK_NONCE, (int)clen, plain, buf + head + TK_NONCE + clen);
	if (!ok) {
		OPENSSL_cleanse(plain, sizeof(plain));
		sbuf_cat(err, "token failed authentication");
		return -1;
	}
	d->day = (long)plain[0] << 24 | (long)plain[1] << 16 | (long)plain[2] << 8 | plain[3];
	d->legacy = !v2;
	pos = 4;
	for (size_t i = 0; i < nf && !bad; i++) {
		if (v2 && i == TK_NFIELDS - 1 && pos == clen)
			break; /* sealed without the optional last field */
		bad = tk_get(plain, clen, &pos, lenbytes, i, d, &at, f[i]) < 0;
	}
	OPENSSL_cleanse(plain, sizeof(plain));
	if (bad || pos != clen) {
		tk_clear(d);
		sbuf_cat(err, "malformed token payload");
		return -1;
	}
	if (today - d->day > lifetime_days || d->day > today + 1) {
		tk_clear(d);
		sbuf_cat(err, "token expired");
		return -1;
	}
	return 0;
}

int
token_id(const char *tok, char id[TOKEN_ID_LEN])
{
	return digest_id('V', tok, strlen(tok), id);
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
