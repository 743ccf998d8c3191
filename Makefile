# ticketbot — `make run` starts the bot on the embedded defaults, `make test` runs every test.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
BIN      := bin/ticketbot

.PHONY: run test test-race bench build lint clean manifests

## run: build bin/ticketbot, then start `bin/ticketbot serve` on the embedded defaults (SQLite file
## ticketbot.db, in-process state); the same binary runs the CLI commands of the README
run: build
	./$(BIN) serve

## test: the whole suite; MariaDB/Redis tests skip with a reason when unreachable (fail when CI=true)
test:
	$(GO) test -count=1 -timeout 20m ./...

## test-race: the core, bot and config packages under the race detector
test-race:
	$(GO) test -count=1 -race -timeout 20m ./core/... ./bot/... ./config/...

## bench: measure against the local MariaDB and Redis; prints "bench: NAME VALUE UNIT" lines
bench:
	$(GO) run ./cmd/tbbench

## build: a static binary in bin/ (no cgo needed: SQLite is pure Go)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/ticketbot

## manifests: regenerate docs/slack-manifest*.yaml from `ticketbot slack manifest` (a test fails when they are stale)
manifests:
	$(GO) test -count=1 ./cmd/ticketbot -run TestSlackManifestFilesAreCurrent -update

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin ticketbot.db ticketbot.db-wal ticketbot.db-shm
