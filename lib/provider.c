/*
 * NAME
 *	provider - map recipient domains to mailbox provider groups
 * DESCRIPTION
 *	Exact entries are searched with bsearch(); "label.*" patterns match a
 *	domain whose first label is that label and which has a suffix after it.
 * SEE ALSO
 *	tm_provider.h, conf/providers.conf
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_addr.h"
#include "tm_mem.h"
#include "tm_provider.h"

const char *const provider_groups[] = {"google", "microsoft", "yahoo", "apple", "other", NULL};

typedef struct {
	char *key; /* domain, or the label of a "label.*" pattern */
	const char *group;
} PM_ENT;

struct pmap {
	PM_ENT *exact, *wild;
	size_t nexact, nwild;
};

static int
pm_cmp(const void *a, const void *b)
{
	return strcmp(((const PM_ENT *)a)->key, ((const PM_ENT *)b)->key);
}

/* pm_group - the interned group name, or NULL */
static const char *
pm_group(const char *g)
{
	for (int i = 0; provider_groups[i]; i++)
		if (strcmp(provider_groups[i], g) == 0)
			return provider_groups[i];
	return NULL;
}

PMAP *
pmap_parse(const char *origin, const char *text, SBUF *errs)
{
	PMAP *m = xcalloc(1, sizeof(*m));
	const char *p = text, *eol;
	char pat[300], grp[64], extra[8];
	int line = 0, bad = 0, n;
	SBUF *dom = sbuf_new(64), *why = sbuf_new(64);

	for (; *p; p = *eol ? eol + 1 : eol) {
		size_t len;
		char buf[512];
		const char *group;

		line++;
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		len = (size_t)(eol - p);
		if (len >= sizeof(buf)) {
			sbuf_printf(errs, "%s:%d: line too long\n", origin, line);
			bad = 1;
			continue;
		}
		memcpy(buf, p, len);
		buf[len] = 0;
		if (strchr(buf, '#'))
			*strchr(buf, '#') = 0;
		n = sscanf(buf, "%299s %63s %7s", pat, grp, extra);
		if (n <= 0)
			continue;
		if (n != 2) {
			sbuf_printf(errs, "%s:%d: expected \"domain group\"\n", origin, line);
			bad = 1;
			continue;
		}
		if ((group = pm_group(grp)) == NULL || strcmp(group, "other") == 0) {
			sbuf_printf(errs, "%s:%d: unknown group \"%s\" (google, microsoft, yahoo or apple)\n",
				    origin, line, grp);
			bad = 1;
			continue;
		}
		int wild = strlen(pat) > 2 && strcmp(pat + strlen(pat) - 2, ".*") == 0;
		if (wild)
			pat[strlen(pat) - 2] = 0;
		sbuf_reset(dom);
		sbuf_reset(why);
		if (domain_normalize(pat, strlen(pat), dom, why) < 0 || (wild && strchr(sbuf_str(dom), '.'))) {
			sbuf_printf(errs, "%s:%d: bad domain pattern \"%s%s\"%s%s\n", origin, line, pat,
				    wild ? ".*" : "", why->len ? ": " : "", sbuf_str(why));
			bad = 1;
			continue;
		}
		PM_ENT **arr = wild ? &m->wild : &m->exact;
		size_t *cnt = wild ? &m->nwild : &m->nexact;
		*arr = xrealloc(*arr, (*cnt + 1) * sizeof(PM_ENT));
		(*arr)[*cnt].key = xstrdup(sbuf_str(dom));
		(*arr)[(*cnt)++].group = group;
	}
	sbuf_free(dom);
	sbuf_free(why);
	if (bad)
		return pmap_free(m);
	if (m->nexact)
		qsort(m->exact, m->nexact, sizeof(PM_ENT), pm_cmp);
	if (m->nwild)
		qsort(m->wild, m->nwild, sizeof(PM_ENT), pm_cmp);
	return m;
}

PMAP *
pmap_load(const char *path, SBUF *errs)
{
	SBUF *text = sbuf_new(4096);
	PMAP *m = NULL;

	if (sbuf_read_text(text, path, 4 * 1024 * 1024, errs) == 0)
		m = pmap_parse(path, sbuf_str(text), errs);
	sbuf_free(text);
	return m;
}

PMAP *
pmap_free(PMAP *m)
{
	if (m) {
		for (size_t i = 0; i < m->nexact; i++)
			free(m->exact[i].key);
		for (size_t i = 0; i < m->nwild; i++)
			free(m->wild[i].key);
		free(m->exact);
		free(m->wild);
		free(m);
	}
	return NULL;
}

const char *
pmap_lookup(const PMAP *m, const char *domain)
{
	PM_ENT key, *hit;
	char label[64];
	size_t l = strcspn(domain, ".");

	key.key = (char *)domain;
	if (m->nexact && (hit = bsearch(&key, m->exact, m->nexact, sizeof(PM_ENT), pm_cmp)))
		return hit->group;
	if (domain[l] == '.' && domain[l + 1] && l < sizeof(label)) {
		memcpy(label, domain, l);
		label[l] = 0;
		key.key = label;
		if (m->nwild && (hit = bsearch(&key, m->wild, m->nwild, sizeof(PM_ENT), pm_cmp)))
			return hit->group;
	}
	return "other";
}
