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

#endif
