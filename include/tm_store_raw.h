/*
 * NAME
 *	tm_store_raw 3h - transitional: raw hiredis replies, for callers not yet converted
 * DESCRIPTION
 *	Only files still being moved to the typed calls of tm_store.h include
 *	this; it goes when the last of them does.
 */
#ifndef TM_STORE_RAW_H
#define TM_STORE_RAW_H

#include <hiredis/hiredis.h>

#include "tm_store.h"

/* store_cmdv - run one command (argv form): an owned reply (freeReplyObject) or NULL with err */
redisReply *store_cmdv(STORE *s, SBUF *err, int argc, const char **argv);
redisReply *store_cmd(STORE *s, SBUF *err, const char *fmt, ...);

#endif
