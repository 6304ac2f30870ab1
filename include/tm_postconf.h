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
 *
 *	pc_layout_warnings() reads postconf's main.cf values and postconf -M
 *	and says what in the socket layout cannot work (a chrooted service,
 *	a group, a relayhost); pc_check_layout() asks Postfix for them, for
 *	tenantctl postfix-config and the daemons' -n.
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

/*
 * The suite's sockets as Postfix must reach them. smtpd (smtpd_milters,
 * check_policy_service), cleanup (non_smtpd_milters) and trivial-rewrite
 * (the socketmap of sender_dependent_default_transport_maps) each run
 * chrooted in queue_directory when master.cf says chroot = y, as
 * Debian's does. They chdir to queue_directory either way, so a socket
 * under it, named relative to it, works in and out of the chroot; an
 * absolute name, or a socket elsewhere, does not in the chroot.
 */
typedef struct {
	const char *main_text;   /* "postconf -x queue_directory relayhost default_filter_nexthop
	                            mail_owner" */
	const char *master_text; /* "postconf -M" */
	/* ours, as tenant-milter.conf writes them; NULL: not this program's to check */
	const char *milter_socket, *policy_socket, *socketmap_socket;
	const char *group;    /* the unix sockets' group: run_as_user's */
	int postfix_in_group; /* mail_owner is in group: 1, 0, or -1 unknown (not checked) */
	const char
	    *bare_transports; /* transports without --nexthop, "a, b"; "" none; NULL unknown */
} PC_LAYOUT;

/*
 * pc_postfix_socket - our "unix:/p" or "inet:PORT@HOST" as Postfix writes
 * it: "inet:HOST:PORT"; "unix:REL" when /p lies under queue_dir (REL
 * relative to it), else "unix:/p". Appended to out.
 */
void pc_postfix_socket(const char *spec, const char *queue_dir, SBUF *out);

/*
 * pc_layout_warnings - what cannot work, in plain words, one line each
 * (no prefix, each ending in a newline) appended to out; the count. A
 * chrooted service that needs a unix socket outside queue_directory;
 * mail_owner outside the sockets' group (they are mode 0660); and, when
 * relayhost is set and default_filter_nexthop is not, the FILTER answers
 * (a tenant the policy request alone knows) that would go to the
 * recipient's MX instead. A chroot column of "-" is Postfix 3's default, n.
 */
int pc_layout_warnings(const PC_LAYOUT *l, SBUF *out);

/*
 * pc_service_chroot - the chroot column (y, n or -) of SERVICE/TYPE in
 * "postconf -M" text, or "-" when master.cf has no such service. The
 * tenant transports copy smtp/unix's, so they run as Postfix's own smtp
 * client does in that layout (Debian's: chrooted).
 */
char pc_service_chroot(const char *master, const char *service, const char *type);

/*
 * pc_group_member - is MAIL_OWNER in the primary group of USER (the
 * group daemon_socket_owner gives the sockets)? 1, 0, or -1 when either
 * user is unknown or USER is empty; the group's name appended to group.
 */
int pc_group_member(const char *mail_owner, const char *user, SBUF *group);

/*
 * pc_check_layout - ask the Postfix in CONFIG_DIR (with POSTCONF) and
 * append the warnings of pc_layout_warnings to out, for the sockets and
 * bare_transports of want (its other fields are ignored) and the group of
 * USER; Postfix's queue_directory is appended to queue_dir. 0, or -1 with
 * err when postconf fails.
 */
int pc_check_layout(const char *postconf, const char *config_dir, const char *user,
                    const PC_LAYOUT *want, SBUF *queue_dir, SBUF *out, SBUF *err);

#endif
