-- tenant-milter: every RCPT-time check in one atomic call, and the settling
-- of reservations at end of message. Run with EVALSHA by lib/quota.c, the
-- only caller; docs/redis-schema.md describes every key it touches. Every
-- key is passed in KEYS (built by lib/quota.c from include/tm_keys.h): the
-- script names none itself.
--
-- ARGV[1] is the mode, ARGV[2] the tenant's name.
-- A reservation member is "RID|DATE|HH|PROVIDER": it names the usage
-- counters it holds, so an expired one can be given back without the caller.
-- The ledgers (use:DATE) come as KEYS with their DATEs in ARGV, in the same
-- order; a member whose day has no ledger among them is not counted back
-- (its ledger has expired).
--
-- rcpt    KEYS: tenant, global suppression, tenant suppression, use:DATE,
--               resv, gcra, stats:DATE, then the ledgers of nearby days
--         ARGV: mode, tenant, address key, DATE, HH, provider, day cap,
--               hour cap, provider cap (-1: none), GCRA interval and
--               tolerance in microseconds (interval 0: no rate), RID,
--               reservation ttl ms, use ttl s, stats ttl s, then the dates
--               of the nearby ledgers
-- commit  KEYS: resv, stats:DATE (today), gcra, queue-id map key (tm:qid:QID) or "",
--               then the ledger of each day the members name
-- release ARGV: mode, tenant, GCRA interval, use ttl s, stats ttl s, map ttl s, N,
--         N members, then the N recipient keys they were made for, then
--         the dates of the ledgers.
--         A commit also records, in the same call (no extra round trip), the
--         queue id's tenant and recipient keys for tenant-feedback: a report
--         changes state only for a recipient recorded there.

local mode, tenant = ARGV[1], ARGV[2]
local ledger = {} -- DATE -> its use:DATE key

local t = redis.call('TIME')
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now_ms = math.floor(now_us / 1000)

local function split(member)
	return string.match(member, '^[^|]*|([^|]*)|([^|]*)|([^|]*)$')
end

-- use_adjust: add delta to the day, hour and provider usage a member names
local function use_adjust(member, delta, ttl)
	local date, hh, prov = split(member)
	if not date then
		return
	end
	local key = ledger[date]
	if not key then
		return -- a day older than any ledger still kept
	end
	if delta < 0 and redis.call('EXISTS', key) == 0 then
		return -- that day's counters have expired already
	end
	for _, f in ipairs({'day', 'h:' .. hh, 'p:' .. prov}) do
		if redis.call('HINCRBY', key, f, delta) < 0 then
			redis.call('HSET', key, f, 0)
		end
	end
	if delta > 0 then
		redis.call('EXPIRE', key, ttl)
	end
end

-- purge: give back reservations whose transaction never ended (a crash)
local function purge(resv, ttl)
	local old = redis.call('ZRANGEBYSCORE', resv, '-inf', now_ms, 'LIMIT', 0, 100)
	for _, m in ipairs(old) do
		use_adjust(m, -1, ttl)
	end
	if #old > 0 then
		redis.call('ZREM', resv, unpack(old))
	end
end

local function count(stats, prov, field, ttl)
	redis.call('HINCRBY', stats, field, 1)
	redis.call('HINCRBY', stats, prov .. ':' .. field, 1)
	redis.call('EXPIRE', stats, ttl)
end

