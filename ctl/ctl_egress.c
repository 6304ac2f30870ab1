/*
 * NAME
 *	ctl_egress - transports, pools, pool assignments and postfix-config
 * DESCRIPTION
 *	Transports and pools are relay-wide (tm:transport:NAME, tm:pool:NAME);
 *	a tenant names a pool per stream in {t:NAME}:egress. Every change
 *	bumps tm:version, so tenant-policyd follows within
 *	tenant_refresh_interval. postfix-config prints the master.cf and
 *	main.cf lines that make each transport a real Postfix smtp client,
 *	and the local_login_sender_maps line that keeps null-sender
 *	submissions with sendmail(1) to root and the service users. It asks
 *	the running Postfix first (tm_postconf.h pc_check_layout): sockets
 *	under its queue_directory are printed relative to it, and what
 *	cannot work (a chrooted service, a group, a relayhost) is printed
 *	as "# warning:" lines and on stderr.
 * SEE ALSO
 *	tenantctl(1), tenant-policyd(8), docs/egress.md
 */
#include "config.h"

#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "tm_addr.h"
#include "tm_cidr.h"
#include "tm_egress.h"
#include "tm_keys.h"
#include "tm_mem.h"
#include "tm_postconf.h"
#include "tm_suppress.h"
#include "tm_tenant.h"

/* ctl_exists - is name in the relay-wide set (tm:transports, tm:pools): 1, 0 or -1 */
static int
ctl_exists(CTL *c, const char *set, const char *name, SBUF *err)
{
	return store_sismember(c->store, set, name, err);
}

/* ctl_ip - a numeric address of the family wanted (4 or 6), canonical */
static int
ctl_ip(const char *text, int family, SBUF *out, SBUF *err)
{
	IPADDR a;

	if (ipaddr_parse(text, &a) < 0 || (family == 4) != (a.family == AF_INET)) {
		sbuf_printf(err, "\"%.60s\" is not an IPv%d address", text, family);
		return -1;
	}
	ipaddr_format(&a, out);
	return 0;
}

#define TRANSPORT_ADD_USAGE                                                                        \
	"transport add NAME --ip ADDR [--ip6 ADDR] --helo HOSTNAME [--concurrency N] "             \
	"[--rate-delay DURATION] [--nexthop DESTINATION]"
#define POOL_USAGE "pool add POOL TRANSPORT[:WEIGHT]... | pool assign TENANT POOL [--stream ...]"

/* A transport as stored in tm:transport:NAME, every field validated and canonical. */
typedef struct {
	SBUF *ip, *ip6, *helo;
	char conc[16], delay[32]; /* "0": Postfix's default */
	const char *nexthop;      /* "" or NULL: by MX */
} TRANSPORT_DEF;

/* transport_number - --concurrency: 1 to 1000 */
static int
transport_concurrency(const char *v, char *out, size_t len, SBUF *err)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (end == v || *end || n < 1 || n > 1000) {
		sbuf_printf(err, "--concurrency \"%.20s\": use a number from 1 to 1000", v);
		return -1;
	}
	snprintf(out, len, "%ld", n);
	return 0;
}

/* transport_delay - --rate-delay: a duration of at most an hour, stored in milliseconds */
static int
transport_delay(const char *v, char *out, size_t len, SBUF *err)
{
	long secs;

	if (supp_duration(v, &secs, err) < 0 || secs > 3600) {
		if (err->len == 0)
			sbuf_cat(err, "--rate-delay: at most 1h");
		return -1;
	}
	snprintf(out, len, "%ld", secs * 1000);
	return 0;
}

