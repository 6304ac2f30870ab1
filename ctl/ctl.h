/*
 * NAME
 *	ctl 3h - tenantctl internals
 */
#ifndef CTL_H
#define CTL_H

#include <jansson.h>

#include "tm_conf.h"
#include "tm_sbuf.h"
#include "tm_store.h"

/* Exit codes: 0 done, 1 refused or failed (message printed), 2 usage. */
#define CTL_OK 0
#define CTL_FAIL 1
#define CTL_USAGE 2

/* One kind of identity a tenant can own. */
typedef struct {
	const char *what;    /* "domain", "SASL login", "network" */
	const char *field;   /* JSON field: "domains", "sasl", "networks" */
	const char *index;   /* global HASH item -> tenant */
	const char *set_fmt; /* the tenant's SET */
} CTL_KIND;

extern const CTL_KIND ctl_kind_domain, ctl_kind_sasl, ctl_kind_network; /* ctl_owner.c */

typedef struct {
	STORE *store;
	CONF *conf;
	int json;
} CTL;

/*
 * One subcommand: the word that names it, the function that runs it (argv[0]
 * is the word), and the synopsis a wrong form of it prints ("tenantctl:
 * SYNOPSIS", exit 1); NULL prints the whole usage text (exit 2). A table
 * ends with {NULL, NULL, TEXT}: what a word no row names prints, the same way.
 */
typedef struct {
	const char *name;
	int (*run)(CTL *c, int argc, char **argv);
	const char *usage;
} CTL_SUB;

/* tenantctl.c: ctl_fail - print "tenantctl: ..." to stderr and return CTL_FAIL */
int ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* ctl_fail_free - ctl_fail with err's text; frees err */
int ctl_fail_free(SBUF *err);
/* ctl_dispatch - run the row of subs that argv[0] names */
int ctl_dispatch(CTL *c, const CTL_SUB *subs, int argc, char **argv);

/* ctl_owner.c: tenant records and their claims; each 0 or -1 with err unless said */
/* ctl_key - fmt (a KEY_T_*_FMT) with the tenant's name, into buf; returns buf */
char *ctl_key(char *buf, size_t len, const char *fmt, const char *name);
/* ctl_simple - run a command for its side effect */
int ctl_simple(CTL *c, SBUF *err, int argc, const char **argv);
/* ctl_bump - INCR tm:version: every change that milters must see */
int ctl_bump(CTL *c, SBUF *err);
/* ctl_normalize - canonical form of an item of kind k into out */
int ctl_normalize(const CTL_KIND *k, const char *in, SBUF *out, SBUF *err);
int ctl_tenant_exists(CTL *c, const char *name, SBUF *err); /* 1, 0, or -1 */
/* ctl_need_tenant - 0 if name is valid and exists, else -1 with err */
int ctl_need_tenant(CTL *c, const char *name, SBUF *err);
int ctl_tenant_create(CTL *c, const char *name, SBUF *err);
int ctl_set_status(CTL *c, const char *name, const char *status, const char *reason, SBUF *err);
/* ctl_claim - give item to tenant; refuses when another tenant owns it */
int ctl_claim(CTL *c, const CTL_KIND *k, const char *tenant, const char *item, SBUF *err);
int ctl_release(CTL *c, const CTL_KIND *k, const char *tenant, const char *item, SBUF *err);
/* ctl_tenant_json - the record and its sorted claims (owned), or NULL with err */
json_t *ctl_tenant_json(CTL *c, const char *name, SBUF *err);

/*
 * ctl_opts.c: options after a command's fixed words, read from argv[from]
 * on as "--flag value" pairs; "--json" stands alone. ctl_opt: the value, or
 * NULL. ctl_opts_known: 1 if every flag is one of known (NULL-terminated).
 */
const char *ctl_opt(int argc, char **argv, int from, const char *name);
int ctl_opts_known(int argc, char **argv, int from, const char *const *known);
int ctl_has_json(int argc, char **argv);
const char *jstr(json_t *o, const char *k); /* a string member, "" if absent */
/* ctl_print_json - print o compactly on one line and release it */
void ctl_print_json(json_t *o);

/* ctl_limits.c: ctl_load_limits - a tenant's limits (owned: limits_free), or
   NULL with err; warnings about stored values go to stderr */
struct limits *ctl_load_limits(CTL *c, const char *name, SBUF *err);

/* ctl_keys.c: ctl_write_file - write text to path through a temporary file
   and rename (readers never see half) */
int ctl_write_file(const char *path, const SBUF *text, int mode, SBUF *err);

/* The commands, one per tenantctl word: CTL_OK, CTL_FAIL (printed) or CTL_USAGE */
int ctl_cmd_tenant(CTL *c, int argc, char **argv);          /* ctl_tenant.c */
int ctl_cmd_identity(CTL *c, int argc, char **argv);        /* ctl_tenant.c */
int ctl_cmd_domain(CTL *c, int argc, char **argv);          /* ctl_tenant.c */
int ctl_cmd_apply(CTL *c, int argc, char **argv);           /* ctl_apply.c */
int ctl_cmd_warmup(CTL *c, int argc, char **argv);          /* ctl_limits.c */
int ctl_cmd_rate(CTL *c, int argc, char **argv);            /* ctl_limits.c */
int ctl_cmd_stats(CTL *c, int argc, char **argv);           /* ctl_stats.c */
int ctl_cmd_top(CTL *c, int argc, char **argv);             /* ctl_stats.c */
int ctl_cmd_suppress(CTL *c, int argc, char **argv);        /* ctl_supp.c */
int ctl_cmd_transport(CTL *c, int argc, char **argv);       /* ctl_egress.c */
int ctl_cmd_pool(CTL *c, int argc, char **argv);            /* ctl_egress.c */
int ctl_cmd_postfix_config(CTL *c, int argc, char **argv);  /* ctl_egress.c */
int ctl_cmd_unsubscribe_key(CTL *c, int argc, char **argv); /* ctl_keys.c */
int ctl_cmd_dkim(CTL *c, int argc, char **argv);            /* ctl_dkim.c */

#endif
