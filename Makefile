# The test command of the README: every package on SQLite and PostgreSQL,
# with the race detector, plus the official-SDK compatibility test.
.PHONY: test run build fuzz

build:
	go build -o kessai ./cmd/kessai

run:
	go run ./cmd/kessai serve

test:
	go test -race -count=1 -timeout 20m ./...

fuzz:
	go test ./jsonapi -run '^$$' -fuzz FuzzDecode -fuzztime 30s
	go test ./mws -run '^$$' -fuzz FuzzParseForm -fuzztime 30s
	go test ./mws -run '^$$' -fuzz FuzzVerifySignature -fuzztime 30s
	go test ./mws -run '^$$' -fuzz FuzzParseAmount -fuzztime 30s
	go test ./amazonv2 -run '^$$' -fuzz FuzzVerifySignature -fuzztime 30s
	go test ./amazonv2 -run '^$$' -fuzz FuzzParseAmount -fuzztime 30s
	go test ./amazonv2 -run '^$$' -fuzz FuzzSessionBody -fuzztime 30s
	go test ./engine -run '^$$' -fuzz '^FuzzParseReport$$' -fuzztime 30s
	go test ./engine -run '^$$' -fuzz '^FuzzParsePercentage$$' -fuzztime 30s
	go test ./dashboard -run '^$$' -fuzz FuzzAmountOf -fuzztime 30s
	go test ./engine -run '^$$' -fuzz '^FuzzComputeLine$$' -fuzztime 30s