/* transport_def - validate the options of "transport add NAME" (argv[2] on) into d */
static int
transport_def(int argc, char **argv, TRANSPORT_DEF *d, SBUF *err)
{
	static const char hop_chars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]";
	const char *v, *nh;

	if (!transport_name_valid(argv[1], err) ||
	    ctl_ip(ctl_opt(argc, argv, 2, "--ip"), 4, d->ip, err) < 0 ||
	    ((v = ctl_opt(argc, argv, 2, "--ip6")) && ctl_ip(v, 6, d->ip6, err) < 0))
		return -1;
	v = ctl_opt(argc, argv, 2, "--helo");
	if (domain_normalize(v, strlen(v), d->helo, err) < 0 ||
	    strchr(sbuf_str(d->helo), '.') == NULL) {
		sbuf_reset(err);
		sbuf_printf(err, "--helo \"%.60s\" is not a fully qualified host name", v);
		return -1;
	}
	if ((v = ctl_opt(argc, argv, 2, "--concurrency")) &&
	    transport_concurrency(v, d->conc, sizeof(d->conc), err) < 0)
		return -1;
	if ((v = ctl_opt(argc, argv, 2, "--rate-delay")) &&
	    transport_delay(v, d->delay, sizeof(d->delay), err) < 0)
		return -1;
	nh = ctl_opt(argc, argv, 2, "--nexthop");
	if (nh && (*nh == 0 || strlen(nh) > 255 || strspn(nh, hop_chars) != strlen(nh))) {
		sbuf_printf(
		    err, "--nexthop \"%.60s\": use a Postfix next hop such as [relay.example]:25",
		    nh);
		return -1;
	}
	d->nexthop = nh;
	return 0;
}

/* transport_cmd_add - "transport add NAME --ip ADDR --helo HOSTNAME ...": defined, or redefined,
 * and up */
static int
transport_cmd_add(CTL *c, int argc, char **argv)
{
	static const char *const known[] = {"--ip",         "--ip6",     "--helo", "--concurrency",
	                                    "--rate-delay", "--nexthop", NULL};
	TRANSPORT_DEF d = {sbuf_new(64), sbuf_new(64), sbuf_new(64), "0", "0", NULL};
	SBUF *err = sbuf_new(128);
	char key[160];
	int rc = CTL_FAIL;

	if (argc < 2 || !ctl_opts_known(argc, argv, 2, known) ||
	    ctl_opt(argc, argv, 2, "--ip") == NULL || ctl_opt(argc, argv, 2, "--helo") == NULL) {
		rc = CTL_USAGE;
		goto out;
	}
	if (transport_def(argc, argv, &d, err) < 0)
		goto fail;
	snprintf(key, sizeof(key), KEY_TRANSPORT_FMT, argv[1]);
	const char *hset[] = {"HSET",        key,
	                      "ip",          sbuf_str(d.ip),
	                      "ip6",         sbuf_str(d.ip6),
	                      "helo",        sbuf_str(d.helo),
	                      "concurrency", d.conc,
	                      "rate_delay",  d.delay,
	                      "status",      "up",
	                      "reason",      "",
	                      "nexthop",     d.nexthop ? d.nexthop : ""};
	const char *sadd[] = {"SADD", KEY_TRANSPORTS, argv[1]};
	if (ctl_simple(c, err, 18, hset) < 0 || ctl_simple(c, err, 3, sadd) < 0 ||
	    ctl_bump(c, err) < 0)
		goto fail;
	printf("transport %s: source %s%s%s, HELO %s, next hop %s\n", argv[1], sbuf_str(d.ip),
	       d.ip6->len ? " and " : "", sbuf_str(d.ip6), sbuf_str(d.helo),
	       d.nexthop ? d.nexthop : "by MX");
	rc = CTL_OK;
	goto out;
fail:
	rc = ctl_fail("%s", sbuf_str(err));
out:
	sbuf_free(d.ip);
	sbuf_free(d.ip6);
	sbuf_free(d.helo);
	sbuf_free(err);
	return rc;
}

