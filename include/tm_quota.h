/*
 * NAME
 *	tm_quota 3h - RCPT-time checks and reservations in one Redis call
 * DESCRIPTION
 *	quota_rcpt() runs lib/quota.lua once per recipient: tenant status,
 *	global and tenant suppression, the day, hour and provider caps and the
 *	rate, atomically. A recipient that passes holds a reservation, which
 *	quota_settle() commits at end of message or releases when the
 *	transaction ends any other way, again in one call for all of a
 *	message's recipients. A reservation that is never settled (a crash)
 *	expires after its ttl and is given back by the next check.
 * SEE ALSO
 *	lib/quota.lua, docs/redis-schema.md, docs/limits.md
 */
#ifndef TM_QUOTA_H
#define TM_QUOTA_H

#include <stdint.h>

#include "tm_limits.h"
#include "tm_sbuf.h"
#include "tm_store.h"

enum quota_verdict {
	Q_OK,
	Q_PAUSED,
	Q_DISABLED,
	Q_UNKNOWN, /* the tenant was removed */
	Q_SUPPRESSED,
	Q_CAP_DAY,
	Q_CAP_HOUR,
	Q_CAP_PROVIDER,
	Q_RATE,
};

typedef struct {
	const char *tenant;
	const LIMITS *lim;    /* NULL: no limits */
	const char *rcpt_key; /* suppression key (supp_key); "" if none */
	const char *provider; /* provider group */
	const char *rid;      /* unique reservation id */
	long resv_ttl_ms;
	int64_t now;	      /* unix seconds: which local day and hour */
} QUOTA_REQ;

typedef struct {
	int verdict;
	char *member;	  /* Q_OK: the reservation, owned */
	char scope[8];	  /* Q_SUPPRESSED: "global" or "tenant" */
	char reason[128]; /* Q_SUPPRESSED: the reason; Q_PAUSED/DISABLED: the status reason */
	long long since;  /* Q_SUPPRESSED: unix seconds */
	long used;	  /* Q_OK: day usage after this one; Q_CAP_*: usage */
	long retry_ms;	  /* Q_RATE */
	LIMITS_NOW at;	  /* the caps that applied */
} QUOTA_RES;

/* quota_rcpt - 0 with res filled, or -1 with err (store failure) */
int quota_rcpt(STORE *s, const QUOTA_REQ *q, QUOTA_RES *res, SBUF *err);
void quota_res_clear(QUOTA_RES *res);

/*
 * quota_settle - commit (accepted, counted) or release (given back) the
 * members of one message. today is the tenant-local date for the counters;
 * rate_interval_us refunds the rate on release (0: none). A commit with a
 * queue id also records, for map_ttl_s, which tenant the queue id is and
 * which recipient keys (rkeys, n of them, or NULL) it was accepted for:
 * tenant-feedback applies a report only to a recipient recorded there.
 * 0 or -1 with err.
 */
int quota_settle(STORE *s, const char *tenant, const char *today, int commit,
		 long rate_interval_us, const char *qid, long map_ttl_s, char *const *members,
		 char *const *rkeys, size_t n, SBUF *err);

/*
 * quota_reply - the reply text a client sees for a refusal, e.g.
 * "tenant acme: warm-up day 3 cap of 200 reached, retry after 00:00 UTC"
 * or "<a@example.com>: recipient suppressed (unsubscribe, 2026-11-20)".
 */
void quota_reply(const QUOTA_REQ *q, const QUOTA_RES *res, const char *rcpt, SBUF *out);


#endif
