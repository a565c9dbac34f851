# membio: OpenSSL's TLS as a sans-I/O engine for Go.
#
#   make demo    TLS between membio, Python's ssl and itself, printed
#   make test    vet, lint, the race pass and the checkptr pass
#   make bench   the performance table (not part of make test)

GO       ?= go
PKG      := github.com/membio/membio
# Tests spawn peers (python3, openssl, gnutls) and compile cgo under -race;
# keep one package building at a time on small machines.
TESTFLAGS ?= -count=1 -timeout 25m

export CGO_ENABLED ?= 1

.PHONY: all deps build test vet lint race checkptr submodules interop demo bench fuzz clean

all: build

deps:
	@./scripts/deps.sh

build: deps
	$(GO) build ./...

vet: deps
	$(GO) vet ./...

# lint: cgo lives in cshim only; code is gofmt-clean; the module still
# builds without cgo (constructors then report that cgo is required).
lint: deps
	@bad=$$($(GO) list -f '{{if .CgoFiles}}{{.ImportPath}}{{end}}' ./... | grep -v '^$(PKG)/cshim$$' || true); \
	if [ -n "$$bad" ]; then echo "cgo outside cshim: $$bad"; exit 1; fi; \
	echo "lint: cgo only in $(PKG)/cshim"
	@fmt=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$fmt" ]; then echo "gofmt needed: $$fmt"; exit 1; fi
	CGO_ENABLED=0 $(GO) build ./...

race: deps
	$(GO) test -race $(TESTFLAGS) ./...

checkptr: deps
	$(GO) test -gcflags=all=-d=checkptr $(TESTFLAGS) ./...

# Modules of their own (gRPC tests, examples with heavy dependencies)
# build against this checkout through replace directives; make test vets
# and tests each of them under -race.
SUBMODULES := $(sort $(patsubst %/go.mod,%,$(shell find . -mindepth 2 -name go.mod -not -path './.git/*')))

submodules: deps
	@set -e; for m in $(SUBMODULES); do \
		echo "== $$m"; \
		(cd $$m && $(GO) vet ./... && $(GO) test -race $(TESTFLAGS) ./...); \
	done

test: deps vet lint race checkptr submodules

interop: deps
	$(GO) test -race $(TESTFLAGS) -run 'Interop' ./tests/...

demo: deps
	$(GO) run ./scripts/demo

# bench: the table against C, Python, crypto/tls and go-openssl (about
# 6 minutes on 2 cores; BENCHFLAGS=-quick for a smoke run), then the
# per-call benchmarks with allocation counts.
BENCHFLAGS ?=
bench: deps
	$(GO) run ./scripts/bench $(BENCHFLAGS)
	$(GO) run ./scripts/connbench
	$(GO) test -run '^$$' -bench . -benchmem ./scripts/bench/

# fuzz: each fuzz target for FUZZTIME (go test fuzzes one target at a time).
FUZZTIME ?= 20s
fuzz: deps
	$(GO) test -run '^$$' -fuzz '^FuzzMemoryBIO$$' -fuzztime $(FUZZTIME) ./bio/
	$(GO) test -run '^$$' -fuzz '^FuzzEncodeHostname$$' -fuzztime $(FUZZTIME) ./sslobj/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeCertificate$$' -fuzztime $(FUZZTIME) ./context/

clean:
	$(GO) clean -testcache
