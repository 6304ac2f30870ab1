/*
 * fuzz_hdr - libFuzzer target for the header decisions on client text:
 * hdr_from_domain() (one From field's value, through GMime and
 * addr_parse), hdr_is_tag() and hdr_tag_valid(). The input is a From
 * value; its first line is also tried as a header name. Properties, any
 * breach aborts:
 *
 *	hdr_from_domain answers one of FROM_OK, FROM_NONE,
 *	FROM_MULTI_MAILBOX and FROM_BAD; the last two with a reason; FROM_OK
 *	with a domain that is normalised: not empty, lower-case, no control
 *	byte, host name characters or an address literal; and a host name
 *	so found is its own normal form (domain_normalize leaves it as it is);
 *
 *	hdr_is_tag matches exactly when the name is the tag, ASCII case
 *	ignored, with trailing blanks; hdr_tag_valid admits exactly 1..64
 *	letters, digits, '-' and '_'.
 *
 * Built and run by fuzz/run.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_addr.h"
#include "tm_hdr.h"
#include "tm_msg.h"
#include "tm_sbuf.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	msg_set_level(MSG_ERROR);
	return 0;
}

/* lower - ASCII lower case, unlike tolower() independent of the locale */
static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* domain_ok - the shape of a normalised domain: [a-z0-9-._] labels, or [literal] */
static int
domain_ok(const char *d, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.' || (*d == '[' && (c == ':' || c == '[' || c == ']'))))
			return 0;
	}
	return *d == '[' ? d[n - 1] == ']'
	                 : d[0] != '.' && d[n - 1] != '.' && strstr(d, "..") == NULL;
}

/* check_from - hdr_from_domain's properties */
static void
check_from(const char *value)
{
	SBUF *dom = sbuf_new(64), *err = sbuf_new(64), *d2 = sbuf_new(64);
	int rc = hdr_from_domain(value, dom, err);

	switch (rc) {
	case FROM_OK:
		if (!domain_ok(dom->s, dom->len)) {
			fprintf(stderr, "domain \"%s\" is not normalised\n", dom->s);
			abort();
		}
		if (*dom->s != '[') { /* a host name: normalising it again changes nothing */
			sbuf_reset(err);
			if (domain_normalize(dom->s, dom->len, d2, err) != 0 ||
			    strcmp(d2->s, dom->s) != 0) {
				fprintf(stderr, "domain \"%s\" normalises to \"%s\" (%s)\n", dom->s,
				        sbuf_str(d2), sbuf_str(err));
				abort();
			}
		}
		break;
	case FROM_NONE:
		if (dom->len != 0)
			abort();
		break;
	case FROM_MULTI_MAILBOX:
	case FROM_BAD:
		if (dom->len != 0 || err->len == 0)
			abort();
		break;
	default:
		abort();
	}
	sbuf_free(dom);
	sbuf_free(err);
	sbuf_free(d2);
}

/* check_tag - hdr_is_tag and hdr_tag_valid against their definitions */
static void
check_tag(const char *name)
{
	static const char *const tags[] = {"X-Tenant", "x-tenant-id", "T", NULL};
	size_t n = strlen(name), i;
	int valid = n >= 1 && n <= 64;

	for (i = 0; i < n; i++)
		valid &= (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		         (name[i] >= '0' && name[i] <= '9') || name[i] == '-' || name[i] == '_';
	if (hdr_tag_valid(name) != valid)
		abort();
	for (const char *const *t = tags; *t; t++) {
		size_t tl = strlen(*t);
		int want = n >= tl;
		for (i = 0; i < tl && want; i++)
			want = lower((unsigned char)name[i]) == lower((unsigned char)(*t)[i]);
		for (; i < n && want; i++)
			want = name[i] == ' ' || name[i] == '\t';
		if (!!hdr_is_tag(name, *t) != want)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > 8192)
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	check_from(text);
	text[strcspn(text, "\n")] = 0;
	check_tag(text);
	free(text);
	return 0;
}
