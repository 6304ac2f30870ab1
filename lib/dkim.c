/*
 * NAME
 *	dkim - the DKIM key table and signing through libopendkim
 * SEE ALSO
 *	tm_dkim(3h)
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <opendkim/dkim.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tm_dkim.h"
#include "tm_mem.h"

#define DKK_MAX_KEY (16 * 1024)

struct dkk_table {
	DKK_KEY *k;
	size_t n, cap;
};

const char *const dks_sign_headers[] = {"From",		"To",	      "Subject",	  "Date",
					"Message-ID",	"MIME-Version", "Content-Type", "List-Unsubscribe",
					"List-Unsubscribe-Post", NULL};
const char *const dks_oversign_headers[] = {"From", "List-Unsubscribe", "List-Unsubscribe-Post", NULL};

static void
dkk_key_clear(DKK_KEY *k)
{
	free(k->domain);
	free(k->tenant);
	free(k->selector);
	free(k->path);
	if (k->pem) {
		OPENSSL_cleanse(k->pem, strlen(k->pem));
		free(k->pem);
	}
	memset(k, 0, sizeof(*k));
}

DKK_TABLE *
dkk_free(DKK_TABLE *t)
{
	if (t) {
		for (size_t i = 0; i < t->n; i++)
			dkk_key_clear(&t->k[i]);
		free(t->k);
		free(t);
	}
	return NULL;
}

size_t
dkk_count(const DKK_TABLE *t)
{
	return t ? t->n : 0;
}

const DKK_KEY *
dkk_get(const DKK_TABLE *t, size_t i)
{
	return t && i < t->n ? &t->k[i] : NULL;
}

/* dkk_word_ok - a domain, tenant or selector: printable, no spaces, bounded */
static int
dkk_word_ok(const char *w, size_t max)
{
	size_t n = strlen(w);

	if (n == 0 || n > max)
		return 0;
	for (; *w; w++)
		if (!isgraph((unsigned char)*w) || *w == ';' || *w == '=')
			return 0;
	return 1;
}

static DKK_KEY *
dkk_slot(DKK_TABLE *t, const char *domain, const char *selector)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcasecmp(t->k[i].domain, domain) == 0 && strcmp(t->k[i].selector, selector) == 0)
			return &t->k[i];
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->k = xrealloc(t->k, t->cap * sizeof(*t->k));
	}
	memset(&t->k[t->n], 0, sizeof(t->k[0]));
	return &t->k[t->n++];
}

int
dkk_put(DKK_TABLE *t, const char *domain, const char *tenant, const char *selector, const char *path, SBUF *err)
{
	DKK_KEY *k;

	if (!dkk_word_ok(domain, 253) || !dkk_word_ok(tenant, 63) || !dkk_word_ok(selector, 63) ||
	    !dkk_word_ok(path, 1024) || path[0] != '/') {
		sbuf_cat(err, "expected DOMAIN TENANT SELECTOR /ABSOLUTE/KEYFILE");
		return -1;
	}
	for (size_t i = 0; i < t->n; i++)
		if (strcasecmp(t->k[i].domain, domain) == 0 && strcmp(t->k[i].tenant, tenant) != 0) {
			sbuf_printf(err, "domain %s already has a key of tenant %s", domain, t->k[i].tenant);
			return -1;
		}
	k = dkk_slot(t, domain, selector);
	dkk_key_clear(k);
	k->domain = xstrdup(domain);
	for (char *p = k->domain; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	k->tenant = xstrdup(tenant);
	k->selector = xstrdup(selector);
	k->path = xstrdup(path);
	return 0;
}

DKK_TABLE *
dkk_parse(const char *origin, const char *text, SBUF *errs)
{
	DKK_TABLE *t = xcalloc(1, sizeof(*t));
	char *copy = xstrdup(text), *save = NULL;
	int lineno = 0, bad = 0;
	SBUF *e = sbuf_new(64);

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char w[5][1100];
		int n;
		lineno++;
		line += strspn(line, " \t");
		if (*line == '#' || *line == 0 || *line == '\r')
			continue;
		n = sscanf(line, "%1099s %1099s %1099s %1099s %1099s", w[0], w[1], w[2], w[3], w[4]);
		sbuf_reset(e);
		if (n != 4)
			sbuf_cat(e, "expected DOMAIN TENANT SELECTOR KEYFILE");
		else
			dkk_put(t, w[0], w[1], w[2], w[3], e);
		if (e->len) {
			sbuf_printf(errs, "%s:%d: %s\n", origin, lineno, sbuf_str(e));
			bad = 1;
		}
	}
	free(copy);
	sbuf_free(e);
	return bad ? dkk_free(t) : t;
}

DKK_TABLE *
dkk_read(const char *path, SBUF *errs)
{
	SBUF *text;
	DKK_TABLE *t = NULL;

	if (access(path, F_OK) != 0 && errno == ENOENT)
		return xcalloc(1, sizeof(DKK_TABLE)); /* no keys yet */
	text = sbuf_new(1024);
	if (sbuf_read_text(text, path, 1 << 20, errs) == 0)
		t = dkk_parse(path, sbuf_str(text), errs);
	sbuf_free(text);
	return t;
}

