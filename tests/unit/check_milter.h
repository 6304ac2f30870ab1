/*
 * check_milter.h - what the milter suite's two files share: the fixture
 * check_milter.c sets up for every case, its client helpers, and the
 * end-of-message cases check_milter_eom.c adds to the suite
 */
#ifndef CHECK_MILTER_H
#define CHECK_MILTER_H

#include <check.h>

#include "milter.h"
#include "seam_fake.h"
#include "tm_sbuf.h"

/*
 * The faked Redis side (check_milter.c): with store_fake set, every
 * recipient passes but suppressed_key, and settling and counting are
 * written to store_log. setup() resets all three for each case.
 */
extern int store_fake;
extern const char *suppressed_key;
extern SBUF *store_log;

/* run - connect from client, MAIL FROM sender, headers (NULL-terminated name/value pairs) */
typedef struct {
	sfsistat mail, eom;
} RESULT;
RESULT run(FAKE_CTX *f, const char *client, const char *sender, const char *const *hdrs);

/* connect_acme - a connection from acme's network */
SMFICTX *connect_acme(FAKE_CTX *f);

/* acme_from - a From field with acme's domain: name, value, NULL */
extern const char *const acme_from[];

/* eom_tests - check_milter_eom.c's cases */
void eom_tests(TCase *tc);

#endif
