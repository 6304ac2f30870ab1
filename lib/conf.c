/*
 * NAME
 *	conf - table-driven configuration in Postfix main.cf syntax
 * DESCRIPTION
 *	Each setting is defined once in conf_table with its name, type, default
 *	and bounds. Syntax: "name = value"; lines whose first non-blank
 *	character is '#' are comments; a line starting with white space
 *	continues the previous logical line. A later definition overrides an
 *	earlier one, and -o overrides override the file, as in Postfix.
 *
 *	Every problem is reported, not just the first, as "origin:line: reason".
 * SEE ALSO
 *	tm_conf.h, tenant-milter.conf(5), Postfix postconf(5)
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_conf.h"
#include "tm_rewrite.h"
#include "tm_hdr.h"
#include "tm_mem.h"
#include "tm_msg.h"

enum conf_type { CT_STR, CT_INT, CT_ENUM, CT_TIME, CT_SOCKET, CT_REDIS, CT_HEADER };

typedef struct {
	const char *name;
	enum conf_type type;
	const char *def;
	size_t off;
	long min, max;		  /* CT_INT; CT_TIME in milliseconds */
	const char *const *words; /* CT_ENUM: value i maps to words[i] */
	const char *unit;	  /* CT_TIME: "ms" or "s", the unit of a bare number; stored in ms */
} CONF_DEF;

static const char *const action3[] = {"reject", "tempfail", "accept", NULL};
/* "-" keeps the indexes equal to ACT_*: store errors can never be answered with reject */
static const char *const action_store[] = {"-", "tempfail", "accept", NULL};
static const char *const ownership[] = {"enforce", "warn", "off", NULL};
static const char *const keep_replace[] = {"keep", "replace", NULL};
static const char *const accept_reject[] = {"accept", "reject", NULL};
static const char *const no_yes[] = {"no", "yes", NULL};
/* indexes equal to ACT_*: unsigned is ACT_ACCEPT */
static const char *const dkim_missing[] = {"reject", "tempfail", "unsigned", NULL};
static const char *const scopes[] = {"tenant", "global", NULL};
static const char *const supp_actions[] = {"reject", "discard", NULL};
static const char *const levels[] = {"error", "warning", "info", "debug", NULL};

