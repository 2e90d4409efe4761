# The test command of the README: every package on SQLite and PostgreSQL,
# with the race detector, plus the official-SDK compatibility test.
.PHONY: test run build fuzz licenses

# The version comes from git: the nearest tag (v0.1.0, or v0.1.0-3-gabc1234
# after it, -dirty with uncommitted changes), else the commit. Override with
# make build VERSION=… ; BIN is where the binary goes.
BIN     ?= kessai
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --always --dirty 2>/dev/null)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE    ?= $(shell git show -s --format=%cI HEAD 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

build:
	go build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kessai

run:
	go run ./cmd/kessai serve

test:
	go test -race -count=1 -timeout 20m ./...

fuzz:
	go test ./jsonapi -run '^$$' -fuzz FuzzDecode -fuzztime 30s
	go test ./mws -run '^$$' -fuzz FuzzParseForm -fuzztime 30s
	go test ./mws -run '^$$' -fuzz FuzzVerifySignature -fuzztime 30s
	go test ./mws -run '^$$' -fuzz FuzzParseAmount -fuzztime 30s
	go test ./accounting -run '^$$' -fuzz '^FuzzParseReport$$' -fuzztime 30s
	go test ./accounting -run '^$$' -fuzz '^FuzzParsePercentage$$' -fuzztime 30s
	go test ./amazonv2 -run '^$$' -fuzz FuzzVerifySignature -fuzztime 30s
	go test ./amazonv2 -run '^$$' -fuzz FuzzParseAmount -fuzztime 30s
	go test ./amazonv2 -run '^$$' -fuzz FuzzSessionBody -fuzztime 30s
	go test ./dashboard -run '^$$' -fuzz FuzzAmountOf -fuzztime 30s
	go test ./payjpflow -run '^$$' -fuzz '^FuzzComputeLine$$' -fuzztime 30s

# docs/licenses.md from the module graph; fails on a licence not allowed
# beside Apache-2.0 (internal/licenses).
licenses:
	go run ./internal/licenses/mklicenses -o docs/licenses.md
