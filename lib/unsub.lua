-- tenant-milter: record one unsubscribe: the suppression, its source and the
-- counter, once; a repeat changes nothing. Run with EVALSHA by lib/unsub.c;
-- the build prepends lib/suppress.lua (supp_value).
--
-- KEYS: {t:NAME}:supp, {t:NAME}:unsub, {t:NAME}:fb:DATE
-- ARGV: address key, now (unix s), source, list id, counter ttl s (KEY_TTL_COUNTERS)
-- Returns 1 when recorded, 0 when the address was already on the list

if redis.call('HSETNX', KEYS[1], ARGV[1], supp_value('unsubscribe', ARGV[2], 0)) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3] .. '|' .. ARGV[2] .. '|' .. ARGV[4])
redis.call('HINCRBY', KEYS[3], 'unsubscribes', 1)
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[5]))
return 1
