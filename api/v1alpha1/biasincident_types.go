package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// IncidentState is where people are in responding to an incident.
// +kubebuilder:validation:Enum=Open;Acknowledged;Mitigating;Resolved
type IncidentState string

const (
	IncidentOpen         IncidentState = "Open"
	IncidentAcknowledged IncidentState = "Acknowledged"
	IncidentMitigating   IncidentState = "Mitigating"
	IncidentResolved     IncidentState = "Resolved"
)

// IncidentCategory says what kind of problem an incident is about.
// +kubebuilder:validation:Enum=Bias;EvaluationFailing;Trend
type IncidentCategory string

const (
	// CategoryBias is a run whose metrics breached a threshold.
	CategoryBias IncidentCategory = "Bias"
	// CategoryTrend is a metric that worsened over recent runs (a
	// threshold's trend rule) without crossing a level.
	CategoryTrend IncidentCategory = "Trend"
	// CategoryEvaluationFailing is monitoring gone blind: runs keep failing.
	CategoryEvaluationFailing IncidentCategory = "EvaluationFailing"
)

// EvaluationLabel links a BiasIncident (and an evaluation's Jobs) to its
// FairnessEvaluation by name.
const EvaluationLabel = "fairness.dev/evaluation"

// BiasIncidentSpec is what people set while responding.
// +kubebuilder:validation:XValidation:rule="self.state != 'Resolved' || (has(self.resolutionNote) && size(self.resolutionNote.trim()) > 0)",message="a Resolved incident needs a resolutionNote that is not blank"
// +kubebuilder:validation:XValidation:rule="!(self.state in ['Acknowledged', 'Mitigating']) || (has(self.acknowledgedBy) && size(self.acknowledgedBy.trim()) > 0)",message="an Acknowledged or Mitigating incident needs an acknowledgedBy that is not blank"
// +kubebuilder:validation:XValidation:rule="oldSelf.state != 'Resolved' || self.state == 'Resolved' || (has(self.reopenReason) && size(self.reopenReason.trim()) > 0)",message="reopening a Resolved incident needs a reopenReason that is not blank"
type BiasIncidentSpec struct {
	// evaluationRef names the FairnessEvaluation, in the same namespace, that
	// opened the incident. It cannot change.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="evaluationRef is immutable"
	EvaluationRef LocalObjectReference `json:"evaluationRef"`

	// category is Bias (a threshold was breached), Trend (a metric worsened
	// over recent runs under a threshold's trend rule) or EvaluationFailing
	// (runs keep failing, so monitoring is blind). Set by the operator.
	// +optional
	// +kubebuilder:default=Bias
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="category is immutable"
	Category IncidentCategory `json:"category,omitempty"`

	// state is the response state people move the incident through:
	// Open, Acknowledged, Mitigating, Resolved.
	// +optional
	// +kubebuilder:default=Open
	State IncidentState `json:"state,omitempty"`

	// acknowledgedBy is who took the incident (a person or a team); required
	// from Acknowledged on.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	AcknowledgedBy string `json:"acknowledgedBy,omitempty"`

	// resolutionNote says how the incident was resolved; required to resolve.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	ResolutionNote string `json:"resolutionNote,omitempty"`

	// reopenReason says why a resolved incident was reopened; required to reopen.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	ReopenReason string `json:"reopenReason,omitempty"`
}

