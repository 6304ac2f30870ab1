/*
 * NAME
 *	tm_addr 3h - mail address and domain parsing
 * DESCRIPTION
 *	The one place where addresses and domains are normalised, so that every
 *	program keys them identically. Domains are stored and compared in
 *	lower-case ASCII (IDNA2008 A-labels), without a trailing dot.
 */
#ifndef TM_ADDR_H
#define TM_ADDR_H

#include "tm_sbuf.h"

/*
 * RFC 5321 asks for 64 octets, but Postfix delivers longer local parts (other
 * senders' VERP addresses run past 100), so those are keyed in full. Beyond
 * 256 octets, the whole path limit, an address is refused, never cut.
 */
#define ADDR_MAX_LOCAL 256
#define ADDR_MAX_DOMAIN 253
#define ADDR_MAX_INPUT 1024

typedef struct {
	char *local;  /* owned; as written, quotes removed from a quoted local part */
	char *domain; /* owned; normalised; NULL for the null sender */
	int is_null;  /* the null reverse-path <> */
} ADDR;

/* addr_parse - parse an envelope address; 0, or -1 with a reason in err */
int addr_parse(const char *in, ADDR *out, SBUF *err);
void addr_clear(ADDR *a);

/* domain_normalize - n bytes of in into out; 0, or -1 with a reason in err */
int domain_normalize(const char *in, size_t n, SBUF *out, SBUF *err);

/* domain_parent - the parent of a normalised domain, borrowed from d; NULL at the top */
const char *domain_parent(const char *d);

#endif
