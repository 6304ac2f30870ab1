-- tenant-milter: apply one delivery outcome to the suppression lists and the
-- reputation counters, atomically with the reader's position, so a restart
-- neither loses nor double-counts. Run with EVALSHA by lib/feedback.c.
--
-- KEYS[1] the queue-id map key (tm:q:QID), or "" when the tenant is given
-- KEYS[2] the position key, or ""
-- KEYS[3] the global suppression list (tm:supp)
-- KEYS[4] the dedup key (tm:fb:seen:QID:RCPT), or ""
-- ARGV: tenant (or "" to look up KEYS[1]), category, recipient key, provider,
--       transport, date, position value, hard scope (tenant|global),
--       streak threshold, streak window s, counter ttl s, dedup ttl s, is_final
-- Returns {tenant or "", applied (1) or duplicate/unknown (0)}

local qkey, poskey, gsupp, seen = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local tenant, cat, rcpt, prov, transport, date, pos =
	ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local scope, streak_n, window = ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10])
local cttl, sttl, final = tonumber(ARGV[11]), tonumber(ARGV[12]), ARGV[13]

if pos ~= '' and poskey ~= '' then
	redis.call('SET', poskey, pos)
end
if tenant == '' and qkey ~= '' then
	tenant = redis.call('GET', qkey) or ''
end
if tenant == '' then
	return {'', 0} -- not a tenant's message (or its map expired)
end
if seen ~= '' and final == '1' then
	if not redis.call('SET', seen, '1', 'NX', 'EX', sttl) then
		return {tenant, 0} -- the log and the DSN of one bounce count once
	end
end

local t = redis.call('TIME')
local now = tonumber(t[1])
local prefix = '{t:' .. tenant .. '}:'
local stats = prefix .. 'fb:' .. date

local function count(field)
	redis.call('HINCRBY', stats, field, 1)
	if prov ~= '' then
		redis.call('HINCRBY', stats, prov .. ':' .. field, 1)
	end
	if transport ~= '' then
		redis.call('HINCRBY', stats, 'transport:' .. transport .. ':' .. field, 1)
	end
	redis.call('EXPIRE', stats, cttl)
end

local function suppress(key, reason)
	if rcpt ~= '' then
		redis.call('HSET', key, rcpt, reason .. '|' .. now .. '|0')
	end
end

local streaks = prefix .. 'streak'
if cat == 'delivered' then
	count('delivered')
	redis.call('HDEL', streaks, rcpt)
elseif cat == 'hard' then
	count('bounced_hard')
	suppress(scope == 'global' and gsupp or prefix .. 'supp', 'hard-bounce')
	redis.call('HDEL', streaks, rcpt)
elseif cat == 'soft' then
	if final == '1' then
		count('bounced_soft')
		local v = redis.call('HGET', streaks, rcpt)
		local n, first = 0, now
		if v then
			local a, b = string.match(v, '^(%d+)|(%d+)$')
			if a and now - tonumber(b) <= window then
				n, first = tonumber(a), tonumber(b)
			end
		end
		n = n + 1
		if n >= streak_n then
			suppress(prefix .. 'supp', 'soft-bounce-streak')
			redis.call('HDEL', streaks, rcpt)
		else
			redis.call('HSET', streaks, rcpt, n .. '|' .. first)
		end
	else
		count('deferred')
	end
elseif cat == 'block' then
	count('blocked')
elseif cat == 'throttle' then
	count('throttled')
elseif cat == 'complaint' then
	count('complaints')
	suppress(prefix .. 'supp', 'complaint')
elseif cat == 'unsubscribe' then
	count('unsubscribes')
	suppress(prefix .. 'supp', 'unsubscribe')
else
	return {tenant, 0}
end
return {tenant, 1}
