/*
 * NAME
 *	ctl_keys - tenantctl unsubscribe-key generate|rotate|list|retire
 * DESCRIPTION
 *	The keyring (token_keys, mode 0600) seals the tokens of unsubscribe
 *	links and VERP return paths. generate creates the file with a first
 *	key; rotate adds a key, which seals from then on while the older ones
 *	still open; retire makes a key's tokens fail. The file is written to a
 *	temporary file and renamed, so a reader never sees half a file.
 * SEE ALSO
 *	tenantctl(1), tm_token.h
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "tm_token.h"

/* ctl_write_file - a temporary file beside path, renamed over it: readers see all or nothing */
int
ctl_write_file(const char *path, const SBUF *text, int mode, SBUF *err)
{
	SBUF *tmp = sbuf_new(256);
	int fd, rc = -1;

	sbuf_printf(tmp, "%s.tmp.%ld", path, (long)getpid());
	if ((fd = open(sbuf_str(tmp), O_WRONLY | O_CREAT | O_EXCL, mode)) < 0) {
		sbuf_printf(err, "%s: %s", sbuf_str(tmp), strerror(errno));
		goto out;
	}
	if (write(fd, text->s, text->len) != (ssize_t)text->len || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(sbuf_str(tmp), path) < 0) {
		sbuf_printf(err, "%s: %s", path, strerror(errno));
		unlink(sbuf_str(tmp));
		goto out;
	}
	rc = 0;
out:
	sbuf_free(tmp);
	return rc;
}

/* keys_write - the keyring, mode 0600, owned by run_as_user: the daemons read it again on reload */
static int
keys_write(const char *path, const KEYRING *k, const char *user, SBUF *err)
{
	SBUF *text = sbuf_new(512);
	struct passwd *pw = getpwnam(user);
	int rc;

	keyring_format(k, text);
	rc = ctl_write_file(path, text, 0600, err);
	if (rc == 0 && pw && geteuid() == 0 && chown(path, pw->pw_uid, pw->pw_gid) < 0)
		fprintf(stderr, "tenantctl: warning: chown %s: %s\n", path, strerror(errno));
	sbuf_free(text);
	return rc;
}

/* keys_generate - "unsubscribe-key generate": a new keyring with its first key */
static int
keys_generate(CTL *c, SBUF *err)
{
	const char *path = c->conf->token_keys;
	KEYRING *k;
	int id, rc = 0;

	if (access(path, F_OK) == 0)
		return ctl_fail("%s exists already; use tenantctl unsubscribe-key rotate", path);
	k = keyring_new();
	id = keyring_add(k, (long)time(NULL));
	if (id < 0 || keys_write(path, k, c->conf->run_as_user, err) < 0)
		rc = -1;
	else
		printf("key %d generated in %s (mode 0600)\n", id, path);
	keyring_free(k);
	return rc;
}

/* keys_rotate - "rotate": a new key seals from now on */
static int
keys_rotate(CTL *c, KEYRING *k, char **argv, SBUF *err)
{
	int id;

	(void)argv;
	if ((id = keyring_add(k, (long)time(NULL))) < 0 ||
	    keys_write(c->conf->token_keys, k, c->conf->run_as_user, err) < 0)
		return -1;
	printf("key %d added; it seals new tokens, older keys still open theirs until retired\n",
	       id);
	return 0;
}

/* keys_retire - "retire ID": the key's tokens fail from now on */
static int
keys_retire(CTL *c, KEYRING *k, char **argv, SBUF *err)
{
	if (keyring_retire(k, atoi(argv[1])) < 0)
		return ctl_fail("cannot retire key %s: no such live key, or it is the last one",
		                argv[1]);
	if (keys_write(c->conf->token_keys, k, c->conf->run_as_user, err) < 0)
		return -1;
	printf("key %s retired: its tokens no longer open\n", argv[1]);
	return 0;
}

/* keys_list - "list": id, date and state of each key, never key material */
static int
keys_list(CTL *c, KEYRING *k, char **argv, SBUF *err)
{
	SBUF *text = sbuf_new(256);

	(void)c;
	(void)argv;
	(void)err;
	keyring_format(k, text);
	for (char *line = strtok(text->s, "\n"); line; line = strtok(NULL, "\n")) {
		int kid;
		char hex[80] = "", flag[16] = "";
		long created;
		if (line[0] == '#' ||
		    sscanf(line, "%d %79s %ld %15s", &kid, hex, &created, flag) < 3)
			continue;
		time_t t = (time_t)created;
		char when[32];
		strftime(when, sizeof(when), "%Y-%m-%d", gmtime(&t));
		printf("key %d  created %s  %s\n", kid, when, *flag ? "retired" : "live");
	}
	sbuf_free(text);
	return 0;
}

/*
 * The verbs on an existing keyring, with the number of words each takes
 * (the verb included); each returns 0, -1 with err, or CTL_FAIL when it
 * has printed why.
 */
static const struct {
	const char *name;
	int argc;
	int (*run)(CTL *c, KEYRING *k, char **argv, SBUF *err);
} keys_verbs[] = {
    {"rotate", 1, keys_rotate},
    {"retire", 2, keys_retire},
    {"list", 1, keys_list},
};

/* ctl_cmd_unsubscribe_key - "unsubscribe-key generate|rotate|list|retire ID" */
int
ctl_cmd_unsubscribe_key(CTL *c, int argc, char **argv)
{
	SBUF *err;
	KEYRING *k;
	int rc = CTL_USAGE, r = 0;

	if (argc < 1)
		return CTL_USAGE;
	err = sbuf_new(128);
	if (strcmp(argv[0], "generate") == 0 && argc == 1) {
		r = keys_generate(c, err);
		rc = CTL_OK;
	} else if ((k = keyring_load(c->conf->token_keys, err)) == NULL) {
		r = -1; /* any other verb reads the keyring first, even to refuse */
	} else {
		for (size_t i = 0; i < sizeof(keys_verbs) / sizeof(keys_verbs[0]); i++) {
			if (strcmp(argv[0], keys_verbs[i].name) == 0 &&
			    argc == keys_verbs[i].argc) {
				r = keys_verbs[i].run(c, k, argv, err);
				rc = CTL_OK;
				break;
			}
		}
		keyring_free(k);
	}
	if (r < 0)
		return ctl_fail_free(err);
	sbuf_free(err);
	return r > 0 ? r : rc;
}
