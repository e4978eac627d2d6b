package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
)

// PodResources are the fields of corev1.ResourceRequirements with checks the
// API server can run. The upstream schema's quantity pattern admits forms the
// Go client cannot parse (an exponent with a fraction, "1e.5"), and one such
// object stops the manager's informer for every namespace; isQuantity parses
// as the Go client does, and the bounds keep the rules within the CEL budget.
type PodResources struct {
	// limits are the most of each compute resource the container may use,
	// for example cpu: "1" and memory: 256Mi.
	// +optional
	// +kubebuilder:validation:MaxProperties=8
	// +kubebuilder:validation:XValidation:rule="self.all(k, isQuantity(string(self[k])))",messageExpression="self.filter(k, !isQuantity(string(self[k])))[0] + ' is not a quantity, for example 500m or 256Mi'"
	Limits corev1.ResourceList `json:"limits,omitempty"`

	// requests are the least of each compute resource the container is
	// scheduled with; without them, the limits apply.
	// +optional
	// +kubebuilder:validation:MaxProperties=8
	// +kubebuilder:validation:XValidation:rule="self.all(k, isQuantity(string(self[k])))",messageExpression="self.filter(k, !isQuantity(string(self[k])))[0] + ' is not a quantity, for example 500m or 256Mi'"
	Requests corev1.ResourceList `json:"requests,omitempty"`

	// claims name resource claims of the pod (dynamic resource allocation)
	// that the container uses.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	Claims []corev1.ResourceClaim `json:"claims,omitempty"`
}

// Requirements returns the container's resources as the core API spells them.
func (r *PodResources) Requirements() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Limits: r.Limits, Requests: r.Requests, Claims: r.Claims}
}
