//go:build !faultinject

package faultpoint

// Hit does nothing in normal builds.
func Hit(string) {}
