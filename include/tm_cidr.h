/*
 * NAME
 *	tm_cidr 3h - IP addresses and networks
 * DESCRIPTION
 *	IPv4-mapped IPv6 addresses (::ffff:192.0.2.1) are treated as the IPv4
 *	address they carry, so a tenant's IPv4 network matches however the
 *	listener saw the client.
 */
#ifndef TM_CIDR_H
#define TM_CIDR_H

#include <sys/socket.h>

#include "tm_sbuf.h"

typedef struct {
	int family; /* AF_INET or AF_INET6 */
	unsigned char b[16];
} IPADDR;

typedef struct {
	IPADDR net;
	int plen;
} CIDR;

int ipaddr_parse(const char *s, IPADDR *out); /* 0 or -1 */
int ipaddr_from_sockaddr(const struct sockaddr *sa, IPADDR *out);
void ipaddr_format(const IPADDR *a, SBUF *out);

/* cidr_parse - "192.0.2.0/24", "2001:db8::/32" or a plain address; 0, or -1 with a reason */
int cidr_parse(const char *s, CIDR *out, SBUF *err);
int cidr_contains(const CIDR *c, const IPADDR *a);
void cidr_format(const CIDR *c, SBUF *out);

#endif
