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
 * SEE ALSO
 *	tm_postconf.h, postconf(5), Postfix postdrop.c and login_sender_match.c
 */
#include "config.h"

#include <errno.h>
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
