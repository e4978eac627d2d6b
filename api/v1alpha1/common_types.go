package v1alpha1

// Severity grades a finding on the incident-response scale the operator
// automates: Sev1 (critical, respond within 15 minutes), Sev2 (high, 1 hour),
// Sev3 (medium, 4 hours), Sev4 (low, 24 hours). None means no threshold was
// crossed.
// +kubebuilder:validation:Enum=None;Sev1;Sev2;Sev3;Sev4
type Severity string

const (
	SeverityNone Severity = "None"
	Severity1    Severity = "Sev1"
	Severity2    Severity = "Sev2"
	Severity3    Severity = "Sev3"
	Severity4    Severity = "Sev4"
)

// LocalObjectReference names an object in the same namespace as the
// referring object. Cross-namespace references are not allowed.
type LocalObjectReference struct {
	// name of the referenced object, in the same namespace (a DNS subdomain name).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
}

// SecretKeyReference selects one key of a Secret in the same namespace.
type SecretKeyReference struct {
	// name of the Secret, in the same namespace as the referring object (a DNS subdomain name).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
	// key within the Secret's data.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}
