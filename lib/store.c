/*
 * NAME
 *	store - Redis connection, replies as plain data, tenant snapshot loading
 * DESCRIPTION
 *	Synchronous hiredis with connect and command timeouts. Snapshot loading
 *	reads the version first and the data after it: if a change lands in
 *	between, the snapshot is labelled older than its content and is simply
 *	loaded again on the next poll, never the reverse.
 * SEE ALSO
 *	tm_store.h, tm_keys.h, docs/redis-schema.md
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <pthread.h>

#include <hiredis/hiredis.h>

#include "tm_digest.h"
#include "tm_egress.h"
#include "tm_keys.h"
#include "tm_limits.h"
#include "tm_mem.h"
#include "tm_msg.h"
#include "tm_store.h"

struct store {
	char *server;
	char *password;
	long db;
	long timeout_ms;
	redisContext *rc;
	int tried; /* a connection was attempted: rc NULL then means broken, not unused */
};

STORE *
store_new(const CONF *c)
{
	STORE *s = xcalloc(1, sizeof(*s));

	s->server = xstrdup(c->redis_server);
	s->password = xstrdup(c->redis_password);
	s->db = c->redis_db;
	s->timeout_ms = c->redis_timeout;
	return s;
}

static void
store_drop(STORE *s)
{
	if (s->rc) {
		redisFree(s->rc);
		s->rc = NULL;
	}
}

STORE *
store_free(STORE *s)
{
	if (s) {
		store_drop(s);
		free(s->server);
		free(s->password);
		free(s);
	}
	return NULL;
}

/* store_reply_ok - turn an error reply into text; 0 if the reply is usable */
static int
store_reply_ok(redisReply *r, SBUF *err)
{
	if (r->type == REDIS_REPLY_ERROR) {
		sbuf_printf(err, "redis: %.200s", r->str);
		return -1;
	}
	return 0;
}

/* store_setup - one connection set-up command (AUTH, SELECT); drops the connection on failure */
static int
store_setup(STORE *s, SBUF *err, const char *cmd, const char *arg)
{
	const char *argv[] = {cmd, arg};
	redisReply *r = redisCommandArgv(s->rc, 2, argv, NULL);

	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		sbuf_printf(err, "redis %s: %s: %.200s", s->server, cmd, r ? r->str : s->rc->errstr);
		if (r)
			freeReplyObject(r);
		store_drop(s);
		return -1;
	}
	freeReplyObject(r);
	return 0;
}

/* store_connect - open, authenticate and select the database */
static int
store_connect(STORE *s, SBUF *err)
{
	struct timeval tv = {s->timeout_ms / 1000, (s->timeout_ms % 1000) * 1000};

	if (s->rc)
		return 0;
	s->tried = 1;
	if (strncmp(s->server, "unix:", 5) == 0) {
		s->rc = redisConnectUnixWithTimeout(s->server + 5, tv);
	} else {
		char host[256];
		const char *colon = strrchr(s->server, ':');
		size_t hl = (size_t)(colon - s->server);
		if (hl >= sizeof(host))
			hl = sizeof(host) - 1;
		memcpy(host, s->server, hl);
		host[hl] = 0;
		if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
			host[hl - 1] = 0;
			memmove(host, host + 1, hl - 1);
		}
		s->rc = redisConnectWithTimeout(host, atoi(colon + 1), tv);
	}
	if (s->rc == NULL || s->rc->err) {
		sbuf_printf(err, "redis %s: %s", s->server, s->rc ? s->rc->errstr : "cannot allocate");
		store_drop(s);
		return -1;
	}
	redisSetTimeout(s->rc, tv);
	if (*s->password && store_setup(s, err, "AUTH", s->password) < 0)
		return -1;
	if (s->db) {
		char db[32];
		snprintf(db, sizeof(db), "%ld", s->db);
		if (store_setup(s, err, "SELECT", db) < 0)
			return -1;
	}
	return 0;
}

