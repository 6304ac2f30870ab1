#!/bin/bash
# tenantctl against a real redis-server: the documented command forms, every
# refusal, the key schema dashboards read, and idempotent apply.
. "$top_srcdir/tests/lib/testbed.sh"; . "$top_srcdir/tests/lib/assert.sh"
command -v redis-server >/dev/null || { echo "# redis-server missing"; exit 99; }
tb_init it-tenantctl
trap 'tb_stop_all' EXIT
tb_redis_start || exit 99

ta_status "tenant add" 0 tb_ctl tenant add acme
ta_status "duplicate tenant refused" 1 tb_ctl tenant add acme
ta_ctl "duplicate tenant refused, again" 1 tenant add acme
ta_contains "duplicate names the problem" "$ta_err" "tenantctl: tenant acme already exists"
for bad in Acme -acme acme_eu "a b" "$(printf 'a%.0s' $(seq 1 64))"; do
	ta_status "invalid name '$bad' refused" 1 tb_ctl tenant add "$bad"
done
ta_status "usage error exits 2" 2 tb_ctl tenant frobnicate acme
ta_ctl "apply without a file: usage, exit 2, nothing leaked" 2 apply
ta_ctl "apply with an unknown flag: usage, exit 2, nothing leaked" 2 apply "$TB_DIR/none.json" --frob
ta_contains "...the usage text" "$ta_err" "usage: tenantctl [-c config_file]"
ta_status "unknown tenant refused" 1 tb_ctl tenant show nobody
ta_ctl "tenant add beta" 0 tenant add beta
ta_status "domain add" 0 tb_ctl domain add acme Acme.Example.
ta_ctl "domain conflict refused: exit 1" 1 domain add beta acme.example
ta_contains "domain conflict refused" "$ta_err" "tenantctl: domain acme.example already belongs to tenant acme"
ta_status "SASL add" 0 tb_ctl identity add beta --sasl beta-user
ta_ctl "SASL conflict refused: exit 1" 1 identity add acme --sasl beta-user
ta_contains "SASL conflict refused" "$ta_err" "SASL login beta-user already belongs to tenant beta"
ta_status "network add" 0 tb_ctl identity add acme --network 192.0.2.0/24
ta_status "overlapping network allowed (longest prefix wins)" 0 tb_ctl identity add beta --network 192.0.2.128/25
ta_ctl "same network refused: exit 1" 1 identity add beta --network 192.0.2.0/24
ta_contains "same network refused" "$ta_err" "network 192.0.2.0/24 already belongs to tenant acme"
ta_ctl "host bits refused: exit 1" 1 identity add acme --network 10.1.2.3/8
ta_contains "host bits refused with a hint" "$ta_err" "did you mean 10.0.0.0/8?"
ta_ctl "bad domain refused: exit 1" 1 domain add acme 'bad..example'
ta_contains "bad domain refused" "$ta_err" "invalid domain \"bad..example\": empty label in domain"
ta_ctl "IDN domain add" 0 domain add acme bücher.example
ta_contains "IDN stored as A-label" "$ta_out" "domain xn--bcher-kva.example added to tenant acme"
ta_ctl "removing what is not owned: exit 1" 1 domain remove beta acme.example
ta_contains "removing what is not owned is refused" "$ta_err" "domain acme.example does not belong to tenant beta"

# the key schema (docs/redis-schema.md)
ta_eq "tenant set" "$(tb_redis smembers tm:tenants | sort | tr '\n' ' ')" "acme beta "
ta_eq "domain index" "$(tb_redis hget tm:idx:domain acme.example)" "acme"
ta_eq "tenant domains set carries the hash tag" "$(tb_redis sismember '{t:acme}:domains' acme.example)" "1"
ta_eq "status hash" "$(tb_redis hget '{t:acme}:tenant' status)" "active"
ta_eq "every tenant key carries {t:NAME}" "$(tb_redis --scan | grep -v '^tm:' | grep -vc '^{t:[a-z0-9-]*}:')" "0"
v1=$(tb_redis get tm:version)
ta_ctl "pause" 0 tenant pause acme --reason "billing hold"
ta_eq "pause bumps the version" "$(tb_redis get tm:version)" "$((v1 + 1))"
ta_eq "pause reason stored" "$(tb_redis hget '{t:acme}:tenant' reason)" "billing hold"
ta_ctl "show: exit 0" 0 tenant show acme
ta_contains "show" "$ta_out" "status:   paused - billing hold"
ta_ctl "show --json: exit 0" 0 tenant show acme --json
ta_contains "show --json" "$ta_out" '"domains":["acme.example","xn--bcher-kva.example"]'
ta_ctl "list --json: exit 0" 0 tenant list --json
ta_contains "list --json" "$ta_out" '"name":"beta","status":"active"'
ta_ctl "resume: exit 0" 0 tenant resume acme
ta_eq "resume" "$(tb_redis hget '{t:acme}:tenant' status)" "active"
ta_status "remove" 0 tb_ctl tenant remove beta
ta_eq "remove releases the login" "$(tb_redis hexists tm:idx:sasl beta-user)" "0"
ta_status "a released login can be claimed" 0 tb_ctl identity add acme --sasl beta-user

