/*
 * NAME
 *	policyd_serve - tenant-policyd's event loop
 * DESCRIPTION
 *	One thread and epoll: every smtpd process keeps its policy connection
 *	open, so the daemon holds many idle connections and answers each
 *	request from memory (the tenant snapshot), never from Redis. A request
 *	is answered as soon as it is complete; pipelined requests are answered
 *	in order. A malformed or oversized request gets a log line and its
 *	connection closed; no other connection notices. Connections idle
 *	longer than policy_idle_timeout are closed, as Postfix expects.
 * SEE ALSO
 *	tenant-policyd(8), tm_policy.h, tm_route.h
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "policyd.h"
#include "tm_daemon.h"
#include "tm_mem.h"
#include "tm_msg.h"
#include "tm_policy.h"
#include "tm_route.h"

#define PD_MAX_OUT (1024 * 1024) /* a client that does not read its answers */
#define PD_SOCKETMAP_MAX 4096	 /* a socketmap query: map name and an address */

typedef struct client {
	int fd, kind;
	unsigned long id;
	char *in;
	size_t inlen, incap;
	SBUF *out;
	size_t outoff;
	long long last_ms;
	struct client *prev, *next;
} CLIENT;

typedef struct {
	int ep;
	GEN *gen;	   /* the configuration and token keys, swapped whole on reload */
	const CONF *conf;  /* gen's */
	TDIR *dir;
	CLIENT *clients;
	size_t nclients;
	unsigned long next_id;
	TSNAP *snap; /* for one batch of events */
	int snap_tried;
	PREQ *req;   /* one request at a time: the loop has one thread */
} PD;

int
pd_listen(const char *spec)
{
	int fd, one = 1;

	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		const char *path = strchr(spec, ':') + 1;
		mode_t old_umask;
		if (strlen(path) >= sizeof(sun.sun_path))
			msg_fatal("%s: socket path too long", spec);
		strcpy(sun.sun_path, path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
			msg_fatal("socket: %s", strerror(errno));
		if (unlink(path) < 0 && errno != ENOENT)
			msg_fatal("cannot remove the old socket %s: %s", path, strerror(errno));
		/* born mode 0660: root does not chmod a name in the service user's directory */
		old_umask = umask(DAEMON_SOCKET_UMASK);
		if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
			msg_fatal("cannot listen on %s: %s", spec, strerror(errno));
		umask(old_umask);
	} else {
		char port[16], host[256] = "";
		const char *p = strchr(spec, ':') + 1, *at = strchr(p, '@');
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICHOST}, *ai;
		int rc;
		snprintf(port, sizeof(port), "%.*s", (int)(at ? at - p : (long)strlen(p)), p);
		if (at)
			snprintf(host, sizeof(host), "%s", at + 1);
		hints.ai_family = strncmp(spec, "inet6:", 6) == 0 ? AF_INET6 : AF_INET;
		if ((rc = getaddrinfo(*host ? host : NULL, port, &hints, &ai)) != 0)
			msg_fatal("%s: %s (use a numeric address)", spec, gai_strerror(rc));
		if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
			msg_fatal("socket: %s", strerror(errno));
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
			msg_fatal("cannot listen on %s: %s", spec, strerror(errno));
		freeaddrinfo(ai);
	}
	if (listen(fd, 1024) < 0)
		msg_fatal("listen %s: %s", spec, strerror(errno));
	return fd;
}

static long long
pd_now_ms(void)
{
	return tdir_now_ms();
}