#define O(f) offsetof(CONF, f)
static const CONF_DEF conf_table[] = {
    {"milter_socket", CT_SOCKET, "unix:/var/spool/postfix/tenant-milter/milter.sock", O(milter_socket)},
    {"run_as_user", CT_STR, "tenant-milter", O(run_as_user)},
    {"pid_file", CT_STR, "/run/tenant-milter/tenant-milter.pid", O(pid_file)},
    {"log_level", CT_ENUM, "info", O(log_level), 0, 0, levels},
    {"syslog_name", CT_STR, "tenant-milter", O(syslog_name)},
    {"syslog_facility", CT_STR, "mail", O(syslog_facility)},
    {"milter_timeout", CT_TIME, "300s", O(milter_timeout), 1000, 86400000, NULL, "s"},
    {"redis_server", CT_REDIS, "127.0.0.1:6379", O(redis_server)},
    {"redis_password", CT_STR, "", O(redis_password)},
    {"redis_db", CT_INT, "0", O(redis_db), 0, 65535},
    {"redis_timeout", CT_TIME, "200ms", O(redis_timeout), 1, 60000, NULL, "ms"},
    {"tenant_refresh_interval", CT_TIME, "1s", O(tenant_refresh_interval), 100, 3600000, NULL, "s"},
    {"tenant_cache_max_age", CT_TIME, "5s", O(tenant_cache_max_age), 1000, 86400000, NULL, "s"},
    {"tenant_header", CT_HEADER, "X-Tenant", O(tenant_header)},
    {"unknown_tenant_action", CT_ENUM, "reject", O(unknown_tenant_action), 0, 0, action3},
    {"store_error_action", CT_ENUM, "tempfail", O(store_error_action), 0, 0, action_store},
    {"sender_ownership", CT_ENUM, "enforce", O(sender_ownership), 0, 0, ownership},
    {"provider_map", CT_STR, SYSCONFDIR "/tenant-milter/providers.conf", O(provider_map)},
    {"suppressed_action", CT_ENUM, "reject", O(suppressed_action), 0, 0, supp_actions},
    {"reservation_ttl", CT_TIME, "15m", O(reservation_ttl), 1000, 86400000, NULL, "s"},
    {"postfix_config_directory", CT_STR, "/etc/postfix", O(postfix_config_directory)},
    {"policy_socket", CT_SOCKET, "unix:/var/spool/postfix/tenant-milter/policy.sock", O(policy_socket)},
    {"socketmap_socket", CT_SOCKET, "unix:/var/spool/postfix/tenant-milter/socketmap.sock", O(socketmap_socket)},
    {"policyd_pid_file", CT_STR, "/run/tenant-milter/tenant-policyd.pid", O(policyd_pid_file)},
    {"policy_max_line", CT_INT, "2048", O(policy_max_line), 128, 65536},
    {"policy_max_attributes", CT_INT, "64", O(policy_max_attributes), 8, 1024},
    {"policy_idle_timeout", CT_TIME, "600s", O(policy_idle_timeout), 1000, 86400000, NULL, "s"},
    {"policy_max_clients", CT_INT, "1000", O(policy_max_clients), 1, 100000},
    {"bounce_rules", CT_STR, SYSCONFDIR "/tenant-milter/bounce-rules.conf", O(bounce_rules)},
    {"hard_bounce_scope", CT_ENUM, "tenant", O(hard_bounce_scope), 0, 0, scopes},
    {"soft_bounce_limit", CT_INT, "3", O(soft_bounce_limit), 1, 100},
    {"soft_bounce_window", CT_TIME, "14d", O(soft_bounce_window), 3600000, 2000000000L, NULL, "s"},
    {"feedback_loop_authserv_id", CT_STR, "", O(feedback_loop_authserv_id)},
    {"feedback_loop_domains", CT_STR, "", O(feedback_loop_domains)},
    {"queue_map_ttl", CT_TIME, "7d", O(queue_map_ttl), 3600000, 2000000000L, NULL, "s"},
    /* a list: fnmatch(3) patterns split at white space and commas by maillog_names_split() */
    {"postfix_syslog_names", CT_STR, "postfix*/*", O(postfix_syslog_names)},
    {"token_keys", CT_STR, SYSCONFDIR "/tenant-milter/token.keys", O(token_keys)},
    {"token_lifetime", CT_TIME, "365d", O(token_lifetime), 86400000, 400000000000L, NULL, "s"},
    {"unsubscribe_url_host", CT_STR, "", O(unsubscribe_url_host)},
    {"unsubscribe_mailto_domain", CT_STR, "", O(unsubscribe_mailto_domain)},
    {"existing_unsubscribe", CT_ENUM, "keep", O(existing_unsubscribe), 0, 0, keep_replace},
    {"bulk_multi_recipient", CT_ENUM, "accept", O(bulk_multi_recipient), 0, 0, accept_reject},
    {"unsubscribe_list_header", CT_STR, "", O(unsubscribe_list_header)},
    {"return_path_domain", CT_STR, "", O(return_path_domain)},
    {"bounce_prefix", CT_STR, "bounce", O(bounce_prefix)},
    {"forward_bounces", CT_ENUM, "no", O(forward_bounces), 0, 0, no_yes},
    {"sendmail_path", CT_STR, "/usr/sbin/sendmail", O(sendmail_path)},
    {"dkim_keys", CT_STR, SYSCONFDIR "/tenant-milter/dkim.keys", O(dkim_keys)},
    {"dkim_key_dir", CT_STR, SYSCONFDIR "/tenant-milter/dkim", O(dkim_key_dir)},
    {"dkim_missing_key", CT_ENUM, "unsigned", O(dkim_missing_key), 0, 0, dkim_missing},
    {"httpd_listen", CT_SOCKET, "inet:8025@127.0.0.1", O(httpd_listen)},
    {"httpd_pid_file", CT_STR, "/run/tenant-milter/tenant-httpd.pid", O(httpd_pid_file)},
    {"httpd_threads", CT_INT, "4", O(httpd_threads), 1, 256},
    {"httpd_max_clients", CT_INT, "1000", O(httpd_max_clients), 1, 100000},
    {"httpd_timeout", CT_TIME, "10s", O(httpd_timeout), 1000, 3600000, NULL, "s"},
    {"httpd_client_rate", CT_STR, "60/min", O(httpd_client_rate)},
};
#undef O
#define CONF_NDEFS (sizeof(conf_table) / sizeof(conf_table[0]))

