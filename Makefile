# Image URL to use all building/pushing image targets
IMG ?= ghcr.io/fairness-operator/fairness-operator:latest
# YEAR defines the year value used for substituting the YEAR placeholder in the boilerplate header.
YEAR ?= $(shell date +%Y)

# The Go toolchain: 1.27.3 carries the standard-library fixes govulncheck
# asks for (1.26.8 does not); the go command fetches it from the module proxy.
export GOTOOLCHAIN ?= go1.27.3

# Get the currently used golang install path (in GOPATH/bin, unless GOBIN is set)
ifeq (,$(shell go env GOBIN))
GOBIN=$(shell go env GOPATH)/bin
else
GOBIN=$(shell go env GOBIN)
endif

# CONTAINER_TOOL defines the container tool to be used for building images.
# Be aware that the target commands are only tested with Docker which is
# scaffolded by default. However, you might want to replace it to use other
# tools. (i.e. podman)
CONTAINER_TOOL ?= docker

# Setting SHELL to bash allows bash commands to be executed by recipes.
# Options are set to exit when a recipe line exits non-zero or a piped command fails.
SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

# The help target prints out all targets with their descriptions organized
# beneath their categories. The categories are represented by '##@' and the
# target descriptions by '##'. The awk command is responsible for reading the
# entire set of makefiles included in this invocation, looking for lines of the
# file as xyz: ## something, and then pretty-format the target and help. Then,
# if there's a line with ##@ something, that gets pretty-printed as a category.
# More info on the usage of ANSI control characters for terminal formatting:
# https://en.wikipedia.org/wiki/ANSI_escape_code#SGR_parameters
# More info on the awk command:
# http://linuxcommand.org/lc3_adv_awk.php

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate CRDs and the manager ClusterRole from the Go markers.
	"$(CONTROLLER_GEN)" rbac:roleName=manager-role crd:allowDangerousTypes=true paths="./..." output:crd:artifacts:config=config/crd/bases
	go run ./hack/syncchart

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods.
	"$(CONTROLLER_GEN)" object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## Run go fmt against code.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet against code.
	go vet ./...

# Where the control-plane binaries (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) are cached, outside the clone and keyed by version.
CONTROLPLANE_DIR = $(shell hack/build-controlplane.sh)

.PHONY: controlplane
controlplane: ## Build (or download) and cache the control-plane binaries the tests run.
	hack/build-controlplane.sh

# DATASETS_DIR holds the public datasets some tests compare against; those
# tests skip, saying why, only when the folder is absent and the variable unset.
export FAIRNESS_DATASETS ?= $(if $(wildcard ../shared/datasets),$(abspath ../shared/datasets),)

# FUZZTIME is the budget of each fuzz target in `make test` (an execution count); `make fuzz FUZZTIME=10m` runs longer.
FUZZTIME ?= 50000x

.PHONY: test-tools
test-tools: ## Build (or find cached) helm, promtool, Alertmanager and versitygw (S3), which the chart and end-to-end tests run.
	hack/build-helm.sh
	hack/build-promtool.sh
	hack/build-alertmanager.sh
	hack/build-versitygw.sh

.PHONY: node-packages
node-packages: ## Install containerd, runc, the CNI plugins and iptables from Debian's packages when missing (root).
	hack/install-node-packages.sh

.PHONY: test
.PHONY: browser-packages
browser-packages: ## Install chromium and poppler-utils from Debian's packages when missing (root), for the report's browser tests.
	hack/install-browser-packages.sh

test: manifests generate controlplane test-tools node-packages browser-packages ## Run unit, API, integration, chart, end-to-end (real node) and fault tests, and each fuzz target briefly.
	KUBEBUILDER_ASSETS="$(CONTROLPLANE_DIR)" go test -count=1 -timeout 30m ./... -coverprofile cover.out
	$(MAKE) --no-print-directory fuzz

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each.
	@hack/fuzz.sh $(FUZZTIME)

FAULT_REPEAT ?= 10
FAULTS_LOG ?= /tmp/fairness-faults-long.log
.PHONY: faults-long
faults-long: controlplane ## Kill the manager FAULT_REPEAT times at each step of a run (make test does 2) and print the counts.
	FAULT_REPEAT=$(FAULT_REPEAT) KUBEBUILDER_ASSETS="$(CONTROLPLANE_DIR)" go test -count=1 -timeout 60m -v ./test/faults/ \
		> $(FAULTS_LOG) 2>&1; rc=$$?; grep -v '^node agent:' $(FAULTS_LOG); exit $$rc

