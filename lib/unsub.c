/*
 * NAME
 *	unsub - one-click unsubscribe header values and the keep/replace rule
 * SEE ALSO
 *	tm_unsub.h, RFC 2369, RFC 8058
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "tm_unsub.h"

int
unsub_has_https(const char *v)
{
	for (const char *p = v; (p = strchr(p, '<')) != NULL; p++) {
		while (p[1] == ' ' || p[1] == '\t')
			p++;
		if (strncasecmp(p + 1, "https://", 8) == 0)
			return 1;
	}
	return 0;
}

int
unsub_keep_existing(int replace, int n_lu, int lu_https, int n_post, int post_ok)
{
	return !replace && n_lu == 1 && lu_https && n_post == 1 && post_ok;
}

void
unsub_header(const char *host, const char *mailto_domain, const char *token, SBUF *out)
{
	sbuf_printf(out, "<https://%s/u/%s>", host, token);
	if (mailto_domain && *mailto_domain)
		sbuf_printf(out, ", <mailto:unsubscribe+%s@%s>", token, mailto_domain);
}
