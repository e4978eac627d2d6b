package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RequestedAtAnnotation asks for an on-demand run when its value changes
// (for example to the current time), as Flux's reconcile.fluxcd.io/requestedAt.
const RequestedAtAnnotation = "fairness.dev/requestedAt"

// EvaluationMode says what the data holds.
// +kubebuilder:validation:Enum=predictions;train
type EvaluationMode string

const (
	// ModePredictions evaluates data that already holds labels and predictions.
	ModePredictions EvaluationMode = "predictions"
	// ModeTrain trains a model with a mitigation method and evaluates its test split.
	ModeTrain EvaluationMode = "train"
)

// FairnessEvaluationSpec declares what to check, how to grade it and when.
// +kubebuilder:validation:XValidation:rule="self.mode != 'predictions' || has(self.columns.prediction)",message="predictions mode needs columns.prediction"
// +kubebuilder:validation:XValidation:rule="self.mode != 'train' || has(self.columns.label)",message="train mode needs columns.label"
// +kubebuilder:validation:XValidation:rule="self.mode != 'train' || !has(self.window)",message="window applies to predictions mode only"
// +kubebuilder:validation:XValidation:rule="!has(self.thresholds) || self.thresholds.all(t, !has(t.trend) || t.trend.runs <= self.historyLimit)",message="a threshold's trend.runs compares runs the history keeps: at most historyLimit"
// +kubebuilder:validation:XValidation:rule="self.mode != 'train' || (!has(self.outcomes) && !has(self.demographics))",message="outcomes and demographics are joined in predictions mode only"
// +kubebuilder:validation:XValidation:rule="!has(self.outcomes) || has(self.columns.label)",message="outcomes need columns.label, the outcomes' label column"
// +kubebuilder:validation:XValidation:rule="[(has(self.source.objectStore) && (has(self.source.objectStore.credentialsSecretRef) || has(self.source.objectStore.webIdentity) || has(self.source.objectStore.serviceAccountName))), (has(self.outcomes) && has(self.outcomes.source.objectStore) && (has(self.outcomes.source.objectStore.credentialsSecretRef) || has(self.outcomes.source.objectStore.webIdentity) || has(self.outcomes.source.objectStore.serviceAccountName))), (has(self.demographics) && has(self.demographics.source.objectStore) && (has(self.demographics.source.objectStore.credentialsSecretRef) || has(self.demographics.source.objectStore.webIdentity) || has(self.demographics.source.objectStore.serviceAccountName))), (has(self.report) && (has(self.report.destination.objectStore.credentialsSecretRef) || has(self.report.destination.objectStore.webIdentity) || has(self.report.destination.objectStore.serviceAccountName)))].filter(x, x).size() <= 1",message="the evaluation pods have one object-store identity for every source: set credentialsSecretRef, webIdentity or serviceAccountName on one of source, outcomes, demographics and report.destination only"
// +kubebuilder:validation:XValidation:rule="(has(self.outcomes) || has(self.demographics)) == has(self.columns.id)",message="columns.id joins the predictions with outcomes or demographics: set it exactly when one of them is set"
// +kubebuilder:validation:XValidation:rule="self.mode == 'train' || !has(self.train)",message="train settings are only allowed in train mode"
// +kubebuilder:validation:XValidation:rule="self.mode != 'train' || self.shards == 1",message="train mode cannot be sharded: shards must be 1"
// +kubebuilder:validation:XValidation:rule="self.mode != 'train' || !has(self.source.format) || self.source.format == 'csv'",message="train mode reads CSV: source.format jsonl and parquet are for predictions mode"
// +kubebuilder:validation:XValidation:rule="self.mode != 'train' || !has(self.source.objectStore)",message="train mode reads one CSV file: source.objectStore is for predictions mode"
// +kubebuilder:validation:XValidation:rule="!has(self.thresholds) || self.thresholds.all(t, !has(t.attribute) || (has(self.columns.protected) && (t.attribute in self.columns.protected || t.attribute == self.columns.protected.join('&'))) || (has(self.columns.protectedProbabilities) && (t.attribute == self.columns.protectedProbabilities[0].attribute || t.attribute == (has(self.columns.protected) ? self.columns.protected.join('&') + '&' + self.columns.protectedProbabilities[0].attribute : self.columns.protectedProbabilities[0].attribute))))",message="a threshold's attribute must be one of columns.protected (or columns.protectedProbabilities), or all of them joined by '&' in their order (the intersection)"
// +kubebuilder:validation:XValidation:rule="self.mode != 'train' || !has(self.columns.protectedProbabilities)",message="columns.protectedProbabilities applies to predictions mode: a model trains on recorded attributes"
// +kubebuilder:validation:XValidation:rule="!has(self.thresholds) || self.thresholds.all(t, !(has(t.method) ? t.method == 'privileged' : t.metric in ['statisticalParityDifference', 'disparateImpact', 'averageOddsDifference', 'averageAbsoluteOddsDifference']) || (has(self.columns.privileged) && (has(t.attribute) ? t.attribute.split('&').all(a, self.columns.privileged.exists(p, p.attribute == a)) : size(self.columns.privileged) > 0)))",message="a threshold that compares with a privileged group (method privileged; statisticalParityDifference, disparateImpact, averageOddsDifference and averageAbsoluteOddsDifference by default) needs columns.privileged for its attribute"
type FairnessEvaluationSpec struct {
	// source says where the data is.
	// +required
	Source DataSource `json:"source"`

	// mode is predictions (the data holds label, prediction and optionally
	// score) or train (train a model with train.method and evaluate its test split).
	// +optional
	// +kubebuilder:default=predictions
	Mode EvaluationMode `json:"mode,omitempty"`

	// columns maps the data's columns to their roles.
	// +required
	Columns ColumnMapping `json:"columns"`

	// outcomes are joined with the predictions by columns.id: a second
	// source, of any kind and format, holding the ID and the label
	// (columns.label), which arrives long after the decision. Selection-rate
	// metrics use every prediction; label-based metrics use the predictions
	// whose outcome has arrived, and the label coverage is reported.
	// +optional
	Outcomes *OutcomesSource `json:"outcomes,omitempty"`

	// demographics are joined with the predictions by columns.id: a source
	// holding the ID and the columns.protected attributes, kept apart from
	// the model's log. Predictions with no demographics row are counted
	// (status.lastRun.join.missingDemographics) and left out of the groups.
	// +optional
	Demographics *DemographicsSource `json:"demographics,omitempty"`

	// window evaluates the decisions of a lookback period: the rows whose
	// timestamp falls in (run time - lookback, run time]. Rows outside it
	// are counted (status.lastRun.window.outside), not evaluated; a window
	// with no rows fails the run with reason NoData rather than passing.
	// +optional
	Window *TimeWindow `json:"window,omitempty"`

	// maxJoinKeys bounds the distinct application IDs the joined sides may
	// hold in each evaluation pod's memory (about 32 bytes each); a run over
	// it fails with reason JoinTooLarge. Size the pods' memory with it.
	// +optional
	// +kubebuilder:default=20000000
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=2000000000
	MaxJoinKeys *int64 `json:"maxJoinKeys,omitempty"`

	// train configures the model trained in train mode.
	// +optional
	Train *TrainSettings `json:"train,omitempty"`

	// thresholds grade the metrics into severities; a breach opens a BiasIncident.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	Thresholds []MetricThreshold `json:"thresholds,omitempty"`

	// minGroupSize is the number of rows below which a group is reported but
	// flagged, and cannot open incidents: small groups are where false alarms
	// come from. 0 lets every group open incidents.
	// +optional
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000000
	MinGroupSize *int32 `json:"minGroupSize,omitempty"`

	// schedule is a cron expression (five fields, or a macro such as @daily)
	// for periodic runs, in UTC. Without it the evaluation runs once per spec
	// change and on demand (annotation fairness.dev/requestedAt).
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|@every [0-9]+(s|m|h)|(\S+\s+){4}\S+)$`
	Schedule string `json:"schedule,omitempty"`

	// suspend stops new runs; a run in flight finishes.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// shards splits a run over an Indexed Job of this many pods, each reading
	// its part of the data; the controller adds their statistics. Predictions
	// mode only.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	Shards int32 `json:"shards,omitempty"`

	// resources of each evaluation pod's container.
	// +optional
	Resources *PodResources `json:"resources,omitempty"`

	// activeDeadlineSeconds bounds a run's wall time; a run past it fails.
	// +optional
	// +kubebuilder:default=3600
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=604800
	ActiveDeadlineSeconds int64 `json:"activeDeadlineSeconds,omitempty"`

	// backoffLimit is the number of pod retries before a run fails; 0 fails
	// the run on the first pod failure.
	// +optional
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	BackoffLimit *int32 `json:"backoffLimit,omitempty"`

	// incidentPolicy says how breaches become incidents and how those are run.
	// +optional
	IncidentPolicy *IncidentPolicy `json:"incidentPolicy,omitempty"`

	// historyLimit is the number of finished runs kept in status.history and
	// as Jobs; older ones are deleted.
	// +optional
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=20
	HistoryLimit int32 `json:"historyLimit,omitempty"`

	// report keeps every successful run's audit report.
	// +optional
	Report *ReportSettings `json:"report,omitempty"`
}

// ReportSettings says where each run's audit report is kept.
type ReportSettings struct {
	// destination is where each successful run's report is written: RUN.html
	// (the page that prints) and RUN.json (the evidence document), RUN being
	// the run's id, never overwriting an object that is there. A Job of the
	// run writes them after the run (status.lastRun.report).
	// +required
	Destination ReportDestination `json:"destination"`
}

// ReportDestination is where reports are written.
// +kubebuilder:validation:XValidation:rule="!has(self.objectStore.glob)",message="glob selects objects to read: a report destination is a prefix"
type ReportDestination struct {
	// objectStore is a prefix in an object store, in the form and with the
	// endpoint settings and credentials of source.objectStore; for example
	// s3://audit/credit-model/. With no credentials of its own, the evaluation
	// pods' object-store identity writes there.
	// +required
	ObjectStore ObjectStoreSource `json:"objectStore"`
}

// ColumnMapping names the columns that play each role.
// +kubebuilder:validation:XValidation:rule="has(self.protected) || has(self.protectedProbabilities)",message="name the protected attributes: columns.protected, columns.protectedProbabilities or both"
// +kubebuilder:validation:XValidation:rule="!has(self.privileged) || self.privileged.all(p, (has(self.protected) && p.attribute in self.protected) || (has(self.protectedProbabilities) && self.protectedProbabilities.exists(q, q.attribute == p.attribute)))",message="privileged values may only be given for attributes listed in protected or protectedProbabilities"
// +kubebuilder:validation:XValidation:rule="!has(self.protected) || !has(self.protectedProbabilities) || self.protectedProbabilities.all(q, !(q.attribute in self.protected))",message="an attribute is either in protected (recorded) or in protectedProbabilities (estimated), not both"
type ColumnMapping struct {
	// label is the column with the true outcome: of the data, or of
	// spec.outcomes when those are joined. Without it, only the
	// selection-rate metrics are computed (selection rates, demographic
	// parity, statistical parity difference, disparate impact), and a
	// threshold on a label-based metric is not evaluated (reason NoLabels).
	// Train mode needs it.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Label string `json:"label,omitempty"`
	// id is the application-ID column that joins the predictions with
	// spec.outcomes and spec.demographics; each of those has a column of
	// the same name.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	ID string `json:"id,omitempty"`
	// prediction is the column with the model's decision (predictions mode).
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Prediction string `json:"prediction,omitempty"`
	// score is the column with the model's score in [0, 1], enabling AUC and
	// calibration metrics.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Score string `json:"score,omitempty"`
	// protected lists the protected attribute columns. With several, groups
	// are their intersections, and each attribute is also reported alone.
	// It may be left out when protectedProbabilities names the attribute.
	// +optional
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=4
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +listType=set
	Protected []string `json:"protected,omitempty"`
	// protectedProbabilities gives a protected attribute that is not
	// recorded but estimated, as each row's probability of belonging to each
	// group (a proxy such as BISG for race, as fair-lending analysts use),
	// one column per group: of spec.demographics when they are joined (4
	// bytes a group more per ID in memory), else of the predictions. Each row counts in every
	// group with its probability as weight: rates are weighted means,
	// intervals and minGroupSize use Kish's effective sample size, and a
	// group's count is its rows with a non-zero weight. The attribute comes
	// after those of protected in intersections. A row whose probabilities
	// are outside [0, 1] or do not sum to 1 within the tolerance is bad.
	// At most one attribute: the joint membership of two estimated
	// attributes is not known from their marginals.
	// +optional
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=1
	// +listType=map
	// +listMapKey=attribute
	ProtectedProbabilities []ProbabilisticAttribute `json:"protectedProbabilities,omitempty"`
	// privileged declares, per attribute, the privileged values that AIF360-style
	// metrics compare the other groups against.
	// +optional
	// +kubebuilder:validation:MaxItems=4
	// +listType=map
	// +listMapKey=attribute
	Privileged []PrivilegedValues `json:"privileged,omitempty"`
	// favorableLabel is the value of label and prediction meaning the
	// favourable outcome (for example an approved loan). Values 1 and true
	// are favourable by default.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	FavorableLabel string `json:"favorableLabel,omitempty"`
	// nullGroup, when set, is the group value of a protected attribute that is
	// null (Parquet) or null or absent (JSON Lines), so that such rows are
	// counted as their own group (for example "(unknown)", as bias audits
	// report the individuals of unknown category) instead of as bad rows.
	// CSV has no null: an empty field is the empty value.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	NullGroup string `json:"nullGroup,omitempty"`
}

// TimestampFormat says how a timestamp column is written.
// +kubebuilder:validation:Enum=rfc3339;unixSeconds;unixMilliseconds
type TimestampFormat string

// TimeWindow selects the rows of a lookback period by their timestamp.
// +kubebuilder:validation:XValidation:rule="!has(self.bucket) || (duration(self.bucket) <= duration(self.lookback) && duration(self.lookback).getSeconds() <= 31 * duration(self.bucket).getSeconds())",message="bucket cuts the lookback into at most 31 periods: no longer than lookback, and at least lookback/31"
type TimeWindow struct {
	// timestampColumn is the column with each decision's time.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	TimestampColumn string `json:"timestampColumn"`
	// timestampFormat is rfc3339 (text such as 2026-11-30T09:15:00Z, and
	// Parquet's timestamp type), unixSeconds or unixMilliseconds. A row
	// whose timestamp does not parse is a bad row.
	// +optional
	// +kubebuilder:default=rfc3339
	TimestampFormat TimestampFormat `json:"timestampFormat,omitempty"`
	// lookback is the length of the window, a Go duration from 1s to
	// 26280h (three years), such as 720h for 30 days.
	// +required
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('26280h')",message="must be a duration from 1s to 26280h"
	Lookback metav1.Duration `json:"lookback"`
	// partition, with an objectStore source, reads each object's period
	// from its name and skips the objects of periods outside the window
	// without reading them: a template of the name's time placeholders,
	// {{.Date}} (2026-11-30), {{.Year}}, {{.Month}}, {{.Day}} and {{.Hour}},
	// matched against whole path segments, for example dt={{.Date}} or
	// year={{.Year}}/month={{.Month}}. Objects it does not match are read.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="self.contains('{{.')",message="partition needs a placeholder such as {{.Date}}"
	Partition string `json:"partition,omitempty"`
	// bucket, when set, also keeps the headline metrics of each period of
	// this length in the window (status.lastRun.window.buckets, newest
	// first; the oldest cut at the window's start), for reports that show how
	// the disparity moved inside the window: a Go duration from 1m, at most
	// 31 periods, such as 24h with a lookback of 720h.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1m')",message="must be a duration of at least 1m"
	Bucket *metav1.Duration `json:"bucket,omitempty"`
}

// ProbabilisticAttribute is a protected attribute given as membership
// probabilities, one column per group.
// +kubebuilder:validation:XValidation:rule="self.groups.all(g, self.groups.filter(h, h.column == g.column).size() == 1)",message="each group reads its own probability column"
type ProbabilisticAttribute struct {
	// attribute is the attribute's name in groups, metrics and thresholds,
	// for example race.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Attribute string `json:"attribute"`
	// groups lists the attribute's groups and the column holding each row's
	// probability of belonging to it.
	// +required
	// +kubebuilder:validation:MinItems=2
	// +kubebuilder:validation:MaxItems=32
	// +listType=map
	// +listMapKey=name
	Groups []ProbabilityGroup `json:"groups"`
	// tolerance is how far a row's probabilities may sum from 1 before the
	// row is bad (rounding in the proxy's output).
	// +optional
	// +kubebuilder:default=0.000001
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:ExclusiveMinimum=true
	// +kubebuilder:validation:Maximum=0.1
	Tolerance float64 `json:"tolerance,omitempty"`
}

// ProbabilityGroup is one group of a probabilistic attribute.
type ProbabilityGroup struct {
	// name is the group's value, as reported, for example White.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name"`
	// column holds each row's probability of the group, in [0, 1].
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Column string `json:"column"`
}

