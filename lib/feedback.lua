-- tenant-milter: apply one delivery outcome to the suppression lists and the
-- reputation counters, atomically with the reader's position, so a restart
-- neither loses nor double-counts. Run with EVALSHA by lib/feedback.c; the
-- build prepends lib/suppress.lua (supp_value). What an outcome means is
-- decided in C (lib/bounce.c: bounce_effect) and arrives as arguments.
--
-- Who may change state: an outcome names its tenant only when a VERP token
-- opened (the caller passes the tenant and the token's recipient), or when a
-- queue id that tenant-milter recorded lists this very recipient (the
-- commit call of lib/quota.lua writes tm:qid:QID). lib/feedback.c reads
-- those maps before this call and passes the tenant it found, or none with
-- the reason. Anything else is counted as unattributed in tm:stats:DATE and
-- changes nothing: a forged bounce can name any queue id, but not make us
-- record its victim under it. This script builds no key name: every key it
-- touches is in KEYS (docs/redis-schema.md, "Redis Cluster").
--
-- KEYS[1] the position key, or ""
-- KEYS[2] the global suppression list (tm:supp)
-- KEYS[3] the dedup key (tm:fb:seen:QID:RCPT), or ""
-- KEYS[4] the global counters of today (tm:stats:DATE)
-- KEYS[5..7] the tenant's suppression list, feedback counters of today and
--         soft-bounce streaks ({t:NAME}:supp, :fb:DATE, :streak), or ""
--         when no tenant is named
-- KEYS[8] the report's own dedup key (tm:fb:seen:ID:RCPT: a VERP token's id,
--         or a redacted complaint's report), or "": with KEYS[3], either one
--         set means already counted, and both are set
-- ARGV: tenant (or "": unattributed), counter (the fb:DATE field, or ""
--       when the outcome changes nothing), recipient key (the one the map
--       lists), provider, transport, position value, the list to suppress
--       in (tenant|global), streak threshold, streak window s, counter ttl
--       s, dedup ttl s, is_final, then (13) why it is unattributed, then
--       (14..16) the suppression reason or "", the soft streak
--       (end|feed|""), the reason a streak that reaches the threshold
--       suppresses with, (17) "1" for a complaint that names no recipient
--       (redacted by the provider): counted for the tenant, once per queue id
--       (KEYS[3] is then tm:fb:seen:QID:-) and per report (KEYS[8]),
--       suppressing no one
-- Returns {the tenant charged (also when already counted) or "", applied (1)
-- or not (0), why not ("" when applied)}

local poskey, gsupp, seen, gstats = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local tsupp, stats, streaks, seen2 = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local tenant, counter, rcpt, prov, transport, pos = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local scope, streak_n, window = ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
local cttl, sttl, final = tonumber(ARGV[10]), tonumber(ARGV[11]), ARGV[12]
local why = ARGV[13]
local supp_reason, streak, streak_reason = ARGV[14], ARGV[15], ARGV[16]
local unnamed = ARGV[17] == '1'

if pos ~= '' and poskey ~= '' then
	redis.call('SET', poskey, pos)
end

local function unattributed(why_not)
	redis.call('HINCRBY', gstats, 'fb_unattributed', 1)
	redis.call('EXPIRE', gstats, cttl)
	return {'', 0, why_not}
end

if tenant == '' then
	return unattributed(why)
end
if rcpt == '' and not unnamed then
	return unattributed('no usable recipient')
end
if final == '1' and (seen ~= '' or seen2 ~= '') then
	-- the log and the DSN of one bounce count once; so does a report sent again
	if (seen ~= '' and redis.call('EXISTS', seen) == 1) or (seen2 ~= '' and redis.call('EXISTS', seen2) == 1) then
		-- the other key too: a replay under it alone is this one again
		if seen ~= '' then
			redis.call('SET', seen, '1', 'NX', 'EX', sttl)
		end
		if seen2 ~= '' then
			redis.call('SET', seen2, '1', 'NX', 'EX', sttl)
		end
		return {tenant, 0, 'already counted'}
	end
	if seen ~= '' then
		redis.call('SET', seen, '1', 'EX', sttl)
	end
	if seen2 ~= '' then
		redis.call('SET', seen2, '1', 'EX', sttl)
	end
end

local t = redis.call('TIME')
local now = tonumber(t[1])

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
		redis.call('HSET', key, rcpt, supp_value(reason, now, 0))
	end
end

if counter == '' then
	return {tenant, 0, 'nothing to apply'}
end
count(counter)
if unnamed then
	redis.call('HINCRBY', stats, 'redacted:' .. counter, 1)
	return {tenant, 1, ''}
end
if supp_reason ~= '' then
	suppress(scope == 'global' and gsupp or tsupp, supp_reason)
end
if streak == 'end' then
	redis.call('HDEL', streaks, rcpt)
elseif streak == 'feed' then
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
		suppress(tsupp, streak_reason)
		redis.call('HDEL', streaks, rcpt)
	else
		redis.call('HSET', streaks, rcpt, n .. '|' .. first)
	end
end
return {tenant, 1, ''}
