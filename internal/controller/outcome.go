package controller

import (
	"errors"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// The steps of a reconcile end with an error whose type decides what the
// reconcile does with its status and when it comes back (after Flux's
// internal/error and internal/reconcile):
//
//   - nil: the status is written; the result's own wake-up applies.
//   - *stallingError: the spec cannot be acted on; Stalled=True with the
//     reason is written, and nothing is retried until the object changes.
//   - *waitingError: something the spec names is not there yet; Stalled=True
//     with the reason is written, and the object is looked at again after
//     the named delay, without backoff (no event would bring it back).
//   - *handOffError: the pass's status is dropped (the run it finished
//     stays active) and the reconcile is retried with the controller's
//     backoff, so that a finding never lacks its incident.
//   - any other error: the status is written and the reconcile is retried
//     with the controller's backoff.

// stallingError: not retried until the spec changes.
type stallingError struct {
	reason string
	msg    string
}

func (e *stallingError) Error() string { return e.reason + ": " + e.msg }

func stalling(reason, msg string) error { return &stallingError{reason: reason, msg: msg} }

// waitingError: retried after a named delay.
type waitingError struct {
	reason string
	msg    string
	after  time.Duration
}

func (e *waitingError) Error() string { return e.reason + ": " + e.msg }

func waiting(reason, msg string, after time.Duration) error {
	return &waitingError{reason: reason, msg: msg, after: after}
}

// handOffError: a finished run's finding could not reach its incident.
type handOffError struct{ err error }

func (e *handOffError) Error() string {
	return "handing the run over to its incident: " + e.err.Error()
}

func (e *handOffError) Unwrap() error { return e.err }

func handOff(err error) error { return &handOffError{err: err} }

// dropsStatus reports whether the pass's status must not be written.
func dropsStatus(err error) bool {
	_, ok := errors.AsType[*handOffError](err)
	return ok
}

// settle applies a typed error to the evaluation's conditions and turns it
// into what controller-runtime is given.
func (r *FairnessEvaluationReconciler) settle(eval *fairnessv1alpha1.FairnessEvaluation, res ctrl.Result,
	err error) (ctrl.Result, error) {
	if e, ok := errors.AsType[*stallingError](err); ok {
		r.stall(eval, e.reason, e.msg)
		return ctrl.Result{}, nil
	}
	if e, ok := errors.AsType[*waitingError](err); ok {
		r.stall(eval, e.reason, e.msg)
		return ctrl.Result{RequeueAfter: e.after}, nil
	}
	return res, err
}
