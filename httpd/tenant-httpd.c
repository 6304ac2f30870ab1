/*
 * NAME
 *	tenant-httpd - the RFC 8058 one-click unsubscribe endpoint
 * SYNOPSIS
 *	tenant-httpd [-fnpvV] [-c config_file] [-o name=value]
 * DESCRIPTION
 *	POST /u/TOKEN with List-Unsubscribe=One-Click (urlencoded or
 *	multipart, parsed by libmicrohttpd's post processor) writes the
 *	tenant-scoped suppression before it answers 200; a repeat changes
 *	nothing. GET /u/TOKEN shows a page naming the sender and the masked
 *	address with one button that POSTs to the same URL, and never changes
 *	state (link scanners prefetch GETs). A forged, expired or malformed
 *	token gets the same generic 400 page. GET /healthz answers 200 when
 *	Redis does, else 503. No redirects, no cookies; bodies over 2 KiB get
 *	413, clients over httpd_client_rate get 429, idle connections are
 *	closed after httpd_timeout. SIGHUP reloads the token keys: a new
 *	generation (tm_gen.h) swapped in once; a request holds the one it
 *	started with, and the last holder frees the old keys. Runs as
 *	run_as_user: the socket is bound
 *	as root, then privileges are dropped, then libmicrohttpd's threads
 *	start.
 * SEE ALSO
 *	tenant-httpd(8), tenant-milter.conf(5), RFC 8058
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tm_conf.h"
#include "tm_daemon.h"
#include "tm_gen.h"
#include "tm_mem.h"
#include "tm_msg.h"
#include "tm_rate.h"
#include "tm_store.h"
#include "tm_token.h"
#include "tm_unsub.h"

#define MAX_BODY 2048
#define MAX_TOKEN TOKEN_TEXT_MAX
#define RL_SLOTS 4096

static DAEMON_OPTS opts;
static CONF *the_conf;			/* never reloaded */
static GEN_SLOT the_gen = GEN_SLOT_INIT; /* the_conf and the token keys, swapped whole on SIGHUP */
static SPOOL *the_pool;
static RATE client_rate;
static pthread_mutex_t rl_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char addr[48];
	long long tat_us;
} rl_slot[RL_SLOTS];

typedef struct {
	struct MHD_PostProcessor *pp;
	size_t body;	/* bytes received */
	int one_click;	/* List-Unsubscribe=One-Click seen */
	int too_big;
} REQ;

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<meta name=\"robots\" content=\"noindex\"><title>%s</title>"
    "<style>body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0}"
    "main{max-width:28rem;margin:12vh auto;background:#fff;border-radius:12px;padding:2rem 2.25rem;"
    "box-shadow:0 2px 12px rgba(0,0,0,.08)}h1{font-size:1.35rem;margin:0 0 1rem}p{line-height:1.5}"
    "button{font:inherit;font-size:1rem;background:#2456d3;color:#fff;border:0;border-radius:8px;"
    "padding:.75rem 1.5rem;cursor:pointer}button:hover{background:#1b45aa}.who{font-weight:600}"
    "</style></head><body><main>";
static const char page_tail[] = "</main></body></html>\n";

/* html - text made safe for HTML */
static void
html(SBUF *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': sbuf_cat(b, "&lt;"); break;
		case '>': sbuf_cat(b, "&gt;"); break;
		case '&': sbuf_cat(b, "&amp;"); break;
		case '"': sbuf_cat(b, "&quot;"); break;
		case '\'': sbuf_cat(b, "&#39;"); break;
		default: sbuf_putc(b, *s);
		}
	}
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *type, SBUF *body)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(body->len, body->s, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	sbuf_free(body);
	return rc;
}

static enum MHD_Result
page(struct MHD_Connection *conn, unsigned status, const char *title, const char *text)
{
	SBUF *b = sbuf_new(2048);

	sbuf_printf(b, page_head, title);
	sbuf_printf(b, "<h1>%s</h1><p>%s</p>", title, text);
	sbuf_cat(b, page_tail);
	return reply(conn, status, "text/html; charset=utf-8", b);
}

/* bad_token - one page for every bad token: nothing tells a forger why */
static enum MHD_Result
bad_token(struct MHD_Connection *conn, const char *client, const char *why)
{
	msg_info("client=%s: refused token: %s", client, why);
	return page(conn, MHD_HTTP_BAD_REQUEST, "This link is not valid",
		    "The unsubscribe link is incomplete, expired or not one of ours. "
		    "Use the unsubscribe link in a recent message.");
}

