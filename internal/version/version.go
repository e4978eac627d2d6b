// Package version carries the build's version, set with -ldflags -X.
package version

// Version is the release version, set at build time:
// -ldflags "-X github.com/fairness-operator/fairness-operator/internal/version.Version=v0.1.0".
var Version = "dev"

// Commit is the source commit, set at build time.
var Commit = "unknown"