// OutcomesSource is where the outcomes joined by ID are.
// +kubebuilder:validation:XValidation:rule="!has(self.source.builtin)",message="the builtin dataset holds its own labels: outcomes come from inline, configMap, persistentVolumeClaim, url or objectStore"
type OutcomesSource struct {
	// source says where the outcomes are: any source kind but builtin, in
	// any format.
	// +required
	Source DataSource `json:"source"`
	// maxCoverageGap is the largest difference in label coverage (the share
	// of predictions whose outcome has arrived) between two groups of an
	// attribute before the LabelCoverage condition warns: outcomes that
	// arrive sooner for one group make label-based metrics lean its way.
	// +optional
	// +kubebuilder:default=0.1
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:ExclusiveMinimum=true
	// +kubebuilder:validation:Maximum=1
	MaxCoverageGap float64 `json:"maxCoverageGap,omitempty"`
}

// DemographicsSource is where the demographics joined by ID are.
// +kubebuilder:validation:XValidation:rule="!has(self.source.builtin)",message="the builtin dataset holds its own attributes: demographics come from inline, configMap, persistentVolumeClaim, url or objectStore"
type DemographicsSource struct {
	// source says where the demographics are: any source kind but builtin,
	// in any format.
	// +required
	Source DataSource `json:"source"`
}

