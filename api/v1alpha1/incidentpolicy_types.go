package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// IncidentPolicy says how breaches of an evaluation become BiasIncidents and
// how those incidents are run.
// +kubebuilder:validation:XValidation:rule="!has(self.escalation) || self.escalation.all(s, has(self.notifications) && self.notifications.exists(n, n.name == s.target))",message="every escalation step's target must name one of notifications"
type IncidentPolicy struct {
	// disabled stops the evaluation from opening incidents; findings still
	// show in its status and metrics.
	// +optional
	Disabled bool `json:"disabled,omitempty"`
	// acknowledgeWithin overrides the response deadlines of the severity
	// scale (Sev1 15m, Sev2 1h, Sev3 4h, Sev4 24h).
	// +optional
	AcknowledgeWithin *ResponseDeadlines `json:"acknowledgeWithin,omitempty"`
	// autoResolveAfterCleanRuns resolves an open incident after this many
	// consecutive runs without a breach. 0 means people resolve incidents.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	AutoResolveAfterCleanRuns int32 `json:"autoResolveAfterCleanRuns,omitempty"`
	// failedRunsThreshold opens a Sev2 incident of category EvaluationFailing
	// ("monitoring blind") after this many consecutive failed runs.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	FailedRunsThreshold int32 `json:"failedRunsThreshold,omitempty"`
	// escalation is the ordered list of steps taken while an incident is not
	// acknowledged; each step fires once.
	// +optional
	// +kubebuilder:validation:MaxItems=10
	// +listType=atomic
	Escalation []EscalationStep `json:"escalation,omitempty"`
	// notifications are the targets told about incident transitions.
	// +optional
	// +kubebuilder:validation:MaxItems=10
	// +listType=map
	// +listMapKey=name
	Notifications []NotificationTarget `json:"notifications,omitempty"`
}

// ResponseDeadlines sets the acknowledgement deadline for each severity.
type ResponseDeadlines struct {
	// sev1 deadline, a Go duration such as 30m, from 1s to 168h; default 15m.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('168h')",message="must be a duration from 1s to 168h"
	Sev1 *metav1.Duration `json:"sev1,omitempty"`
	// sev2 deadline, a Go duration such as 30m, from 1s to 168h; default 1h.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('168h')",message="must be a duration from 1s to 168h"
	Sev2 *metav1.Duration `json:"sev2,omitempty"`
	// sev3 deadline, a Go duration such as 30m, from 1s to 168h; default 4h.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('168h')",message="must be a duration from 1s to 168h"
	Sev3 *metav1.Duration `json:"sev3,omitempty"`
	// sev4 deadline, a Go duration such as 30m, from 1s to 168h; default 24h.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('168h')",message="must be a duration from 1s to 168h"
	Sev4 *metav1.Duration `json:"sev4,omitempty"`
}

// EscalationStep notifies a target some time after the acknowledgement deadline.
type EscalationStep struct {
	// after is how long after the acknowledgement deadline the step fires, a
	// Go duration such as 30m, from 0s (at the deadline) to 168h.
	// +required
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) <= duration('168h')",message="must be a duration from 0s to 168h"
	After metav1.Duration `json:"after"`
	// target is the name of a notification target in notifications.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Target string `json:"target"`
	// severities limits the step to incidents of these severities; empty
	// means every severity.
	// +optional
	// +kubebuilder:validation:MaxItems=4
	// +listType=set
	Severities []Severity `json:"severities,omitempty"`
}

// NotificationKind is the protocol of a notification target.
// +kubebuilder:validation:Enum=webhook;slack;alertmanager
type NotificationKind string

const (
	NotificationWebhook      NotificationKind = "webhook"
	NotificationSlack        NotificationKind = "slack"
	NotificationAlertmanager NotificationKind = "alertmanager"
)

// NotificationTarget is somewhere incident transitions are sent.
type NotificationTarget struct {
	// name identifies the target in escalation steps and delivery records.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`
	// kind is the protocol: a generic JSON webhook, a Slack-compatible
	// incoming webhook, or Alertmanager's v2 API.
	// +required
	Kind NotificationKind `json:"kind"`
	// urlSecretRef selects the Secret key holding the target's URL, so that
	// tokens embedded in URLs stay out of manifests and status.
	// +required
	URLSecretRef SecretKeyReference `json:"urlSecretRef"`
	// onOpen sends a notification when an incident opens (otherwise the target
	// is only used by escalation steps).
	// +optional
	OnOpen bool `json:"onOpen,omitempty"`
}
