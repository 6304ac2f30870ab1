/*
 * NAME
 *	tm_daemon 3h - process plumbing shared by tenant-milter and tenant-policyd
 */
#ifndef TM_DAEMON_H
#define TM_DAEMON_H

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
