package controller

import (
	"errors"
	"fmt"
	"testing"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	ctrl "sigs.k8s.io/controller-runtime"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

func TestSettleByErrorType(t *testing.T) {
	t.Parallel()
	transient := errors.New("etcdserver: request timed out")
	cases := []struct {
		name        string
		res         ctrl.Result
		err         error
		wantResult  ctrl.Result
		wantErr     error
		wantStalled string // the Stalled reason, "" for none
		wantDropped bool
	}{
		{"done", ctrl.Result{RequeueAfter: time.Hour}, nil, ctrl.Result{RequeueAfter: time.Hour}, nil, "", false},
		{"stalling", ctrl.Result{}, stalling(fairnessv1alpha1.ReasonInvalidSpec, "schedule: bad"), ctrl.Result{}, nil,
			fairnessv1alpha1.ReasonInvalidSpec, false},
		{"waiting", ctrl.Result{}, waiting(fairnessv1alpha1.ReasonSourceNotFound, "ConfigMap cm", missingSourceDelay),
			ctrl.Result{RequeueAfter: missingSourceDelay}, nil, fairnessv1alpha1.ReasonSourceNotFound, false},
		{"hand-off", ctrl.Result{}, handOff(transient), ctrl.Result{}, transient, "", true},
		{"wrapped hand-off", ctrl.Result{}, fmt.Errorf("run g1: %w", handOff(transient)), ctrl.Result{}, transient, "", true},
		{"generic", ctrl.Result{}, transient, ctrl.Result{}, transient, "", false},
	}
	for _, tc := range cases {
		r := &FairnessEvaluationReconciler{}
		eval := &fairnessv1alpha1.FairnessEvaluation{}
		res, err := r.settle(eval, tc.res, tc.err)
		if res != tc.wantResult || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
			t.Errorf("%s: (%+v, %v), want (%+v, %v)", tc.name, res, err, tc.wantResult, tc.wantErr)
		}
		stalled := apimeta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionStalled)
		switch {
		case tc.wantStalled == "" && stalled != nil:
			t.Errorf("%s: Stalled %+v, want none", tc.name, stalled)
		case tc.wantStalled != "" && (stalled == nil || stalled.Reason != tc.wantStalled):
			t.Errorf("%s: Stalled %+v, want reason %s", tc.name, stalled, tc.wantStalled)
		}
		if got := dropsStatus(err); got != tc.wantDropped {
			t.Errorf("%s: drops status %v, want %v", tc.name, got, tc.wantDropped)
		}
	}
}
