/*
 * NAME
 *	tm_unsub 3h - RFC 8058 one-click unsubscribe headers
 */
#ifndef TM_UNSUB_H
#define TM_UNSUB_H

#include "tm_sbuf.h"

#define UNSUB_POST_VALUE "List-Unsubscribe=One-Click"

/*
 * unsub_keep_existing - keep the tenant's own headers? Under "keep" (the
 * default), only when they are complete: one List-Unsubscribe with an https
 * URI and one List-Unsubscribe-Post with the one-click value. Never with
 * "replace".
 */
int unsub_keep_existing(int replace, int n_lu, int lu_https, int n_post, int post_ok);

/* unsub_has_https - a List-Unsubscribe value carries <https://...> */
int unsub_has_https(const char *value);

/* unsub_header - "<https://HOST/u/TOKEN>, <mailto:unsubscribe+TOKEN@DOMAIN>" (mailto only with a domain) */
void unsub_header(const char *host, const char *mailto_domain, const char *token, SBUF *out);

#endif
