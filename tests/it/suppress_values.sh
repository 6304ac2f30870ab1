#!/bin/bash
# One suppression-value format in both languages: every vector of
# tests/fixtures/suppress-values.txt (tests/unit/check_suppress.c runs them in C)
# - is read alike by lib/suppress.lua's supp_parse in a real redis-server,
#   and the Lua writer supp_value makes each valid value exactly;
# - is read alike by tenantctl (lib/suppress.c's supp_value_parse) when it
#   sits in tm:supp: its reason and dates in "suppress list", and an
#   unreadable value as manual since 1970-01-01, never expiring;
# - and what "suppress export" writes, "import" reads back, reasons included.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
command -v redis-server >/dev/null || { echo "# redis-server missing"; exit 99; }
tb_init it-suppress-values
trap 'tb_stop_all' EXIT
tb_redis_start || exit 99
VEC="$top_srcdir/tests/fixtures/suppress-values.txt"
nvalid=$(grep -c '^valid	' "$VEC")
ninvalid=$(grep -c '^invalid	' "$VEC")
if [ "$nvalid" -ge 8 ] && [ "$ninvalid" -ge 30 ]; then ta_ok "the vectors: $nvalid valid, $ninvalid invalid"
else ta_fail "the vectors: $nvalid valid, $ninvalid invalid: fewer than 8 and 30 ($VEC)"; fi

# 1. Lua, in Redis: the harness below after lib/suppress.lua, as the build
# prepends it to every script; ARGV[1] is the vector file
harness=$(cat <<'LUA'
local nvalid, ninvalid, out = 0, 0, {}
local esc = {s = ' ', t = '\t', n = '\n', r = '\r', ['\\'] = '\\', e = ''}
local function fail(what) out[#out + 1] = 'FAIL ' .. what end
for line in string.gmatch(ARGV[1], '[^\n]+') do
	if string.sub(line, 1, 1) ~= '#' then
		local kind, raw, fields = string.match(line, '^([^\t]*)\t([^\t]*)\t?(.*)$')
		local v = string.gsub(raw, '\\(.)', esc)
		local r, s, e = supp_parse(v)
		if kind == 'invalid' then
			ninvalid = ninvalid + 1
			if r ~= nil then fail(raw .. ' was read as ' .. r .. ' ' .. s .. ' ' .. e) end
		elseif kind == 'valid' then
			nvalid = nvalid + 1
			local wr, ws, we = string.match(fields, '^(%S+) (%d+) (%d+)$')
			if r ~= wr or s ~= ws or e ~= we then
				fail(raw .. ' was read as ' .. tostring(r) .. ' ' .. tostring(s) .. ' ' .. tostring(e))
			end
			local ok, w = pcall(supp_value, wr, tonumber(ws), tonumber(we))
			if not ok or w ~= v then fail('supp_value(' .. fields .. ') made ' .. tostring(w)) end
			ok, w = pcall(supp_value, wr, ws, we) -- digit strings, as ARGV gives them
			if not ok or w ~= v then fail('supp_value("' .. fields .. '") made ' .. tostring(w)) end
		else
			fail('a line neither valid nor invalid: ' .. line)
		end
	end
end
-- the writer makes nothing the reader would not take
for _, a in ipairs({{'spamtrap', 1, 0}, {'Manual', 1, 0}, {'manual', -1, 0}, {'manual', 1, -1},
		{'manual', 1e15, 0}, {'manual', 0, 1e15}}) do
	if pcall(supp_value, a[1], a[2], a[3]) then fail('supp_value wrote ' .. a[1] .. ' ' .. a[2] .. ' ' .. a[3]) end
end
table.insert(out, 1, 'valid=' .. nvalid .. ' invalid=' .. ninvalid)
return out
LUA
)
ta_run "the vectors in Lua: EVAL exits 0" 0 tb_redis EVAL "$(cat "$top_srcdir/lib/suppress.lua")
$harness" 0 "$(cat "$VEC")"
ta_eq "...every vector read, and every valid one written, as the file says" "$ta_out" "valid=$nvalid invalid=$ninvalid"

# 2. C, through tenantctl: each vector as the value of v<N>@x.test in tm:supp
day() { local d; d=$(date -u -d "@$1" +%F) && echo "${d#+}"; }
# unesc RAW - the value a VALUE column means, in $val (no $(...): it would drop a final newline)
unesc() { val=${1//\\\\/$'\001'}; val=${val//\\s/ }; val=${val//\\t/$'\t'}; val=${val//\\n/$'\n'}; val=${val//\\r/$'\r'}; val=${val//\\e/}; val=${val//$'\001'/\\}; }
want=() n=0
while IFS=$'\t' read -r kind raw fields; do
	case $kind in valid | invalid) ;; *) continue ;; esac
	n=$((n + 1))
	unesc "$raw"
	tb_redis hset tm:supp "v$n@x.test" "$val" >/dev/null
	if [ "$kind" = valid ]; then
		read -r reason since expires <<<"$fields"
		exp=never; [ "$expires" = 0 ] || exp=$(day "$expires")
		want+=("v$n@x.test $reason $(day "$since") $exp")
	else
		want+=("v$n@x.test manual 1970-01-01 never")
	fi
done <"$VEC"
ta_eq "every vector stored (HLEN tm:supp)" "$(tb_redis hlen tm:supp)" $((nvalid + ninvalid))
ta_ctl "tenantctl suppress list: exit 0" 0 suppress list
ta_eq "...each entry read as the file says" "$(printf '%s\n' "$ta_out" | awk '{print $1, $2, $3, $4}' | sort)" \
	"$(printf '%s\n' "${want[@]}" | sort)"

# 3. what export writes, import reads back: tenant-feedback's soft-bounce-streak too
ta_ctl "tenant add acme: exit 0" 0 tenant add acme
tb_redis hset '{t:acme}:supp' streak@x.test 'soft-bounce-streak|1763596800|0' >/dev/null
ta_ctl "suppress export --tenant acme: exit 0" 0 suppress export --tenant acme
printf '%s\n' "$ta_out" >"$TB_DIR/export.csv"
ta_eq "...the entry with its reason" "$(grep '^streak@' "$TB_DIR/export.csv")" "streak@x.test,soft-bounce-streak,acme"
tb_redis del '{t:acme}:supp' >/dev/null
ta_ctl "...import reads it back: exit 0" 0 suppress import "$TB_DIR/export.csv"
ta_eq "...with its reason" "$(tb_redis hget '{t:acme}:supp' streak@x.test | cut -d'|' -f1)" soft-bounce-streak
ta_finish
