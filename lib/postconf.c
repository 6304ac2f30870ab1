/*
 * NAME
 *	postconf - run postconf(1); what local_login_sender_maps must say
 * DESCRIPTION
 *	pc_run() is the one fork/exec of postconf in the suite. The queries
 *	print "name = value" lines, never -h values alone: postconf skips an
 *	unknown parameter with a warning on stderr, so bare values would no
 *	longer say which is which on an older Postfix.
 *
 *	Facts of postdrop(1) (Postfix 3.6 and later) the guard rests on:
 *	every login is looked up, root and mail_owner included, under its
 *	name, or "uid:N" without a passwd entry; a login with no entry may
 *	submit no sender at all; "*" in the result allows any sender, and
 *	"<>" (empty_address_local_login_sender_maps_lookup_key) the null one.
 *	The default, static:*, lets everybody use every sender.
 *
 *	The socket layout rests on how Postfix connects: milters, policy
 *	servers and socketmaps (dict_sockmap, through auto_clnt) all connect
 *	to "unix:PATH" as written, and every daemon's working directory is
 *	queue_directory, in the chroot or not (the server skeletons chdir
 *	there; chroot_uid chdirs to the new "/"). A relative PATH is thus
 *	relative to queue_directory in smtpd, cleanup and trivial-rewrite
 *	alike; only postmap -q from a shell reads it from the shell's
 *	working directory.
 * SEE ALSO
 *	tm_postconf.h, postconf(5), Postfix postdrop.c and login_sender_match.c,
 *	socketmap_table(5), MILTER_README, SMTPD_POLICY_README
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tm_mem.h"
#include "tm_postconf.h"

#define PC_MAX_OUTPUT 65536
#define PC_MAX_ARGS 16

int
pc_run(const char *postconf, const char *config_dir, const char *const *args, SBUF *out, SBUF *err)
{
	char *argv[PC_MAX_ARGS + 4], buf[4096];
	int fds[2], status = 0, n = 0;
	ssize_t len;
	pid_t pid;

	argv[n++] = (char *)postconf;
	argv[n++] = "-c";
	argv[n++] = (char *)config_dir;
	for (; args && *args && n < PC_MAX_ARGS + 3; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	if (pipe(fds) < 0) {
		sbuf_printf(err, "cannot run %s: %s", postconf, strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		sbuf_printf(err, "cannot run %s: %s", postconf, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp(postconf, argv);
		_exit(127);
	}
	close(fds[1]);
	while ((len = read(fds[0], buf, sizeof(buf))) > 0 || (len < 0 && errno == EINTR))
		if (len > 0 && out->len < PC_MAX_OUTPUT)
			sbuf_catn(out, buf, (size_t)len);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sbuf_printf(err, "\"%s -c %s\" failed (exit %d): is Postfix installed and postfix_config_directory "
				 "right?",
			    postconf, config_dir, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}

int
pc_value(const char *text, const char *name, SBUF *out)
{
	size_t nlen = strlen(name);

	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		const char *q = p + strspn(p, " \t"), *end = p + n;

		if ((size_t)(end - q) >= nlen && strncmp(q, name, nlen) == 0) {
			q += nlen;
			q += strspn(q, " \t");
			if (q < end && *q == '=') {
				q++;
				q += strspn(q, " \t");
				while (end > q && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
					end--;
				sbuf_catn(out, q, (size_t)(end - q));
				return 1;
			}
		}
		p += n + (p[n] == '\n');
	}
	return 0;
}

void
pc_login_senders(const char *service_user, SBUF *out)
{
	sbuf_cat(out, "inline:{ { root = * }, { postfix = * }");
	if (service_user && *service_user && strcmp(service_user, "root") != 0 &&
	    strcmp(service_user, "postfix") != 0)
		sbuf_printf(out, ", { %s = * }", service_user);
	/* everyone else: the bare login name, as sendmail(1) writes it without -f, or login@$myorigin */
	sbuf_cat(out, " }, regexp:{ { /^(.+)/ $${1} $${1}@$myorigin } }");
}

/* pc_next_table - the next table name of a map list: separated by commas or white space outside braces */
static const char *
pc_next_table(const char *p, size_t *len)
{
	int depth = 0;
	const char *start;

	p += strspn(p, ", \t\r\n");
	start = p;
	for (; *p; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && depth > 0)
			depth--;
		else if (depth == 0 && strchr(", \t\r\n", *p))
			break;
	}
	*len = (size_t)(p - start);
	return *len ? start : NULL;
}

