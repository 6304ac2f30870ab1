/*
 * NAME
 *	tm_feedback 3h - delivery outcomes into suppression lists and counters
 * DESCRIPTION
 *	One outcome (a log record or a DSN/ARF recipient) is one call of
 *	lib/feedback.lua, which finds the tenant from the queue-id map when it
 *	is not given, applies the effect and, in the same atomic call, stores
 *	the reader's position: an outcome is applied if and only if the
 *	position moved past it. docs/redis-schema.md lists the keys.
 */
#ifndef TM_FEEDBACK_H
#define TM_FEEDBACK_H

#include "tm_conf.h"
#include "tm_provider.h"
#include "tm_store.h"

typedef struct {
	const char *tenant;	/* NULL: look up the queue id */
	const char *qid;	/* "" if unknown */
	int category;		/* BC_* */
	const char *rcpt;	/* as reported */
	const char *transport;	/* "postfix-out-acme/smtp", or "" */
	int final;		/* a bounce or report (1), or a deferral (0) */
	const char *pos_key;	/* "" or the position key */
	const char *pos;	/* the position after this outcome, or "" */
} FB_EVENT;

/* feedback_argv - the EVALSHA argv of one event (17 strings into argv, storage in buf) */
int feedback_argv(const CONF *c, const PMAP *pm, const FB_EVENT *e, const char **argv, char buf[][384]);
/* feedback_script - lib/feedback.lua, for SCRIPT LOAD before pipelined batches */
STORE_SCRIPT *feedback_script(void);

/* feedback_apply - run one event now; 0 with *applied, or -1 with err */
int feedback_apply(STORE *s, const CONF *c, const PMAP *pm, const FB_EVENT *e, int *applied, SBUF *err);

#define FB_QMAP_FMT "tm:q:%s"	    /* STRING queue id -> tenant */
#define FB_POS_FMT "tm:fb:pos:%s"   /* STRING inode:offset of a followed log */
#define FB_SEEN_FMT "tm:fb:seen:%s:%s" /* STRING: this queue id's recipient was counted */

#endif