# apply: converge, idempotent, and all-or-nothing
cat >"$TB_DIR/tenants.json" <<JSON
{"tenants": {
  "acme": {"domains": ["acme.example"], "networks": ["192.0.2.0/24"], "sasl": []},
  "gamma": {"status": "paused", "reason": "onboarding", "domains": ["gamma.example", "Gamma-Mail.Example"],
            "sasl": ["gamma-user"], "networks": ["2001:db8::/48"]}
}}
JSON
ta_ctl "apply: exit 0" 0 apply "$TB_DIR/tenants.json"
out=$ta_out
ta_contains "apply creates" "$out" "gamma: created"
ta_contains "apply removes what the file drops" "$out" "acme: - domain xn--bcher-kva.example"
ta_contains "apply normalises" "$out" "gamma: + domain gamma-mail.example"
v=$(tb_redis get tm:version)
out=$(tb_ctl apply "$TB_DIR/tenants.json" 2>&1); rc=$?
ta_eq "second apply exits 0" "$rc" 0
ta_eq "second apply changes nothing" "$out" ""
ta_eq "second apply writes nothing" "$(tb_redis get tm:version)" "$v"

# dkim list --json (a key of acme's domain, generated into the test bed)
dkim=(-o dkim_keys="$TB_DIR/dkim.keys" -o dkim_key_dir="$TB_DIR/dkim")
ta_ctl "dkim generate: exit 0" 0 "${dkim[@]}" dkim generate acme acme.example --selector s1
ta_ctl "dkim list --json: exit 0" 0 "${dkim[@]}" dkim list acme --json
ta_eq "dkim list --json is JSON" "$ta_out" \
	"[{\"tenant\":\"acme\",\"domain\":\"acme.example\",\"selector\":\"s1\",\"key\":\"$TB_DIR/dkim/acme.example.s1.key\",\"state\":\"ok\"}]"
ta_ctl "dkim list: exit 0" 0 "${dkim[@]}" dkim list
ta_contains "dkim list without --json is the table" "$ta_out" "TENANT     DOMAIN                       SELECTOR     KEY"
ta_eq "applied status" "$(tb_redis hget '{t:gamma}:tenant' status)" "paused"
cat >"$TB_DIR/bad.json" <<JSON
{"tenants": {"acme": {"domains": ["gamma.example", "bad..example"]}, "Bad": {}, "delta": {"networks": ["10.0.0.1/8"]}}}
JSON
ta_ctl "a refused apply: exit 1" 1 apply "$TB_DIR/bad.json"
out=$ta_err
ta_contains "apply reports bad entries by path" "$out" '$.tenants.acme.domains[1]: invalid domain: empty label in domain'
ta_contains "apply reports bad names" "$out" '$.tenants.Bad: invalid tenant name'
ta_contains "apply reports host bits" "$out" '$.tenants.delta.networks[0]: invalid network'
ta_contains "apply says nothing changed" "$out" "not applied; nothing was changed"
ta_eq "a refused apply writes nothing" "$(tb_redis get tm:version)" "$v"
echo '{"tenants": {"acme": {"domains": ["gamma.example"]}}}' >"$TB_DIR/steal.json"
ta_ctl "apply of another tenant's domain: exit 1" 1 apply "$TB_DIR/steal.json"
ta_contains "apply refuses another tenant's domain" "$ta_err" "domain gamma.example already belongs to tenant gamma"
echo '{"tenants": {' >"$TB_DIR/broken.json"
ta_ctl "malformed JSON: exit 1" 1 apply "$TB_DIR/broken.json"
ta_contains "malformed JSON: file, line and column" "$ta_err" "broken.json:2:"

# apply --prune: tenants the file does not name are removed, and their claims released
tb_ctl tenant add stray >/dev/null && tb_ctl domain add stray stray.example >/dev/null &&
	tb_ctl identity add stray --network 198.51.100.0/24 >/dev/null && tb_ctl identity add stray --sasl stray-user >/dev/null