/* client_ok - the per-client GCRA limit (httpd_client_rate) */
static int
client_ok(const char *addr)
{
	unsigned h = 5381;
	long long now_us, retry;
	struct timespec ts;
	int ok;

	if (client_rate.count == 0)
		return 1;
	for (const char *p = addr; *p; p++)
		h = h * 33 + (unsigned char)*p;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_us = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	pthread_mutex_lock(&rl_lock);
	if (strcmp(rl_slot[h % RL_SLOTS].addr, addr) != 0) {
		snprintf(rl_slot[h % RL_SLOTS].addr, sizeof(rl_slot[0].addr), "%s", addr);
		rl_slot[h % RL_SLOTS].tat_us = 0;
	}
	ok = gcra_check(&client_rate, now_us, &rl_slot[h % RL_SLOTS].tat_us, &retry);
	pthread_mutex_unlock(&rl_lock);
	return ok;
}

static enum MHD_Result
post_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename, const char *content_type,
	   const char *transfer_encoding, const char *data, uint64_t off, size_t size)
{
	REQ *q = cls;

	(void)kind, (void)filename, (void)content_type, (void)transfer_encoding;
	if (key && strcmp(key, "List-Unsubscribe") == 0 && off == 0 && size == 9 &&
	    strncmp(data, "One-Click", 9) == 0)
		q->one_click = 1;
	return MHD_YES;
}

static void
done(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode code)
{
	REQ *q = *con_cls;

	(void)cls, (void)conn, (void)code;
	if (q) {
		if (q->pp)
			MHD_destroy_post_processor(q->pp);
		free(q);
		*con_cls = NULL;
	}
}

static enum MHD_Result
healthz(struct MHD_Connection *conn)
{
	SBUF *err = sbuf_new(64), *b = sbuf_new(64);
	STORE *s = spool_get(the_pool, the_conf, err);
	unsigned status = s && store_ping(s, err) == 0 ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;

	if (s)
		spool_put(the_pool, s);
	sbuf_printf(b, "%s\n", status == MHD_HTTP_OK ? "ok" : "redis unavailable");
	sbuf_free(err);
	return reply(conn, status, "text/plain; charset=utf-8", b);
}

/* unsubscribe - POST: the suppression is written before the answer */
static enum MHD_Result
unsubscribe(struct MHD_Connection *conn, const char *client, const char *token, REQ *q)
{
	SBUF *err = sbuf_new(128), *who = sbuf_new(64), *text = sbuf_new(256);
	TOKEN_DATA d;
	STORE *s;
	int fresh = 0, rc;

	if (!q->one_click) {
		sbuf_free(err), sbuf_free(who), sbuf_free(text);
		return page(conn, MHD_HTTP_BAD_REQUEST, "Nothing was changed",
			    "An unsubscribe request carries List-Unsubscribe=One-Click.");
	}
	if ((s = spool_get(the_pool, the_conf, err)) == NULL)
		rc = -1;
	else {
		GEN *g = gen_slot_get(&the_gen); /* d keeps its own copy: g can go */
		rc = unsub_apply(s, g->conf, g->keys, token, "one-click", &d, &fresh, err);
		gen_unref(g);
		spool_put(the_pool, s);
	}
	if (rc == UNSUB_BAD_TOKEN) {
		enum MHD_Result r = bad_token(conn, client, sbuf_str(err));
		sbuf_free(err), sbuf_free(who), sbuf_free(text);
		return r;
	}
	if (rc < 0) {
		msg_warn("client=%s: cannot record an unsubscribe: %s", client, sbuf_str(err));
		sbuf_free(err), sbuf_free(who), sbuf_free(text);
		return page(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "Please try again",
			    "We could not record your request just now. Please try again in a few minutes.");
	}
	unsub_mask(d.recipient, who);
	msg_info("client=%s: unsubscribe: tenant=%s rcpt=%s source=one-click%s", client, d.tenant, d.recipient,
		 fresh ? "" : " (already unsubscribed)");
	sbuf_cat(text, "<span class=\"who\">");
	html(text, sbuf_str(who));
	sbuf_cat(text, "</span> will receive no more messages from <span class=\"who\">");
	html(text, d.tenant);
	sbuf_cat(text, "</span>.");
	{
		enum MHD_Result r = page(conn, MHD_HTTP_OK, "You are unsubscribed", sbuf_str(text));
		sbuf_free(err), sbuf_free(who), sbuf_free(text);
		return r;
	}
}

