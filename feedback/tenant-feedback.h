/*
 * NAME
 *	tenant-feedback 3h - what tenant-feedback's files share
 */
#ifndef TENANT_FEEDBACK_H
#define TENANT_FEEDBACK_H

#include <stddef.h>

#include "tm_bounce.h"
#include "tm_conf.h"
#include "tm_provider.h"
#include "tm_sbuf.h"

/* fb_read_all - a whole file ("-": standard input), NUL-terminated; owned, or NULL with err */
char *fb_read_all(const char *path, size_t *len, SBUF *err);

/* fb_cmd_dsn - "dsn [RECIPIENT]": one bounce or report; exit status 0, or 75 to make Postfix retry */
int fb_cmd_dsn(CONF *c, const BRULES *rules, const PMAP *pm, int argc, char **argv);
/* fb_cmd_unsubscribe - "unsubscribe RECIPIENT": the mailto path of RFC 8058; 0, or 75 */
int fb_cmd_unsubscribe(CONF *c, int argc, char **argv);

#endif
