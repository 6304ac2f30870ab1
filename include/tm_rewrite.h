/*
 * NAME
 *	tm_rewrite 3h - replay Postfix's trivial-rewrite on an envelope address
 * DESCRIPTION
 *	smtpd hands a milter its parsed address ({rcpt_addr}, {mail_addr}):
 *	comments, white space and angle brackets gone, but before
 *	trivial-rewrite(8). The address Postfix finally delivers to can still
 *	differ: a source route is stripped, "site!user" becomes "user@site"
 *	(swap_bangpath), "user%site" becomes "user@site" (allow_percent_hack),
 *	a bare local part gets @$myorigin, trailing dots go, and a local domain
 *	($mydestination, address literals) is stripped so that what is left is
 *	rewritten again. rw_canon() replays exactly that, so a suppression key
 *	is the key of the mailbox the message will reach.
 *
 *	The settings are read from the running Postfix (postconf -x) at start
 *	and on reload: rw_load(). rw_parse() is the pure part.
 * SEE ALSO
 *	trivial-rewrite(8), postconf(5): allow_percent_hack, swap_bangpath,
 *	mydestination, myorigin
 */
#ifndef TM_REWRITE_H
#define TM_REWRITE_H

#include <stddef.h>

#include "tm_sbuf.h"

typedef struct rw_conf {
	int percent_hack;     /* allow_percent_hack */
	int swap_bangpath;    /* swap_bangpath */
	char *myorigin;	      /* owned; normalised; "" when unknown */
	char **local_domains; /* owned; normalised $mydestination names */
	size_t nlocal;
	size_t ntables;	      /* $mydestination lookup tables, which cannot be replayed */
} RW_CONF;

/* rw_defaults - Postfix's defaults with no local domain and no origin; never fails */
RW_CONF *rw_defaults(void);
/*
 * rw_parse - "name = value" lines as "postconf -x NAME..." prints them.
 * Returns an owned RW_CONF (defaults for what is absent), or NULL with err.
 */
RW_CONF *rw_parse(const char *text, SBUF *err);
/* rw_load - run "postconf -c DIR -x ..." and parse its output; NULL with err */
RW_CONF *rw_load(const char *postconf, const char *config_dir, SBUF *err);
RW_CONF *rw_free(RW_CONF *rw); /* accepts NULL, returns NULL */

/* rw_is_local - is a normalised domain (or [literal]) one Postfix treats as its own? */
int rw_is_local(const RW_CONF *rw, const char *domain);

/*
 * rw_canon - the address Postfix delivers to, for an address as smtpd
 * parsed it (surrounding <> and white space allowed). Appends "local@domain"
 * to out (the local part as written, quotes kept), or returns -1 with a
 * reason in err. The null address yields 0 and appends nothing. A NULL rw
 * means Postfix's defaults with no local domain and no $myorigin.
 */
int rw_canon(const RW_CONF *rw, const char *addr, SBUF *out, SBUF *err);

#endif