/* confirm - GET: the page with the button; nothing changes */
static enum MHD_Result
confirm(struct MHD_Connection *conn, const char *client, const char *url, const char *token)
{
	SBUF *err = sbuf_new(128), *who = sbuf_new(64), *b = sbuf_new(2048);
	TOKEN_DATA d;
	GEN *g = gen_slot_get(&the_gen);
	int rc = unsub_open(g->conf, g->keys, token, &d, err);

	gen_unref(g);
	if (rc < 0) {
		enum MHD_Result r = bad_token(conn, client, sbuf_str(err));
		sbuf_free(err), sbuf_free(who), sbuf_free(b);
		return r;
	}
	unsub_mask(d.recipient, who);
	sbuf_printf(b, page_head, "Unsubscribe");
	sbuf_cat(b, "<h1>Unsubscribe</h1><p>Stop messages from <span class=\"who\">");
	html(b, d.tenant);
	sbuf_cat(b, "</span> to <span class=\"who\">");
	html(b, sbuf_str(who));
	sbuf_cat(b, "</span>?</p><form method=\"post\" action=\"");
	html(b, url);
	sbuf_cat(b, "\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
		    "<button type=\"submit\">Unsubscribe</button></form>");
	sbuf_cat(b, page_tail);
	sbuf_free(err);
	sbuf_free(who);
	return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", b);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
	const char *upload, size_t *upload_size, void **con_cls)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char client[48] = "unknown";
	const char *token = NULL;
	int is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0, is_get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
	REQ *q = *con_cls;

	(void)cls, (void)version;
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, client, sizeof(client));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, client, sizeof(client));
	}
	if (q == NULL) { /* the headers are in: set up, and check what needs no body */
		q = xcalloc(1, sizeof(*q));
		*con_cls = q;
		if (is_post)
			q->pp = MHD_create_post_processor(conn, 1024, post_field, q);
		return MHD_YES;
	}
	if (*upload_size) { /* body data: bounded, parsed as it comes */
		q->body += *upload_size;
		if (q->body > MAX_BODY)
			q->too_big = 1;
		else if (q->pp)
			MHD_post_process(q->pp, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/healthz") == 0 && is_get)
		return healthz(conn);
	if (!client_ok(client)) {
		msg_info("client=%s: over httpd_client_rate %s", client, the_conf->httpd_client_rate);
		return page(conn, MHD_HTTP_TOO_MANY_REQUESTS, "Too many requests", "Please try again in a minute.");
	}
	if (strncmp(url, "/u/", 3) == 0)
		token = url + 3;
	if (token == NULL || strlen(token) > MAX_TOKEN)
		return page(conn, MHD_HTTP_NOT_FOUND, "Not found", "There is nothing here.");
	if (q->too_big)
		return page(conn, MHD_HTTP_CONTENT_TOO_LARGE, "Request too large", "An unsubscribe request is small.");
	if (is_post)
		return unsubscribe(conn, client, token, q);
	if (is_get || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
		return confirm(conn, client, url, token);
	return page(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed", "Use GET or POST.");
}

static int
listen_addr(const char *sock, struct sockaddr_in *sin)
{
	const char *at = strchr(sock, '@');
	int port;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (strncmp(sock, "inet:", 5) != 0 || at == NULL || (port = atoi(sock + 5)) <= 0 || port > 65535 ||
	    inet_pton(AF_INET, at + 1, &sin->sin_addr) != 1)
		return -1;
	sin->sin_port = htons((unsigned short)port);
	return 0;
}

/* httpd_listen - the listening socket, bound while still root; fatal on failure (start-up only) */
static int
httpd_listen(const struct sockaddr_in *sin)
{
	int fd, one = 1;

	/* non-blocking: the pool's threads all accept on it */
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		msg_fatal("socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		msg_fatal("setsockopt SO_REUSEADDR: %s", strerror(errno));
	if (bind(fd, (const struct sockaddr *)sin, sizeof(*sin)) < 0)
		msg_fatal("cannot listen on %s: %s", the_conf->httpd_listen, strerror(errno));
	if (listen(fd, SOMAXCONN) < 0)
		msg_fatal("listen %s: %s", the_conf->httpd_listen, strerror(errno));
	return fd;
}

/*
 * httpd_load - the_conf, checked for what this program needs: a listen
 * address in *sin, a client rate and the token keys (*keys, owned by the
 * caller). On a problem the_conf is NULL and errs says why. With -p
 * (print) only the configuration is loaded.
 */
static void
httpd_load(SBUF *errs, struct sockaddr_in *sin, KEYRING **keys)
{
	the_conf = daemon_load(&opts, errs);
	if (the_conf == NULL || opts.print)
		return;
	if (listen_addr(the_conf->httpd_listen, sin) < 0) {
		sbuf_printf(errs, "httpd_listen: \"%s\": use inet:PORT@IPv4-ADDRESS\n", the_conf->httpd_listen);
		the_conf = conf_unref(the_conf);
	} else if (rate_parse(the_conf->httpd_client_rate, 0, &client_rate, errs) < 0) {
		sbuf_cat(errs, " (httpd_client_rate)\n");
		the_conf = conf_unref(the_conf);
	} else if ((*keys = keyring_load(the_conf->token_keys, errs)) == NULL) {
		the_conf = conf_unref(the_conf); /* no keys, no tokens to open */
	}
}

/* httpd_use_keys - install a new generation with the token keys k (taken over), the_conf unchanged */
static void
httpd_use_keys(KEYRING *k)
{
	GEN *g = gen_new(the_conf, NULL, k, NULL);

	gen_slot_set(&the_gen, g);
	gen_unref(g);
}

/* httpd_reload - SIGHUP: the token keys again, or a warning and the running ones kept */
static void
httpd_reload(SBUF *errs)
{
	KEYRING *k = keyring_load(the_conf->token_keys, errs);

	if (k == NULL) {
		msg_warn("reload: %s; keeping the running token keys", sbuf_str(errs));
		sbuf_reset(errs);
		return;
	}
	msg_info("reload: %zu token key(s)", keyring_count(k));
	httpd_use_keys(k); /* a request still reading the old ring holds the old generation */
}

/*
 * httpd_start - libmicrohttpd's server on the socket lfd; fatal on failure
 * (start-up only). libmicrohttpd starts its polling and pool threads in
 * MHD_start_daemon: called only after the privilege drop, no thread ever
 * runs as root. It takes over the socket bound before it (a privileged
 * port needs root) and closes it in MHD_stop_daemon.
 */
static struct MHD_Daemon *
httpd_start(int lfd)
{
	struct MHD_Daemon *d;

	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			     handler, NULL, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)lfd,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)the_conf->httpd_threads,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)the_conf->httpd_max_clients,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(the_conf->httpd_timeout / 1000),
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
			     MHD_OPTION_END);
	if (d == NULL) {
		daemon_remove_pid(the_conf->httpd_pid_file);
		msg_fatal("cannot start the HTTP server on %s", the_conf->httpd_listen);
	}
	return d;
}