#define FIELD(c, d, T) ((T *)((char *)(c) + (d)->off))

/* conf_find - look up a setting by name */
static const CONF_DEF *
conf_find(const char *name)
{
	for (size_t i = 0; i < CONF_NDEFS; i++)
		if (strcmp(conf_table[i].name, name) == 0)
			return &conf_table[i];
	return NULL;
}

/* conf_parse_time - "200ms", "5s", "2m", "1h", "1d" or a bare number in unit; result in ms */
static int
conf_parse_time(const char *v, const char *unit, long *out)
{
	char *end;
	long n, mult;

	errno = 0;
	n = strtol(v, &end, 10);
	if (end == v || errno || n < 0)
		return -1;
	if (*end == 0)
		mult = strcmp(unit, "ms") == 0 ? 1 : 1000;
	else if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else if (strcmp(end, "h") == 0)
		mult = 3600000;
	else if (strcmp(end, "d") == 0)
		mult = 86400000;
	else
		return -1;
	/* bounded by what fits, not by a count: conf_print writes "365d" as "31536000s" */
	if (n > LONG_MAX / mult)
		return -1;
	*out = n * mult;
	return 0;
}

/* conf_check_socket - "unix:/path", "local:/path", "inet:PORT@HOST" or "inet6:PORT@HOST" */
static const char *
conf_check_socket(const char *v)
{
	const char *p;
	char *end;
	long port;

	if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0) {
		p = strchr(v, ':') + 1;
		return *p == '/' ? NULL : "socket path must be absolute, as in unix:/var/spool/postfix/tenant-milter/milter.sock";
	}
	if (strncmp(v, "inet:", 5) == 0 || strncmp(v, "inet6:", 6) == 0) {
		p = strchr(v, ':') + 1;
		port = strtol(p, &end, 10);
		if (end == p || port < 1 || port > 65535 || (*end != 0 && *end != '@'))
			return "expected inet:PORT@HOST with a port from 1 to 65535";
		if (*end == '@' && end[1] == 0)
			return "empty host after '@'";
		return NULL;
	}
	return "expected unix:/path or inet:PORT@HOST";
}

/* conf_check_redis - "HOST:PORT", "[IPV6]:PORT" or "unix:/path" */
static const char *
conf_check_redis(const char *v)
{
	const char *colon;
	char *end;
	long port;

	if (strncmp(v, "unix:", 5) == 0)
		return v[5] == '/' ? NULL : "expected unix:/absolute/path";
	colon = strrchr(v, ':');
	if (colon == NULL || colon == v)
		return "expected HOST:PORT or unix:/path";
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || port < 1 || port > 65535)
		return "expected HOST:PORT with a port from 1 to 65535";
	return NULL;
}

/*
 * conf_set - store value into c for def; returns NULL or a reason that the
 * caller reports with the origin and line.
 */
