/*
 * NAME
 *	tm_postconf 3h - ask the local Postfix for its settings; the null-sender guard
 * DESCRIPTION
 *	pc_run() runs "postconf -c DIR ARGS..." and collects what it prints;
 *	rw_load() (tm_rewrite.h) and tenant-milter's start-up check use it.
 *
 *	Mail with a null sender submitted with sendmail(1) passes
 *	tenant-milter untagged, as Postfix's own bounces (which never pass a
 *	milter) do; tenant-feedback's forward_bounces copies are such mail.
 *	That is safe only when Postfix itself limits who may submit it: postdrop(1)
 *	enforces local_login_sender_maps (Postfix 3.6 and later), looked up
 *	by the UNIX login name, for every login, root included; a login with
 *	no entry may submit nothing at all. pc_login_senders() is the value
 *	tenantctl postfix-config prints for it; pc_null_sender_risk() reads
 *	what postconf prints and says, in plain words, when any local user
 *	can still submit null-sender mail.
 * SEE ALSO
 *	postconf(5): local_login_sender_maps,
 *	empty_address_local_login_sender_maps_lookup_key; postdrop(1)
 */
#ifndef TM_POSTCONF_H
#define TM_POSTCONF_H

#include "tm_sbuf.h"

/*
 * pc_run - run "POSTCONF -c CONFIG_DIR ARGS..." (args NULL-terminated) and
 * append its standard output, at most 64 KiB, to out. Its standard error
 * is the caller's. 0, or -1 with err when it cannot run or exits non-zero.
 */
int pc_run(const char *postconf, const char *config_dir, const char *const *args, SBUF *out, SBUF *err);

/*
 * pc_value - the value of NAME in "name = value" lines as postconf prints
 * them, appended to out; 1 when NAME has a line, 0 when it has none (an
 * unknown parameter: postconf only warns about it on stderr).
 */
int pc_value(const char *text, const char *name, SBUF *out);

/*
 * pc_login_senders - appends the local_login_sender_maps value that lets
 * root, postfix and SERVICE_USER (tenant-milter's run_as_user, which the
 * pipe(8) transports of tenant-feedback run as) use any sender, <>
 * included, and every other login only its own name, bare or
 * @$myorigin. Built-in map types only (inline, regexp: Postfix 3.7 and
 * later); "$$" is main.cf's escape for one "$".
 */
void pc_login_senders(const char *service_user, SBUF *out);

/*
 * pc_null_sender_risk - for the output of "postconf -x
 * local_login_sender_maps mail_version" read from CONFIG_DIR: 0 when
 * Postfix limits who may submit null-sender mail with sendmail(1), or 1
 * with the reason, in plain words, in why. The risk is the default
 * (static:*: every login, any sender), any static table that grants "*"
 * or "<>", or a Postfix older than 3.6 that has no such setting.
 */
int pc_null_sender_risk(const char *postconf_text, const char *config_dir, SBUF *why);

#endif
