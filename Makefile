# Live Desk. `make test` needs nothing but Go; the PostgreSQL and NATS
# suites join in when LIVEDESK_TEST_POSTGRES_URL / LIVEDESK_TEST_NATS_URL are
# set (and must, when CI=true).
GO       ?= go
PKGS     ?= ./...
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: test test-race build lint fuzz run clean

test:
	$(GO) test -count=1 $(PKGS)

test-race:
	$(GO) test -race -count=1 $(PKGS)

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o bin/livedesk ./cmd/livedesk

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)

run:
	$(GO) run ./cmd/livedesk

clean:
	rm -rf bin
