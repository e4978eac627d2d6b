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
	if os.Getpid() == 1 {
		// As the init process of a container's PID namespace the kernel
		// drops a SIGKILL the process sends itself; exit at once with the
		// code a SIGKILL gives (no deferred function runs, nothing is flushed).
		syscall.Exit(137)
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}
