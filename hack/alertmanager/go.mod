// Module alertmanager builds Prometheus Alertmanager from its Go module for
// the end-to-end notification tests (hack/build-alertmanager.sh).
module github.com/fairness-operator/fairness-operator/hack/alertmanager

go 1.26

require github.com/prometheus/alertmanager v0.35.0
