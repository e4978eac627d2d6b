# One image carries both binaries: /manager (the operator) and /fairctl (the
# CLI, also the entrypoint of evaluation pods).
#
# Base images are referenced by tag here; pin them by digest
# (image@sha256:...) in your release pipeline, which can resolve digests.
ARG GO_IMAGE=golang:1.26
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot

FROM ${GO_IMAGE} AS builder
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
WORKDIR /workspace
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY internal/ internal/
ENV CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH}
RUN go build -trimpath -ldflags "-s -w -X github.com/fairness-operator/fairness-operator/internal/version.Version=${VERSION}" -o manager ./cmd/main.go \
 && go build -trimpath -ldflags "-s -w -X github.com/fairness-operator/fairness-operator/internal/version.Version=${VERSION}" -o fairctl ./cmd/fairctl

FROM ${RUNTIME_IMAGE}
WORKDIR /
COPY --from=builder /workspace/manager /manager
COPY --from=builder /workspace/fairctl /fairctl
# 65532 is distroless's "nonroot" user; numeric so runAsNonRoot can verify it.
USER 65532:65532
ENTRYPOINT ["/manager"]
