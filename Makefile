# pixivauth: `make demo` shows the whole flow offline, `make test` checks
# everything. Both install what is missing first.
GO          ?= go
GOBIN       := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
BIN         := pixivauth
FUZZTIME    ?= 60s
PKGS        := ./...

.PHONY: build demo test deps-demo deps-test staticcheck lint cross fuzz bench man clean

build:
	$(GO) build -o $(BIN) .

deps-demo:
	@sh scripts/deps.sh demo

deps-test:
	@sh scripts/deps.sh test

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

staticcheck: $(STATICCHECK)

## demo: the full login flow, offline, against the built-in Pixiv double.
demo: deps-demo build
	./$(BIN) demo

## test: formatting, vet, staticcheck, cross-builds, then every test with the race detector.
test: deps-test lint cross
	$(GO) test -race -count=1 -timeout 45m $(PKGS)

lint: staticcheck
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)

## cross: the binary builds for macOS and Windows too.
cross:
	GOOS=darwin  GOARCH=amd64 $(GO) build -o /dev/null .
	GOOS=darwin  GOARCH=arm64 $(GO) build -o /dev/null .
	GOOS=windows GOARCH=amd64 $(GO) build -o /dev/null .
	GOOS=windows GOARCH=arm64 $(GO) build -o /dev/null .

## fuzz: each fuzz target for FUZZTIME (make fuzz FUZZTIME=10m).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseCallback$$' -fuzztime $(FUZZTIME) ./capture/
	$(GO) test -run '^$$' -fuzz '^FuzzParseResponse$$' -fuzztime $(FUZZTIME) ./exchange/
	$(GO) test -run '^$$' -fuzz '^FuzzParseCookiesTxt$$' -fuzztime $(FUZZTIME) ./session/
	$(GO) test -run '^$$' -fuzz '^FuzzParseExtensionJSON$$' -fuzztime $(FUZZTIME) ./session/

## bench: the benchmarks, and the table in BENCHMARKS.md. The browser
## benchmarks run a fixed number of whole logins each (BENCHLOGINS), so that
## their percentiles have samples behind them.
BENCHLOGINS ?= 40
bench: deps-test build
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./exchange/ ./store/ ./pixivtest/ > bench.out
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHLOGINS)x -count 1 -timeout 30m ./capture/ . >> bench.out
	grep -v '^\s*$$' bench.out
	$(GO) run ./scripts/benchtable < bench.out > BENCHMARKS.md
	@echo "wrote BENCHMARKS.md"

## man: the man page, pixivauth.1, made from the same command definitions
## as --help (for packagers: install it as man1/pixivauth.1).
man:
	$(GO) run . __man > pixivauth.1

clean:
	rm -f $(BIN) bench.out pixivauth.1
