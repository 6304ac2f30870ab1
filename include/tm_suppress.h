/*
 * NAME
 *	tm_suppress 3h - suppression keys, entry values and import rows
 * DESCRIPTION
 *	The one place a recipient becomes a suppression key: surrounding white
 *	space and <> removed, the domain normalised as everywhere else, and the
 *	local part compared without regard to case (Unicode case folding for
 *	UTF-8 local parts). "John.Doe@Example.COM." and "<john.doe@example.com>"
 *	share one key, and so do "x.test!gone", "gone%x.test" and
 *	"@relay:gone@x.test", as Postfix delivers all three to gone@x.test.
 */
#ifndef TM_SUPPRESS_H
#define TM_SUPPRESS_H

#include "tm_sbuf.h"

/* the reasons of an entry; SR_SOFT_STREAK is written by tenant-feedback only */
enum supp_reason { SR_UNSUBSCRIBE, SR_HARD_BOUNCE, SR_COMPLAINT, SR_MANUAL, SR_SOFT_STREAK, SR_COUNT };

/* supp_reason_parse - a reason an admin may give (unsubscribe, hard-bounce, complaint, manual); -1 if not */
int supp_reason_parse(const char *s);
/* supp_reason_lookup - any reason an entry may hold (SR_*); -1 if unknown */
int supp_reason_lookup(const char *s);
/* supp_reason_name - the reason's text, as stored and as tenantctl prints it ("unknown" out of range) */
const char *supp_reason_name(int r);

/*
 * The value of an entry in tm:supp and {t:NAME}:supp, in exactly this form:
 *	REASON|SINCE|EXPIRES
 * REASON one of the names above; SINCE and EXPIRES unix seconds (EXPIRES 0:
 * never), each "0" or 1 to SUPP_DIGITS decimal digits without a leading
 * zero, so every value has one spelling in C and in Lua (lib/suppress.lua).
 * Anything else is unreadable, and reads as manual|0|0: still suppressed,
 * never expiring (what the RCPT script does with it).
 */
#define SUPP_DIGITS 15 /* exact in a Lua number (a double) too */
#define SUPP_MAX 999999999999999LL

typedef struct {
	int reason;	   /* SR_* */
	long long since;   /* unix seconds */
	long long expires; /* unix seconds; 0: never */
} SUPP_VAL;

/* supp_value - append the value of an entry to out; a reason or time out of range is a bug (msg_panic) */
void supp_value(SBUF *out, int reason, long long since, long long expires);
/* supp_value_parse - 0, or -1 for an unreadable value (then out is manual, 0, 0) */
int supp_value_parse(const char *v, SUPP_VAL *out);

/*
 * supp_key_rw - the key of the mailbox Postfix delivers an address to: rw
 * (tm_rewrite.h) replays trivial-rewrite first; NULL means Postfix's
 * defaults with no local domain. 0, or -1 with a reason (the null address
 * has no key).
 */
struct rw_conf;
int supp_key_rw(const struct rw_conf *rw, const char *address, SBUF *key, SBUF *err);
/* supp_key - supp_key_rw with Postfix's defaults */
int supp_key(const char *address, SBUF *key, SBUF *err);

typedef struct {
	char *key;    /* owned; normalised address */
	int reason;   /* SR_*; SR_MANUAL when the column is empty or absent */
	char *tenant; /* owned; NULL when the column is empty or absent */
} SUPP_ROW;

/*
 * supp_csv_line - one line of "address[,reason[,tenant]]" (RFC 4180 quoting).
 * 1: a row; 0: a blank, comment (#) or header line; -1: an error in err.
 */
int supp_csv_line(const char *line, SUPP_ROW *row, SBUF *err);
void supp_row_clear(SUPP_ROW *row);

/* supp_duration - "90d", "12h", "30m", "3600s" or "1y" to seconds; 0 or -1 with err */
int supp_duration(const char *text, long *seconds, SBUF *err);

#endif