if mode == 'rcpt' then
	local tkey, gsupp, tsupp, use, resv, gcra, stats =
		KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
	local addr, date, hh, prov = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
	local cap_day, cap_hour, cap_prov = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
	local interval, tolerance = tonumber(ARGV[10]), tonumber(ARGV[11])
	local rid, resv_ttl = ARGV[12], tonumber(ARGV[13])
	local use_ttl, stats_ttl = tonumber(ARGV[14]), tonumber(ARGV[15])
	ledger[date] = use
	for i = 8, #KEYS do
		ledger[ARGV[i + 8]] = KEYS[i]
	end

	local st = redis.call('HMGET', tkey, 'status', 'reason')
	if not st[1] then
		return {'unknown'}
	end
	if st[1] ~= 'active' then
		return {st[1], st[2] or ''}
	end

	if addr ~= '' then
		local scopes = {'global', 'tenant'}
		for i, k in ipairs({gsupp, tsupp}) do
			local v = redis.call('HGET', k, addr)
			if v then
				local reason, since, expires = supp_parse(v) -- lib/suppress.lua, prepended
				if not reason then
					reason, since, expires = 'manual', '0', '0' -- unreadable: still suppressed
				end
				if expires == '0' or tonumber(expires) * 1000 > now_ms then
					count(stats, prov, 'rejected_suppressed', stats_ttl)
					return {'suppressed', scopes[i], reason, since}
				end
				redis.call('HDEL', k, addr) -- expired
			end
		end
	end

	purge(resv, use_ttl)
	local u = redis.call('HMGET', use, 'day', 'h:' .. hh, 'p:' .. prov)
	local used = {tonumber(u[1]) or 0, tonumber(u[2]) or 0, tonumber(u[3]) or 0}
	local caps = {cap_day, cap_hour, cap_prov}
	local names = {'day', 'hour', 'provider'}
	for i = 1, 3 do
		if caps[i] >= 0 and used[i] >= caps[i] then
			count(stats, prov, 'deferred_cap', stats_ttl)
			return {'cap', names[i], used[i]}
		end
	end

	if interval > 0 then
		local tat = tonumber(redis.call('GET', gcra)) or now_us
		if tat < now_us then
			tat = now_us
		end
		local allow_at = tat - tolerance
		if now_us < allow_at then
			count(stats, prov, 'deferred_rate', stats_ttl)
			return {'rate', math.ceil((allow_at - now_us) / 1000)}
		end
		tat = tat + interval
		redis.call('SET', gcra, string.format('%.0f', tat), 'PX',
			math.ceil((tat - now_us) / 1000) + 1000)
	end

	local member = rid .. '|' .. date .. '|' .. hh .. '|' .. prov
	redis.call('ZADD', resv, now_ms + resv_ttl, member)
	use_adjust(member, 1, use_ttl)
	return {'ok', member, used[1] + 1}
end

if mode == 'commit' or mode == 'release' then
	local resv, stats, gcra, qmap = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
	local interval, use_ttl, stats_ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
	local map_ttl, nm = tonumber(ARGV[6]), tonumber(ARGV[7])
	for i = 5, #KEYS do
		ledger[ARGV[2 * nm + i + 3]] = KEYS[i]
	end
	local n = 0
	if mode == 'commit' and qmap and qmap ~= '' then
		local fields = {'tenant', tenant}
		for j = 8 + nm, 7 + 2 * nm do
			if ARGV[j] ~= '' then
				fields[#fields + 1] = 'r:' .. ARGV[j]
				fields[#fields + 1] = '1'
			end
		end
		redis.call('HSET', qmap, unpack(fields))
		redis.call('EXPIRE', qmap, map_ttl)
	end
	for i = 8, 7 + nm do
		local m = ARGV[i]
		local live = redis.call('ZREM', resv, m)
		if mode == 'commit' then
			if live == 0 then
				use_adjust(m, 1, use_ttl) -- expired meanwhile, and given back: count it again
			end
			local _, _, prov = split(m)
			count(stats, prov or 'other', 'accepted', stats_ttl)
		elseif live == 1 then
			use_adjust(m, -1, use_ttl)
		end
		n = n + 1
	end
	if mode == 'release' and interval > 0 and n > 0 then
		local tat = tonumber(redis.call('GET', gcra))
		if tat then
			tat = math.max(now_us, tat - interval * n)
			redis.call('SET', gcra, string.format('%.0f', tat), 'PX',
				math.ceil((tat - now_us) / 1000) + 1000)
		end
	end
	return n
end

return redis.error_reply('tenant-milter quota script: unknown mode ' .. tostring(mode))
