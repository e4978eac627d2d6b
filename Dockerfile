# One image carries both binaries: /manager (the operator) and /fairctl (the
# CLI, also the entrypoint of evaluation pods).
#
# Base images are pinned by digest, so a rebuild gets the same bytes. The
# tag stays for readers; the digest is what is pulled. To move forward:
#   crane digest golang:1.27 ; crane digest gcr.io/distroless/static-debian12:nonroot
# and run `go test ./test/security/` (it refuses unpinned images).
ARG GO_IMAGE=golang:1.27@sha256:e0174e51e81218523251d85d248a90d24c3d5e81543b4f07a5d66229397db190
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab

FROM ${GO_IMAGE} AS builder
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
WORKDIR /workspace
# The toolchain make verify's govulncheck checked, whatever 1.27 patch the image has.
ENV GOTOOLCHAIN=go1.27.3
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY internal/ internal/
ENV CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH}
RUN go build -trimpath -ldflags "-s -w -X github.com/fairness-operator/fairness-operator/internal/version.Version=${VERSION}" -o manager ./cmd/main.go \
 && go build -trimpath -ldflags "-s -w -X github.com/fairness-operator/fairness-operator/internal/version.Version=${VERSION}" -o fairctl ./cmd/fairctl

FROM ${RUNTIME_IMAGE}
ARG VERSION=dev
# hack/image reads this stage's LABEL, USER, ENTRYPOINT and WORKDIR lines, so
# `make image` (no Docker) builds an image with the same metadata.
LABEL org.opencontainers.image.title="fairness-operator" \
      org.opencontainers.image.description="Kubernetes operator that evaluates ML models for bias and runs the incident lifecycle" \
      org.opencontainers.image.source="https://github.com/fairness-operator/fairness-operator" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
WORKDIR /
COPY --from=builder /workspace/manager /manager
COPY --from=builder /workspace/fairctl /fairctl
# 65532 is distroless's "nonroot" user; numeric so runAsNonRoot can verify it.
USER 65532:65532
ENTRYPOINT ["/manager"]