/* main - load, bind as root, drop privileges, serve until SIGTERM or SIGINT; SIGHUP reloads */
int
main(int argc, char **argv)
{
	SBUF *errs = sbuf_new(256);
	struct sockaddr_in sin;
	struct MHD_Daemon *d;
	sigset_t set;
	int rc, sig, lfd;
	KEYRING *keys = NULL;

	daemon_options(argc, argv, "tenant-httpd", &opts);
	msg_open("tenant-httpd", 1, NULL);
	httpd_load(errs, &sin, &keys);
	if ((rc = daemon_early_exit(&opts, the_conf, errs)) >= 0) {
		conf_unref(the_conf);
		keyring_free(keys);
		sbuf_free(errs);
		return rc;
	}
	msg_set_level(opts.verbose ? MSG_DEBUG : the_conf->log_level);
	if (!opts.foreground) {
		msg_open("tenant-httpd", 0, the_conf->syslog_facility);
		msg_also_stderr(1);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	daemon_prepare_paths("", the_conf->httpd_pid_file, the_conf->run_as_user);
	lfd = httpd_listen(&sin);
	daemon_become(opts.foreground, the_conf->httpd_pid_file, the_conf->run_as_user);
	the_pool = spool_new();
	httpd_use_keys(keys);
	d = httpd_start(lfd);
	msg_info("starting: listening on %s, store %s, %zu token key(s)", the_conf->httpd_listen,
		 the_conf->redis_server, keyring_count(keys));
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		httpd_reload(errs);
	}
	msg_info("stopping");
	MHD_stop_daemon(d);
	daemon_remove_pid(the_conf->httpd_pid_file);
	spool_free(the_pool);
	gen_slot_set(&the_gen, NULL);
	conf_unref(the_conf);
	sbuf_free(errs);
	return 0;
}