out=$(tb_ctl apply "$TB_DIR/tenants.json" 2>&1); rc=$?
ta_eq "apply without --prune exits 0" "$rc" 0
ta_eq "apply without --prune keeps a tenant the file does not name" "$(tb_redis sismember tm:tenants stray)" "1"
out=$(tb_ctl apply "$TB_DIR/tenants.json" --prune 2>&1); rc=$?
ta_eq "apply --prune exits 0" "$rc" 0
ta_eq "apply --prune says what it removed, and only that" "$out" "tenant stray removed"
ta_eq "apply --prune: the tenant set is the file's" "$(tb_redis smembers tm:tenants | sort | tr '\n' ' ')" "acme gamma "
ta_eq "tenant remove releases the domain" "$(tb_redis hexists tm:idx:domain stray.example)" "0"
ta_eq "tenant remove releases the network" "$(tb_redis hexists tm:idx:network 198.51.100.0/24)" "0"
ta_eq "tenant remove releases the login" "$(tb_redis hexists tm:idx:sasl stray-user)" "0"
ta_eq "tenant remove leaves no key of the tenant" "$(tb_redis --scan --pattern '{t:stray}:*' | wc -l)" "0"
ta_eq "the other tenants keep their claims" "$(tb_redis hget tm:idx:domain gamma.example) $(tb_redis hget tm:idx:network 192.0.2.0/24)" "gamma acme"
ta_status "a released domain can be claimed" 0 tb_ctl domain add acme stray.example
ta_status "a released network can be claimed" 0 tb_ctl identity add acme --network 198.51.100.0/24
out=$(tb_ctl apply "$TB_DIR/tenants.json" --prune 2>&1); rc=$?
ta_eq "apply --prune again exits 0" "$rc" 0
ta_contains "...and converges acme back to the file" "$out" "acme: - domain stray.example"
v=$(tb_redis get tm:version)
out=$(tb_ctl apply "$TB_DIR/tenants.json" --prune 2>&1); rc=$?
ta_eq "a third apply --prune exits 0, prints and writes nothing" "$rc:$out:$(tb_redis get tm:version)" "0::$v"

# the example file in conf/, applied twice: the second run prints and writes nothing
out=$(tb_ctl apply "$top_srcdir/conf/tenants.example.json" 2>&1); rc=$?
ta_eq "the example file applies" "$rc" 0
ta_contains "...creating globex" "$out" "globex: created"
ta_eq "...paused with its reason" "$(tb_redis hget '{t:globex}:tenant' status):$(tb_redis hget '{t:globex}:tenant' reason)" \
	"paused:DNS records not yet published"
ta_eq "...with its IPv6 network" "$(tb_redis hget tm:idx:network 2001:db8:ac3e::/48)" "acme"
v=$(tb_redis get tm:version)
out=$(tb_ctl apply "$top_srcdir/conf/tenants.example.json" 2>&1); rc=$?
ta_eq "the example file applied twice: exit 0" "$rc" 0
ta_eq "...the second run prints nothing" "$out" ""
ta_eq "...and writes nothing" "$(tb_redis get tm:version)" "$v"

# redis_password and redis_db
tb_redis config set requirepass s3cret >/dev/null
ta_ctl "password required: exit 1" 1 tenant list
ta_contains "password required: the Redis error is shown" "$ta_err" "NOAUTH"
ta_status "redis_password authenticates" 0 tb_ctl -o redis_password=s3cret tenant list
ta_ctl "a wrong password: exit 1" 1 -o redis_password=wrong tenant list
ta_contains "a wrong password is refused clearly" "$ta_err" "redis 127.0.0.1:$TB_REDIS_PORT: AUTH:"
ta_status "redis_db selects a database" 0 tb_ctl -o redis_password=s3cret -o redis_db=3 tenant add in-db-three
ta_eq "the tenant landed in database 3" "$(timeout 20 redis-cli -p "$TB_REDIS_PORT" -a s3cret --no-auth-warning -n 3 sismember tm:tenants in-db-three)" "1"
ta_eq "and not in database 0" "$(timeout 20 redis-cli -p "$TB_REDIS_PORT" -a s3cret --no-auth-warning -n 0 sismember tm:tenants in-db-three)" "0"
timeout 20 redis-cli -p "$TB_REDIS_PORT" -a s3cret --no-auth-warning config set requirepass "" >/dev/null

# Redis down: a clear error, exit 1
tb_redis_stop
ta_ctl "store down: exit 1" 1 tenant list
ta_contains "store down: clear error" "$ta_err" "tenantctl: redis 127.0.0.1:$TB_REDIS_PORT: Connection refused"

# the daemon's configuration check
ta_run "tenant-milter -n: exit 0" 0 "$TB_MILTER" -n -c "$TB_CONF"
ta_eq "tenant-milter -n: OK" "$ta_out" "configuration OK"
printf 'redis_timeout = fast\nnope = 1\n' >"$TB_DIR/bad.conf"
ta_run "tenant-milter -n: exit 1 on errors" 1 "$TB_MILTER" -n -c "$TB_DIR/bad.conf"
ta_contains "tenant-milter -n: file:line: reason" "$ta_out$ta_err" "$TB_DIR/bad.conf:2: unknown setting \"nope\""
ta_run "-o overrides: exit 1" 1 "$TB_MILTER" -n -c "$TB_CONF" -o redis_db=99999
ta_contains "-o overrides are checked too" "$ta_out$ta_err" "-o:1: redis_db: 99999 is out of range 0..65535"
ta_finish