/*
 * dkk_key_usable - does the PEM text hold a private key libopendkim can sign
 * with (RSA of 1024 bits or more, or Ed25519)? Checked at load, so a broken
 * key file is refused at start or reload, never met per message (where
 * libopendkim would fail every message of the tenant).
 */
static int
dkk_key_usable(const char *pem, size_t len, const char *path, SBUF *errs)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	int ok = 0;

	if (key == NULL)
		sbuf_printf(errs, "%s: not a readable PEM private key\n", path);
	else if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) < 1024)
		sbuf_printf(errs, "%s: RSA key of %d bits; DKIM needs 1024 or more\n", path, EVP_PKEY_get_bits(key));
	else if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA && EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519)
		sbuf_printf(errs, "%s: neither an RSA nor an Ed25519 key\n", path);
	else
		ok = 1;
	EVP_PKEY_free(key);
	BIO_free(bio);
	return ok;
}

DKK_TABLE *
dkk_load(const char *path, SBUF *errs)
{
	size_t before = errs->len;
	DKK_TABLE *t = dkk_read(path, errs);

	for (size_t i = 0; t && i < t->n; i++) {
		struct stat st;
		SBUF *pem = sbuf_new(2048);
		DKK_KEY *k = &t->k[i];
		if (stat(k->path, &st) == 0 && (st.st_mode & 077) != 0)
			sbuf_printf(errs, "%s: readable by group or others (mode %o); DKIM keys must be mode 0600\n",
				    k->path, (unsigned)(st.st_mode & 0777));
		else if (sbuf_read_text(pem, k->path, DKK_MAX_KEY, errs) == 0 &&
			 strstr(sbuf_str(pem), "PRIVATE KEY") == NULL)
			sbuf_printf(errs, "%s: not a PEM private key\n", k->path);
		else if (pem->len && dkk_key_usable(sbuf_str(pem), pem->len, k->path, errs)) {
			k->pem = sbuf_steal(pem);
			continue;
		}
		if (pem->s)
			OPENSSL_cleanse(pem->s, pem->len);
		sbuf_free(pem);
	}
	if (t && errs->len > before)
		t = dkk_free(t);
	return t;
}

const DKK_KEY *
dkk_find(const DKK_TABLE *t, const char *tenant, const char *domain)
{
	const DKK_KEY *best = NULL;

	if (t == NULL || tenant == NULL || domain == NULL)
		return NULL;
	/* the From domain itself, else the nearest parent: the longest match wins */
	for (const char *d = domain; d; d = strchr(d, '.') ? strchr(d, '.') + 1 : NULL) {
		for (size_t i = 0; i < t->n; i++)
			if (t->k[i].pem && strcasecmp(t->k[i].domain, d) == 0 && strcmp(t->k[i].tenant, tenant) == 0) {
				best = &t->k[i]; /* the last line for a domain: the newest selector */
			}
		if (best)
			return best;
	}
	return NULL;
}

void
dkk_format(const DKK_TABLE *t, SBUF *out)
{
	sbuf_cat(out, "# DOMAIN\tTENANT\tSELECTOR\tKEYFILE  (written by tenantctl dkim)\n");
	for (size_t i = 0; i < t->n; i++)
		sbuf_printf(out, "%s\t%s\t%s\t%s\n", t->k[i].domain, t->k[i].tenant, t->k[i].selector, t->k[i].path);
}

/* ---- keys ---- */

static int
dkk_pub_record(EVP_PKEY *pk, SBUF *rec, SBUF *err)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(pk, &der);
	char *b64;

	if (n <= 0) {
		sbuf_cat(err, "cannot encode the public key");
		return -1;
	}
	b64 = xmalloc((size_t)(4 * ((n + 2) / 3) + 1));
	EVP_EncodeBlock((unsigned char *)b64, der, n);
	OPENSSL_free(der);
	sbuf_printf(rec, "v=DKIM1; k=rsa; p=%s", b64);
	free(b64);
	return 0;
}

int
dkk_generate(const char *path, int bits, SBUF *rec, SBUF *err)
{
	EVP_PKEY *pk = EVP_RSA_gen((unsigned)bits);
	FILE *fp = NULL;
	int fd = -1, rc = -1;

	if (pk == NULL) {
		sbuf_cat(err, "cannot generate an RSA key");
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
		sbuf_printf(err, "%s: %s%s", path, strerror(errno),
			    errno == EEXIST ? " (choose another selector, or remove the old key first)" : "");
		goto out;
	}
	if ((fp = fdopen(fd, "w")) == NULL || !PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL) ||
	    fflush(fp) != 0 || fsync(fd) < 0) {
		sbuf_printf(err, "%s: cannot write the key", path);
		unlink(path);
		goto out;
	}
	rc = dkk_pub_record(pk, rec, err);
	if (rc < 0)
		unlink(path);
