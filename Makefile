# Odoo ⇄ Afterpay payments. The two commands a newcomer needs:
#   make dev    run the whole product locally (Temporal, simulators, worker, API)
#   make test   run every test, the end-to-end test against a real Temporal dev server included
#   make test-odoo  the end-to-end suite against a real Odoo 18 (../shared/odoo18, or ODOO_URL=… for your own)

GO       ?= go
BIN      := $(CURDIR)/bin
TEMPORAL := $(BIN)/temporal
# Pinned: later CLI versions cannot be built with `go install`.
TEMPORAL_CLI_VERSION := v1.5.1

export TEMPORAL_CLI := $(TEMPORAL)

.PHONY: dev demo test test-odoo unit e2e vet bench fuzz fuzz-short browser-deps build compose-config clean histories

dev: $(TEMPORAL) ## run everything locally; Ctrl-C stops it
	$(GO) run ./cmd/dev

demo: ## confirm a demo order and pay it end to end (needs `make dev` running)
	ENV_FILE=.dev/dev.env $(GO) run ./starter demo

test: vet compose-config unit fuzz-short e2e ## every test

test-odoo: $(TEMPORAL) ## the end-to-end suite on a real Odoo 18, and the Odoo client's conformance suite
	GO=$(GO) scripts/test-odoo

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }

unit: $(TEMPORAL) ## unit tests (and the make-dev kill test, which runs the Temporal CLI)
	$(GO) test -count=1 -race $$($(GO) list ./... | grep -v /e2e)

e2e: $(TEMPORAL) browser-deps ## the end-to-end tests: a real Temporal dev server on a free port, and a headless browser
	$(GO) test -count=1 -v -timeout 10m ./e2e/

histories: $(TEMPORAL) ## record the replay test's histories anew from the end-to-end suite (after a change that may not replay)
	rm -f workflows/testdata/*.json
	E2E_RECORD_HISTORIES=$(CURDIR)/workflows/testdata $(GO) test -count=1 -run '^(TestEndToEnd|TestOrderToCash|TestAfterSale|TestReconciliation)$$' ./e2e/

# The side-by-side benchmark (e2e's BenchmarkSideBySide) runs once, for minutes, and prints its table last;
# BENCH_PAYMENTS, BENCH_ROUNDS, BENCH_WARMUP and BENCH_TEMPORAL_POLL_RPS tune it (README: Performance and scaling).
# The memory benchmark opens 1,000 and 10,000 payments (MEMBENCH_OPEN): about a quarter of an hour on 2 cores.
bench: $(TEMPORAL) ## speed and memory benchmarks, then the product side by side with a bare workflow of its shape
	$(GO) test -run '^$$' -bench . -skip '^BenchmarkSideBySide$$' -benchmem -timeout 60m ./...
	GO=$(GO) $(GO) test -run '^$$' -bench '^BenchmarkSideBySide$$' -benchtime 1x -timeout 30m ./e2e/

browser-deps: ## headless Chromium (Debian's package) and axe-core for the browser test
	e2e/testdata/browser/setup.sh

fuzz-short: ## 10000 inputs for each of the API's fuzz targets, in every make test (a count: a 5 s duration once ended in "context deadline exceeded" on a busy machine)
	$(GO) test -run '^$$' -fuzz '^FuzzVerify$$' -fuzztime 10000x ./afterpay/webhooksig/
	$(GO) test -run '^$$' -fuzz '^FuzzParseEvent$$' -fuzztime 10000x ./api/
	$(GO) test -run '^$$' -fuzz '^FuzzOrderName$$' -fuzztime 10000x ./api/

fuzz: ## a short run of each fuzz target
	$(GO) test -run '^$$' -fuzz FuzzParse$$ -fuzztime 20s ./money/
	$(GO) test -run '^$$' -fuzz FuzzParseDecimal -fuzztime 20s ./money/

build:
	$(GO) build ./...

compose-config: ## check docker-compose.yml (needs a compose CLI, not an engine)
	.ci/compose-check

$(TEMPORAL):
	GOBIN=$(BIN) $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

clean:
	rm -rf .dev