SCALE_BENCH = KUBEBUILDER_ASSETS="$(CONTROLPLANE_DIR)" go test ./test/scale/ -run '^$$' -benchtime 1x -count $(BENCH_COUNT) -timeout 4h
BENCH_COUNT ?= 1
BENCH_OUT ?= /dev/null
EVALUATIONS ?= 1000,5000
STORM_EVALUATIONS ?= 1000
ROWS ?= 10000000,100000000

.PHONY: bench-controller
bench-controller: controlplane ## 1,000 and 5,000 evaluations at once, fake fast runner (EVALUATIONS, MANAGER_ARGS, MANAGER_MEMORY=256Mi: a cgroup limit, BENCH_OUT).
	FAIRNESS_SCALE_MANAGER_ARGS="$(MANAGER_ARGS)" FAIRNESS_SCALE_MANAGER_MEMORY=$(MANAGER_MEMORY) FAIRNESS_SCALE_EVALUATIONS=$(EVALUATIONS) $(SCALE_BENCH) -bench ControllerScale | grep --line-buffered -v '^node agent' | tee $(BENCH_OUT)

.PHONY: bench-storm
bench-storm: controlplane ## 1,000 evaluations breaching at once, notifications paced per target (STORM_EVALUATIONS, BENCH_OUT).
	FAIRNESS_STORM_EVALUATIONS=$(STORM_EVALUATIONS) $(SCALE_BENCH) -bench IncidentStorm | grep --line-buffered -v '^node agent' | tee $(BENCH_OUT)

.PHONY: bench-shards
bench-shards: controlplane ## A generated log of ROWS rows, plain and gzip, shards 1,2,4,8, over HTTP ranges (BENCH_OUT=file).
	FAIRNESS_SHARD_ROWS=$(ROWS) $(SCALE_BENCH) -bench ShardedEvaluation | grep --line-buffered -v '^node agent' | tee $(BENCH_OUT)

.PHONY: bench
bench: ## Run the benchmarks recorded in docs/benchmarks.md (for benchstat).
	go test -run '^$$' -bench ScanPredictions -benchtime 5x -count 6 ./internal/dataset/
	go test -run '^$$' -bench 'FitAdult|Expgrad' -benchtime 3x -count 6 ./internal/learn/

.PHONY: verify
verify: manifests generate fmt vet lint vulncheck ## Fail when generated files drift, code is unformatted, or vet/lint complain.
	@git diff --exit-code -- api config charts || { echo "generated files drifted: run 'make generate manifests' and commit" >&2; exit 1; }
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above are unformatted" >&2; exit 1; }

.PHONY: vulncheck
vulncheck: govulncheck ## Check the code and its modules against a local Go vulnerability database (hack/vulndb.sh).
	"$(GOVULNCHECK)" -db "file://$$(hack/vulndb.sh)" ./...

.PHONY: lint
lint: golangci-lint ## Run golangci-lint.
	"$(GOLANGCI_LINT)" run

.PHONY: lint-fix
lint-fix: golangci-lint ## Run golangci-lint and apply its fixes.
	"$(GOLANGCI_LINT)" run --fix

# NODE chooses what plays the demo's node: real (kubelet, containerd, runc;
# root, the packages are installed when missing), process (a simulated
# kubelet, no root needed) or auto (real when the machine can).
NODE ?= auto
DEMO_IMG = local.test/fairness-operator:demo
.PHONY: demo
demo: manifests generate controlplane build ## Run the operator on a local cluster with the samples (NODE=real|process|auto); DEMO_EXIT=1 exits after printing.
	go build -o bin/demo ./hack/demo
	@if [ "$(NODE)" != process ]; then hack/install-node-packages.sh || [ "$(NODE)" = auto ]; fi
	$(if $(filter process,$(NODE)),,$(MAKE) --no-print-directory image IMG=$(DEMO_IMG))
	@# The demo binary, not `go run`: go run exits 1 after an interrupt even when
	@# the demo stopped cleanly, and Ctrl-C is how the demo is meant to end.
	KUBEBUILDER_ASSETS="$(CONTROLPLANE_DIR)" bin/demo --node $(NODE) --image $(DEMO_IMG) --fairctl bin/fairctl --manager bin/manager $(if $(filter 1,$(DEMO_EXIT)),--exit)