static void
pd_close(PD *pd, CLIENT *c, const char *why)
{
	if (why)
		msg_warn("%s client %lu: %s; closing the connection", c->kind == PD_POLICY ? "policy" : "socketmap",
			 c->id, why);
	epoll_ctl(pd->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		pd->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pd->nclients--;
	free(c->in);
	sbuf_free(c->out);
	free(c);
}

/* pd_snap - the tenant snapshot for this batch of events; NULL past tenant_cache_max_age */
static TSNAP *
pd_snap(PD *pd)
{
	long age;

	if (!pd->snap_tried) {
		pd->snap = tdir_get(pd->dir, pd->conf->tenant_cache_max_age, &age);
		pd->snap_tried = 1;
	}
	return pd->snap;
}

/* pd_policy - answer one policy request; 0, or -1 (close) with why */
static int
pd_policy(PD *pd, CLIENT *c, const PREQ *r, SBUF *why)
{
	const char *req = preq_get(r, "request"), *ca = preq_get(r, "client_address");
	const char *sender = preq_get(r, "sender"), *inst = preq_get(r, "instance");
	SBUF *action = sbuf_new(128);
	IPADDR ip = {0};
	TSNAP *s;
	ROUTE rt;

	if (req == NULL || strcmp(req, "smtpd_access_policy") != 0) {
		sbuf_printf(why, "not a policy request (request=%.40s)", req ? req : "missing");
		sbuf_free(action);
		return -1;
	}
	if (ca && ipaddr_parse(ca, &ip) < 0)
		memset(&ip, 0, sizeof(ip));
	if ((s = pd_snap(pd)) == NULL) {
		if (pd->conf->store_error_action == ACT_ACCEPT) {
			msg_warn("fail-open: tenant directory unavailable; DUNNO for sender=<%s> instance=%s",
				 sender ? sender : "", inst ? inst : "");
			sbuf_cat(action, "DUNNO");
		} else {
			sbuf_cat(action, "451 4.3.0 tenant directory temporarily unavailable, try again later");
		}
	} else {
		route_decide(s, preq_get(r, "sasl_username"), ca ? &ip : NULL, sender, inst, &rt);
		route_policy_action(&rt, action);
		if (rt.verdict == ROUTE_ALL_DOWN)
			msg_warn("instance %s: %s", inst ? inst : "-", sbuf_str(action));
		msg_debug("policy: instance=%s tenant=%s stream=%s: %s", inst ? inst : "-",
			  rt.res.tenant ? rt.res.tenant->name : "-", rt.stream >= 0 ? stream_name(rt.stream) : "-",
			  sbuf_str(action));
	}
	policy_reply(c->out, sbuf_str(action));
	sbuf_free(action);
	return 0;
}

/*
 * pd_verp - a VERP sender (bounce_prefix+TOKEN@return_path_domain): tenant-milter
 * rewrote the envelope sender, so the sender's domain names no tenant, and
 * qmgr asks with that sender. The token names the tenant and the stream the
 * message was sent in. 1 with rt filled, 0 when the sender is no VERP
 * address of ours or its token does not open (then the default transport).
 */
static int
pd_verp(PD *pd, const TSNAP *s, const char *sender, ROUTE *rt)
{
	const CONF *c = pd->conf;
	SBUF *tok = sbuf_new(128), *err = sbuf_new(64);
	TOKEN_DATA d;
	int rc = 0;

	if (pd->gen->keys && *c->return_path_domain &&
	    token_from_address(sender, c->bounce_prefix, c->return_path_domain, tok)) {
		if (token_open(pd->gen->keys, TOKEN_VERP, sbuf_str(tok), (long)(time(NULL) / 86400), c->token_lifetime / 86400000,
			       &d, err) < 0) {
			msg_warn("socketmap: sender <%.200s>: VERP token refused (%s); default routing", sender,
				 sbuf_str(err));
		} else {
			int st = stream_parse(d.stream);
			const TENANT *t = tsnap_find(s, d.tenant);
			memset(rt, 0, sizeof(*rt));
			route_pick(s, t, st >= 0 ? st : (t ? route_stream(s, t, NULL) : 0), sender, rt);
			rc = 1;
		}
	}
	sbuf_free(tok);
	sbuf_free(err);
	return rc;
}

/* pd_socketmap - answer one socketmap query "sender ADDRESS" */
static void
pd_socketmap(PD *pd, CLIENT *c, const char *q, size_t n)
{
	SBUF *key = sbuf_new(64), *reply = sbuf_new(128);
	const char *sp = memchr(q, ' ', n);
	TSNAP *s;
	ROUTE rt;

	if (sp == NULL || (size_t)(sp - q) != 6 || memcmp(q, "sender", 6) != 0) {
		sbuf_printf(reply, "PERM unknown map: tenant-policyd answers the map \"sender\" "
				   "(socketmap:unix:/path:sender)");
	} else if (memchr(q, 0, n) != NULL) {
		sbuf_cat(reply, "PERM NUL byte in the query");
	} else if ((s = pd_snap(pd)) == NULL) {
		sbuf_cat(reply, pd->conf->store_error_action == ACT_ACCEPT ? "NOTFOUND "
									   : "TEMP tenant directory temporarily unavailable");
	} else {
		sbuf_catn(key, sp + 1, n - (size_t)(sp + 1 - q));
		if (!pd_verp(pd, s, sbuf_str(key), &rt))
			route_decide(s, NULL, NULL, sbuf_str(key), sbuf_str(key), &rt);
		route_socketmap_reply(&rt, reply);
		msg_debug("socketmap: sender=<%s> tenant=%s: %s", sbuf_str(key),
			  rt.res.tenant ? rt.res.tenant->name : "-", sbuf_str(reply));
	}
	netstring_put(c->out, sbuf_str(reply), reply->len);
	sbuf_free(key);
	sbuf_free(reply);
}

/* pd_flush - write what is pending; -1 if the connection broke */
static int
pd_flush(PD *pd, CLIENT *c)
{
	struct epoll_event ev = {.data.ptr = c};

	while (c->outoff < c->out->len) {
		ssize_t w = write(c->fd, c->out->s + c->outoff, c->out->len - c->outoff);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev.events = EPOLLIN | EPOLLOUT;
			epoll_ctl(pd->ep, EPOLL_CTL_MOD, c->fd, &ev);
			return 0;
		}
		if (w < 0)
			return -1;
		c->outoff += (size_t)w;
	}
	sbuf_reset(c->out);
	c->outoff = 0;
	ev.events = EPOLLIN;
	epoll_ctl(pd->ep, EPOLL_CTL_MOD, c->fd, &ev);
	return 0;
}

