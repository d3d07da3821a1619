# vapp-operator. Everything a target needs is installed by the target itself:
# Node 24 comes from npm (the `node` devDependency), the control plane is built from Go modules.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

NPM ?= npm
# Upstream API specs (KubeVirt, CDI, CSI snapshot); downloaded from their releases when absent.
export VAPP_SPECS_DIR ?= $(if $(wildcard ../shared/kubevirt/swagger.json),$(abspath ../shared),)
IMG ?= ghcr.io/vapp-dev/vapp-operator:dev
KUBECONFIG_SANDBOX := .sandbox/kubeconfig

NODE_DEPS := node_modules/.package-lock.json
GENERATED := src/kubevirt/generated/kubevirt.ts src/datasync/snapshot-metadata/generated/schema.proto

.PHONY: help
help: ## Show the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(NODE_DEPS): package.json package-lock.json
	$(NPM) ci --no-fund --no-audit --loglevel=error
	@touch $@

.PHONY: deps
deps: $(NODE_DEPS) ## Install the npm dependencies (Node 24 included)

$(GENERATED): $(NODE_DEPS) scripts/generate-kubevirt-types.ts
	$(NPM) run --silent generate:types

.PHONY: generate
generate: $(NODE_DEPS) ## Regenerate the KubeVirt typings, crds/ (from the zod schemas), config/admission, the argocd-cm patch and the dashboard ConfigMap
	$(NPM) run --silent generate:types
	$(NPM) run --silent generate:crds
	$(NPM) run --silent generate:admission
	$(NPM) run --silent generate:integrations

.PHONY: controlplane
controlplane: ## Build (once, cached by version) kube-apiserver, kube-controller-manager and etcd
	@bash tools/controlplane/build.sh >/dev/null

.PHONY: helpers
helpers: ## Build (once, cached by version) the Go helpers of the tests: tools/argocd-lua (Argo CD's Lua), tools/kstatus
	@bash tools/go-helper.sh argocd-lua >/dev/null
	@bash tools/go-helper.sh kstatus >/dev/null

.PHONY: build
build: $(GENERATED) ## Compile to dist/
	$(NPM) run --silent build

.PHONY: lint
lint: $(GENERATED) ## Check formatting (prettier, 120 columns), type-check and lint
	$(NPM) run --silent format:check
	$(NPM) run --silent typecheck
	$(NPM) run --silent lint

.PHONY: format
format: $(NODE_DEPS) ## Format the TypeScript sources with prettier
	$(NPM) run --silent format

.PHONY: system-deps
system-deps: ## Install the Debian packages the tests use (tools/system-deps.sh; only those missing)
	@bash tools/system-deps.sh

.PHONY: test
test: lint controlplane helpers system-deps ## Lint, then run every test (unit and integration, on a real API server)
	$(NPM) run --silent test

.PHONY: test-unit
test-unit: $(GENERATED) helpers system-deps ## Run the unit tests only
	$(NPM) run --silent test:unit

.PHONY: sandbox
sandbox: $(GENERATED) controlplane ## Run a local cluster; kubectl --kubeconfig .sandbox/kubeconfig ...
	$(NPM) exec -- node src/main.ts sandbox --dir .sandbox

.PHONY: run
run: $(GENERATED) ## Run the operator against .sandbox/kubeconfig (or $$KUBECONFIG)
	$(NPM) exec -- node src/main.ts run --kubeconfig "$${KUBECONFIG:-$(KUBECONFIG_SANDBOX)}"

KEEP ?=
.PHONY: demo
demo: $(GENERATED) controlplane ## The whole maintenance on the embedded sandbox (KEEP=1 keeps the sandbox running)
	$(NPM) exec -- node src/main.ts demo $(if $(KEEP),--keep,)

.PHONY: bench-appliances
bench-appliances: $(GENERATED) controlplane ## Benchmark: time to a Ready inventory and operator memory for 500 appliances
	$(NPM) exec -- node scripts/bench-appliances.ts --appliances $${APPLIANCES:-500} $(if $(CPU_PROF),--cpu-prof,)

.PHONY: bench-maintenances
bench-maintenances: $(GENERATED) controlplane ## Benchmark: API writes and operator CPU per maintenance, MAINTENANCES (default 50) plans at once
	$(NPM) exec -- node scripts/bench-maintenances.ts --maintenances $${MAINTENANCES:-50}

.PHONY: fuzz
fuzz: $(GENERATED) controlplane ## Send RUNS (default 20000) random and mutated manifests to a sandbox with the operator running; prints the counts
	$(NPM) exec -- node scripts/fuzz-manifests.ts --runs $${RUNS:-20000} $(if $(SEED),--seed $(SEED),)

.PHONY: bench-cutover
bench-cutover: $(GENERATED) controlplane ## Benchmark: cut-over downtime and final-round bytes on a 64 MiB and a 16 GiB sparse data volume, with CSI ranges then compare (RANGES=csi or compare for one)
	for r in $${RANGES:-csi compare}; do $(NPM) exec -- node scripts/bench-cutover.ts --ranges $$r; done

.PHONY: bench-datasync
bench-datasync: $(NODE_DEPS) ## Benchmark: datasync vs rsync vs a plain read, on a 2 GiB image (WARM_ONLY=1: compare mode vs the read floor, page-cached)
	$(NPM) exec -- node scripts/bench-datasync.ts $(if $(WARM_ONLY),--warm-only,)

.PHONY: docker-build
docker-build: ## Build the container image (needs a Docker engine)
	docker build -t $(IMG) .

.PHONY: clean
clean: ## Remove build outputs and the sandbox state (not the cached control plane)
	rm -rf dist .sandbox src/kubevirt/generated src/datasync/snapshot-metadata/generated