// PrivilegedValues declares the privileged values of one protected attribute.
type PrivilegedValues struct {
	// attribute is one of the columns listed in protected.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Attribute string `json:"attribute"`
	// values of the attribute that form the privileged group.
	// +required
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=256
	// +listType=set
	Values []string `json:"values"`
}

// MitigationMethod is a way of training a model in train mode.
// +kubebuilder:validation:Enum=baseline;reweighing;postprocess;expgrad
type MitigationMethod string

const (
	MethodBaseline    MitigationMethod = "baseline"
	MethodReweighing  MitigationMethod = "reweighing"
	MethodPostprocess MitigationMethod = "postprocess"
	MethodExpgrad     MitigationMethod = "expgrad"
)

// FairnessConstraint is the parity a mitigation method aims for.
// +kubebuilder:validation:Enum=demographicParity;equalizedOdds;truePositiveRateParity;errorRateParity
type FairnessConstraint string

// TrainSettings configures train mode.
// +kubebuilder:validation:XValidation:rule="!has(self.constraint) || self.method in ['postprocess', 'expgrad']",message="constraint applies only to the postprocess and expgrad methods"
// +kubebuilder:validation:XValidation:rule="self.method != 'postprocess' || !has(self.constraint) || self.constraint in ['demographicParity', 'equalizedOdds']",message="postprocess supports the demographicParity and equalizedOdds constraints"
type TrainSettings struct {
	// method is baseline (logistic regression), reweighing, postprocess
	// (per-group thresholds) or expgrad (exponentiated-gradient reduction).
	// +optional
	// +kubebuilder:default=baseline
	Method MitigationMethod `json:"method,omitempty"`
	// constraint is the parity aimed for by postprocess and expgrad; default demographicParity.
	// +optional
	Constraint FairnessConstraint `json:"constraint,omitempty"`
	// features lists the feature columns; empty means every column except the label.
	// +optional
	// +kubebuilder:validation:MaxItems=512
	// +kubebuilder:validation:items:MaxLength=256
	// +listType=set
	Features []string `json:"features,omitempty"`
	// excludeProtected leaves the protected attributes out of the features.
	// +optional
	ExcludeProtected bool `json:"excludeProtected,omitempty"`
	// testSize is the fraction of rows held out for evaluation, in (0, 1).
	// +optional
	// +kubebuilder:default=0.3
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:ExclusiveMinimum=true
	// +kubebuilder:validation:Maximum=1
	// +kubebuilder:validation:ExclusiveMaximum=true
	TestSize float64 `json:"testSize,omitempty"`
	// randomState seeds the split and any randomised step.
	// +optional
	// +kubebuilder:default=42
	RandomState *int64 `json:"randomState,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=feval;fe,categories=fairness
// +kubebuilder:printcolumn:name="Mode",type=string,JSONPath=`.spec.mode`
// +kubebuilder:printcolumn:name="Severity",type=string,JSONPath=`.status.severity`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Last Run",type=date,JSONPath=`.status.lastRun.completionTime`
// +kubebuilder:printcolumn:name="Status",type=string,priority=1,JSONPath=`.status.conditions[?(@.type=="Ready")].message`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// FairnessEvaluation declares a fairness check of a model's decisions: where
// the data is, which attributes are protected, which metrics and thresholds
// apply and when to run. Each run is a Kubernetes Job; results, severity and
// conditions are written to status, and breaches open BiasIncidents.
type FairnessEvaluation struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec declares what to check.
	// +required
	Spec FairnessEvaluationSpec `json:"spec"`

	// status is what the operator observed.
	// +optional
	Status FairnessEvaluationStatus `json:"status,omitzero"`
}

// +kubebuilder:object:root=true

// FairnessEvaluationList contains a list of FairnessEvaluation.
type FairnessEvaluationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []FairnessEvaluation `json:"items"`
}
