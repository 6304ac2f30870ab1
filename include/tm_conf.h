/*
 * NAME
 *	tm_conf 3h - the suite's configuration
 * DESCRIPTION
 *	One file in Postfix main.cf syntax, read by every program. A loaded
 *	configuration is immutable and reference counted: SIGHUP builds a new
 *	one and swaps it in, and work in flight keeps the one it started with.
 * SEE ALSO
 *	tenant-milter.conf(5)
 */
#ifndef TM_CONF_H
#define TM_CONF_H

#include "tm_sbuf.h"

enum tm_action { ACT_REJECT, ACT_TEMPFAIL, ACT_ACCEPT };
enum tm_ownership { OWN_ENFORCE, OWN_WARN, OWN_OFF };
enum tm_supp_action { SUPP_REJECT, SUPP_DISCARD };

typedef struct conf {
	int refs;
	char *path;

	/* daemon */
	char *milter_socket;
	char *run_as_user;
	char *pid_file;
	int log_level;
	char *syslog_name;
	char *syslog_facility;
	long milter_timeout; /* ms */

	/* store */
	char *redis_server;
	char *redis_password;
	long redis_db;
	long redis_timeout;	  /* ms */
	long tenant_refresh_interval; /* ms */
	long tenant_cache_max_age;    /* ms */

	/* policy */
	char *tenant_header;
	int unknown_tenant_action; /* ACT_REJECT, ACT_TEMPFAIL, ACT_ACCEPT */
	int store_error_action;	   /* ACT_TEMPFAIL or ACT_ACCEPT */
	int sender_ownership;	   /* OWN_* */

	/* limits and suppression */
	char *provider_map;	/* conf/providers.conf */
	int suppressed_action;	/* SUPP_REJECT, SUPP_DISCARD */
	long reservation_ttl;	/* ms */
	char *postfix_config_directory; /* whose rewriting settings addresses replay; "" = Postfix defaults */
	struct rw_conf *rewrite; /* owned; read from that Postfix by the milter (rw_load), else NULL */

	/* tenant-policyd */
	char *policy_socket;
	char *socketmap_socket;
	char *policyd_pid_file;
	long policy_max_line;
	long policy_max_attributes;
	long policy_idle_timeout; /* ms */
	long policy_max_clients;

	/* tenant-feedback */
	char *bounce_rules;
	int hard_bounce_scope;	 /* 0 tenant, 1 global */
	long soft_bounce_limit;	 /* N soft bounces in a row */
	long soft_bounce_window; /* ms */
	long queue_map_ttl;	 /* ms */
	char *feedback_loop_authserv_id; /* our verifier's Authentication-Results id; "" = none */
	char *feedback_loop_domains;	 /* DKIM d= of providers whose ARF reports name their tenant */
	char *postfix_syslog_names; /* Postfix's log tags, fnmatch(3): maillog_names_split() */

	/* sealed tokens (unsubscribe links, VERP) */
	char *token_keys;
	long token_lifetime; /* ms */

	/* one-click unsubscribe (bulk stream) */
	char *unsubscribe_url_host;	 /* "" = no unsubscribe headers */
	char *unsubscribe_mailto_domain; /* "" = no mailto URI */
	int existing_unsubscribe;	 /* 0 keep (if complete), 1 replace */
	int bulk_multi_recipient;	 /* 0 accept (logged), 1 reject */
	char *unsubscribe_list_header;	 /* "" = no list id in tokens */

	/* VERP and bounce forwarding */
	char *return_path_domain; /* "" = no VERP */
	char *bounce_prefix;	  /* local part before "+TOKEN" */
	int forward_bounces;	  /* 0 no, 1 yes */
	char *sendmail_path;	  /* command (split on spaces) that forwards a consumed bounce */

	/* DKIM signing */
	char *dkim_keys;	/* the key table */
	char *dkim_key_dir;	/* where tenantctl dkim generate writes keys */
	int dkim_missing_key;	/* ACT_ACCEPT (unsigned), ACT_TEMPFAIL, ACT_REJECT */

	/* tenant-httpd */
	char *httpd_listen;	 /* inet:PORT@HOST */
	char *httpd_pid_file;
	long httpd_threads;
	long httpd_max_clients;
	long httpd_timeout;	 /* ms */
	char *httpd_client_rate; /* "60/min": requests per client address */
} CONF;

/*
 * conf_parse - parse text (named origin in errors) plus "name=value"
 * overrides. Returns an owned CONF, or NULL with one "origin:line: reason"
 * line per problem appended to errs.
 */
CONF *conf_parse(const char *origin, const char *text, char *const *overrides, int noverrides,
		 SBUF *errs);

/* conf_load - read path (NULL: the built-in default path) and parse it */
CONF *conf_load(const char *path, char *const *overrides, int noverrides, SBUF *errs);

/* conf_defaults - a CONF holding only defaults (never fails) */
CONF *conf_defaults(void);

CONF *conf_ref(CONF *c);
CONF *conf_unref(CONF *c); /* accepts NULL, returns NULL */

/* conf_print - every setting as "name = value", for -p style output */
void conf_print(const CONF *c, SBUF *out, int only_changed);

const char *conf_default_path(void);

#endif
