// Package datasets locates the shared public datasets (German credit, Adult,
// COMPAS and fairlearn reference values) that tests and benchmarks read.
package datasets

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// EnvVar names the folder holding the datasets.
const EnvVar = "FAIRNESS_DATASETS"

// Dir returns the datasets folder: $FAIRNESS_DATASETS, or ../shared/datasets
// next to the repository. When the variable is unset and that folder is
// absent (a user's clone), the test is skipped with the reason; when the
// variable is set to a missing folder, the test fails.
func Dir(tb testing.TB) string {
	tb.Helper()
	if dir := os.Getenv(EnvVar); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			tb.Fatalf("%s=%s: %v", EnvVar, dir, err)
		}
		return dir
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "datasets")
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("shared datasets not found: %s is unset and %s is absent", EnvVar, dir)
	}
	return dir
}

// Path joins name to the datasets folder.
func Path(tb testing.TB, name ...string) string {
	tb.Helper()
	return filepath.Join(append([]string{Dir(tb)}, name...)...)
}
