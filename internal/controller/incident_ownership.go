package controller

import (
	"fmt"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// Annotations the operator puts on the incidents it opens, so that it never
// takes a hand-made BiasIncident (say, one created already acknowledged) for
// its own.
const (
	// EvaluationUIDAnnotation is the UID of the evaluation that opened the
	// incident: an evaluation deleted and created again under the same name
	// does not take over the old one's incidents.
	EvaluationUIDAnnotation = "fairness.dev/evaluation-uid"
	// NameSeedAnnotation is the run id the incident's name was derived from
	// (JobName(evaluation, seed)).
	NameSeedAnnotation = "fairness.dev/name-seed"
)

// incidentMarks are the annotations of an incident the operator opens.
func incidentMarks(eval *fairnessv1alpha1.FairnessEvaluation, seed string) map[string]string {
	return map[string]string{EvaluationUIDAnnotation: string(eval.UID), NameSeedAnnotation: seed}
}

// openedByOperator tells whether the operator opened an incident: either it
// already wrote the incident's status (people cannot: the user roles do not
// grant biasincidents/status), or the incident carries the operator's
// annotations and the name they derive. The second covers the moment
// between creating an incident and writing its first status.
func openedByOperator(in *fairnessv1alpha1.BiasIncident) bool {
	if in.Labels[ManagedByLabel] != managedByValue {
		return false
	}
	if in.Status.OpenedAt != nil {
		return true
	}
	seed, uid := in.Annotations[NameSeedAnnotation], in.Annotations[EvaluationUIDAnnotation]
	if seed == "" || uid == "" {
		return false
	}
	return in.Name == JobName(in.Spec.EvaluationRef.Name, seed) ||
		in.Name == JobName(in.Spec.EvaluationRef.Name+"-blind", seed)
}

// adoptable tells whether an evaluation may take an existing incident as
// its own, and if not, why. Beyond being the operator's, an incident that
// was never recorded must still be as the operator creates it (Open, not
// acknowledged): annotations can be copied, status cannot be written.
func adoptable(in *fairnessv1alpha1.BiasIncident, eval *fairnessv1alpha1.FairnessEvaluation) (bool, string) {
	if why := notOpenedFor(in, eval); why != "" {
		return false, why
	}
	if in.Status.OpenedAt == nil && ((in.Spec.State != "" && in.Spec.State != fairnessv1alpha1.IncidentOpen) ||
		in.Spec.AcknowledgedBy != "") {
		return false, "it was never recorded by the operator yet is already " + string(in.Spec.State)
	}
	return true, ""
}

// OpenedFor tells whether the operator opened the incident for this very
// evaluation (not for another, nor for an earlier one of the same name):
// the incidents a report of the evaluation may show as its own.
func OpenedFor(in *fairnessv1alpha1.BiasIncident, eval *fairnessv1alpha1.FairnessEvaluation) bool {
	return notOpenedFor(in, eval) == ""
}

// notOpenedFor says why the operator did not open the incident for eval,
// or is empty when it did.
func notOpenedFor(in *fairnessv1alpha1.BiasIncident, eval *fairnessv1alpha1.FairnessEvaluation) string {
	if in.Spec.EvaluationRef.Name != eval.Name {
		return fmt.Sprintf("it belongs to evaluation %q", in.Spec.EvaluationRef.Name)
	}
	if !openedByOperator(in) {
		return "the operator did not open it (no operator annotations or status)"
	}
	if uid := in.Annotations[EvaluationUIDAnnotation]; uid != "" && uid != string(eval.UID) {
		return "it was opened for an earlier evaluation of the same name (uid " + uid + ")"
	}
	return ""
}
