/*
 * NAME
 *	milter 3h - tenant-milter internals
 */
#ifndef MILTER_H
#define MILTER_H

#include <libmilter/mfapi.h>

#include "tm_conf.h"
#include "tm_gen.h"
#include "tm_provider.h"
#include "tm_tenant.h"

/* Where the callbacks get tenant snapshots: tdir_get() in the daemon, a fixture in tests. */
typedef TSNAP *(*MILTER_SNAP_FN)(long max_age_ms, long *age_ms);

/* milter_cb_init - set the snapshot source and the first configuration */
void milter_cb_init(MILTER_SNAP_FN source, CONF *c);
/*
 * milter_cb_set_gen - swap in a whole generation (tm_gen.h; the callbacks
 * take their own reference): what a start or a reload loaded together.
 * Messages in flight keep the generation they started with.
 */
void milter_cb_set_gen(GEN *g);
GEN *milter_cb_gen(void);   /* an owned reference to the current generation */
CONF *milter_cb_conf(void); /* an owned reference to the current configuration */
void milter_cb_shutdown(void);
/*
 * milter_cb_set_conf, milter_cb_set_pmap, milter_cb_set_keyring,
 * milter_cb_set_dkim - swap in a generation like the current one with
 * that part replaced (conf: referenced; the others owned from now on;
 * NULL: every domain is "other", no unsubscribe headers, nothing signed).
 */
void milter_cb_set_conf(CONF *c);
void milter_cb_set_pmap(PMAP *m);
void milter_cb_set_keyring(KEYRING *k);
void milter_cb_set_dkim(DKK_TABLE *t);

extern struct smfiDesc milter_desc;

/* milter_daemon.c */
void md_prepare_listener(void);
void md_block_signals(void);
void md_start_reloader(void (*reload)(void));

#endif
