# ticketbot — `make run` starts the bot on the embedded defaults, `make test` runs every test.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
BIN      := bin/ticketbot
# The toolchain every build and test uses; the go command fetches it through the module proxy.
export GOTOOLCHAIN := go1.27.3
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB      := https://vuln.go.dev
# The main module and the modules that keep test and benchmark tools out of its go.mod:
# cmd/tbbench (make bench, with vegeta) and adapters/web/browser (the dashboard's Chromium test,
# with chromedp).
MODULES     := . cmd/tbbench adapters/web/browser
FUZZTIME    ?= 10s

# each runs a command in every module, going on after a failure and failing at the end.
define each
	@status=0; for m in $(MODULES); do (cd $$m && $(1)) || status=1; done; exit $$status
endef

IMAGE    ?= ticketbot:$(VERSION)
# podman or buildah, whichever is installed (both build without a daemon)
BUILDER  ?= $(shell command -v podman || command -v buildah)

.PHONY: run test test-race fuzz bench build lint vuln clean manifests image

## run: build bin/ticketbot, then start `bin/ticketbot serve` on the embedded defaults (SQLite file
## ticketbot.db, in-process state); the same binary runs the CLI commands of the README
run: build
	./$(BIN) serve

## test: the whole suite; MariaDB/Redis tests skip with a reason when unreachable (fail when CI=true)
test:
	$(call each,$(GO) test -count=1 -timeout 20m ./...)

## test-race: the concurrent code (core, bot, adapters: the dispatcher, stores, adapters and their
## fakes) under the race detector, on the embedded stores (TICKETBOT_TEST_SERVICES=embedded: the
## MariaDB/Redis variants run in `make test`). cmd/ticketbot's end-to-end tests and the browser
## test, which run the same code wired together, stay out: under the detector they doubled CI.
RACE_PKGS ?= ./core/... ./bot/... ./adapters/...
test-race:
	TICKETBOT_TEST_SERVICES=embedded $(GO) test -count=1 -race -timeout 20m $(RACE_PKGS)

## fuzz: every Fuzz* function in the repository for FUZZTIME each (default 10s)
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) MODULES="$(MODULES)" .ci/fuzz

## bench: measure against the local MariaDB and Redis; prints "bench: NAME VALUE UNIT" lines.
## BENCHFLAGS passes flags: -suite scale, -scale-messages 5 (5M messages), -scale-tickets 10000000
bench:
	cd cmd/tbbench && $(GO) run . $(BENCHFLAGS)

## build: a static binary in bin/ (no cgo needed: SQLite is pure Go)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -tags timetzdata -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/ticketbot

## image: the container image $(IMAGE), FROM scratch, from the binary of `make build`, with podman
## or buildah (no daemon, no base image to pull); `docker build -f docs/deploy/Dockerfile .` is the multi-stage build
image: build
	@test -n "$(BUILDER)" || { echo "make image needs podman or buildah (apt-get install podman); or run: docker build -t ticketbot ." >&2; exit 1; }
	@test -r /etc/ssl/certs/ca-certificates.crt || { echo "make image needs the CA bundle /etc/ssl/certs/ca-certificates.crt (apt-get install ca-certificates)" >&2; exit 1; }
	rm -rf bin/image && mkdir -p bin/image/data
	cp $(BIN) bin/image/ticketbot
	cp /etc/ssl/certs/ca-certificates.crt bin/image/
	$(BUILDER) build --format docker -f docs/deploy/Containerfile.scratch -t $(IMAGE) bin/image

## manifests: regenerate docs/slack-manifest*.yaml from `ticketbot slack manifest` (a test fails when they are stale)
manifests:
	$(GO) test -count=1 ./cmd/ticketbot -run TestSlackManifestFilesAreCurrent -update

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(call each,$(GO) vet ./...)

## vuln: govulncheck against the Go vulnerability database; says so (and passes) when it is unreachable
vuln:
	@if curl -fsS -o /dev/null --max-time 5 $(VULNDB)/index/db.json 2>/dev/null; then \
		status=0; for m in $(MODULES); do (cd $$m && $(GO) run $(GOVULNCHECK) -db $(VULNDB) ./...) || status=1; done; exit $$status; \
	else \
		echo "vuln: the vulnerability database $(VULNDB) is unreachable; govulncheck not run"; \
	fi

clean:
	rm -rf bin ticketbot.db ticketbot.db-wal ticketbot.db-shm