/* pc_static_grants - does "static:..." (len bytes) answer every login with "*" or the null-sender key? */
static int
pc_static_grants(const char *t, size_t len, const char *null_key)
{
	char *v, *save = NULL;
	int hit = 0;

	if (len < 7 || strncasecmp(t, "static:", 7) != 0)
		return 0;
	t += 7;
	len -= 7;
	if (len >= 2 && t[0] == '{' && t[len - 1] == '}') { /* static:{ text with spaces } */
		t++;
		len -= 2;
	}
	v = xstrndup(t, len);
	for (char *w = strtok_r(v, ", \t", &save); w && !hit; w = strtok_r(NULL, ", \t", &save))
		hit = strcmp(w, "*") == 0 || strcasecmp(w, null_key) == 0;
	free(v);
	return hit;
}

int
pc_null_sender_risk(const char *postconf_text, const char *config_dir, SBUF *why)
{
	static const char consequence[] = "any local user can submit mail with a null sender through "
					  "sendmail(1), which tenant-milter passes untagged";
	SBUF *maps = sbuf_new(256), *version = sbuf_new(16), *key = sbuf_new(8);
	const char *t;
	size_t len;
	int risk = 0;

	if (!pc_value(postconf_text, "local_login_sender_maps", maps)) {
		pc_value(postconf_text, "mail_version", version);
		sbuf_printf(why,
			    "Postfix %s in %s has no local_login_sender_maps (Postfix 3.6 and later): %s; upgrade "
			    "Postfix, or limit sendmail(1) to trusted users with authorized_submit_users",
			    version->len ? sbuf_str(version) : "(version unknown)", config_dir, consequence);
		risk = 1;
		goto out;
	}
	if (!pc_value(postconf_text, "empty_address_local_login_sender_maps_lookup_key", key) || key->len == 0)
		sbuf_cat(key, "<>");
	if (strcasecmp(sbuf_str(maps), "static:*") == 0) { /* Postfix's default: no limit at all */
		sbuf_printf(why,
			    "local_login_sender_maps is not set in %s/main.cf: %s; add the line tenantctl "
			    "postfix-config prints",
			    config_dir, consequence);
		risk = 1;
		goto out;
	}
	for (const char *p = sbuf_str(maps); (t = pc_next_table(p, &len)) != NULL; p = t + len)
		if (pc_static_grants(t, len, sbuf_str(key))) {
			sbuf_printf(why,
				    "local_login_sender_maps in %s/main.cf answers every login with %.*s: %s; use "
				    "the line tenantctl postfix-config prints",
				    config_dir, (int)len, t, consequence);
			risk = 1;
			break;
		}
out:
	sbuf_free(maps);
	sbuf_free(version);
	sbuf_free(key);
	return risk;
}

/* pc_under - the part of path below dir ("/var/spool/postfix"), or NULL when path is not under it
 */
static const char *
pc_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 0 || *dir != '/' || strncmp(path, dir, n) != 0 || path[n] != '/')
		return NULL;
	path += n + strspn(path + n, "/");
	return *path ? path : NULL;
}

void
pc_postfix_socket(const char *spec, const char *queue_dir, SBUF *out)
{
	const char *p = strchr(spec, ':'), *at, *rel;

	p = p ? p + 1 : spec;
	if (strncmp(spec, "inet", 4) == 0) {
		at = strchr(p, '@');
		sbuf_printf(out, "inet:%s:%.*s", at ? at + 1 : "127.0.0.1",
		            (int)(at ? at - p : (long)strlen(p)), p);
	} else if (queue_dir && (rel = pc_under(p, queue_dir)) != NULL) {
		sbuf_printf(out, "unix:%s", rel);
	} else {
		sbuf_printf(out, "unix:%s", p);
	}
}

/* pc_master_fields - the first 8 white-space separated fields of one master.cf line [p, end) */
static int
pc_master_fields(const char *p, const char *end, const char *f[8], size_t len[8])
{
	const char *q = p;
	int nf = 0;

	/* comments, continuation lines ("  -o ...") and blank lines name no service */
	if (p == end || *p == '#' || *p == ' ' || *p == '\t' || *p == '\r')
		return 0;
	while (nf < 8 && q < end) {
		q += strspn(q, " \t\r");
		if (q >= end)
			break;
		f[nf] = q;
		len[nf] = strcspn(q, " \t\r\n");
		q += len[nf++];
	}
	return nf;
}

