/*
 * NAME
 *	tm_keys 3h - the Redis key schema
 * DESCRIPTION
 *	The key schema is a public interface (docs/redis-schema.md): dashboards
 *	read these keys directly. Every key name is built from one of the
 *	formats below, here and nowhere else; the Lua scripts receive every key
 *	they touch in KEYS, built by their C callers from these formats. Every
 *	key of one tenant carries the hash tag {t:NAME}, so a Redis Cluster
 *	keeps a tenant on one slot.
 *
 *	tm_key_schema[] (with TM_KEYS_SCHEMA defined) lists every key with its
 *	type, lifetime and writers; tests/unit/check_keys.c compares it with this
 *	file's formats and with the index table of docs/redis-schema.md.
 */
#ifndef TM_KEYS_H
#define TM_KEYS_H

/* Tenant directory */
#define KEY_TENANTS "tm:tenants"	  /* SET of tenant names */
#define KEY_VERSION "tm:version"	  /* INT, bumped by every tenant change */
#define KEY_IDX_DOMAIN "tm:idx:domain"	  /* HASH domain -> tenant */
#define KEY_IDX_SASL "tm:idx:sasl"	  /* HASH login -> tenant */
#define KEY_IDX_NETWORK "tm:idx:network" /* HASH cidr -> tenant */

#define KEY_T_FMT "{t:%s}:tenant"	   /* HASH status, reason, created, updated */
#define KEY_T_DOMAINS_FMT "{t:%s}:domains"   /* SET of domains */
#define KEY_T_SASL_FMT "{t:%s}:sasl"	   /* SET of SASL logins */
#define KEY_T_NETWORKS_FMT "{t:%s}:networks" /* SET of CIDR networks */

/* Limits, suppression and counters (issue 3): docs/redis-schema.md */
#define KEY_SUPP_GLOBAL "tm:supp"		 /* HASH address key -> "reason|since|expires" */
#define KEY_T_SUPP_FMT "{t:%s}:supp"		 /* HASH, the tenant's own list, same values */
#define KEY_T_LIMITS_FMT "{t:%s}:limits"	 /* HASH, tm_limits.h fields */
#define KEY_T_USE_FMT "{t:%s}:use:%s"		 /* HASH day, h:HH, p:GROUP (reserved + accepted) */
#define KEY_T_RESV_FMT "{t:%s}:resv"		 /* ZSET reservation -> expiry (ms) */
#define KEY_T_GCRA_FMT "{t:%s}:gcra"		 /* STRING theoretical arrival time (us) */
#define KEY_T_STATS_FMT "{t:%s}:stats:%s"	 /* HASH dashboard counters of one local day */
#define KEY_STATS_FMT "tm:stats:%s"		 /* HASH relay-wide counters of one UTC day */

/* Egress (issue 4): docs/redis-schema.md */
#define KEY_TRANSPORTS "tm:transports"		 /* SET of transport names */
#define KEY_TRANSPORT_FMT "tm:transport:%s"	 /* HASH ip, ip6, helo, concurrency, rate_delay, status, reason */
#define KEY_POOLS "tm:pools"			 /* SET of pool names */
#define KEY_POOL_FMT "tm:pool:%s"		 /* HASH transport -> weight */
#define KEY_T_EGRESS_FMT "{t:%s}:egress"	 /* HASH stream -> pool */
#define KEY_T_STREAMS_FMT "{t:%s}:streams"	 /* HASH domain -> stream */

/* Delivery feedback and unsubscribes: docs/redis-schema.md */
#define KEY_QID_FMT "tm:qid:%s"		   /* HASH queue id -> tenant, and r:KEY for each accepted recipient */
#define KEY_T_FB_FMT "{t:%s}:fb:%s"	   /* HASH feedback counters of one UTC day */
#define KEY_T_STREAK_FMT "{t:%s}:streak"   /* HASH recipient -> "count|first" soft bounces in a row */
#define KEY_T_UNSUB_FMT "{t:%s}:unsub"	   /* HASH recipient -> "source|when|list" of each unsubscribe */
#define KEY_FB_POS_FMT "tm:fb:pos:%s"	   /* STRING inode:offset of a followed log */
#define KEY_FB_SEEN_FMT "tm:fb:seen:%s:%s" /* STRING: this queue id's recipient was counted */

/* Lifetimes, in seconds. tm:qid:QID and tm:fb:seen:* live queue_map_ttl (configured). */
#define KEY_TTL_USE (3 * 86400L)	 /* {t:NAME}:use:DATE */
#define KEY_TTL_COUNTERS (400 * 86400L) /* {t:NAME}:stats:DATE, {t:NAME}:fb:DATE, tm:stats:DATE */

