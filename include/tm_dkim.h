/*
 * NAME
 *	tm_dkim 3h - the DKIM key table and signing (libopendkim)
 * DESCRIPTION
 *	The key table (dkim_keys, one line per key, like OpenDKIM's KeyTable
 *	and SigningTable in one):
 *
 *		# DOMAIN	TENANT	SELECTOR	KEYFILE
 *		acme.example	acme	s2026	/etc/tenant-milter/dkim/acme.example.s2026.key
 *
 *	dkk_load() reads the table and every key file once (files must not be
 *	readable by group or others); messages are signed from memory.
 *	dkk_find() picks the tenant's key for the From domain, else for its
 *	nearest parent domain (relaxed DMARC alignment); never another
 *	tenant's key.
 *
 *	A signer is rsa-sha256, relaxed/relaxed. It signs From, To, Subject,
 *	Date, Message-ID, MIME-Version, Content-Type, List-Unsubscribe and
 *	List-Unsubscribe-Post when present, and oversigns From and both
 *	unsubscribe headers, so none can be added after signing.
 */
#ifndef TM_DKIM_H
#define TM_DKIM_H

#include <stddef.h>

#include "tm_sbuf.h"

typedef struct {
	char *domain, *tenant, *selector, *path;
	char *pem; /* the private key, read at load */
} DKK_KEY;

typedef struct dkk_table DKK_TABLE;

/* dkk_parse - the table text; keys are not read. NULL with "origin:line: reason" errors */
DKK_TABLE *dkk_parse(const char *origin, const char *text, SBUF *errs);
/* dkk_read - parse the file, keys not read; a missing file is an empty table */
DKK_TABLE *dkk_read(const char *path, SBUF *errs);
/* dkk_load - dkk_read, then read every key */
DKK_TABLE *dkk_load(const char *path, SBUF *errs);
DKK_TABLE *dkk_free(DKK_TABLE *t);
size_t dkk_count(const DKK_TABLE *t);
const DKK_KEY *dkk_get(const DKK_TABLE *t, size_t i);
/* dkk_find - the key to sign tenant's mail from domain with, or NULL */
const DKK_KEY *dkk_find(const DKK_TABLE *t, const char *tenant, const char *domain);
/* dkk_put - add or replace the (domain, selector) line; 0, or -1 with err (another tenant's domain) */
int dkk_put(DKK_TABLE *t, const char *domain, const char *tenant, const char *selector, const char *path, SBUF *err);
/* dkk_generate - a new RSA key of bits in path (mode 0600, never over an existing file); its record value in rec */
int dkk_generate(const char *path, int bits, SBUF *rec, SBUF *err);
/* dkk_record - "v=DKIM1; k=rsa; p=BASE64" of a PEM RSA private key file (at least 1024 bits) */
int dkk_record(const char *path, SBUF *rec, SBUF *err);
/* dkk_format - the table text, for writing back */
void dkk_format(const DKK_TABLE *t, SBUF *out);

/* the headers signed, and the ones signed once more than present (NULL-terminated) */
extern const char *const dks_sign_headers[];
extern const char *const dks_oversign_headers[];

typedef struct dks_job DKS_JOB;

/* dks_begin - a signing job for key; NULL with err */
DKS_JOB *dks_begin(const DKK_KEY *key, const char *jobid, SBUF *err);
/* dks_header - one header field as it will be delivered: name and value (folded lines allowed) */
int dks_header(DKS_JOB *j, const char *name, const char *value, SBUF *err);
/* dks_body - a chunk of the body, CRLF line ends (as the milter protocol delivers it) */
int dks_body(DKS_JOB *j, const unsigned char *data, size_t len, SBUF *err);
/* dks_finish - the DKIM-Signature value (folded, no name) into sig; 0, or -1 with err */
int dks_finish(DKS_JOB *j, SBUF *sig, SBUF *err);
void dks_free(DKS_JOB *j);

#endif
