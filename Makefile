# pixivauth: `make demo` shows the whole flow offline, `make test` checks
# everything. Both install what is missing first.
GO          ?= go
GOBIN       := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
BIN         := pixivauth
FUZZTIME    ?= 60s
PKGS        := ./...

.PHONY: build demo test deps-demo deps-test staticcheck lint cross fuzz bench man clean soak soak-ci

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

## test: formatting, vet, staticcheck, cross-builds, every test with the race
## detector, then a short soak with a fixed seed (soak-ci). The tests run
## once, under a 60-character TMPDIR, deeper than macOS's /var/folders/…/T/:
## Chrome's socket path must fit whatever TMPDIR is, and nothing may be left
## there. Tests run in parallel (TESTPARALLEL per package; the browser tests
## bound their own Chromiums to three at once), so most of the suite's time
## is CPU.
TESTPARALLEL ?= 16
TESTPACKAGES ?= 4
DEEPTMP_LEAF := sixty-character-tmpdir-like-macos
test: deps-test lint cross
	@d=$$(mktemp -d /tmp/pixivauth-deep-XXXXXX) && deep="$$d/$(DEEPTMP_LEAF)" && mkdir "$$deep" && \
	echo "TMPDIR=$$deep ($${#deep} characters): $(GO) test -race $(PKGS)" && \
	TMPDIR="$$deep" $(GO) test -race -count=1 -p $(TESTPACKAGES) -parallel $(TESTPARALLEL) -timeout 45m $(PKGS) ; status=$$?; \
	left=$$(ls -A "$$deep"); rm -rf "$$d"; \
	if [ -n "$$left" ]; then echo "left in TMPDIR: $$left"; exit 1; fi; exit $$status
	$(MAKE) soak-ci

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
	$(GO) test -run '^$$' -fuzz '^FuzzParseAnswer$$' -fuzztime $(FUZZTIME) ./capture/
	$(GO) test -run '^$$' -fuzz '^FuzzParseResponse$$' -fuzztime $(FUZZTIME) ./exchange/
	$(GO) test -run '^$$' -fuzz '^FuzzParseCookiesTxt$$' -fuzztime $(FUZZTIME) ./session/
	$(GO) test -run '^$$' -fuzz '^FuzzParseExtensionJSON$$' -fuzztime $(FUZZTIME) ./session/
	$(GO) test -run '^$$' -fuzz '^FuzzParsePage$$' -fuzztime $(FUZZTIME) ./httplogin/

## bench: the benchmarks, and the table in BENCHMARKS.md. The browser
## benchmarks run a fixed number of whole logins each (BENCHLOGINS), so that
## their percentiles have samples behind them.
BENCHLOGINS ?= 40
bench: deps-test build
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./exchange/ ./store/ ./pixivtest/ ./httplogin/ > bench.out
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

## soak: issue 15's random-fault soak: SOAK_RUNS refresh/token/check runs
## (some in bursts of ten on one profile) and SOAK_LOGINS headless logins
## (stored session, or username and password) against Pixiv doubles that fail at random, with signals to the runs
## and SIGKILLs to their browsers, every run judged (scripts/soak). The same
## SOAK_SEED makes the same choices. Figures: RELIABILITY.md.
SOAK_RUNS   ?= 300
SOAK_LOGINS ?= 50
SOAK_SEED   ?= 1
SOAK_FLAGS  ?=
soak: build
	$(GO) run ./scripts/soak -bin ./$(BIN) -runs $(SOAK_RUNS) -logins $(SOAK_LOGINS) -seed $(SOAK_SEED) $(SOAK_FLAGS)

## soak-ci: the soak `make test` runs: small, with a fixed seed, well under a
## minute on two cores.
soak-ci:
	$(MAKE) soak SOAK_RUNS=40 SOAK_LOGINS=4 SOAK_SEED=15 SOAK_FLAGS='-max-time 50s'