#ifdef TM_KEYS_SCHEMA
/* KEY_SCHEMA - one key of the schema, as docs/redis-schema.md's index lists it */
typedef struct {
	const char *fmt;     /* the format above ("tm:tenants" for a fixed name) */
	const char *pattern; /* the documented name: each %s of fmt is an upper-case placeholder */
	const char *type;    /* HASH, SET, ZSET, STRING */
	const char *ttl;     /* "none", "Nd" (days), or the setting or rule that sets it */
	long ttl_s;	     /* the constant for "Nd", else 0 */
	const char *writer;  /* the programs that write it, ", " separated */
} KEY_SCHEMA;

static const KEY_SCHEMA tm_key_schema[] = {
    {KEY_TENANTS, "tm:tenants", "SET", "none", 0, "tenantctl"},
    {KEY_VERSION, "tm:version", "STRING", "none", 0, "tenantctl"},
    {KEY_IDX_DOMAIN, "tm:idx:domain", "HASH", "none", 0, "tenantctl"},
    {KEY_IDX_SASL, "tm:idx:sasl", "HASH", "none", 0, "tenantctl"},
    {KEY_IDX_NETWORK, "tm:idx:network", "HASH", "none", 0, "tenantctl"},
    {KEY_T_FMT, "{t:NAME}:tenant", "HASH", "none", 0, "tenantctl"},
    {KEY_T_DOMAINS_FMT, "{t:NAME}:domains", "SET", "none", 0, "tenantctl"},
    {KEY_T_SASL_FMT, "{t:NAME}:sasl", "SET", "none", 0, "tenantctl"},
    {KEY_T_NETWORKS_FMT, "{t:NAME}:networks", "SET", "none", 0, "tenantctl"},
    {KEY_SUPP_GLOBAL, "tm:supp", "HASH", "none", 0, "tenantctl, tenant-milter, tenant-feedback"},
    {KEY_T_SUPP_FMT, "{t:NAME}:supp", "HASH", "none", 0,
     "tenantctl, tenant-milter, tenant-feedback, tenant-httpd"},
    {KEY_T_LIMITS_FMT, "{t:NAME}:limits", "HASH", "none", 0, "tenantctl"},
    {KEY_T_USE_FMT, "{t:NAME}:use:DATE", "HASH", "3d", KEY_TTL_USE, "tenant-milter"},
    {KEY_T_RESV_FMT, "{t:NAME}:resv", "ZSET", "none", 0, "tenant-milter"},
    {KEY_T_GCRA_FMT, "{t:NAME}:gcra", "STRING", "rate", 0, "tenant-milter"},
    {KEY_T_STATS_FMT, "{t:NAME}:stats:DATE", "HASH", "400d", KEY_TTL_COUNTERS, "tenant-milter"},
    {KEY_STATS_FMT, "tm:stats:DATE", "HASH", "400d", KEY_TTL_COUNTERS, "tenant-milter, tenant-feedback"},
    {KEY_TRANSPORTS, "tm:transports", "SET", "none", 0, "tenantctl"},
    {KEY_TRANSPORT_FMT, "tm:transport:NAME", "HASH", "none", 0, "tenantctl"},
    {KEY_POOLS, "tm:pools", "SET", "none", 0, "tenantctl"},
    {KEY_POOL_FMT, "tm:pool:NAME", "HASH", "none", 0, "tenantctl"},
    {KEY_T_EGRESS_FMT, "{t:NAME}:egress", "HASH", "none", 0, "tenantctl"},
    {KEY_T_STREAMS_FMT, "{t:NAME}:streams", "HASH", "none", 0, "tenantctl"},
    {KEY_QID_FMT, "tm:qid:QID", "HASH", "queue_map_ttl", 0, "tenant-milter"},
    {KEY_T_FB_FMT, "{t:NAME}:fb:DATE", "HASH", "400d", KEY_TTL_COUNTERS, "tenant-feedback, tenant-httpd"},
    {KEY_T_STREAK_FMT, "{t:NAME}:streak", "HASH", "none", 0, "tenant-feedback"},
    {KEY_T_UNSUB_FMT, "{t:NAME}:unsub", "HASH", "none", 0, "tenant-feedback, tenant-httpd"},
    {KEY_FB_POS_FMT, "tm:fb:pos:PATH", "STRING", "none", 0, "tenant-feedback"},
    {KEY_FB_SEEN_FMT, "tm:fb:seen:QID:RCPT", "STRING", "queue_map_ttl", 0, "tenant-feedback"},
};
#endif

#endif
