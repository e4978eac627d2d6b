//go:build tools

// Package alertmanager pins the Alertmanager command built by hack/build-alertmanager.sh.
package alertmanager

import _ "github.com/prometheus/alertmanager/cmd/alertmanager"