char
pc_service_chroot(const char *master, const char *service, const char *type)
{
	for (const char *p = master; *p;) {
		size_t n = strcspn(p, "\n"), len[8];
		const char *f[8];

		if (pc_master_fields(p, p + n, f, len) == 8 && len[4] == 1 && len[0] == strlen(service) &&
		    strncmp(f[0], service, len[0]) == 0 && len[1] == strlen(type) &&
		    strncmp(f[1], type, len[1]) == 0)
			return *f[4] == 'Y' ? 'y' : *f[4] == 'N' ? 'n' : *f[4];
		p += n + (p[n] == '\n');
	}
	return '-';
}

/* pc_chrooted - "service/type" of every master.cf service running COMMAND with chroot = y,
 * comma-separated */
static void
pc_chrooted(const char *master, const char *command, SBUF *names)
{
	for (const char *p = master; *p;) {
		size_t n = strcspn(p, "\n"), len[8];
		const char *f[8];

		if (pc_master_fields(p, p + n, f, len) == 8 && len[4] == 1 && (*f[4] == 'y' || *f[4] == 'Y') &&
		    len[7] == strlen(command) && strncmp(f[7], command, len[7]) == 0)
			sbuf_printf(names, "%s%.*s/%.*s", names->len ? ", " : "", (int)len[0], f[0],
			            (int)len[1], f[1]);
		p += n + (p[n] == '\n');
	}
}

/* pc_chroot_warning - SETTING's socket SPEC, needed by COMMAND: a warning when a chrooted COMMAND
 * cannot reach it */
static int
pc_chroot_warning(const PC_LAYOUT *l, const char *qdir, const char *setting, const char *spec,
                  const char *command, const char *why, SBUF *out)
{
	SBUF *names;
	const char *path, *base;
	int n = 0;

	if (spec == NULL || (strncmp(spec, "unix:", 5) != 0 && strncmp(spec, "local:", 6) != 0))
		return 0; /* TCP reaches out of a chroot */
	path = strchr(spec, ':') + 1;
	if (pc_under(path, qdir))
		return 0;
	names = sbuf_new(64);
	pc_chrooted(l->master_text ? l->master_text : "", command, names);
	if (names->len) {
		base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		sbuf_printf(
		    out,
		    "%s %s is outside queue_directory %s, and master.cf runs %s (%s) chrooted "
		    "there "
		    "(%s, chroot = y): it cannot reach the socket, so %s; use %s = "
		    "unix:%s/tenant-milter/%s, "
		    "or set chroot = n for %s\n",
		    setting, spec, *qdir ? qdir : "(unknown)", command, why, sbuf_str(names),
		    strcmp(command, "trivial-rewrite") == 0 ? "tenant mail waits in the queue"
		                                            : "mail tempfails",
		    setting, *qdir ? qdir : "/var/spool/postfix", base, sbuf_str(names));
		n = 1;
	}
	sbuf_free(names);
	return n;
}

/* pc_is_unix - a unix socket this program checks */
static int
pc_is_unix(const char *spec)
{
	return spec && (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0);
}

