#!/usr/bin/env bash
# make.sh remakes the "v1" upgrade fixtures: a database written by the kessai
# binary of commit d9a9013, the last one with the hand-written migrator
# (schema_migrations, version 1, no goose table). It builds that commit from
# git, drives it through its HTTP API once per dialect, dumps each database
# as SQL and records the secret key and ids in Go:
#
#	sqlite/testdata/v1_fixture.sql    python3 sqlite3 iterdump()
#	postgres/testdata/v1_fixture.sql  pg_dump --no-owner --no-privileges --inserts
#	internal/upgradetest/v1fixture.go the ids, for upgradetest.Upgrade
#
# The upgrade tests load the committed dumps; they never run this script.
#
# Usage (from anywhere in the repository):
#
#	internal/testdb/v1fixture/make.sh
#
# Needs git, go, curl, jq, python3, psql and pg_dump, and a PostgreSQL
# server (KESSAI_FIXTURE_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432)
# on which it (re)creates the database kessai_v1_fixture.
set -euo pipefail

rev=${KESSAI_FIXTURE_REV:-d9a9013}
pgbase=${KESSAI_FIXTURE_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
pgdb=kessai_v1_fixture
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
server_pid=
cleanup() {
	if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "building kessai at $rev" >&2
mkdir "$tmp/src"
git -C "$root" archive "$rev" | tar -x -C "$tmp/src"
(cd "$tmp/src" && go build -o "$tmp/kessai" ./cmd/kessai)
bin=$tmp/kessai

fail() { echo "make.sh: $*" >&2; exit 1; }

# api METHOD PATH [BODY [IDEMPOTENCY-KEY]] prints the JSON answer; any status
# but 200 is fatal.
api() {
	local method=$1 path=$2 body=${3:-} key=${4:-}
	local args=(-sS -o "$tmp/body" -w '%{http_code}' -X "$method" -u "$sk:" "$base$path")
	if [[ -n $body ]]; then args+=(-H 'Content-Type: application/json' -d "$body"); fi
	if [[ -n $key ]]; then args+=(-H "Idempotency-Key: $key"); fi
	local status
	status=$(curl "${args[@]}")
	[[ $status == 200 ]] || fail "$method $path: $status $(cat "$tmp/body")"
	cat "$tmp/body"
}

# expect JSON FIELD VALUE fails unless the field of the JSON object is VALUE.
expect() {
	local got
	got=$(jq -r ".$2" <<<"$1")
	[[ $got == "$3" ]] || fail "$2 is $got, want $3: $1"
}

card='"card":{"number":"4242424242424242","exp_month":12,"exp_year":2030,"cvc":"123"},"billing_details":{"email":"buyer@example.com"}'

# populate DATABASE_URL makes the fixture's objects and sets the shell
# variables that gofields prints.
populate() {
	local url=$1
	local acct
	acct=$("$bin" accounts create --name fixture --json --database-url "$url" 2>/dev/null)
	account_id=$(jq -r .id <<<"$acct")
	sk=$(jq -r .secret_key <<<"$acct")

	local port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	base=http://127.0.0.1:$port
	# Refunds of PayPay stay pending for a month, so the dump holds a
	# pending refund and its settle job.
	"$bin" serve --addr "127.0.0.1:$port" --database-url "$url" --settle-delay-paypay 720h --log-level warn 2>"$tmp/serve.log" &
	server_pid=$!
	for _ in $(seq 100); do
		curl -sf "$base/healthz" >/dev/null && break
		sleep 0.1
	done
	curl -sf "$base/healthz" >/dev/null || fail "server did not start: $(cat "$tmp/serve.log")"

	local r
	# A card flow paid at once, then refunded twice in part.
	card_pm=$(api POST /v2/payment_methods "{\"type\":\"card\",$card}" | jq -r .id)
	r=$(api POST /v2/payment_flows "{\"amount\":3000,\"currency\":\"jpy\",\"payment_method_id\":\"$card_pm\",\"confirm\":true}" fixture-paid-flow)
	expect "$r" status succeeded
	paid_flow=$(jq -r .id <<<"$r")
	r=$(api POST /v2/payment_refunds "{\"payment_flow_id\":\"$paid_flow\",\"amount\":1000}" fixture-refund-1)
	expect "$r" status succeeded
	paid_refund1=$(jq -r .id <<<"$r")
	r=$(api POST /v2/payment_refunds "{\"payment_flow_id\":\"$paid_flow\",\"amount\":500}" fixture-refund-2)
	expect "$r" status succeeded
	paid_refund2=$(jq -r .id <<<"$r")

	# A card flow authorized for manual capture and left there.
	manual_pm=$(api POST /v2/payment_methods "{\"type\":\"card\",$card}" | jq -r .id)
	r=$(api POST /v2/payment_flows "{\"amount\":2000,\"currency\":\"jpy\",\"payment_method_id\":\"$manual_pm\",\"capture_method\":\"manual\",\"confirm\":true}" fixture-manual-flow)
	expect "$r" status requires_capture
	manual_flow=$(jq -r .id <<<"$r")

	# A PayPay flow approved by the simulated buyer, with a pending refund.
	paypay_pm=$(api POST /v2/payment_methods '{"type":"paypay"}' | jq -r .id)
	r=$(api POST /v2/payment_flows "{\"amount\":1200,\"currency\":\"jpy\",\"payment_method_id\":\"$paypay_pm\",\"confirm\":true}" fixture-paypay-flow)
	expect "$r" status requires_action
	paypay_flow=$(jq -r .id <<<"$r")
	r=$(api POST "/kessai/v1/payment_flows/$paypay_flow/approve")
	expect "$r" status succeeded
	r=$(api POST /v2/payment_refunds "{\"payment_flow_id\":\"$paypay_flow\",\"amount\":400}" fixture-paypay-refund)
	expect "$r" status pending
	paypay_refund=$(jq -r .id <<<"$r")

	# A customer with a saved card.
	r=$(api POST /v2/customers '{"email":"customer@example.com"}' fixture-customer)
	customer=$(jq -r .id <<<"$r")
	r=$(api POST /v2/payment_methods "{\"type\":\"card\",$card,\"customer_id\":\"$customer\"}")
	expect "$r" customer_id "$customer"
	customer_pm=$(jq -r .id <<<"$r")

	kill "$server_pid"
	wait "$server_pid" || true
	server_pid=
}

# gofields NAME prints the Go value of the fixture just populated; jobs is
# the output of "SELECT kind, id FROM jobs", one tab-separated row a line.
gofields() {
	local name=$1 jobs=$2
	local expire settle
	expire=$(awk -F'\t' '$1 == "expire_authorization" {print $2}' <<<"$jobs")
	settle=$(awk -F'\t' '$1 == "settle_refund" {print $2}' <<<"$jobs")
	[[ $(wc -w <<<"$expire") == 1 && $(wc -w <<<"$settle") == 1 ]] || fail "unexpected jobs: $jobs"
	cat <<EOF

// $name is the fixture in $3.
var $name = V1Fixture{
	AccountID: "$account_id",
	SecretKey: "$sk",
	PaidFlow: "$paid_flow",
	PaidRefunds: [2]string{"$paid_refund1", "$paid_refund2"},
	CardMethod: "$card_pm",
	ManualFlow: "$manual_flow",
	ManualMethod: "$manual_pm",
	PayPayFlow: "$paypay_flow",
	PayPayMethod: "$paypay_pm",
	PayPayRefund: "$paypay_refund",
	Customer: "$customer",
	CustomerMethod: "$customer_pm",
	ExpireJob: "$expire",
	SettleJob: "$settle",
}
EOF
}

out=$tmp/v1fixture.go
cat >"$out" <<EOF
// Code generated by internal/testdb/v1fixture/make.sh from kessai $rev; DO NOT EDIT.

package upgradetest
EOF

echo "populating SQLite" >&2
db=$tmp/kessai.db
populate "sqlite:$db"
python3 - "$db" "$root/sqlite/testdata/v1_fixture.sql" <<'EOF'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
with open(sys.argv[2], "w") as f:
    for line in con.iterdump():
        f.write(line + "\n")
EOF
jobs=$(python3 -c 'import sqlite3, sys
for kind, id in sqlite3.connect(sys.argv[1]).execute("SELECT kind, id FROM jobs ORDER BY id"):
    print(kind + "\t" + id)' "$db")
gofields V1SQLite "$jobs" sqlite/testdata/v1_fixture.sql >>"$out"

echo "populating PostgreSQL" >&2
psql -q -v ON_ERROR_STOP=1 "$pgbase/postgres" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" -c "CREATE DATABASE $pgdb"
populate "$pgbase/$pgdb?sslmode=disable"
# pg_dump 15.14 and later bracket the dump with \restrict and \unrestrict,
# psql meta-commands that a plain SQL executor cannot run; they guard psql
# against a hostile dump, which this is not.
pg_dump --no-owner --no-privileges --inserts "$pgbase/$pgdb" | sed -e '/^\\restrict /d' -e '/^\\unrestrict /d' >"$root/postgres/testdata/v1_fixture.sql"
jobs=$(psql -At -F $'\t' "$pgbase/$pgdb" -c "SELECT kind, id FROM jobs ORDER BY id")
gofields V1Postgres "$jobs" postgres/testdata/v1_fixture.sql >>"$out"
psql -q "$pgbase/postgres" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)"

gofmt <"$out" >"$root/internal/upgradetest/v1fixture.go"
echo "wrote sqlite/testdata/v1_fixture.sql postgres/testdata/v1_fixture.sql internal/upgradetest/v1fixture.go" >&2
