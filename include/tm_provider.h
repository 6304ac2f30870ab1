/*
 * NAME
 *	tm_provider 3h - recipient domain to mailbox provider group
 * DESCRIPTION
 *	The map is data (conf/providers.conf), not code. Groups are google,
 *	microsoft, yahoo, apple and other.
 */
#ifndef TM_PROVIDER_H
#define TM_PROVIDER_H

#include "tm_sbuf.h"

typedef struct pmap PMAP;

extern const char *const provider_groups[]; /* NULL-terminated, "other" last */

/* pmap_parse - NULL with one "origin:line: reason" per problem in errs */
PMAP *pmap_parse(const char *origin, const char *text, SBUF *errs);
PMAP *pmap_load(const char *path, SBUF *errs);
PMAP *pmap_free(PMAP *m);

/* pmap_lookup - the group of a normalised domain; never NULL ("other") */
const char *pmap_lookup(const PMAP *m, const char *domain);

#endif