// BiasIncidentStatus is what the operator observed about an incident.
type BiasIncidentStatus struct {
	// conditions of the incident (Escalated, and Ready for tooling). See conditions.go.
	// +optional
	// +kubebuilder:validation:MaxItems=8
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// observedGeneration is the spec generation the status reflects.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// state is the last state the operator handled.
	// +optional
	State IncidentState `json:"state,omitempty"`
	// handledState is the spec.state the operator last acted on, whether it
	// accepted the change or refused it. spec.state can change again only
	// once the operator has handled the previous change, so that every step
	// people take reaches the timeline.
	// +optional
	HandledState IncidentState `json:"handledState,omitempty"`
	// severity is the current severity: the severity of the latest breaching run,
	// never lower than the one the incident opened with.
	// +optional
	Severity Severity `json:"severity,omitempty"`
	// highestSeverity is the most severe grade seen during the incident.
	// +optional
	HighestSeverity Severity `json:"highestSeverity,omitempty"`
	// breaches of the latest breaching run, worst first.
	// +optional
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	Breaches []Breach `json:"breaches,omitempty"`
	// openedAt is when the incident opened.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	OpenedAt *metav1.Time `json:"openedAt,omitempty"`
	// lastSeenAt is when a run last breached.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	LastSeenAt *metav1.Time `json:"lastSeenAt,omitempty"`
	// acknowledgedAt is when people acknowledged the incident.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	AcknowledgedAt *metav1.Time `json:"acknowledgedAt,omitempty"`
	// resolvedAt is when the incident was resolved.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	ResolvedAt *metav1.Time `json:"resolvedAt,omitempty"`
	// occurrences counts breaching runs during the incident.
	// +optional
	Occurrences int32 `json:"occurrences,omitempty"`
	// consecutiveCleanRuns counts clean runs since the last breach.
	// +optional
	ConsecutiveCleanRuns int32 `json:"consecutiveCleanRuns,omitempty"`
	// acknowledgeBy is the acknowledgement deadline from the severity scale.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	AcknowledgeBy *metav1.Time `json:"acknowledgeBy,omitempty"`
	// escalated is true once an escalation step has fired.
	// +optional
	Escalated bool `json:"escalated,omitempty"`
	// escalationStepsFired lists the indexes of escalation steps that fired.
	// +optional
	// +kubebuilder:validation:MaxItems=10
	// +listType=set
	EscalationStepsFired []int32 `json:"escalationStepsFired,omitempty"`
	// timeline records every transition, oldest first, bounded to the newest 50.
	// +optional
	// +kubebuilder:validation:MaxItems=50
	// +listType=atomic
	Timeline []TimelineEntry `json:"timeline,omitempty"`
	// notifications records deliveries to notification targets (bounded).
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	Notifications []NotificationDelivery `json:"notifications,omitempty"`
	// channel is a suggested chat channel name for the response, #incident-YYYY-MM-DD-HHMM (UTC).
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Channel string `json:"channel,omitempty"`
	// lastRunID is the evaluation run last recorded on the incident, so that
	// a run is counted once even when the operator restarts mid-update.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	LastRunID string `json:"lastRunID,omitempty"`
	// previousIncident names the incident this one follows, when a breach
	// came back after a resolution.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	PreviousIncident string `json:"previousIncident,omitempty"`
}

// Breach is one metric past a threshold.
type Breach struct {
	// metric that breached.
	// +required
	Metric MetricName `json:"metric"`
	// method of aggregation of the metric.
	// +optional
	Method MetricMethod `json:"method,omitempty"`
	// attribute the metric was computed over.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Attribute string `json:"attribute,omitempty"`
	// group most responsible for the value (the worst-off group), when known.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Group string `json:"group,omitempty"`
	// value of the metric.
	// +required
	Value float64 `json:"value"`
	// valueText is value to four significant digits, for printing
	// (kubectl get biasincidents shows it); value keeps every digit.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	ValueText string `json:"valueText,omitempty"`
	// threshold crossed.
	// +required
	Threshold float64 `json:"threshold"`
	// severity of the level crossed.
	// +required
	Severity Severity `json:"severity"`
	// trend is set when the finding is a drift under a threshold's trend
	// rule, not a level crossed: threshold is then the rule's worsenedBy.
	// +optional
	Trend *BreachTrend `json:"trend,omitempty"`
}

// BreachTrend is how a metric moved over a trend rule's runs.
type BreachTrend struct {
	// runs compared, the current one included.
	// +required
	Runs int32 `json:"runs"`
	// from is the metric's value runs-1 runs ago.
	// +required
	From float64 `json:"from"`
	// worsening is how much worse the value is now.
	// +required
	Worsening float64 `json:"worsening"`
}

// TimelineEntry is one transition of an incident.
type TimelineEntry struct {
	// time of the transition.
	// +required
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	Time metav1.Time `json:"time"`
	// type of the transition: Opened, BreachRecorded, SeverityRaised, CleanRun,
	// Acknowledged, Mitigating, DeadlineMissed, Escalated, Resolved or Reopened.
	// +required
	Type TimelineEntryType `json:"type"`
	// message describes the transition.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
	// actor is who caused it: a person from the spec, or the operator.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Actor string `json:"actor,omitempty"`
}

// TimelineEntryType names one kind of incident transition.
// +kubebuilder:validation:Enum=Opened;BreachRecorded;SeverityRaised;CleanRun;Acknowledged;Mitigating;DeadlineMissed;Escalated;Resolved;Reopened
type TimelineEntryType string

