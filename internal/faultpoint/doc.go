// Package faultpoint marks the steps of a run at which the fault-injection
// suite (test/faults) kills the manager. In normal builds Hit does nothing
// and the compiler drops it; a manager built with `-tags faultinject` and
// FAIRNESS_FAULTPOINT=<name> kills itself with SIGKILL when it reaches that
// step, the way a node failure or an OOM kill would stop it: no deferred
// function runs and nothing is flushed.
package faultpoint

// Names of the steps, in the order a run passes them.
const (
	BeforeJobCreate    = "run/before-job-create"
	AfterJobCreate     = "run/after-job-create"
	RunFinished        = "run/finished-before-status"
	BeforeIncident     = "incident/before-create"
	AfterIncident      = "incident/after-create"
	BeforeStatusPatch  = "run/before-status-patch"
	BeforeNotification = "notify/before-send"
	AfterNotification  = "notify/after-send"
)

// EnvVar names the step to die at.
const EnvVar = "FAIRNESS_FAULTPOINT"
