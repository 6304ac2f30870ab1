/*
 * NAME
 *	tm_daemon 3h - process plumbing shared by tenant-milter and tenant-policyd
 */
#ifndef TM_DAEMON_H
#define TM_DAEMON_H

#include "tm_conf.h"
#include "tm_sbuf.h"

#define DAEMON_MAX_OVERRIDES 64

/* The daemons' command line: [-fnpvV] [-c config_file] [-o name=value]... */
typedef struct {
	const char *config; /* NULL: the default path */
	char *overrides[DAEMON_MAX_OVERRIDES];
	int noverrides;
	int foreground, check_only, print, verbose;
} DAEMON_OPTS;

/* daemon_options - parse it; -V prints "prog VERSION" and exits 0, a usage error exits 2 */
void daemon_options(int argc, char **argv, const char *prog, DAEMON_OPTS *o);
/* daemon_load - the configuration the options name; NULL with errors in errs */
CONF *daemon_load(const DAEMON_OPTS *o, SBUF *errs);
/*
 * daemon_early_exit - what -n and -p do, and what configuration errors do:
 * print and return the exit status (errors without -n end the process), or
 * -1 when the daemon is to start.
 */
int daemon_early_exit(const DAEMON_OPTS *o, const CONF *c, SBUF *errs);

/* daemon_make_dir - create the directory of path for user, if missing */
void daemon_make_dir(const char *path, const char *user);
/* daemon_prepare_paths - directories for a unix socket ("unix:/path"; others ignored) and the pid file */
void daemon_prepare_paths(const char *socket, const char *pid_file, const char *user);
/* daemon_socket_owner - give a unix socket to user and its group, mode 0660 (root only) */
void daemon_socket_owner(const char *socket, const char *user);
void daemon_write_pid(const char *path);
void daemon_remove_pid(const char *path);
/* daemon_drop_privileges - the one place root is given up, checked */
void daemon_drop_privileges(const char *user);
/* daemon_detach - fork, setsid, stdio to /dev/null, chdir / */
void daemon_detach(void);

#endif
