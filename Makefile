# Live Desk. `make test` needs nothing but Go; the PostgreSQL and NATS
# suites join in when LIVEDESK_TEST_POSTGRES_URL / LIVEDESK_TEST_NATS_URL are
# set (and must, when CI=true).
GO       ?= go
PKGS     ?= ./...
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: test test-race build lint fuzz run clean bench

test:
	$(GO) test -count=1 $(PKGS)

test-race:
	$(GO) test -race -count=1 $(PKGS)

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o bin/livedesk ./cmd/livedesk

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)

run:
	$(GO) run ./cmd/livedesk

clean:
	rm -rf bin

# bench: the load scenarios of docs/benchmarks.md, BENCH_RUNS runs each on a
# fresh server (medians printed), loopback only; about 20 minutes. A run
# that loses, doubles or refuses anything is reported and the rest go on.
# PostgreSQL and NATS at ldload's defaults (see ldload -h). idle holds
# BENCH_IDLE sockets in one process: 100,000 needs a file limit above that
# (this machine's is 20,000). BENCH_FLAGS adds flags to every run.
BENCH_RUNS  ?= 3
BENCH_IDLE  ?= 15000
BENCH_FLAGS ?=
LDLOAD       = bin/ldload -server-bin bin/livedesk-bench -runs $(BENCH_RUNS) $(BENCH_FLAGS)
bench:
	@mkdir -p bin
	$(GO) build -o bin/ldload ./bench/cmd/ldload
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/livedesk-bench ./cmd/livedesk
	-$(LDLOAD) -rate 2500 chat
	-$(LDLOAD) -rate 2500 -receipts chat
	-$(LDLOAD) -rate 5000 chat
	-$(LDLOAD) -rate 10000 -drain 120s -agents 40 -watch mine chat
	-$(LDLOAD) -workspaces 1 -agents 200 -conversations 2000 -rate 2000 -watch mine chat
	-$(LDLOAD) -db postgres -rate 5000 chat
	-$(LDLOAD) -rate 5000 cluster
	-$(LDLOAD) -n 10000 storm
	-$(LDLOAD) -n $(BENCH_IDLE) idle
	-$(LDLOAD) -runs 1 -n 19000 -hold 60s -connect-rate 5000 fleet

# --- web UI: web/ sources, built into web/dist (committed, embedded) ---
# Node 20.19+ and npm. Playwright drives Debian's /usr/bin/chromium and
# never downloads a browser.
NPM ?= npm
WEB_ENV = PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

.PHONY: web web-test e2e web-check

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && $(WEB_ENV) $(NPM) ci

# web: a clean install, a type check and a fresh web/dist.
web:
	cd web && $(WEB_ENV) $(NPM) ci && $(NPM) run build

# web-test: unit tests of the protocol client and the size budgets of web/dist.
web-test: web/node_modules/.package-lock.json
	cd web && $(NPM) test

# e2e: browser tests against `go run ./cmd/livedesk` serving the committed web/dist.
e2e: web/node_modules/.package-lock.json
	@test -x /usr/bin/chromium || { echo "e2e needs Debian's chromium: apt-get install -y chromium"; exit 1; }
	cd web && $(WEB_ENV) $(NPM) run e2e

# web-check: fails when the committed web/dist differs from a fresh build.
web-check: web
	git diff --exit-code -- web/dist
	@extra=$$(git ls-files --others --exclude-standard -- web/dist); \
	if [ -n "$$extra" ]; then echo "web/dist has files that are not committed:"; echo "$$extra"; exit 1; fi
