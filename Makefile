# ticketbot — `make run` starts the bot on the embedded defaults, `make test` runs every test.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
BIN      := bin/ticketbot
IMAGE    ?= ticketbot:$(VERSION)
# podman or buildah, whichever is installed (both build without a daemon)
BUILDER  ?= $(shell command -v podman || command -v buildah)

.PHONY: run test test-race bench build lint clean manifests image

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
	CGO_ENABLED=0 $(GO) build -trimpath -tags timetzdata -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/ticketbot

## image: the container image $(IMAGE), FROM scratch, from the binary of `make build`, with podman
## or buildah (no daemon, no base image to pull); `docker build .` uses the multi-stage Dockerfile
image: build
	@test -n "$(BUILDER)" || { echo "make image needs podman or buildah (apt-get install podman); or run: docker build -t ticketbot ." >&2; exit 1; }
	@test -r /etc/ssl/certs/ca-certificates.crt || { echo "make image needs the CA bundle /etc/ssl/certs/ca-certificates.crt (apt-get install ca-certificates)" >&2; exit 1; }
	rm -rf bin/image && mkdir -p bin/image/data
	cp $(BIN) bin/image/ticketbot
	cp /etc/ssl/certs/ca-certificates.crt bin/image/
	$(BUILDER) build --format docker -f build/Containerfile.scratch -t $(IMAGE) bin/image

## manifests: regenerate docs/slack-manifest*.yaml from `ticketbot slack manifest` (a test fails when they are stale)
manifests:
	$(GO) test -count=1 ./cmd/ticketbot -run TestSlackManifestFilesAreCurrent -update

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin ticketbot.db ticketbot.db-wal ticketbot.db-shm
