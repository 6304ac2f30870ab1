/*
 * NAME
 *	tm_hdr 3h - header decisions
 */
#ifndef TM_HDR_H
#define TM_HDR_H

#include "tm_sbuf.h"

/* hdr_is_tag - is a header named name a copy of the tenant tag? Case and trailing blanks ignored */
int hdr_is_tag(const char *name, const char *tag);

/* hdr_tag_valid - may this be configured as tenant_header? */
int hdr_tag_valid(const char *tag);

enum hdr_from_result { FROM_OK, FROM_NONE, FROM_MULTI_MAILBOX, FROM_BAD };

/*
 * hdr_from_domain - the author domain of one From field's value, normalised
 * into domain. FROM_MULTI_MAILBOX and FROM_BAD put a reason in err;
 * FROM_NONE means the field holds no mailbox at all.
 */
int hdr_from_domain(const char *value, SBUF *domain, SBUF *err);

#endif