/* pd_input - read and answer every complete request; -1 (closed) or 0 */
static int
pd_input(PD *pd, CLIENT *c)
{
	SBUF *why = sbuf_new(64);
	int rc = 0;

	for (;;) {
		ssize_t r;
		if (c->inlen == c->incap) {
			pd_close(pd, c, "request larger than the limits allow");
			rc = -1;
			goto out;
		}
		r = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0) {
			pd_close(pd, c, NULL); /* the client hung up */
			rc = -1;
			goto out;
		}
		c->inlen += (size_t)r;
		c->last_ms = pd_now_ms();
		for (;;) {
			long used;
			if (c->kind == PD_POLICY) {
				used = policy_parse(c->in, c->inlen, (size_t)pd->conf->policy_max_line,
						    (size_t)pd->conf->policy_max_attributes, pd->req, why);
				if (used > 0 && pd_policy(pd, c, pd->req, why) < 0)
					used = -1;
			} else {
				const char *d;
				size_t dl;
				used = netstring_parse(c->in, c->inlen, PD_SOCKETMAP_MAX, &d, &dl, why);
				if (used > 0)
					pd_socketmap(pd, c, d, dl);
			}
			if (used < 0) {
				pd_close(pd, c, sbuf_str(why));
				rc = -1;
				goto out;
			}
			if (used == 0)
				break;
			memmove(c->in, c->in + used, c->inlen - (size_t)used);
			c->inlen -= (size_t)used;
		}
		if (c->out->len > PD_MAX_OUT) {
			pd_close(pd, c, "client does not read its answers");
			rc = -1;
			goto out;
		}
	}
	if (c->out->len && pd_flush(pd, c) < 0) {
		pd_close(pd, c, NULL);
		rc = -1;
	}