out:
	if (fp)
		fclose(fp);
	else if (fd >= 0)
		close(fd);
	EVP_PKEY_free(pk);
	return rc;
}

int
dkk_record(const char *path, SBUF *rec, SBUF *err)
{
	FILE *fp = fopen(path, "r");
	EVP_PKEY *pk;
	int rc = -1;

	if (fp == NULL) {
		sbuf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	pk = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	if (pk == NULL || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
		sbuf_printf(err, "%s: not a PEM RSA private key", path);
	else if (EVP_PKEY_get_bits(pk) < 1024)
		sbuf_printf(err, "%s: a %d-bit key is too short (receivers ignore signatures under 1024 bits)", path,
			    EVP_PKEY_get_bits(pk));
	else
		rc = dkk_pub_record(pk, rec, err);
	EVP_PKEY_free(pk);
	return rc;
}

/* ---- signing ---- */

struct dks_job {
	DKIM *d;
	int eoh;
};

static DKIM_LIB *dks_lib;
static pthread_once_t dks_once = PTHREAD_ONCE_INIT;

static void
dks_init(void)
{
	unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;

	dks_lib = dkim_init(NULL, NULL);
	if (dks_lib == NULL)
		return;
	dkim_options(dks_lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags));
	dkim_options(dks_lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, (void *)dks_sign_headers, sizeof(char **));
	dkim_options(dks_lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS, (void *)dks_oversign_headers, sizeof(char **));
}

static int
dks_fail(DKIM *d, DKIM_STAT st, const char *what, SBUF *err)
{
	const char *why = d ? dkim_geterror(d) : NULL;

	sbuf_printf(err, "DKIM %s: %s%s%s", what, dkim_getresultstr(st), why && *why ? ": " : "", why ? why : "");
	return -1;
}

DKS_JOB *
dks_begin(const DKK_KEY *key, const char *jobid, SBUF *err)
{
	DKIM_STAT st = DKIM_STAT_OK;
	DKS_JOB *j;
	DKIM *d;

	pthread_once(&dks_once, dks_init);
	if (dks_lib == NULL) {
		sbuf_cat(err, "DKIM: libopendkim did not initialise");
		return NULL;
	}
	d = dkim_sign(dks_lib, (const unsigned char *)(jobid && *jobid ? jobid : "NOQUEUE"), NULL,
		      (dkim_sigkey_t)key->pem, (const unsigned char *)key->selector, (const unsigned char *)key->domain,
		      DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, -1, &st);
	if (d == NULL) {
		dks_fail(NULL, st, "cannot start signing", err);
		return NULL;
	}
	j = xcalloc(1, sizeof(*j));
	j->d = d;
	return j;
}

int
dks_header(DKS_JOB *j, const char *name, const char *value, SBUF *err)
{
	SBUF *h = sbuf_new(256);
	DKIM_STAT st;
	const char *v = value;

	/* "Name: value", folded lines with CRLF whatever the MTA handed us */
	sbuf_printf(h, "%s:", name);
	if (*v != ' ' && *v != '\t')
		sbuf_putc(h, ' ');
	for (; *v; v++) {
		if (*v == '\n' && (v == value || v[-1] != '\r'))
			sbuf_putc(h, '\r');
		sbuf_putc(h, *v);
	}
	st = dkim_header(j->d, (unsigned char *)h->s, h->len);
	sbuf_free(h);
	return st == DKIM_STAT_OK ? 0 : dks_fail(j->d, st, "header", err);
}

int
dks_body(DKS_JOB *j, const unsigned char *data, size_t len, SBUF *err)
{
	DKIM_STAT st;

	if (!j->eoh) {
		if ((st = dkim_eoh(j->d)) != DKIM_STAT_OK)
			return dks_fail(j->d, st, "end of headers", err);
		j->eoh = 1;
	}
	if (len == 0)
		return 0;
	st = dkim_body(j->d, (unsigned char *)data, len);
	return st == DKIM_STAT_OK ? 0 : dks_fail(j->d, st, "body", err);
}

int
dks_finish(DKS_JOB *j, SBUF *sig, SBUF *err)
{
	DKIM_STAT st;
	unsigned char *buf = NULL;
	size_t len = 0;

	if (dks_body(j, NULL, 0, err) < 0)
		return -1;
	if ((st = dkim_eom(j->d, NULL)) != DKIM_STAT_OK)
		return dks_fail(j->d, st, "end of message", err);
	if ((st = dkim_getsighdr_d(j->d, strlen("DKIM-Signature: "), &buf, &len)) != DKIM_STAT_OK)
		return dks_fail(j->d, st, "signature", err);
	/* libopendkim folds with CRLF; the milter protocol wants bare LF inside a value */
	for (size_t i = 0; i < len; i++)
		if (buf[i] != '\r')
			sbuf_putc(sig, (char)buf[i]);
	return 0;
}

void
dks_free(DKS_JOB *j)
{
	if (j) {
		dkim_free(j->d);
		free(j);
	}
}
