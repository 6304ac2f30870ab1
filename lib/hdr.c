/*
 * NAME
 *	hdr - header decisions: the tenant tag and the From author
 * DESCRIPTION
 *	From is parsed with GMime's RFC 5322 address-list parser (groups,
 *	comments, quoted display names, encoded words); the author domain is
 *	then normalised by addr_parse() exactly like an envelope domain.
 * SEE ALSO
 *	RFC 5322 section 3.6.2, GMime InternetAddressList
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <string.h>

#include <gmime/gmime.h>

#include "tm_addr.h"
#include "tm_hdr.h"

int
hdr_is_tag(const char *name, const char *tag)
{
	size_t n = strlen(name), t = strlen(tag);

	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	return n == t && strncasecmp(name, tag, t) == 0;
}

int
hdr_tag_valid(const char *tag)
{
	if (*tag == 0 || strlen(tag) > 64)
		return 0;
	for (const char *p = tag; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
hdr_gmime_init(void)
{
	g_mime_init();
}

/* hdr_count - count mailboxes in a list, descending into groups; remember the first */
static int
hdr_count(InternetAddressList *list, InternetAddressMailbox **first)
{
	int n = 0;

	for (int i = 0; i < internet_address_list_length(list); i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			n += hdr_count(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
				       first);
		} else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			if (*first == NULL)
				*first = INTERNET_ADDRESS_MAILBOX(ia);
			n++;
		}
	}
	return n;
}

int
hdr_from_domain(const char *value, SBUF *domain, SBUF *err)
{
	InternetAddressList *list;
	InternetAddressMailbox *mb = NULL;
	ADDR a;
	int n, ret;

	pthread_once(&gmime_once, hdr_gmime_init);
	if (strlen(value) > 4096) {
		sbuf_cat(err, "From field longer than 4096 characters");
		return FROM_BAD;
	}
	list = internet_address_list_parse(NULL, value);
	if (list == NULL)
		return FROM_NONE;
	n = hdr_count(list, &mb);
	if (n == 0) {
		ret = FROM_NONE;
	} else if (n > 1) {
		sbuf_printf(err, "From field names %d mailboxes", n);
		ret = FROM_MULTI_MAILBOX;
	} else if (addr_parse(internet_address_mailbox_get_addr(mb), &a, err) < 0) {
		ret = FROM_BAD;
	} else if (a.is_null) {
		sbuf_cat(err, "From address is empty");
		ret = FROM_BAD;
		addr_clear(&a);
	} else {
		sbuf_cat(domain, a.domain);
		addr_clear(&a);
		ret = FROM_OK;
	}
	g_object_unref(list);
	return ret;
}