out:
	sbuf_free(why);
	return rc;
}

static void
pd_accept(PD *pd, int lfd, int kind)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		CLIENT *c;
		struct epoll_event ev = {.events = EPOLLIN};
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				msg_warn("accept: %s", strerror(errno));
			return;
		}
		if ((long)pd->nclients >= pd->conf->policy_max_clients) {
			msg_warn("%zu connections already (policy_max_clients); refusing one", pd->nclients);
			close(fd);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->kind = kind;
		c->id = ++pd->next_id;
		c->incap = kind == PD_POLICY ? POLICY_REQUEST_MAX((size_t)pd->conf->policy_max_line,
								  (size_t)pd->conf->policy_max_attributes)
					     : PD_SOCKETMAP_MAX + 16;
		c->in = xmalloc(c->incap);
		c->out = sbuf_new(256);
		c->last_ms = pd_now_ms();
		c->next = pd->clients;
		if (pd->clients)
			pd->clients->prev = c;
		pd->clients = c;
		pd->nclients++;
		ev.data.ptr = c;
		if (epoll_ctl(pd->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			msg_warn("epoll_ctl: %s", strerror(errno));
			pd_close(pd, c, NULL);
		}
	}
}

/* pd_idle - close connections idle longer than policy_idle_timeout */
static void
pd_idle(PD *pd)
{
	long long now = pd_now_ms();

	for (CLIENT *c = pd->clients, *next; c; c = next) {
		next = c->next;
		if (now - c->last_ms > pd->conf->policy_idle_timeout)
			pd_close(pd, c, NULL);
	}
}

static int pd_tag_policy, pd_tag_socketmap, pd_tag_signal; /* epoll data for the non-client fds */

GEN *
pd_serve(int policy_fd, int socketmap_fd, GEN *g, TDIR *d, GEN *(*reload)(GEN *old))
{
	PD pd = {.gen = g, .conf = g->conf, .dir = d, .req = xmalloc(sizeof(PREQ))};
	struct epoll_event ev, evs[256];
	sigset_t set;
	int sfd, running = 1;
	long long last_idle = pd_now_ms();

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if ((sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		msg_fatal("signalfd: %s", strerror(errno));
	if ((pd.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		msg_fatal("epoll_create1: %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.ptr = &pd_tag_policy;
	epoll_ctl(pd.ep, EPOLL_CTL_ADD, policy_fd, &ev);
	ev.data.ptr = &pd_tag_socketmap;
	epoll_ctl(pd.ep, EPOLL_CTL_ADD, socketmap_fd, &ev);
	ev.data.ptr = &pd_tag_signal;
	epoll_ctl(pd.ep, EPOLL_CTL_ADD, sfd, &ev);

	while (running) {
		int n = epoll_wait(pd.ep, evs, 256, 1000);
		if (n < 0 && errno != EINTR)
			msg_fatal("epoll_wait: %s", strerror(errno));
		pd.snap_tried = 0;
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &pd_tag_policy) {
				pd_accept(&pd, policy_fd, PD_POLICY);
			} else if (p == &pd_tag_socketmap) {
				pd_accept(&pd, socketmap_fd, PD_SOCKETMAP);
			} else if (p == &pd_tag_signal) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						pd.gen = reload(pd.gen);
						pd.conf = pd.gen->conf;
					} else
						running = 0;
				}
			} else {
				CLIENT *cl = p;
				if (evs[i].events & EPOLLOUT && pd_flush(&pd, cl) < 0) {
					pd_close(&pd, cl, NULL);
					continue;
				}
				if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
					pd_input(&pd, cl);
			}
		}
		pd.snap = tsnap_unref(pd.snap);
		if (pd_now_ms() - last_idle >= 1000) {
			pd_idle(&pd);
			last_idle = pd_now_ms();
		}
	}
	while (pd.clients)
		pd_close(&pd, pd.clients, NULL);
	close(pd.ep);
	close(sfd);
	free(pd.req);
	return pd.gen;
}
