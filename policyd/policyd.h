/*
 * NAME
 *	policyd 3h - tenant-policyd internals
 */
#ifndef POLICYD_H
#define POLICYD_H

#include "tm_conf.h"
#include "tm_tdir.h"
#include "tm_token.h"

enum { PD_POLICY, PD_SOCKETMAP };

/* pd_listen - open a listening socket for "unix:/path" or "inet:PORT@HOST"; exits on failure */
int pd_listen(const char *spec);

/*
 * pd_serve - the event loop: accept, read, answer, until SIGTERM or SIGINT.
 * SIGHUP calls reload(), which returns the configuration to use from then on.
 * Returns the configuration in use at the end (the caller's to release).
 */
CONF *pd_serve(int policy_fd, int socketmap_fd, CONF *c, TDIR *d, CONF *(*reload)(CONF *old));

/*
 * pd_set_keyring - the token keys the socketmap opens VERP senders with
 * (owned from now on; NULL: none). Called before pd_serve and from reload,
 * in the loop's one thread.
 */
void pd_set_keyring(KEYRING *k);

#endif
