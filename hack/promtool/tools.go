//go:build tools

// Package promtool pins the promtool command built by hack/build-promtool.sh.
package promtool

import _ "github.com/prometheus/prometheus/cmd/promtool"