/*
 * store_stale - did a command fail because a connection kept from before
 * failed (Redis restarted, or closed an idle client)? Such a connection dies
 * at its first write or read with EOF or a reset, before Redis ran anything,
 * so the command is sent once more on a new connection. A timeout is never
 * retried: the command may have run.
 */
static int
store_stale(STORE *s, redisReply *r, int reused)
{
	if (r != NULL || !reused || s->rc == NULL)
		return 0;
	if (s->rc->err == REDIS_ERR_EOF)
		return 1;
	return s->rc->err == REDIS_ERR_IO && (errno == ECONNRESET || errno == EPIPE);
}

/* store_check - classify a reply; drops the connection on I/O failure */
static redisReply *
store_check(STORE *s, redisReply *r, SBUF *err)
{
	if (r == NULL) {
		sbuf_printf(err, "redis %s: %s", s->server,
			    s->rc && s->rc->err ? s->rc->errstr : "no reply");
		store_drop(s);
		return NULL;
	}
	if (store_reply_ok(r, err) < 0) {
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* store_cmdv - run one command (argv form): an owned reply, or NULL with err */
static redisReply *
store_cmdv(STORE *s, SBUF *err, int argc, const char **argv)
{
	int reused = s->rc != NULL;
	redisReply *r;

	if (store_connect(s, err) < 0)
		return NULL;
	r = redisCommandArgv(s->rc, argc, argv, NULL);
	if (store_stale(s, r, reused)) {
		store_drop(s);
		if (store_connect(s, err) < 0)
			return NULL;
		r = redisCommandArgv(s->rc, argc, argv, NULL);
	}
	return store_check(s, r, err);
}

/* store_vcmd - run one command from a format; the connection is retried as in store_cmdv */
static redisReply *
store_vcmd(STORE *s, SBUF *err, const char *fmt, va_list ap)
{
	va_list again;
	redisReply *r;
	int reused = s->rc != NULL;

	if (store_connect(s, err) < 0)
		return NULL;
	va_copy(again, ap);
	r = redisvCommand(s->rc, fmt, ap);
	if (store_stale(s, r, reused)) {
		store_drop(s);
		if (store_connect(s, err) < 0) {
			va_end(again);
			return NULL;
		}
		r = redisvCommand(s->rc, fmt, again);
	}
	va_end(again);
	return store_check(s, r, err);
}

/* store_cmd - store_cmdv from a format (redisCommand's) */
static redisReply *
store_cmd(STORE *s, SBUF *err, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;

	va_start(ap, fmt);
	r = store_vcmd(s, err, fmt, ap);
	va_end(ap);
	return r;
}

/* store_val_from - a reply as plain data (RESP2: every type hiredis 0.14 knows) */
static STORE_VAL *
store_val_from(const redisReply *r)
{
	STORE_VAL *v = xcalloc(1, sizeof(*v));

	switch (r->type) {
	case REDIS_REPLY_INTEGER:
		v->type = STORE_V_INT;
		v->integer = r->integer;
		return v;
	case REDIS_REPLY_NIL:
		v->type = STORE_V_NIL;
		return v;
	case REDIS_REPLY_ARRAY:
		v->type = STORE_V_ARR;
		v->elements = r->elements;
		v->element = xcalloc(r->elements ? r->elements : 1, sizeof(*v->element));
		for (size_t i = 0; i < r->elements; i++)
			v->element[i] = store_val_from(r->element[i]);
		return v;
	case REDIS_REPLY_STATUS:
		v->type = STORE_V_STATUS;
		break;
	case REDIS_REPLY_ERROR:
		v->type = STORE_V_ERR;
		break;
	default:
		v->type = r->str ? STORE_V_STR : STORE_V_NIL;
		break;
	}
	if (r->str) {
		v->len = r->len;
		v->str = xmalloc(r->len + 1);
		memcpy(v->str, r->str, r->len);
		v->str[r->len] = 0;
	}
	return v;
}

STORE_VAL *
store_val_free(STORE_VAL *v)
{
	if (v) {
		for (size_t i = 0; i < v->elements; i++)
			store_val_free(v->element[i]);
		free(v->element);
		free(v->str);
		free(v);
	}
	return NULL;
}

/* store_val_take - plain data for an owned reply, which is freed; NULL stays NULL */
static STORE_VAL *
store_val_take(redisReply *r)
{
	STORE_VAL *v = r ? store_val_from(r) : NULL;

	if (r)
		freeReplyObject(r);
	return v;
}

STORE_VAL *
store_callv(STORE *s, SBUF *err, int argc, const char **argv)
{
	return store_val_take(store_cmdv(s, err, argc, argv));
}

STORE_VAL *
store_callf(STORE *s, SBUF *err, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;

	va_start(ap, fmt);
	r = store_vcmd(s, err, fmt, ap);
	va_end(ap);
	return store_val_take(r);
}

int
store_exec(STORE *s, SBUF *err, long long *num, int argc, const char **argv)
{
	redisReply *r = store_cmdv(s, err, argc, argv);

	if (r == NULL)
		return -1;
	if (num)
		*num = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
	freeReplyObject(r);
	return 0;
}

int
store_version(STORE *s, long long *version, SBUF *err)
{
	redisReply *r = store_cmd(s, err, "GET %s", KEY_VERSION);

	if (r == NULL)
		return -1;
	*version = r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : 0;
	freeReplyObject(r);
	return 0;
}

/* store_get_reply - read one pipelined reply */
static redisReply *
store_get_reply(STORE *s, SBUF *err)
{
	void *r = NULL;

	if (redisGetReply(s->rc, &r) != REDIS_OK)
		return store_check(s, NULL, err);
	return store_check(s, r, err);
}

/* store_add_members - feed one SMEMBERS reply into the snapshot */
static void
store_add_members(TSNAP *snap, int t, const char *tname, const char *what, redisReply *r,
		  int (*add)(TSNAP *, int, const char *, SBUF *), SBUF *warnings)
{
	SBUF *why = sbuf_new(64);

	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		sbuf_reset(why);
		if (add(snap, t, r->element[i]->str, why) < 0)
			sbuf_printf(warnings, "tenant %s: ignoring %s \"%.80s\": %s\n", tname, what,
				    r->element[i]->str, sbuf_str(why));
	}
	sbuf_free(why);
}

/* store_limits - a tenant's limits from its HGETALL; a bad field is skipped and described */
static LIMITS *
store_limits(const char *tname, redisReply *r, SBUF *warnings)
{
	LIMITS *l = limits_new();
	SBUF *why = sbuf_new(64);

	for (size_t j = 0; j + 1 < r->elements; j += 2) {
		sbuf_reset(why);
		if (limits_set(l, r->element[j]->str, r->element[j + 1]->str, why) < 0)
			sbuf_printf(warnings, "tenant %s: ignoring limit %s: %s\n", tname, r->element[j]->str,
				    sbuf_str(why));
	}
	sbuf_free(why);
	return l;
}

LIMITS *
store_tenant_limits(STORE *s, const char *tenant, SBUF *err, SBUF *warnings)
{
	redisReply *r = store_cmd(s, err, "HGETALL " KEY_T_LIMITS_FMT, tenant);
	LIMITS *l;

	if (r == NULL)
		return NULL;
	l = store_limits(tenant, r, warnings);
	freeReplyObject(r);
	return l;
}

/* store_hash_get - a field of an HGETALL reply, or NULL */
static const char *
store_hash_get(const redisReply *r, const char *field)
{
	for (size_t j = 0; r->type == REDIS_REPLY_ARRAY && j + 1 < r->elements; j += 2)
		if (strcmp(r->element[j]->str, field) == 0)
			return r->element[j + 1]->str;
	return NULL;
}

/* store_load_egress - every transport and pool; NULL with err on a store failure */
static EGRESS *
store_load_egress(STORE *s, SBUF *err, SBUF *warnings)
{
	redisReply *names, *r;
	EGRESS *e = egress_new();
	SBUF *why = sbuf_new(64), *mname = sbuf_new(32);

	/* transports first: pools refer to them */
	for (int kind = 0; kind < 2; kind++) {
		if ((names = store_cmd(s, err, "SMEMBERS %s", kind ? KEY_POOLS : KEY_TRANSPORTS)) == NULL)
			goto fail;
		for (size_t i = 0; i < names->elements; i++)
			redisAppendCommand(s->rc, kind ? "HGETALL " KEY_POOL_FMT : "HGETALL " KEY_TRANSPORT_FMT,
					   names->element[i]->str);
		for (size_t i = 0; i < names->elements; i++) {
			const char *n = names->element[i]->str, *v;
			if ((r = store_get_reply(s, err)) == NULL) {
				freeReplyObject(names);
				store_drop(s);
				goto fail;
			}
			if (kind == 0) {
				TRANSPORT t = {0};
				sbuf_reset(why);
				if (!transport_name_valid(n, why) || (t.ip = (char *)store_hash_get(r, "ip")) == NULL) {
					sbuf_printf(warnings, "ignoring transport \"%.40s\": %s\n", n,
						    why->len ? sbuf_str(why) : "no source address");
				} else {
					t.name = (char *)n;
					t.ip6 = (char *)store_hash_get(r, "ip6");
					t.helo = (char *)store_hash_get(r, "helo");
					t.concurrency = (v = store_hash_get(r, "concurrency")) ? atol(v) : 0;
					t.rate_delay_ms = (v = store_hash_get(r, "rate_delay")) ? atol(v) : 0;
					v = store_hash_get(r, "status");
					t.up = v == NULL || strcmp(v, "up") == 0;
					t.reason = (char *)store_hash_get(r, "reason");
					t.nexthop = (char *)store_hash_get(r, "nexthop");
					egress_add_transport(e, &t);
				}
			} else {
				size_t m = r->elements / 2;
				char **mn = xcalloc(m ? m : 1, sizeof(char *));
				long *w = xcalloc(m ? m : 1, sizeof(long));
				for (size_t j = 0; j < m; j++) {
					mn[j] = r->element[2 * j]->str;
					w[j] = atol(r->element[2 * j + 1]->str);
				}
				egress_add_pool(e, n, mn, w, m, warnings);
				free(mn);
				free(w);
			}
			freeReplyObject(r);
		}
		freeReplyObject(names);
	}
	sbuf_free(why);
	sbuf_free(mname);
	return e;
fail:
	sbuf_free(why);
	sbuf_free(mname);
	return egress_free(e);
}

/* store_add_domains - a tenant's domains, each with the stream its streams hash gives it */
static void
store_add_domains(TSNAP *snap, int t, const char *tname, redisReply *doms, redisReply *streams, SBUF *warnings)
{
	SBUF *why = sbuf_new(64);

	for (size_t i = 0; doms->type == REDIS_REPLY_ARRAY && i < doms->elements; i++) {
		const char *d = doms->element[i]->str, *sv = store_hash_get(streams, d);
		int st = sv ? stream_parse(sv) : -1;
		sbuf_reset(why);
		if (sv && (st < 0 || st == STREAM_ANY)) {
			sbuf_printf(warnings, "tenant %s: domain %s: unknown stream \"%.20s\"; using the tenant's\n", tname, d, sv);
			st = -1;
		}
		if (tsnap_add_domain_stream(snap, t, d, st, why) < 0)
			sbuf_printf(warnings, "tenant %s: ignoring domain \"%.80s\": %s\n", tname, d, sbuf_str(why));
	}
	sbuf_free(why);
}

/* store_tenant_egress - the tenant's default stream and its pool per stream */
static void
store_tenant_egress(TSNAP *snap, int t, const char *tname, redisReply *th, redisReply *eg, const EGRESS *e,
		    SBUF *warnings)
{
	const char *v = store_hash_get(th, "stream");
	int st;

	if (v && ((st = stream_parse(v)) < 0 || st == STREAM_ANY))
		sbuf_printf(warnings, "tenant %s: unknown default stream \"%.20s\"\n", tname, v);
	else if (v)
		tsnap_set_stream(snap, t, st);
	for (size_t j = 0; eg->type == REDIS_REPLY_ARRAY && j + 1 < eg->elements; j += 2) {
		int p = egress_find_pool(e, eg->element[j + 1]->str);
		if ((st = stream_parse(eg->element[j]->str)) < 0 || p < 0) {
			sbuf_printf(warnings, "tenant %s: ignoring pool assignment %s=%s\n", tname, eg->element[j]->str,
				    eg->element[j + 1]->str);
			continue;
		}
		tsnap_set_pool(snap, t, st, p);
	}
}

TSNAP *
store_load(STORE *s, SBUF *err, SBUF *warnings)
{
	long long version;
	redisReply *names = NULL, *r, *rep[7];
	TSNAP *snap = NULL;
	EGRESS *eg;
	size_t i;

	if (store_version(s, &version, err) < 0)
		return NULL;
	if ((eg = store_load_egress(s, err, warnings)) == NULL)
		return NULL;
	if ((names = store_cmd(s, err, "SMEMBERS %s", KEY_TENANTS)) == NULL) {
		egress_free(eg);
		return NULL;
	}
	for (i = 0; i < names->elements; i++) {
		const char *n = names->element[i]->str;
		redisAppendCommand(s->rc, "HGETALL " KEY_T_FMT, n);
		redisAppendCommand(s->rc, "SMEMBERS " KEY_T_SASL_FMT, n);
		redisAppendCommand(s->rc, "SMEMBERS " KEY_T_NETWORKS_FMT, n);
		redisAppendCommand(s->rc, "SMEMBERS " KEY_T_DOMAINS_FMT, n);
		redisAppendCommand(s->rc, "HGETALL " KEY_T_STREAMS_FMT, n);
		redisAppendCommand(s->rc, "HGETALL " KEY_T_LIMITS_FMT, n);
		redisAppendCommand(s->rc, "HGETALL " KEY_T_EGRESS_FMT, n);
	}
	snap = tsnap_new(version);
	tsnap_set_egress(snap, eg);
	for (i = 0; i < names->elements; i++) {
		const char *n = names->element[i]->str;
		int status = TS_ACTIVE, t;
		const char *reason = "", *v;

		for (int k = 0; k < 7; k++) {
			if ((rep[k] = store_get_reply(s, err)) == NULL) {
				while (k > 0)
					freeReplyObject(rep[--k]);
				goto fail;
			}
		}
		r = rep[0];
		if ((v = store_hash_get(r, "status")) != NULL && (status = tenant_status_parse(v)) < 0) {
			sbuf_printf(warnings, "tenant %s: unknown status \"%.40s\"; treating it as disabled\n", n, v);
			status = TS_DISABLED;
		}
		if ((v = store_hash_get(r, "reason")) != NULL)
			reason = v;
		if (!tenant_name_valid(n)) {
			sbuf_printf(warnings, "ignoring invalid tenant name \"%.80s\"\n", n);
			n = NULL;
		}
		t = n ? tsnap_add_tenant(snap, n, status, reason) : -1;
		if (t >= 0) {
			store_add_members(snap, t, n, "SASL login", rep[1], tsnap_add_sasl, warnings);
			store_add_members(snap, t, n, "network", rep[2], tsnap_add_network, warnings);
			store_add_domains(snap, t, n, rep[3], rep[4], warnings);
			if (rep[5]->type == REDIS_REPLY_ARRAY && rep[5]->elements > 0)
				tsnap_set_limits(snap, t, store_limits(n, rep[5], warnings));
			store_tenant_egress(snap, t, n, rep[0], rep[6], eg, warnings);
		}
		for (int k = 0; k < 7; k++)
			freeReplyObject(rep[k]);
	}
	freeReplyObject(names);
	tsnap_finish(snap, warnings);
	return snap;
fail:
	/* unread pipelined replies would be read as answers to later commands */
	store_drop(s);
	freeReplyObject(names);
	tsnap_finish(snap, warnings);
	return tsnap_unref(snap);
}

int
store_usable(const STORE *s)
{
	return s->rc != NULL || !s->tried;
}

int
store_same_target(const STORE *s, const CONF *c)
{
	return strcmp(s->server, c->redis_server) == 0 && strcmp(s->password, c->redis_password) == 0 &&
	       s->db == c->redis_db && s->timeout_ms == c->redis_timeout;
}

const char *
store_script_sha(STORE_SCRIPT *sc)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

	if (!__atomic_load_n(&sc->ready, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&lock);
		if (!sc->ready) {
			digest_sha1_hex(sc->body, strlen(sc->body), sc->sha);
			__atomic_store_n(&sc->ready, 1, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&lock);
	}
	return sc->sha;
}

int
store_script_load(STORE *s, STORE_SCRIPT *sc, SBUF *err)
{
	const char *argv[] = {"SCRIPT", "LOAD", sc->body};

	return store_exec(s, err, NULL, 3, argv);
}

STORE_VAL *
store_eval(STORE *s, STORE_SCRIPT *sc, int nkeys, const char **keys, int nargs, const char **args, SBUF *err)
{
	const char *sha = store_script_sha(sc), *body = sc->body;
	int argc = 3 + nkeys + nargs;
	const char **argv = xmalloc(sizeof(*argv) * (size_t)argc);
	char nk[16];
	redisReply *r = NULL;

	snprintf(nk, sizeof(nk), "%d", nkeys);
	argv[0] = "EVALSHA";
	argv[1] = sha;
	argv[2] = nk;
	memcpy(argv + 3, keys, sizeof(*keys) * (size_t)nkeys);
	memcpy(argv + 3 + nkeys, args, sizeof(*args) * (size_t)nargs);
	for (int attempt = 0, stale_retry = 1; attempt < 2; attempt++) {
		int reused = s->rc != NULL;
		if (store_connect(s, err) < 0)
			break;
		r = redisCommandArgv(s->rc, argc, argv, NULL);
		if (stale_retry && store_stale(s, r, reused)) { /* once, on a new connection (store_stale) */
			store_drop(s);
			stale_retry = 0;
			attempt--;
			continue;
		}
		if (attempt == 0 && r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0) {
			freeReplyObject(r);
			r = store_check(s, redisCommand(s->rc, "SCRIPT LOAD %s", body), err);
			if (r == NULL)
				break;
			freeReplyObject(r);
			r = NULL;
			continue;
		}
		r = store_check(s, r, err);
		break;
	}
	free(argv);
	return store_val_take(r);
}

int
store_append(STORE *s, int argc, const char **argv, const size_t *lens, SBUF *err)
{
	if (store_connect(s, err) < 0)
		return -1;
	if (redisAppendCommandArgv(s->rc, argc, argv, lens) != REDIS_OK) {
		sbuf_printf(err, "redis %s: %s", s->server, s->rc->errstr);
		store_drop(s);
		return -1;
	}
	return 0;
}

int
store_drain(STORE *s, size_t n, SBUF *err)
{
	return store_drain_flags(s, n, NULL, err);
}

int
store_drain_flags(STORE *s, size_t n, size_t *flagged, SBUF *err)
{
	SBUF *later = sbuf_new(64); /* errors after the first are not reported */
	int rc = 0;

	for (size_t i = 0; i < n && s->rc; i++) {
		redisReply *r = store_get_reply(s, rc == 0 ? err : later);
		if (r == NULL)
			rc = -1;
		else {
			if (flagged && r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
			    r->element[1]->type == REDIS_REPLY_INTEGER && r->element[1]->integer == 1)
				(*flagged)++;
			freeReplyObject(r);
		}
	}
	if (s->rc == NULL && rc == 0) {
		sbuf_printf(err, "redis %s: connection lost", s->server);
		rc = -1;
	}
	sbuf_free(later);
	return rc;
}
