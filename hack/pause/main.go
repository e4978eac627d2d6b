// Command pause is the pod-sandbox process of the local real node (the role
// of registry.k8s.io/pause, which cannot be pulled here): it holds the pod's
// namespaces, reaps orphaned children, and exits 0 on SIGINT or SIGTERM. A
// Go program as PID 1 without a handler would exit 2 on SIGTERM.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