##@ Build

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS = -s -w -X github.com/fairness-operator/fairness-operator/internal/version.Version=$(VERSION)

.PHONY: build
build: manifests generate ## Build the manager and fairctl into bin/.
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/manager ./cmd/main.go
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/fairctl ./cmd/fairctl
	cp bin/fairctl bin/kubectl-fairness # the kubectl plugin: put it on PATH for `kubectl fairness incident ...`

PAUSE_IMG = local.test/pause:v1
.PHONY: image
image: build ## Build the operator image (bin/image.tar, tag IMG) and a pause image (bin/pause.tar) without Docker: `ctr images import` or `kind load image-archive` them.
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o bin/pause ./hack/pause
	go run ./hack/image --dockerfile Dockerfile --version $(VERSION) --file /manager=bin/manager --file /fairctl=bin/fairctl --tag $(IMG) --out bin/image.tar
	go run ./hack/image --file /pause=bin/pause --user 65535:65535 --entrypoint /pause --ca-bundle "" --tag $(PAUSE_IMG) --out bin/pause.tar

.PHONY: run
run: manifests generate ## Run the manager from your host against the current kubeconfig.
	go run ./cmd/main.go

# If you wish to build the manager image targeting other platforms you can use the --platform flag.
# (i.e. docker build --platform linux/arm64). However, you must enable docker buildKit for it.
# More info: https://docs.docker.com/develop/develop-images/build_enhancements/
# Override BASE_IMAGE to build from another registry, e.g.
# make docker-build IMG=<img> BASE_IMAGE=docker.io/library/golang:1.26
.PHONY: docker-build
docker-build: ## Build docker image with the manager.
	$(CONTAINER_TOOL) build $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) -t ${IMG} .

.PHONY: docker-push
docker-push: ## Push docker image with the manager.
	$(CONTAINER_TOOL) push ${IMG}

# PLATFORMS defines the target platforms for the manager image be built to provide support to multiple
# architectures. (i.e. make docker-buildx IMG=myregistry/mypoperator:0.0.1). To use this option you need to:
# - be able to use docker buildx. More info: https://docs.docker.com/build/buildx/
# - have enabled BuildKit. More info: https://docs.docker.com/develop/develop-images/build_enhancements/
# - be able to push the image to your registry (i.e. if you do not set a valid value via IMG=<myregistry/image:<tag>> then the export will fail)
# To adequately provide solutions that are compatible with multiple platforms, you should consider using this option.
PLATFORMS ?= linux/arm64,linux/amd64,linux/s390x,linux/ppc64le
.PHONY: docker-buildx
docker-buildx: ## Build and push docker image for the manager for cross-platform support
	# copy existing Dockerfile and insert --platform=${BUILDPLATFORM} into Dockerfile.cross, and preserve the original Dockerfile
	sed -e '1 s/\(^FROM\)/FROM --platform=\$$\{BUILDPLATFORM\}/; t' -e ' 1,// s//FROM --platform=\$$\{BUILDPLATFORM\}/' Dockerfile > Dockerfile.cross
	- $(CONTAINER_TOOL) buildx create --name fairness-operator-builder
	$(CONTAINER_TOOL) buildx use fairness-operator-builder
	- $(CONTAINER_TOOL) buildx build --push --platform=$(PLATFORMS) $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) --tag ${IMG} -f Dockerfile.cross .
	- $(CONTAINER_TOOL) buildx rm fairness-operator-builder
	rm Dockerfile.cross

.PHONY: build-installer
build-installer: manifests generate kustomize ## Generate a consolidated YAML with CRDs and deployment.
	mkdir -p dist
	cd config/manager && "$(KUSTOMIZE)" edit set image controller=${IMG}
	"$(KUSTOMIZE)" build config/default > dist/install.yaml

##@ Deployment

ifndef ignore-not-found
  ignore-not-found = false
endif