int
pc_layout_warnings(const PC_LAYOUT *l, SBUF *out)
{
	const char *main_text = l->main_text ? l->main_text : "";
	SBUF *qdir = sbuf_new(64), *relay = sbuf_new(64), *fnh = sbuf_new(64),
	     *owner = sbuf_new(16);
	int n = 0;

	pc_value(main_text, "queue_directory", qdir);
	while (qdir->len > 1 &&
	       qdir->s[qdir->len - 1] == '/') /* named as Postfix would, for the advice */
		qdir->s[--qdir->len] = 0;
	pc_value(main_text, "relayhost", relay);
	pc_value(main_text, "default_filter_nexthop", fnh);
	if (!pc_value(main_text, "mail_owner", owner) || owner->len == 0)
		sbuf_cat(owner, "postfix");
	n += pc_chroot_warning(l, sbuf_str(qdir), "milter_socket", l->milter_socket, "smtpd",
	                       "smtpd_milters", out);
	n += pc_chroot_warning(l, sbuf_str(qdir), "milter_socket", l->milter_socket, "cleanup",
	                       "non_smtpd_milters", out);
	n += pc_chroot_warning(l, sbuf_str(qdir), "policy_socket", l->policy_socket, "smtpd",
	                       "check_policy_service", out);
	n += pc_chroot_warning(l, sbuf_str(qdir), "socketmap_socket", l->socketmap_socket,
	                       "trivial-rewrite", "sender_dependent_default_transport_maps", out);
	if (l->postfix_in_group == 0 &&
	    (pc_is_unix(l->milter_socket) || pc_is_unix(l->policy_socket) ||
	     pc_is_unix(l->socketmap_socket))) {
		sbuf_printf(out,
		            "mail_owner %s is not in group %s, which the unix sockets (mode 0660) "
		            "belong to: "
		            "Postfix cannot connect to them, so mail tempfails; run \"adduser %s "
		            "%s\" and restart "
		            "Postfix\n",
		            sbuf_str(owner), l->group ? l->group : "(unknown)", sbuf_str(owner),
		            l->group ? l->group : "GROUP");
		n++;
	}
	if (l->policy_socket && relay->len && fnh->len == 0 &&
	    (l->bare_transports == NULL || *l->bare_transports)) {
		if (l->bare_transports)
			sbuf_printf(out,
			            "relayhost = %s is set, but transport(s) %s have no --nexthop",
			            sbuf_str(relay), l->bare_transports);
		else
			sbuf_printf(out, "relayhost = %s is set, but a transport without --nexthop",
			            sbuf_str(relay));
		sbuf_printf(
		    out,
		    " and default_filter_nexthop is empty: when tenant-policyd answers FILTER (a "
		    "tenant known only from its SASL login or client network) that mail goes to "
		    "the "
		    "recipient's MX, not through the relayhost; set default_filter_nexthop = "
		    "$relayhost, or give each transport a --nexthop\n");
		n++;
	}
	sbuf_free(qdir);
	sbuf_free(relay);
	sbuf_free(fnh);
	sbuf_free(owner);
	return n;
}

int
pc_group_member(const char *mail_owner, const char *user, SBUF *group)
{
	struct passwd *pw;
	struct group *gr;
	gid_t gid, owner_gid, *groups;
	int ngroups = 64, rc = 0;

	if (user == NULL || *user == 0 || (pw = getpwnam(user)) == NULL)
		return -1;
	gid = pw->pw_gid;
	if ((gr = getgrgid(gid)) != NULL)
		sbuf_cat(group, gr->gr_name);
	else
		sbuf_printf(group, "%lu", (unsigned long)gid);
	if (strcmp(mail_owner, user) == 0)
		return 1;
	if ((pw = getpwnam(mail_owner)) == NULL)
		return -1;
	owner_gid = pw->pw_gid;
	groups = xmalloc(sizeof(*groups) * (size_t)ngroups);
	if (getgrouplist(mail_owner, owner_gid, groups, &ngroups) < 0) {
		groups = xrealloc(groups, sizeof(*groups) * (size_t)ngroups);
		if (getgrouplist(mail_owner, owner_gid, groups, &ngroups) < 0)
			ngroups = 0;
	}
	for (int i = 0; i < ngroups && !rc; i++)
		rc = groups[i] == gid;
	free(groups);
	return rc;
}

int
pc_check_layout(const char *postconf, const char *config_dir, const char *user,
                const PC_LAYOUT *want, SBUF *queue_dir, SBUF *out, SBUF *err)
{
	static const char *const main_args[] = {
	    "-x", "queue_directory", "relayhost", "default_filter_nexthop", "mail_owner", NULL};
	static const char *const master_args[] = {"-M", NULL};
	SBUF *main_text = sbuf_new(256), *master = sbuf_new(2048), *group = sbuf_new(16),
	     *owner = sbuf_new(16);
	PC_LAYOUT l = *want;
	int rc = -1;

	if (pc_run(postconf, config_dir, main_args, main_text, err) < 0 ||
	    pc_run(postconf, config_dir, master_args, master, err) < 0)
		goto out;
	if (!pc_value(sbuf_str(main_text), "mail_owner", owner) || owner->len == 0)
		sbuf_cat(owner, "postfix");
	l.main_text = sbuf_str(main_text);
	l.master_text = sbuf_str(master);
	l.postfix_in_group = pc_group_member(sbuf_str(owner), user, group);
	l.group = sbuf_str(group);
	pc_value(l.main_text, "queue_directory", queue_dir);
	pc_layout_warnings(&l, out);
	rc = 0;
out:
	sbuf_free(main_text);
	sbuf_free(master);
	sbuf_free(group);
	sbuf_free(owner);
	return rc;
}
