package controller

import "sigs.k8s.io/controller-runtime/pkg/config"

// ctrlConfigForTests lets several managers register controllers of the same
// name in one process (one per test).
func ctrlConfigForTests() config.Controller {
	skip := true
	return config.Controller{SkipNameValidation: &skip}
}