.PHONY: install
install: manifests kustomize ## Install CRDs into the K8s cluster specified in ~/.kube/config.
	@out="$$( "$(KUSTOMIZE)" build config/crd 2>/dev/null || true )"; \
	if [ -n "$$out" ]; then echo "$$out" | "$(KUBECTL)" apply -f -; else echo "No CRDs to install; skipping."; fi

.PHONY: uninstall
uninstall: manifests kustomize ## Uninstall CRDs from the K8s cluster specified in ~/.kube/config. Call with ignore-not-found=true to ignore resource not found errors during deletion.
	@out="$$( "$(KUSTOMIZE)" build config/crd 2>/dev/null || true )"; \
	if [ -n "$$out" ]; then echo "$$out" | "$(KUBECTL)" delete --ignore-not-found=$(ignore-not-found) -f -; else echo "No CRDs to delete; skipping."; fi

.PHONY: deploy
deploy: manifests kustomize ## Deploy controller to the K8s cluster specified in ~/.kube/config.
	cd config/manager && "$(KUSTOMIZE)" edit set image controller=${IMG}
	"$(KUSTOMIZE)" build config/default | "$(KUBECTL)" apply -f -

.PHONY: undeploy
undeploy: kustomize ## Undeploy controller from the K8s cluster specified in ~/.kube/config. Call with ignore-not-found=true to ignore resource not found errors during deletion.
	"$(KUSTOMIZE)" build config/default | "$(KUBECTL)" delete --ignore-not-found=$(ignore-not-found) -f -

##@ Dependencies

## Location to install dependencies to
LOCALBIN ?= $(shell pwd)/bin
$(LOCALBIN):
	mkdir -p "$(LOCALBIN)"

## Tool Binaries
KUBECTL ?= kubectl
KUSTOMIZE ?= $(LOCALBIN)/kustomize
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen
GOLANGCI_LINT = $(LOCALBIN)/golangci-lint
GOVULNCHECK = $(LOCALBIN)/govulncheck

## Tool Versions
KUSTOMIZE_VERSION ?= v5.8.1
CONTROLLER_TOOLS_VERSION ?= v0.23.0

GOLANGCI_LINT_VERSION ?= v2.15.0
GOVULNCHECK_VERSION ?= v1.9.0
.PHONY: kustomize
kustomize: $(KUSTOMIZE) ## Download kustomize locally if necessary.
$(KUSTOMIZE): $(LOCALBIN)
	$(call go-install-tool,$(KUSTOMIZE),sigs.k8s.io/kustomize/kustomize/v5,$(KUSTOMIZE_VERSION))

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Download controller-gen locally if necessary.
$(CONTROLLER_GEN): $(LOCALBIN)
	$(call go-install-tool,$(CONTROLLER_GEN),sigs.k8s.io/controller-tools/cmd/controller-gen,$(CONTROLLER_TOOLS_VERSION))

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT) ## Download golangci-lint locally if necessary.
$(GOLANGCI_LINT): $(LOCALBIN)
	$(call go-install-tool,$(GOLANGCI_LINT),github.com/golangci/golangci-lint/v2/cmd/golangci-lint,$(GOLANGCI_LINT_VERSION))

.PHONY: govulncheck
govulncheck: $(GOVULNCHECK) ## Download govulncheck locally if necessary.
$(GOVULNCHECK): $(LOCALBIN)
	$(call go-install-tool,$(GOVULNCHECK),golang.org/x/vuln/cmd/govulncheck,$(GOVULNCHECK_VERSION))

# go-install-tool will 'go install' any package with custom target and name of binary, if it doesn't exist
# $1 - target path with name of binary
# $2 - package url which can be installed
# $3 - specific version of package
define go-install-tool
@[ -f "$(1)-$(3)" ] && [ "$$(readlink -- "$(1)" 2>/dev/null)" = "$(1)-$(3)" ] || { \
set -e; \
package=$(2)@$(3) ;\
echo "Downloading $${package}" ;\
rm -f "$(1)" ;\
GOBIN="$(LOCALBIN)" go install $${package} ;\
mv "$(LOCALBIN)/$$(basename "$(1)")" "$(1)-$(3)" ;\
} ;\
ln -sf "$$(realpath "$(1)-$(3)")" "$(1)"
endef

define gomodver
$(shell go list -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' $(1) 2>/dev/null)
endef
