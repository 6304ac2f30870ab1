/*
 * NAME
 *	policyd 3h - tenant-policyd internals
 */
#ifndef POLICYD_H
#define POLICYD_H

#include "tm_conf.h"
#include "tm_gen.h"
#include "tm_tdir.h"
#include "tm_token.h"

enum { PD_POLICY, PD_SOCKETMAP };

/* pd_listen - open a listening socket for "unix:/path" or "inet:PORT@HOST"; exits on failure */
int pd_listen(const char *spec);

/*
 * pd_serve - the event loop: accept, read, answer, until SIGTERM or SIGINT,
 * from generation g (tm_gen.h: the configuration and the token keys the
 * socketmap opens VERP senders with; owned from now on). SIGHUP calls
 * reload(), which returns the generation to use from then on (old itself
 * when the reload failed; else old is the reload's to let go). Returns
 * the generation in use at the end (the caller's to release).
 */
GEN *pd_serve(int policy_fd, int socketmap_fd, GEN *g, TDIR *d, GEN *(*reload)(GEN *old));

#endif
