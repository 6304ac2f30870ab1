/*
 * NAME
 *	tm_suppress 3h - suppression keys and import rows
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

enum supp_reason { SR_UNSUBSCRIBE, SR_HARD_BOUNCE, SR_COMPLAINT, SR_MANUAL };

int supp_reason_parse(const char *s); /* -1 if unknown */
const char *supp_reason_name(int r);

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
