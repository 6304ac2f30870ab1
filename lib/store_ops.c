/*
 * NAME
 *	store_ops - named Redis operations that answer in plain data
 * DESCRIPTION
 *	One command each, sent exactly as the callers sent it when they still
 *	handled raw replies: no operation here adds a round trip. Built on
 *	store_callv() and store_exec(), so only lib/store.c sees the client
 *	library.
 * SEE ALSO
 *	tm_store.h, lib/store.c
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_mem.h"
#include "tm_store.h"

/* store_string - run a command that answers one string or nil; 1 with it in val, 0 for nil, -1 */
static int
store_string(STORE *s, int argc, const char **argv, SBUF *val, SBUF *err)
{
	STORE_VAL *v = store_callv(s, err, argc, argv);
	int found;

	if (v == NULL)
		return -1;
	if ((found = v->type == STORE_V_STR))
		sbuf_cat(val, v->str);
	store_val_free(v);
	return found;
}

int
store_ping(STORE *s, SBUF *err)
{
	const char *argv[] = {"PING"};

	return store_exec(s, err, NULL, 1, argv);
}

int
store_get(STORE *s, const char *key, SBUF *val, SBUF *err)
{
	const char *argv[] = {"GET", key};

	return store_string(s, 2, argv, val, err);
}

int
store_set(STORE *s, const char *key, const char *val, SBUF *err)
{
	const char *argv[] = {"SET", key, val};

	return store_exec(s, err, NULL, 3, argv);
}

int
store_hget(STORE *s, const char *key, const char *field, SBUF *val, SBUF *err)
{
	const char *argv[] = {"HGET", key, field};

	return store_string(s, 3, argv, val, err);
}

int
store_hincrby(STORE *s, const char *key, const char *field, long long by, SBUF *err)
{
	char n[32];
	const char *argv[] = {"HINCRBY", key, field, n};

	snprintf(n, sizeof(n), "%lld", by);
	return store_exec(s, err, NULL, 4, argv);
}

int
store_sismember(STORE *s, const char *key, const char *member, SBUF *err)
{
	const char *argv[] = {"SISMEMBER", key, member};
	long long yes;

	if (store_exec(s, err, &yes, 3, argv) < 0)
		return -1;
	return yes == 1;
}

STORE_VAL *
store_smembers(STORE *s, const char *key, SBUF *err)
{
	const char *argv[] = {"SMEMBERS", key};

	return store_callv(s, err, 2, argv);
}

STORE_VAL *
store_sorted(STORE *s, const char *key, SBUF *err)
{
	const char *argv[] = {"SORT", key, "ALPHA"};

	return store_callv(s, err, 3, argv);
}

STORE_VAL *
store_hgetall(STORE *s, const char *key, SBUF *err)
{
	const char *argv[] = {"HGETALL", key};

	return store_callv(s, err, 2, argv);
}

STORE_VAL *
store_hmget(STORE *s, const char *key, int n, const char *const *fields, SBUF *err)
{
	const char **argv = xmalloc(sizeof(*argv) * (size_t)(n + 2));
	STORE_VAL *v;

	argv[0] = "HMGET";
	argv[1] = key;
	memcpy(argv + 2, fields, sizeof(*argv) * (size_t)n);
	v = store_callv(s, err, n + 2, argv);
	free(argv);
	if (v && (v->type != STORE_V_ARR || v->elements != (size_t)n)) {
		sbuf_cat(err, "redis: unexpected HMGET reply");
		v = store_val_free(v);
	}
	return v;
}

int
store_hscan(STORE *s, const char *key, void (*fn)(const char *field, const char *value, void *arg), void *arg,
	    SBUF *err)
{
	char cursor[32] = "0";
	STORE_VAL *r;

	do {
		const char *argv[] = {"HSCAN", key, cursor, "COUNT", "1000"};
		if ((r = store_callv(s, err, 5, argv)) == NULL)
			return -1;
		if (r->type != STORE_V_ARR || r->elements != 2) {
			store_val_free(r);
			sbuf_cat(err, "redis: unexpected HSCAN reply");
			return -1;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str ? r->element[0]->str : "0");
		for (size_t i = 0; i + 1 < r->element[1]->elements; i += 2)
			fn(r->element[1]->element[i]->str, r->element[1]->element[i + 1]->str, arg);
		store_val_free(r);
	} while (strcmp(cursor, "0") != 0);
	return 0;
}