static const char *
conf_set(CONF *c, const CONF_DEF *d, const char *v, SBUF *why)
{
	char *end;
	long n;
	const char *reason;

	switch (d->type) {
	case CT_SOCKET:
	case CT_REDIS:
	case CT_HEADER:
		reason = d->type == CT_SOCKET  ? conf_check_socket(v)
			 : d->type == CT_REDIS ? conf_check_redis(v)
			 : hdr_tag_valid(v)    ? NULL
					       : "a header name is letters, digits, '-' and '_'";
		if (reason) {
			sbuf_printf(why, "%s: bad value \"%s\": %s", d->name, v, reason);
			return sbuf_str(why);
		}
		/* FALLTHROUGH */
	case CT_STR:
		free(*FIELD(c, d, char *));
		*FIELD(c, d, char *) = xstrdup(v);
		return NULL;
	case CT_INT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (end == v || *end || errno) {
			sbuf_printf(why, "%s: bad number \"%s\"", d->name, v);
			return sbuf_str(why);
		}
		if (n < d->min || n > d->max) {
			sbuf_printf(why, "%s: %ld is out of range %ld..%ld", d->name, n, d->min, d->max);
			return sbuf_str(why);
		}
		*FIELD(c, d, long) = n;
		return NULL;
	case CT_TIME:
		if (conf_parse_time(v, d->unit, &n) < 0) {
			sbuf_printf(why, "%s: bad time value \"%s\" (use a number with ms, s, m, h or d)",
				    d->name, v);
			return sbuf_str(why);
		}
		if (n < d->min || n > d->max) {
			sbuf_printf(why, "%s: %s is out of range %ldms..%ldms", d->name, v, d->min, d->max);
			return sbuf_str(why);
		}
		*FIELD(c, d, long) = n;
		return NULL;
	case CT_ENUM:
		for (int i = 0; d->words[i]; i++) {
			if (strcmp(d->words[i], "-") != 0 && strcmp(d->words[i], v) == 0) {
				*FIELD(c, d, int) = i;
				return NULL;
			}
		}
		sbuf_printf(why, "%s: bad value \"%s\" (expected", d->name, v);
		for (int i = 0, first = 1; d->words[i]; i++) {
			if (strcmp(d->words[i], "-") == 0)
				continue;
			sbuf_printf(why, "%s%s", first ? " " : " or ", d->words[i]);
			first = 0;
		}
		sbuf_cat(why, ")");
		return sbuf_str(why);
	}
	msg_panic("conf_set: unknown type %d", d->type);
}

/* conf_assign - parse "name = value" (already joined and trimmed) into c */
static int
conf_assign(CONF *c, const char *origin, int line, const char *stmt, SBUF *errs)
{
	const char *eq = strchr(stmt, '=');
	const char *v, *reason;
	const CONF_DEF *d;
	char *name;
	size_t nlen;
	SBUF *why;
	int ret = 0;

	if (eq == NULL) {
		sbuf_printf(errs, "%s:%d: missing '=' after \"%.60s\"\n", origin, line, stmt);
		return -1;
	}
	nlen = (size_t)(eq - stmt);
	while (nlen > 0 && isspace((unsigned char)stmt[nlen - 1]))
		nlen--;
	name = xstrndup(stmt, nlen);
	for (v = eq + 1; isspace((unsigned char)*v); v++)
		;
	if (nlen == 0) {
		sbuf_printf(errs, "%s:%d: missing setting name before '='\n", origin, line);
		ret = -1;
	} else if ((d = conf_find(name)) == NULL) {
		sbuf_printf(errs, "%s:%d: unknown setting \"%.60s\"\n", origin, line, name);
		ret = -1;
	} else {
		why = sbuf_new(64);
		if ((reason = conf_set(c, d, v, why)) != NULL) {
			sbuf_printf(errs, "%s:%d: %s\n", origin, line, reason);
			ret = -1;
		}
		sbuf_free(why);
	}
	free(name);
	return ret;
}

/* conf_alloc_defaults - a CONF with every default applied */
static CONF *
conf_alloc_defaults(void)
{
	CONF *c = xcalloc(1, sizeof(*c));
	SBUF *why = sbuf_new(64);

	c->refs = 1;
	for (size_t i = 0; i < CONF_NDEFS; i++)
		if (conf_set(c, &conf_table[i], conf_table[i].def, why) != NULL)
			msg_panic("bad built-in default for %s: %s", conf_table[i].name, sbuf_str(why));
	sbuf_free(why);
	return c;
}

CONF *
conf_defaults(void)
{
	return conf_alloc_defaults();
}

/* conf_flush - finish the pending logical line */
static int
conf_flush(CONF *c, const char *origin, int line, SBUF *stmt, SBUF *errs)
{
	int ret = 0;

	while (stmt->len > 0 && isspace((unsigned char)stmt->s[stmt->len - 1]))
		sbuf_truncate(stmt, stmt->len - 1);
	if (stmt->len > 0)
		ret = conf_assign(c, origin, line, sbuf_str(stmt), errs);
	sbuf_reset(stmt);
	return ret;
}

