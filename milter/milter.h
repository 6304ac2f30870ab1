/*
 * NAME
 *	milter 3h - tenant-milter internals
 */
#ifndef MILTER_H
#define MILTER_H

#include <libmilter/mfapi.h>

#include "tm_conf.h"
#include "tm_provider.h"
#include "tm_tenant.h"

/* Where the callbacks get tenant snapshots: tdir_get() in the daemon, a fixture in tests. */
typedef TSNAP *(*MILTER_SNAP_FN)(long max_age_ms, long *age_ms);

/* milter_cb_init - set the snapshot source and the first configuration */
void milter_cb_init(MILTER_SNAP_FN source, CONF *c);
/* milter_cb_set_conf - swap in a new configuration; messages in flight keep theirs */
void milter_cb_set_conf(CONF *c);
CONF *milter_cb_conf(void); /* an owned reference to the current configuration */
void milter_cb_shutdown(void);
/* milter_cb_set_pmap - swap in a provider map (owned from now on; NULL: every domain is "other") */
void milter_cb_set_pmap(PMAP *m);
/* milter_cb_set_keyring - swap in the token keys (owned from now on; NULL: no unsubscribe headers) */
struct keyring;
void milter_cb_set_keyring(struct keyring *k);
/* milter_cb_set_dkim - swap in the DKIM key table (owned from now on; NULL: nothing is signed) */
struct dkk_table;
void milter_cb_set_dkim(struct dkk_table *t);

extern struct smfiDesc milter_desc;

/* milter_daemon.c */
void md_prepare_listener(void);
void md_block_signals(void);
void md_start_reloader(void (*reload)(void));

#endif
