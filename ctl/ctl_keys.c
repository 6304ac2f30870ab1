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

int
ctl_cmd_unsubscribe_key(CTL *c, int argc, char **argv)
{
	const char *path = c->conf->token_keys;
	SBUF *err = sbuf_new(128);
	KEYRING *k = NULL;
	int rc = CTL_OK, id;

	if (argc < 1) {
		sbuf_free(err);
		return CTL_USAGE;
	}
	if (strcmp(argv[0], "generate") == 0 && argc == 1) {
		if (access(path, F_OK) == 0) {
			rc = ctl_fail("%s exists already; use tenantctl unsubscribe-key rotate", path);
			goto out;
		}
		k = keyring_new();
		id = keyring_add(k, (long)time(NULL));
		if (id < 0 || keys_write(path, k, c->conf->run_as_user, err) < 0)
			goto fail;
		printf("key %d generated in %s (mode 0600)\n", id, path);
		goto out;
	}
	if ((k = keyring_load(path, err)) == NULL)
		goto fail;
	if (strcmp(argv[0], "rotate") == 0 && argc == 1) {
		if ((id = keyring_add(k, (long)time(NULL))) < 0 || keys_write(path, k, c->conf->run_as_user, err) < 0)
			goto fail;
		printf("key %d added; it seals new tokens, older keys still open theirs until retired\n", id);
	} else if (strcmp(argv[0], "retire") == 0 && argc == 2) {
		if (keyring_retire(k, atoi(argv[1])) < 0) {
			rc = ctl_fail("cannot retire key %s: no such live key, or it is the last one", argv[1]);
			goto out;
		}
		if (keys_write(path, k, c->conf->run_as_user, err) < 0)
			goto fail;
		printf("key %s retired: its tokens no longer open\n", argv[1]);
	} else if (strcmp(argv[0], "list") == 0 && argc == 1) {
		SBUF *text = sbuf_new(256);
		keyring_format(k, text);
		/* never print key material: id, date and state only */
		for (char *line = strtok(text->s, "\n"); line; line = strtok(NULL, "\n")) {
			int kid;
			char hex[80] = "", flag[16] = "";
			long created;
			if (line[0] == '#' || sscanf(line, "%d %79s %ld %15s", &kid, hex, &created, flag) < 3)
				continue;
			time_t t = (time_t)created;
			char when[32];
			strftime(when, sizeof(when), "%Y-%m-%d", gmtime(&t));
			printf("key %d  created %s  %s\n", kid, when, *flag ? "retired" : "live");
		}
		sbuf_free(text);
	} else {
		rc = CTL_USAGE;
	}
	goto out;
fail:
	rc = ctl_fail("%s", sbuf_str(err));
out:
	keyring_free(k);
	sbuf_free(err);
	return rc;
}