/* transport_cmd_updown - "transport disable NAME [--reason TEXT]", "transport enable NAME" */
static int
transport_cmd_updown(CTL *c, int argc, char **argv)
{
	int down = strcmp(argv[0], "disable") == 0, e;
	const char *reason = down ? ctl_opt(argc, argv, 2, "--reason") : NULL;
	SBUF *err;
	char key[160];

	if (argc != 2 && !(down && argc == 4 && reason))
		return CTL_USAGE;
	err = sbuf_new(128);
	if ((e = ctl_exists(c, KEY_TRANSPORTS, argv[1], err)) <= 0) {
		if (e == 0)
			sbuf_printf(err, "no such transport: %.40s", argv[1]);
		return ctl_fail_free(err);
	}
	snprintf(key, sizeof(key), KEY_TRANSPORT_FMT, argv[1]);
	const char *hset[] = {
	    "HSET", key, "status", down ? "down" : "up", "reason", reason ? reason : ""};
	if (ctl_simple(c, err, 6, hset) < 0 || ctl_bump(c, err) < 0)
		return ctl_fail_free(err);
	printf("transport %s %s%s%s\n", argv[1], down ? "disabled" : "enabled", reason ? ": " : "",
	       reason ? reason : "");
	sbuf_free(err);
	return CTL_OK;
}

static const CTL_SUB transport_subs[] = {
    {"add", transport_cmd_add, TRANSPORT_ADD_USAGE},
    {"disable", transport_cmd_updown, "transport disable NAME [--reason TEXT]"},
    {"enable", transport_cmd_updown, "transport enable NAME"},
    {NULL, NULL, "transport add|disable|enable NAME ..."},
};

/* pool_members - check each TRANSPORT[:WEIGHT] of argv[2] on and append "name weight" pairs to hset
 */
static int
pool_members(CTL *c, int argc, char **argv, const char **hset, int *n, char **names, char (*w)[16],
             SBUF *err)
{
	SBUF *name = sbuf_new(32);
	long weight;
	int e;

	for (int i = 2; i < argc; i++) {
		sbuf_reset(name);
		if (pool_member_parse(argv[i], name, &weight, err) < 0)
			goto fail;
		if ((e = ctl_exists(c, KEY_TRANSPORTS, sbuf_str(name), err)) <= 0) {
			if (e == 0)
				sbuf_printf(
				    err,
				    "no such transport: %s (add it with tenantctl transport add)",
				    sbuf_str(name));
			goto fail;
		}
		names[i] = xstrdup(sbuf_str(name));
		snprintf(w[i], sizeof(w[i]), "%ld", weight);
		hset[(*n)++] = names[i];
		hset[(*n)++] = w[i];
	}
	sbuf_free(name);
	return 0;
fail:
	sbuf_free(name);
	return -1;
}

/* pool_cmd_add - "pool add POOL TRANSPORT[:WEIGHT]...": the pool becomes exactly these */
static int
pool_cmd_add(CTL *c, int argc, char **argv)
{
	const char **hset;
	char(*w)[16], **names, key[160];
	SBUF *err;
	int n = 2, rc = CTL_FAIL;

	if (argc < 3)
		return CTL_USAGE;
	err = sbuf_new(128);
	if (!transport_name_valid(argv[1], err)) { /* a pool name follows the same rule */
		sbuf_reset(err);
		sbuf_printf(err, "invalid pool name \"%.40s\": use 1 to %d of a-z, 0-9 and '-'",
		            argv[1], TRANSPORT_NAME_MAX);
		return ctl_fail_free(err);
	}
	hset = xcalloc((size_t)(2 * argc + 2), sizeof(char *));
	w = xcalloc((size_t)argc, sizeof(*w));
	names = xcalloc((size_t)argc, sizeof(char *));
	snprintf(key, sizeof(key), KEY_POOL_FMT, argv[1]);
	hset[0] = "HSET";
	hset[1] = key;
	const char *del[] = {"DEL", key};
	const char *sadd[] = {"SADD", KEY_POOLS, argv[1]};
	if (pool_members(c, argc, argv, hset, &n, names, w, err) < 0 ||
	    ctl_simple(c, err, 2, del) < 0 || ctl_simple(c, err, n, hset) < 0 ||
	    ctl_simple(c, err, 3, sadd) < 0 || ctl_bump(c, err) < 0) {
		rc = ctl_fail("%s", sbuf_str(err));
		goto out;
	}
	printf("pool %s:", argv[1]);
	for (int i = 2; i < n; i += 2)
		printf(" %s (weight %s)", hset[i], hset[i + 1]);
	putchar('\n');
	rc = CTL_OK;
out:
	for (int i = 0; i < argc; i++)
		free(names[i]);
	free(names);
	free(w);
	free(hset);
	sbuf_free(err);
	return rc;
}

