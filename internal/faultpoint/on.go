//go:build faultinject

package faultpoint

import (
	"fmt"
	"os"
	"syscall"
)

var target = os.Getenv(EnvVar)

// Hit kills the process with SIGKILL when name is the step named by
// FAIRNESS_FAULTPOINT.
func Hit(name string) {
	if target == "" || name != target {
		return
	}
	fmt.Fprintf(os.Stderr, "faultpoint: killing the manager at %s\n", name)
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}
