/*
 * NAME
 *	tm_daemon 3h - process plumbing shared by tenant-milter and tenant-policyd
 */
#ifndef TM_DAEMON_H
#define TM_DAEMON_H

#include <sys/types.h>

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

/* daemon_make_dir - create the directory of path for user and its group, mode 0750, if missing */
void daemon_make_dir(const char *path, const char *user);
/* daemon_prepare_paths - directories for a unix socket ("unix:/path"; others ignored) and the pid file */
void daemon_prepare_paths(const char *socket, const char *pid_file, const char *user);
/*
 * Unix sockets are bound (as root) under this umask, so they are created
 * mode 0660 and nobody chmods a name in the service user's directory.
 */
#define DAEMON_SOCKET_UMASK 0117
/* daemon_socket_owner - give a unix socket to user and its group (root only); fatal on failure */
void daemon_socket_owner(const char *socket, const char *user);
/*
 * daemon_socket_chown - chown the socket at path, relative to its directory
 * opened with O_NOFOLLOW: a symbolic link, or anything but a socket with one
 * link, is refused and left untouched. 0, or -1 with the reason in why.
 */
int daemon_socket_chown(const char *path, uid_t uid, gid_t gid, SBUF *why);
/*
 * daemon_pid_file_write - write "pid\n" to path, replacing a regular file;
 * refuses a symbolic link (at the name or as its directory), a FIFO, a
 * directory, a file with other links, and leaves them untouched. Safe as
 * root in a directory the service user owns. 0, or -1 with the reason in why.
 */
int daemon_pid_file_write(const char *path, long pid, SBUF *why);
/* daemon_write_pid - daemon_pid_file_write with our pid; fatal on failure; nothing for "" */
void daemon_write_pid(const char *path);
void daemon_remove_pid(const char *path);
/* daemon_drop_privileges - the one place root is given up, checked */
void daemon_drop_privileges(const char *user);
/* daemon_detach - fork, setsid, stdio to /dev/null, chdir / */
void daemon_detach(void);
/*
 * daemon_become - the sockets are bound: detach unless foreground (then log
 * to syslog only), write the pid file as root, give root up for user. The
 * order every daemon of the suite starts in.
 */
void daemon_become(int foreground, const char *pid_file, const char *user);

#endif