/* pool_cmd_assign - "pool assign TENANT POOL [--stream transactional|bulk|any]" */
static int
pool_cmd_assign(CTL *c, int argc, char **argv)
{
	const char *stream = argc == 5 && strcmp(argv[3], "--stream") == 0 ? argv[4] : "any";
	SBUF *err;
	char key[160];
	int e;

	if (argc != 3 && argc != 5)
		return CTL_USAGE;
	if (argc == 5 && strcmp(argv[3], "--stream") != 0)
		return ctl_fail("pool assign TENANT POOL [--stream transactional|bulk|any]");
	if (stream_parse(stream) < 0)
		return ctl_fail("unknown stream \"%.20s\": use transactional, bulk or any", stream);
	err = sbuf_new(128);
	if (ctl_need_tenant(c, argv[1], err) < 0)
		return ctl_fail_free(err);
	if ((e = ctl_exists(c, KEY_POOLS, argv[2], err)) <= 0) {
		if (e == 0)
			sbuf_printf(err, "no such pool: %.40s", argv[2]);
		return ctl_fail_free(err);
	}
	const char *hset[] = {"HSET", ctl_key(key, sizeof(key), KEY_T_EGRESS_FMT, argv[1]), stream,
	                      argv[2]};
	if (ctl_simple(c, err, 4, hset) < 0 || ctl_bump(c, err) < 0)
		return ctl_fail_free(err);
	printf("tenant %s: %s mail leaves through pool %s\n", argv[1], stream, argv[2]);
	sbuf_free(err);
	return CTL_OK;
}

static const CTL_SUB pool_subs[] = {
    {"add", pool_cmd_add, POOL_USAGE},
    {"assign", pool_cmd_assign, POOL_USAGE},
    {NULL, NULL, POOL_USAGE},
};

/* ctl_cmd_transport - "transport VERB NAME ..." */
int
ctl_cmd_transport(CTL *c, int argc, char **argv)
{
	return argc < 2 ? CTL_USAGE : ctl_dispatch(c, transport_subs, argc, argv);
}

/* ctl_cmd_pool - "pool VERB ..." */
int
ctl_cmd_pool(CTL *c, int argc, char **argv)
{
	return argc < 2 ? CTL_USAGE : ctl_dispatch(c, pool_subs, argc, argv);
}

/*
 * ctl_postfix_layout - what the running Postfix (postfix_config_directory)
 * cannot reach, as "# warning:" lines on stdout and on stderr; its
 * queue_directory in qdir. Without a Postfix to ask, the lines are
 * printed with absolute socket paths, and stderr says so.
 */
