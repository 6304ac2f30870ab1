/*
 * NAME
 *	cidr - IPv4 and IPv6 addresses and CIDR networks
 * DESCRIPTION
 *	Networks must be written with their host bits clear, as Postfix's cidr
 *	tables require: "192.0.2.1/24" is refused with the network it probably
 *	meant, because a silently widened or narrowed network misattributes mail.
 * SEE ALSO
 *	Postfix cidr_table(5)
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "tm_cidr.h"
#include "tm_mem.h"

static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* ipaddr_unmap - turn ::ffff:a.b.c.d into IPv4 */
static void
ipaddr_unmap(IPADDR *a)
{
	if (a->family == AF_INET6 && memcmp(a->b, v4mapped, 12) == 0) {
		memmove(a->b, a->b + 12, 4);
		memset(a->b + 4, 0, 12);
		a->family = AF_INET;
	}
}

int
ipaddr_parse(const char *s, IPADDR *out)
{
	char buf[64];
	size_t n;

	memset(out, 0, sizeof(*out));
	if (strncasecmp(s, "IPv6:", 5) == 0)
		s += 5;
	n = strlen(s);
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n + 1);
	if (n >= 2 && buf[0] == '[' && buf[n - 1] == ']') {
		buf[n - 1] = 0;
		memmove(buf, buf + 1, n - 1);
	}
	if (inet_pton(AF_INET, buf, out->b) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, out->b) == 1) {
		out->family = AF_INET6;
		ipaddr_unmap(out);
		return 0;
	}
	return -1;
}

int
ipaddr_from_sockaddr(const struct sockaddr *sa, IPADDR *out)
{
	memset(out, 0, sizeof(*out));
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		out->family = AF_INET;
		memcpy(out->b, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		out->family = AF_INET6;
		memcpy(out->b, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		ipaddr_unmap(out);
		return 0;
	}
	return -1;
}

void
ipaddr_format(const IPADDR *a, SBUF *out)
{
	char buf[INET6_ADDRSTRLEN];

	if (inet_ntop(a->family, a->b, buf, sizeof(buf)) != NULL)
		sbuf_cat(out, buf);
	else
		sbuf_cat(out, "?");
}

/* cidr_mask - clear host bits of a copy; returns 1 if any were set */
static int
cidr_mask(IPADDR *a, int plen)
{
	int bytes = a->family == AF_INET ? 4 : 16, dirty = 0;

	for (int i = 0; i < bytes; i++) {
		int keep = plen - i * 8;
		unsigned char m = keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
		if (a->b[i] & ~m)
			dirty = 1;
		a->b[i] &= m;
	}
	return dirty;
}

int
cidr_parse(const char *s, CIDR *out, SBUF *err)
{
	char buf[80];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	int max;
	char *end;
	long plen;
	IPADDR masked;

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= sizeof(buf)) {
		sbuf_printf(err, "\"%.60s\" is not an IP address", s);
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = 0;
	if (ipaddr_parse(buf, &out->net) < 0 || strncasecmp(buf, "IPv6:", 5) == 0) {
		sbuf_printf(err, "\"%.60s\" is not an IP address", buf);
		return -1;
	}
	/* a mapped address written with a /len counts IPv6 bits: rebase on IPv4 */
	max = out->net.family == AF_INET ? 32 : 128;
	if (slash == NULL) {
		out->plen = max;
		return 0;
	}
	plen = strtol(slash + 1, &end, 10);
	if (end == slash + 1 || *end || !(slash[1] >= '0' && slash[1] <= '9')) {
		sbuf_printf(err, "bad prefix length in \"%.60s\"", s);
		return -1;
	}
	if (out->net.family == AF_INET && strchr(buf, ':') != NULL) {
		if (plen < 96 || plen > 128) {
			sbuf_printf(err, "prefix length %ld out of range 96..128 for a mapped address", plen);
			return -1;
		}
		plen -= 96;
	}
	if (plen < 0 || plen > max) {
		sbuf_printf(err, "prefix length %ld out of range 0..%d", plen, max);
		return -1;
	}
	out->plen = (int)plen;
	masked = out->net;
	if (cidr_mask(&masked, out->plen)) {
		SBUF *m = sbuf_new(64);
		ipaddr_format(&masked, m);
		sbuf_printf(err, "\"%.60s\" has host bits set; did you mean %s/%ld?", s, sbuf_str(m), plen);
		sbuf_free(m);
		return -1;
	}
	return 0;
}

int
cidr_contains(const CIDR *c, const IPADDR *a)
{
	IPADDR x;

	if (c->net.family != a->family)
		return 0;
	x = *a;
	cidr_mask(&x, c->plen);
	return memcmp(x.b, c->net.b, 16) == 0;
}

void
cidr_format(const CIDR *c, SBUF *out)
{
	ipaddr_format(&c->net, out);
	sbuf_printf(out, "/%d", c->plen);
}