CONF *
conf_parse(const char *origin, const char *text, char *const *overrides, int noverrides, SBUF *errs)
{
	CONF *c = conf_alloc_defaults();
	SBUF *stmt = sbuf_new(128);
	const char *p = text, *eol, *q;
	int lineno = 0, stmt_line = 0, bad = 0;

	while (*p) {
		lineno++;
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		for (q = p; q < eol && isspace((unsigned char)*q); q++)
			;
		if (q == eol || *q == '#') {
			/* blank or comment line: neither starts nor ends a logical line */
		} else if (q != p) {
			if (stmt->len == 0) {
				sbuf_printf(errs, "%s:%d: continuation line without a setting before it\n",
					    origin, lineno);
				bad = 1;
			} else {
				sbuf_putc(stmt, ' ');
				sbuf_catn(stmt, q, (size_t)(eol - q));
			}
		} else {
			if (conf_flush(c, origin, stmt_line, stmt, errs) < 0)
				bad = 1;
			stmt_line = lineno;
			sbuf_catn(stmt, p, (size_t)(eol - p));
		}
		p = *eol ? eol + 1 : eol;
	}
	if (conf_flush(c, origin, stmt_line, stmt, errs) < 0)
		bad = 1;
	for (int i = 0; i < noverrides; i++) {
		sbuf_reset(stmt);
		sbuf_cat(stmt, overrides[i]);
		if (conf_assign(c, "-o", i + 1, sbuf_str(stmt), errs) < 0)
			bad = 1;
	}
	sbuf_free(stmt);
	c->path = xstrdup(origin);
	if (bad)
		return conf_unref(c);
	return c;
}

const char *
conf_default_path(void)
{
	return TM_CONFIG_FILE;
}

CONF *
conf_load(const char *path, char *const *overrides, int noverrides, SBUF *errs)
{
	SBUF *text = sbuf_new(4096);
	CONF *c = NULL;

	if (path == NULL)
		path = conf_default_path();
	if (sbuf_read_text(text, path, 1024 * 1024, errs) == 0)
		c = conf_parse(path, sbuf_str(text), overrides, noverrides, errs);
	sbuf_free(text);
	return c;
}

CONF *
conf_ref(CONF *c)
{
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_SEQ_CST);
	return c;
}

CONF *
conf_unref(CONF *c)
{
	if (c == NULL || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_SEQ_CST) > 0)
		return NULL;
	for (size_t i = 0; i < CONF_NDEFS; i++) {
		enum conf_type t = conf_table[i].type;
		if (t == CT_STR || t == CT_SOCKET || t == CT_REDIS || t == CT_HEADER)
			free(*FIELD(c, &conf_table[i], char *));
	}
	rw_free(c->rewrite);
	free(c->path);
	free(c);
	return NULL;
}

/* conf_value - the current value of one setting as text */
static void
conf_value(const CONF *c, const CONF_DEF *d, SBUF *out)
{
	switch (d->type) {
	case CT_STR:
	case CT_SOCKET:
	case CT_REDIS:
	case CT_HEADER:
		sbuf_cat(out, *FIELD(c, d, char *const));
		break;
	case CT_INT:
		sbuf_printf(out, "%ld", *FIELD(c, d, const long));
		break;
	case CT_TIME:
		if (*FIELD(c, d, const long) % 1000 == 0)
			sbuf_printf(out, "%lds", *FIELD(c, d, const long) / 1000);
		else
			sbuf_printf(out, "%ldms", *FIELD(c, d, const long));
		break;
	case CT_ENUM:
		sbuf_cat(out, d->words[*FIELD(c, d, const int)]);
		break;
	}
}

void
conf_print(const CONF *c, SBUF *out, int only_changed)
{
	CONF *def = conf_alloc_defaults();
	SBUF *a = sbuf_new(64), *b = sbuf_new(64);

	for (size_t i = 0; i < CONF_NDEFS; i++) {
		const CONF_DEF *d = &conf_table[i];
		sbuf_reset(a);
		sbuf_reset(b);
		conf_value(c, d, a);
		conf_value(def, d, b);
		if (only_changed && strcmp(sbuf_str(a), sbuf_str(b)) == 0)
			continue;
		if (strcmp(d->name, "redis_password") == 0 && a->len > 0)
			sbuf_printf(out, "%s = (set)\n", d->name);
		else
			sbuf_printf(out, "%s = %s\n", d->name, sbuf_str(a));
	}
	sbuf_free(a);
	sbuf_free(b);
	conf_unref(def);
}
