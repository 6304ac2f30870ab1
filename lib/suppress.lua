-- tenant-milter: a suppression entry's value, "reason|since|expires", in Lua.
-- Scripts in Redis cannot require a module, so the build prepends this file
-- to every script that reads or writes an entry (Makefile.am): the one Lua
-- writer and the one Lua reader. lib/suppress.c (supp_value,
-- supp_value_parse) is the C side; tests/fixtures/suppress-values.txt holds
-- the values both must write and read alike (tests/unit/check_suppress.c,
-- tests/it/suppress_values.sh). The format: docs/redis-schema.md.

-- every reason a writer stores (lib/suppress.c: reasons[])
local supp_reasons = {['unsubscribe'] = true, ['hard-bounce'] = true, ['complaint'] = true,
	['manual'] = true, ['soft-bounce-streak'] = true}

-- supp_number - is s "0" or 1..15 digits without a leading zero (exact as a Lua number)?
local function supp_number(s)
	return #s <= 15 and string.find(s, '^%d+$') ~= nil and (s == '0' or string.sub(s, 1, 1) ~= '0')
end

-- supp_parse - reason, since, expires (digit strings; expires '0' = never) of
-- an entry's value, or nil when the value is unreadable (callers treat it as
-- manual, '0', '0': still suppressed, never expiring)
local function supp_parse(v)
	local r, s, e = string.match(v, '^([^|]*)|([^|]*)|([^|]*)$')
	if r and supp_reasons[r] and supp_number(s) and supp_number(e) then
		return r, s, e
	end
	return nil
end

-- supp_value - the value of an entry: since and expires in unix seconds
-- (numbers or digit strings; expires 0 = never). A value the reader would
-- not take is a bug, and an error before anything is written.
local function supp_value(reason, since, expires)
	local v = reason .. '|' .. string.format('%d', since) .. '|' .. string.format('%d', expires)
	if not supp_parse(v) then
		error('supp_value: no entry: ' .. v)
	end
	return v
end
