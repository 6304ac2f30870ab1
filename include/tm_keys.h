/*
 * NAME
 *	tm_keys 3h - the Redis key schema
 * DESCRIPTION
 *	The key schema is a public interface (docs/redis-schema.md): dashboards
 *	read these keys directly. Every key of one tenant carries the hash tag
 *	{t:NAME}, so a Redis Cluster keeps a tenant on one slot.
 */
#ifndef TM_KEYS_H
#define TM_KEYS_H

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

#endif
