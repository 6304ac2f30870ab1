/*
 * NAME
 *	tdir - tenant directory: a snapshot cache refreshed by a version key
 * DESCRIPTION
 *	One poller thread owns one store connection. Each tick costs one GET of
 *	tm:version; the snapshot is reloaded only when the version moved.
 *	Failures are logged once when they start and once when they end, not on
 *	every tick, so an outage does not flood the log.
 * SEE ALSO
 *	tm_tdir.h, tm_store.h
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "tm_mem.h"
#include "tm_msg.h"
#include "tm_store.h"
#include "tm_tdir.h"

struct tdir {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	int stopping;
	TSNAP *snap;		/* guarded by lock */
	long long verified_ms;	/* last confirmation; guarded by lock */
	CONF *pending;		/* new settings for the poller; guarded by lock */
	long interval_ms;	/* poller only */
	STORE *store;		/* poller only */
	int failing;		/* poller only */
};

long long
tdir_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* tdir_poll - one refresh: confirm the version, reload if it moved */
static void
tdir_poll(TDIR *d)
{
	SBUF *err = sbuf_new(128), *warn = sbuf_new(128);
	long long version;
	TSNAP *fresh = NULL, *old = NULL;
	long long have;

	if (store_version(d->store, &version, err) < 0)
		goto failed;
	pthread_mutex_lock(&d->lock);
	have = d->snap ? tsnap_version(d->snap) : -1;
	pthread_mutex_unlock(&d->lock);
	if (have != version) {
		if ((fresh = store_load(d->store, err, warn)) == NULL)
			goto failed;
		if (warn->len)
			msg_warn("tenant data: %s", sbuf_str(warn));
		msg_info("tenant directory loaded: version %lld, %zu tenants", tsnap_version(fresh),
			 tsnap_count(fresh));
	}
	pthread_mutex_lock(&d->lock);
	if (fresh) {
		old = d->snap;
		d->snap = fresh;
	}
	d->verified_ms = tdir_now_ms();
	pthread_mutex_unlock(&d->lock);
	tsnap_unref(old);
	if (d->failing)
		msg_info("tenant store reachable again");
	d->failing = 0;
	goto out;
failed:
	if (!d->failing)
		msg_warn("tenant store unavailable: %s; serving cached tenants until they are too old",
			 sbuf_str(err));
	d->failing = 1;
out:
	sbuf_free(err);
	sbuf_free(warn);
}

/* tdir_apply - take pending settings (poller thread only) */
static void
tdir_apply(TDIR *d)
{
	CONF *c;

	pthread_mutex_lock(&d->lock);
	c = d->pending;
	d->pending = NULL;
	pthread_mutex_unlock(&d->lock);
	if (c == NULL)
		return;
	store_free(d->store);
	d->store = store_new(c);
	d->interval_ms = c->tenant_refresh_interval;
	conf_unref(c);
}

static void *
tdir_main(void *arg)
{
	TDIR *d = arg;
	struct timespec until;

	for (;;) {
		tdir_apply(d);
		pthread_mutex_lock(&d->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += d->interval_ms / 1000;
		until.tv_nsec += (d->interval_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		while (!d->stopping && d->pending == NULL &&
		       pthread_cond_timedwait(&d->wake, &d->lock, &until) != ETIMEDOUT)
			;
		if (d->stopping) {
			pthread_mutex_unlock(&d->lock);
			break;
		}
		pthread_mutex_unlock(&d->lock);
		tdir_apply(d);
		tdir_poll(d);
	}
	return NULL;
}

TDIR *
tdir_start(const CONF *c)
{
	TDIR *d = xcalloc(1, sizeof(*d));
	int err;

	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->wake, NULL);
	d->store = store_new(c);
	d->interval_ms = c->tenant_refresh_interval;
	tdir_poll(d);
	if ((err = pthread_create(&d->thread, NULL, tdir_main, d)) != 0)
		msg_fatal("cannot start the tenant directory thread: error %d", err);
	return d;
}

void
tdir_reconfigure(TDIR *d, const CONF *c)
{
	pthread_mutex_lock(&d->lock);
	conf_unref(d->pending);
	d->pending = conf_ref((CONF *)c);
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
}

void
tdir_stop(TDIR *d)
{
	if (d == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	d->stopping = 1;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	tsnap_unref(d->snap);
	conf_unref(d->pending);
	store_free(d->store);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->wake);
	free(d);
}

TSNAP *
tdir_get(TDIR *d, long max_age_ms, long *age_ms)
{
	TSNAP *s = NULL;
	long long age;

	pthread_mutex_lock(&d->lock);
	age = d->snap ? tdir_now_ms() - d->verified_ms : -1;
	if (d->snap && age <= max_age_ms)
		s = tsnap_ref(d->snap);
	pthread_mutex_unlock(&d->lock);
	if (age_ms)
		*age_ms = (long)age;
	return s;
}