// Timeline entry types.
const (
	// TimelineOpened: the first breach (or the first failed run of a blind monitor) opened the incident.
	TimelineOpened TimelineEntryType = "Opened"
	// TimelineBreachRecorded: a later run breached again.
	TimelineBreachRecorded TimelineEntryType = "BreachRecorded"
	// TimelineSeverityRaised: a run breached a more severe level.
	TimelineSeverityRaised TimelineEntryType = "SeverityRaised"
	// TimelineCleanRun: a run came back clean while the incident was unresolved.
	TimelineCleanRun TimelineEntryType = "CleanRun"
	// TimelineAcknowledged: a person acknowledged the incident.
	TimelineAcknowledged TimelineEntryType = "Acknowledged"
	// TimelineMitigating: a person started mitigating.
	TimelineMitigating TimelineEntryType = "Mitigating"
	// TimelineDeadlineMissed: nobody acknowledged before the deadline.
	TimelineDeadlineMissed TimelineEntryType = "DeadlineMissed"
	// TimelineEscalated: an escalation step fired.
	TimelineEscalated TimelineEntryType = "Escalated"
	// TimelineResolved: the incident was resolved (by a person or by clean runs).
	TimelineResolved TimelineEntryType = "Resolved"
	// TimelineReopened: a person reopened a resolved incident.
	TimelineReopened TimelineEntryType = "Reopened"
)

// DeliveryResult is the outcome of a notification.
// +kubebuilder:validation:Enum=Pending;Delivered;Failed
type DeliveryResult string

// Delivery results.
const (
	// DeliveryPending: not delivered yet; attempted when due.
	DeliveryPending DeliveryResult = "Pending"
	// DeliveryDelivered: the target accepted it.
	DeliveryDelivered DeliveryResult = "Delivered"
	// DeliveryFailed: given up after the maximum number of attempts.
	DeliveryFailed DeliveryResult = "Failed"
)

// NotificationDelivery records the delivery of one transition to one target.
type NotificationDelivery struct {
	// target is the notification target's name.
	// +required
	// +kubebuilder:validation:MaxLength=63
	Target string `json:"target"`
	// idempotencyKey identifies the incident and transition, so a delivery is
	// never sent twice.
	// +required
	// +kubebuilder:validation:MaxLength=256
	IdempotencyKey string `json:"idempotencyKey"`
	// result is Pending, Delivered or Failed (given up).
	// +required
	Result DeliveryResult `json:"result"`
	// attempts made so far.
	// +optional
	Attempts int32 `json:"attempts,omitempty"`
	// lastAttemptTime is when the last attempt was made.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	LastAttemptTime *metav1.Time `json:"lastAttemptTime,omitempty"`
	// nextAttemptTime is when a pending delivery is retried.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	NextAttemptTime *metav1.Time `json:"nextAttemptTime,omitempty"`
	// message is the outcome of the last attempt (never a secret value).
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=bi;incident,categories=fairness
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.status) || !has(oldSelf.status.handledState) || !has(oldSelf.spec.state) || !has(self.spec.state) || self.spec.state == oldSelf.spec.state || oldSelf.status.handledState == oldSelf.spec.state",messageExpression="'the change to ' + oldSelf.spec.state + ' is not handled by the operator yet (status.handledState is ' + oldSelf.status.handledState + '): change the state again in a moment, so the timeline records every step'"
// +kubebuilder:printcolumn:name="Severity",type=string,JSONPath=`.status.severity`
// +kubebuilder:printcolumn:name="Evaluation",type=string,JSONPath=`.spec.evaluationRef.name`
// +kubebuilder:printcolumn:name="Metric",type=string,JSONPath=`.status.breaches[0].metric`
// +kubebuilder:printcolumn:name="Value",type=string,JSONPath=`.status.breaches[0].valueText`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.spec.state`
// +kubebuilder:printcolumn:name="Ack By",type=string,JSONPath=`.status.acknowledgeBy`
// +kubebuilder:printcolumn:name="Category",type=string,priority=1,JSONPath=`.spec.category`
// +kubebuilder:printcolumn:name="Channel",type=string,priority=1,JSONPath=`.status.channel`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// BiasIncident is an audit record and a response process for a fairness
// finding: its severity sets a response deadline, late acknowledgement
// escalates, and people move it from Open to Resolved through its spec.
type BiasIncident struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec is what people set while responding.
	// +required
	Spec BiasIncidentSpec `json:"spec"`

	// status is what the operator observed.
	// +optional
	Status BiasIncidentStatus `json:"status,omitzero"`
}

// +kubebuilder:object:root=true

// BiasIncidentList contains a list of BiasIncident.
type BiasIncidentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []BiasIncident `json:"items"`
}
