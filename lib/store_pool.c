/*
 * NAME
 *	store_pool - a pool of store connections with a back-off
 * DESCRIPTION
 *	The milter's threads each borrow a connection for one recipient check.
 *	The lock covers only the idle list: no thread waits for another's
 *	Redis call. Built on the public STORE calls alone.
 * SEE ALSO
 *	tm_store.h, lib/store.c
 */
#include "config.h"

#include <stdlib.h>
#include <sys/time.h>
#include <pthread.h>

#include "tm_mem.h"
#include "tm_store.h"

struct store_pool {
	pthread_mutex_t lock;
	STORE **idle;
	size_t nidle, aidle;
	long long down_until_ms; /* back-off: no attempts before this */
	long backoff_ms;
};

static long long
store_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

SPOOL *
spool_new(void)
{
	SPOOL *p = xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->lock, NULL);
	return p;
}

SPOOL *
spool_free(SPOOL *p)
{
	if (p) {
		for (size_t i = 0; i < p->nidle; i++)
			store_free(p->idle[i]);
		free(p->idle);
		pthread_mutex_destroy(&p->lock);
		free(p);
	}
	return NULL;
}

STORE *
spool_get(SPOOL *p, const CONF *c, SBUF *err)
{
	STORE *s = NULL, *stale = NULL;
	long long now = store_now_ms(), wait = 0;

	pthread_mutex_lock(&p->lock);
	if (now < p->down_until_ms) {
		wait = p->down_until_ms - now;
	} else if (p->nidle > 0) {
		s = p->idle[--p->nidle];
		if (!store_same_target(s, c)) { /* the configuration was reloaded */
			stale = s;
			s = NULL;
		}
	}
	pthread_mutex_unlock(&p->lock);
	store_free(stale);
	if (wait > 0) {
		sbuf_printf(err, "redis %s: not retrying for %lldms after a failure", c->redis_server, wait);
		return NULL;
	}
	return s ? s : store_new(c);
}

void
spool_put(SPOOL *p, STORE *s)
{
	int broken = !store_usable(s);

	pthread_mutex_lock(&p->lock);
	if (broken) {
		p->backoff_ms = p->backoff_ms ? (p->backoff_ms * 2 > 2000 ? 2000 : p->backoff_ms * 2) : 100;
		p->down_until_ms = store_now_ms() + p->backoff_ms;
	} else {
		p->backoff_ms = 0;
		if (p->nidle == p->aidle) {
			p->aidle = p->aidle ? p->aidle * 2 : 16;
			p->idle = xrealloc(p->idle, sizeof(*p->idle) * p->aidle);
		}
		p->idle[p->nidle++] = s;
		s = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	store_free(s);
}
