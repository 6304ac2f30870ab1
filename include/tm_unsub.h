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

/* unsub_mask - "f***k@example.net": enough for the reader to recognise, not to harvest */
void unsub_mask(const char *addr, SBUF *out);

struct store;
struct conf;
struct keyring;
struct token_data;
#define UNSUB_BAD_TOKEN (-2)
/*
 * unsub_apply - open a token and write the tenant-scoped suppression
 * (reason unsubscribe; source "one-click" or "mailto", time and list id
 * in {t:NAME}:unsub; the unsubscribes counter). Idempotent: a repeat
 * changes nothing and sets *fresh to 0. Returns 0; -1 with err when Redis
 * failed; UNSUB_BAD_TOKEN with err (for the log, never for the client).
 */
int unsub_apply(struct store *s, const struct conf *c, const struct keyring *k, const char *token,
		const char *source, struct token_data *d, int *fresh, SBUF *err);
/* unsub_open - only open the token (GET shows the page without changing anything) */
int unsub_open(const struct conf *c, const struct keyring *k, const char *token, struct token_data *d, SBUF *err);

#endif