static void
ctl_postfix_layout(CTL *c, const char *bare, SBUF *qdir)
{
	PC_LAYOUT want = {.milter_socket = c->conf->milter_socket,
	                  .policy_socket = c->conf->policy_socket,
	                  .socketmap_socket = c->conf->socketmap_socket,
	                  .bare_transports = bare};
	SBUF *warn = sbuf_new(256), *err = sbuf_new(128);

	if (*c->conf->postfix_config_directory == 0)
		fprintf(stderr, "tenantctl: warning: postfix_config_directory is empty: no Postfix "
		                "to check; the "
		                "socket paths are printed absolute\n");
	else if (pc_check_layout("postconf", c->conf->postfix_config_directory,
	                         c->conf->run_as_user, &want, qdir, warn, err) < 0)
		fprintf(stderr, "tenantctl: warning: %s; the socket paths are printed absolute\n",
		        sbuf_str(err));
	for (const char *p = sbuf_str(warn); *p;) {
		size_t n = strcspn(p, "\n");
		printf("# warning: %.*s\n", (int)n, p);
		fprintf(stderr, "tenantctl: warning: %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	sbuf_free(warn);
	sbuf_free(err);
}

/* ctl_smtp_chroot - the chroot column of the running Postfix's smtp/unix ('-' when unknown) */
static char
ctl_smtp_chroot(CTL *c)
{
	static const char *const args[] = {"-M", "smtp/unix", NULL};
	SBUF *master = sbuf_new(256), *err = sbuf_new(64);
	char chroot = '-';

	if (*c->conf->postfix_config_directory &&
	    pc_run("postconf", c->conf->postfix_config_directory, args, master, err) == 0)
		chroot = pc_service_chroot(sbuf_str(master), "smtp", "unix");
	sbuf_free(master);
	sbuf_free(err);
	return chroot;
}

/* ctl_bare_transports - "a, b": the transports without a next hop, which bypass relayhost */
static int
ctl_bare_transports(CTL *c, const STORE_VAL *names, SBUF *bare, SBUF *err)
{
	SBUF *hop = sbuf_new(64);
	char key[160];
	int found = 0;

	for (size_t i = 0; i < names->elements; i++) {
		const char *n = names->element[i]->str;
		snprintf(key, sizeof(key), KEY_TRANSPORT_FMT, n);
		sbuf_reset(hop);
		if ((found = store_hget(c->store, key, "nexthop", hop, err)) < 0)
			break;
		if (!found || *sbuf_str(hop) == 0)
			sbuf_printf(bare, "%s%s", bare->len ? ", " : "", n);
	}
	sbuf_free(hop);
	return found < 0 ? -1 : 0;
}

/* ctl_print_master - the master.cf lines: one smtp client per transport */
static int
ctl_print_master(CTL *c, const STORE_VAL *names, char chroot, SBUF *err)
{
	static const char *const bind_fields[] = {"ip", "ip6", "helo"};
	STORE_VAL *r;
	char key[160];

	printf("# ---- master.cf: one smtp client per tenant-milter transport (tenantctl "
	       "postfix-config)%s\n",
	       chroot == 'y' ? ";\n# chrooted, as this master.cf runs Postfix's own smtp client"
	                     : "");
	for (size_t i = 0; i < names->elements; i++) {
		const char *n = names->element[i]->str;
		snprintf(key, sizeof(key), KEY_TRANSPORT_FMT, n);
		if ((r = store_hmget(c->store, key, 3, bind_fields, err)) == NULL)
			return -1;
		printf("%-16s unix  -       -       %c       -       -       smtp\n", n,
		       chroot == 'y' ? 'y' : 'n');
		if (r->element[0]->type == STORE_V_STR)
			printf("  -o smtp_bind_address=%s\n", r->element[0]->str);
		if (r->element[1]->type == STORE_V_STR && *r->element[1]->str)
			printf("  -o smtp_bind_address6=%s\n", r->element[1]->str);
		printf("  -o smtp_bind_address_enforce=yes\n");
		if (r->element[2]->type == STORE_V_STR)
			printf("  -o smtp_helo_name=%s\n", r->element[2]->str);
		printf("  -o syslog_name=postfix-%s\n", n);
		store_val_free(r);
	}
	return 0;
}

/* ctl_print_rates - each transport's concurrency and rate delay, as main.cf lines */
static int
ctl_print_rates(CTL *c, const STORE_VAL *names, SBUF *err)
{
	static const char *const rate_fields[] = {"concurrency", "rate_delay"};
	STORE_VAL *r;
	char key[160];

	for (size_t i = 0; i < names->elements; i++) {
		const char *n = names->element[i]->str;
		long conc, delay;
		snprintf(key, sizeof(key), KEY_TRANSPORT_FMT, n);
		if ((r = store_hmget(c->store, key, 2, rate_fields, err)) == NULL)
			return -1;
		conc = r->element[0]->type == STORE_V_STR ? atol(r->element[0]->str) : 0;
		delay = r->element[1]->type == STORE_V_STR ? atol(r->element[1]->str) : 0;
		printf("%s_destination_concurrency_limit = %ld\n", n, conc > 0 ? conc : 20);
		printf("%s_initial_destination_concurrency = %ld\n", n,
		       conc > 0 && conc < 5 ? conc : 5);
		printf("%s_destination_rate_delay = %lds\n", n, delay / 1000);
		store_val_free(r);
	}
	return 0;
}

/* ctl_print_main - the main.cf lines; sockets under queue_directory qdir named relative to it */
static int
ctl_print_main(CTL *c, const STORE_VAL *names, const char *qdir, SBUF *err)
{
	SBUF *pol = sbuf_new(64), *sm = sbuf_new(64), *llsm = sbuf_new(128), *mil = sbuf_new(64);
	int rc = -1;

	pc_postfix_socket(c->conf->milter_socket, qdir, mil);
	pc_postfix_socket(c->conf->policy_socket, qdir, pol);
	pc_postfix_socket(c->conf->socketmap_socket, qdir, sm);
	printf("\n# ---- main.cf\n");
	printf("# every message, SMTP and local submissions alike, passes tenant-milter; a socket "
	       "under\n"
	       "# queue_directory is named relative to it, which works with and without chroot\n");
	printf("smtpd_milters = %s\n", sbuf_str(mil));
	printf("non_smtpd_milters = $smtpd_milters\n");
	printf("milter_default_action = tempfail\n");
	if (ctl_print_rates(c, names, err) < 0)
		goto out;
	printf("# once per message, with every recipient known: the transport is chosen per "
	       "message\n");
	printf("smtpd_data_restrictions = check_policy_service %s\n", sbuf_str(pol));
	printf("# mail that never passes smtpd (sendmail, pickup) is routed by sender\n");
	printf("sender_dependent_default_transport_maps = socketmap:%s:sender\n", sbuf_str(sm));
	pc_login_senders(c->conf->run_as_user, llsm);
	printf("# sendmail(1) mail with a null sender passes tenant-milter untagged, so only root, "
	       "postfix\n"
	       "# and run_as_user %s (tenant-feedback's pipe user: forward_bounces) may submit it, "
	       "or any\n"
	       "# sender; every other login only its own name (Postfix 3.7; tenant-milter -n warns "
	       "without it)\n",
	       c->conf->run_as_user);
	printf("local_login_sender_maps = %s\n", sbuf_str(llsm));
	rc = 0;
out:
	sbuf_free(pol);
	sbuf_free(sm);
	sbuf_free(llsm);
	sbuf_free(mil);
	return rc;
}

/* ctl_cmd_postfix_config - "postfix-config": the master.cf and main.cf lines for every transport */
int
ctl_cmd_postfix_config(CTL *c, int argc, char **argv)
{
	SBUF *err, *qdir, *bare;
	STORE_VAL *names;
	int rc = CTL_OK;

	(void)argv;
	if (argc != 0)
		return CTL_USAGE;
	err = sbuf_new(128);
	if ((names = store_sorted(c->store, KEY_TRANSPORTS, err)) == NULL)
		return ctl_fail_free(err);
	qdir = sbuf_new(64);
	bare = sbuf_new(64);
	if (ctl_bare_transports(c, names, bare, err) < 0) {
		rc = ctl_fail("%s", sbuf_str(err));
		goto out;
	}
	ctl_postfix_layout(c, sbuf_str(bare), qdir);
	if (ctl_print_master(c, names, ctl_smtp_chroot(c), err) < 0 ||
	    ctl_print_main(c, names, sbuf_str(qdir), err) < 0)
		rc = ctl_fail("%s", sbuf_str(err));
out:
	store_val_free(names);
	sbuf_free(err);
	sbuf_free(qdir);
	sbuf_free(bare);
	return rc;
}
