package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// FairnessEvaluationStatus is what the operator observed about an evaluation.
type FairnessEvaluationStatus struct {
	// conditions: Ready (always present), Reconciling and Stalled (present only
	// while true) and BiasDetected (whether the last graded run breached a
	// threshold). See conditions.go for types and reasons.
	// +optional
	// +kubebuilder:validation:MaxItems=8
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the spec generation the status reflects.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// severity of the last graded run: None, or the most severe level breached.
	// +optional
	Severity Severity `json:"severity,omitempty"`

	// activeRun is the run in flight, if any.
	// +optional
	ActiveRun *RunStatus `json:"activeRun,omitempty"`

	// lastRun is the last finished run.
	// +optional
	LastRun *RunStatus `json:"lastRun,omitempty"`

	// metrics of the last successful run, graded against the current thresholds.
	// +optional
	// +kubebuilder:validation:MaxItems=128
	// +listType=atomic
	Metrics []MetricStatus `json:"metrics,omitempty"`

	// groups summarises each group of the last successful run (largest first).
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	Groups []GroupStatus `json:"groups,omitempty"`

	// groupsOmitted counts the groups left out of groups to keep status bounded.
	// +optional
	GroupsOmitted int32 `json:"groupsOmitted,omitempty"`

	// history of recent finished runs, newest first, bounded by spec.historyLimit.
	// +optional
	// +kubebuilder:validation:MaxItems=20
	// +listType=atomic
	History []RunRecord `json:"history,omitempty"`

	// consecutiveFailedRuns counts failed runs since the last successful one.
	// +optional
	ConsecutiveFailedRuns int32 `json:"consecutiveFailedRuns,omitempty"`

	// lastHandledRequestedAt is the last value of the fairness.dev/requestedAt
	// annotation that started a run.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	LastHandledRequestedAt string `json:"lastHandledRequestedAt,omitempty"`

	// nextScheduledRun is when the cron schedule fires next.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	NextScheduledRun *metav1.Time `json:"nextScheduledRun,omitempty"`

	// incidentRef names the open BiasIncident of this evaluation, if any.
	// +optional
	IncidentRef *LocalObjectReference `json:"incidentRef,omitempty"`
}

// RunResult is the outcome of a run.
// +kubebuilder:validation:Enum=Running;Succeeded;Failed
type RunResult string

const (
	RunRunning   RunResult = "Running"
	RunSucceeded RunResult = "Succeeded"
	RunFailed    RunResult = "Failed"
)

// RunStatus describes one run of an evaluation.
type RunStatus struct {
	// id identifies the run; the Job's name is derived from it.
	// +required
	// +kubebuilder:validation:MaxLength=63
	ID string `json:"id"`
	// jobName is the name of the run's Job.
	// +required
	// +kubebuilder:validation:MaxLength=63
	JobName string `json:"jobName"`
	// trigger is what started the run: Generation (the spec changed),
	// Schedule or Request (the run-now annotation).
	// +optional
	Trigger RunTrigger `json:"trigger,omitempty"`
	// generation is the spec generation the run evaluated.
	// +optional
	Generation int64 `json:"generation,omitempty"`
	// specHash identifies the parts of the spec that change what a run
	// computes (source, mode, columns, train, shards); thresholds are not part
	// of it, so changing them re-grades instead of running again.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	SpecHash string `json:"specHash,omitempty"`
	// startTime is when the Job was created.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// completionTime is when the run finished.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// result is Running, Succeeded or Failed.
	// +optional
	Result RunResult `json:"result,omitempty"`
	// rows is the number of rows evaluated.
	// +optional
	Rows int64 `json:"rows,omitempty"`
	// reason is a CamelCase reason for a failed run.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Reason string `json:"reason,omitempty"`
	// message explains a failed run (from the pod's termination message).
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Message string `json:"message,omitempty"`
	// source describes what the run read from an object store: how many
	// objects and bytes, the bytes fetched, the first objects with their
	// ETags, and a hash of the full listing.
	// +optional
	Source *SourceStatus `json:"source,omitempty"`
	// window is the time window the run evaluated, with the rows in and
	// outside it.
	// +optional
	Window *WindowStatus `json:"window,omitempty"`
	// join is what the predictions joined with spec.outcomes and
	// spec.demographics, when those are set.
	// +optional
	Join *JoinStatus `json:"join,omitempty"`
	// report is the run's audit report, when spec.report keeps one.
	// +optional
	Report *ReportStatus `json:"report,omitempty"`
	// statistics are the run's merged sufficient statistics in their compact
	// encoding; changing thresholds re-grades them without a new run.
	// +optional
	// +kubebuilder:validation:MaxLength=65536
	Statistics string `json:"statistics,omitempty"`
}

// WindowStatus is the window (from, until] a run evaluated.
type WindowStatus struct {
	// from is the start of the window (excluded).
	// +required
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	From metav1.Time `json:"from"`
	// until is the end of the window (included): the run's start.
	// +required
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	Until metav1.Time `json:"until"`
	// inWindow is the number of rows in the window.
	// +optional
	InWindow int64 `json:"inWindow,omitempty"`
	// outside is the number of rows outside it, read and not evaluated.
	// +optional
	Outside int64 `json:"outside,omitempty"`
	// skippedObjects is the number of objects spec.window.partition left
	// unread: their names say they hold other periods.
	// +optional
	SkippedObjects int64 `json:"skippedObjects,omitempty"`
	// buckets are the periods of spec.window.bucket that had rows, newest
	// first, each with its rows and headline values.
	// +optional
	// +kubebuilder:validation:MaxItems=31
	// +listType=atomic
	Buckets []WindowBucket `json:"buckets,omitempty"`
	// bucketsOmitted says the periods' statistics did not fit the
	// evaluation pods' termination messages (too many groups): the run was
	// graded, its periods are not reported.
	// +optional
	BucketsOmitted bool `json:"bucketsOmitted,omitempty"`
}

// WindowBucket is one period of a window.
type WindowBucket struct {
	// from is the start of the period (excluded).
	// +required
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	From metav1.Time `json:"from"`
	// until is the end of the period (included).
	// +required
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	Until metav1.Time `json:"until"`
	// rows is the number of the period's rows evaluated.
	// +optional
	Rows int64 `json:"rows,omitempty"`
	// metrics are the period's headline values, chosen as a run's are
	// (status.history[].metrics).
	// +optional
	// +kubebuilder:validation:MaxItems=4
	// +listType=atomic
	Metrics []RunMetric `json:"metrics,omitempty"`
}

// JoinStatus is what a run's predictions joined by ID.
type JoinStatus struct {
	// outcomes is the number of outcome rows read.
	// +optional
	Outcomes int64 `json:"outcomes,omitempty"`
	// matched is the number of predictions whose outcome has arrived: the
	// rows the label-based metrics are computed from.
	// +optional
	Matched int64 `json:"matched,omitempty"`
	// orphans is the number of outcomes no prediction matched.
	// +optional
	Orphans int64 `json:"orphans,omitempty"`
	// demographics is the number of demographics rows read.
	// +optional
	Demographics int64 `json:"demographics,omitempty"`
	// missingDemographics is the number of predictions with no demographics
	// row: left out of every group (bias audits state this number of
	// individuals of unknown category).
	// +optional
	MissingDemographics int64 `json:"missingDemographics,omitempty"`
	// coverage is the share of predictions whose outcome has arrived, when
	// some have and some have not.
	// +optional
	Coverage *float64 `json:"coverage,omitempty"`
}

// SourceStatus is what a run read from an object store.
type SourceStatus struct {
	// objects is the number of objects listed under the prefix and glob;
	// every one was read.
	// +required
	Objects int64 `json:"objects"`
	// bytes is the objects' total size.
	// +required
	Bytes int64 `json:"bytes"`
	// bytesFetched is what the run's pods transferred: ranged reads of
	// Parquet fetch the footer and the mapped columns only.
	// +optional
	BytesFetched int64 `json:"bytesFetched,omitempty"`
	// listHash is a SHA-256 over the full listing (each object's name, size
	// and ETag, in key order): two runs with the same hash read the same data.
	// +required
	// +kubebuilder:validation:MaxLength=80
	ListHash string `json:"listHash"`
	// objectList names the first objects of the listing (at most 16) with
	// their sizes and ETags.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	ObjectList []SourceObject `json:"objectList,omitempty"`
}

// SourceObject is one object a run read.
type SourceObject struct {
	// name is the object's URL.
	// +required
	// +kubebuilder:validation:MaxLength=2048
	Name string `json:"name"`
	// etag is the version the run read (an ETag, or a GCS generation).
	// +optional
	// +kubebuilder:validation:MaxLength=256
	ETag string `json:"etag,omitempty"`
	// size in bytes.
	// +optional
	Size int64 `json:"size,omitempty"`
}

// RunRecord is one entry of the run history.
type RunRecord struct {
	// id of the run.
	// +required
	// +kubebuilder:validation:MaxLength=63
	ID string `json:"id"`
	// startTime of the run.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// completionTime of the run.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// result of the run.
	// +optional
	Result RunResult `json:"result,omitempty"`
	// severity the run was graded.
	// +optional
	Severity Severity `json:"severity,omitempty"`
	// rows evaluated.
	// +optional
	Rows int64 `json:"rows,omitempty"`
	// reason of a failed run.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Reason string `json:"reason,omitempty"`
	// metrics are the run's headline values, at most 4: the metrics a
	// threshold grades (those a trend rule grades first), or without
	// thresholds the demographic-parity difference, in status order. The
	// audit report draws their trend over the history.
	// +optional
	// +kubebuilder:validation:MaxItems=4
	// +listType=atomic
	Metrics []RunMetric `json:"metrics,omitempty"`
	// reportObjects are the objects the run's audit report was written to
	// (spec.report), once written.
	// +optional
	// +kubebuilder:validation:MaxItems=2
	// +kubebuilder:validation:items:MaxLength=2100
	// +listType=atomic
	ReportObjects []string `json:"reportObjects,omitempty"`
}

// RunMetric is one headline value of a past run.
type RunMetric struct {
	// name of the metric.
	// +required
	Name MetricName `json:"name"`
	// method of aggregation.
	// +optional
	Method MetricMethod `json:"method,omitempty"`
	// attribute is the protected attribute, or the intersection joined by '&'.
	// +required
	// +kubebuilder:validation:MaxLength=256
	Attribute string `json:"attribute"`
	// value of the metric in that run.
	// +required
	Value float64 `json:"value"`
}

// MetricStatus is one graded metric.
type MetricStatus struct {
	// name of the metric.
	// +required
	Name MetricName `json:"name"`
	// method of aggregation.
	// +required
	Method MetricMethod `json:"method"`
	// agg is worstCase or mean, for metrics over several rates (equalized odds).
	// +optional
	Agg MetricAggregation `json:"agg,omitempty"`
	// attribute is the protected attribute, or the intersection joined by '&'.
	// +required
	// +kubebuilder:validation:MaxLength=1024
	Attribute string `json:"attribute"`
	// value of the metric; absent when undefined.
	// +optional
	Value *float64 `json:"value,omitempty"`
	// undefinedReason says why value is absent (for example a group with no positives).
	// +optional
	// +kubebuilder:validation:MaxLength=256
	UndefinedReason string `json:"undefinedReason,omitempty"`
	// lower bound of the 95% interval, where one is computed.
	// +optional
	Lower *float64 `json:"lower,omitempty"`
	// upper bound of the 95% interval, where one is computed.
	// +optional
	Upper *float64 `json:"upper,omitempty"`
	// severity this metric is graded at against the thresholds.
	// +optional
	Severity Severity `json:"severity,omitempty"`
	// threshold is the value of the level breached.
	// +optional
	Threshold *float64 `json:"threshold,omitempty"`
}

// GroupStatus summarises one group.
type GroupStatus struct {
	// attribute is the protected attribute, or the intersection joined by '&'.
	// +required
	// +kubebuilder:validation:MaxLength=1024
	Attribute string `json:"attribute"`
	// group is the group's value (values joined by '&' for intersections).
	// +required
	// +kubebuilder:validation:MaxLength=1024
	Group string `json:"group"`
	// count of rows in the group.
	// +required
	Count int64 `json:"count"`
	// labelled is the number of the group's rows with an outcome, when
	// outcomes are partly known; the label-based rates count only those.
	// +optional
	Labelled *int64 `json:"labelled,omitempty"`
	// weight is the sum of the rows' membership probabilities, for a group
	// of a probabilistic attribute (columns.protectedProbabilities); count
	// is then its rows with a non-zero weight.
	// +optional
	Weight *float64 `json:"weight,omitempty"`
	// effectiveSize is Kish's effective sample size of a probabilistic
	// group, (sum of weights)^2 / sum of squared weights: what its
	// intervals and spec.minGroupSize use.
	// +optional
	EffectiveSize *float64 `json:"effectiveSize,omitempty"`
	// selectionRate is the fraction of favourable predictions.
	// +optional
	SelectionRate *float64 `json:"selectionRate,omitempty"`
	// truePositiveRate is the fraction of favourable labels predicted favourable.
	// +optional
	TruePositiveRate *float64 `json:"truePositiveRate,omitempty"`
	// falsePositiveRate is the fraction of unfavourable labels predicted favourable.
	// +optional
	FalsePositiveRate *float64 `json:"falsePositiveRate,omitempty"`
	// accuracy is the fraction of correct predictions.
	// +optional
	Accuracy *float64 `json:"accuracy,omitempty"`
	// belowMinGroupSize marks a group smaller than spec.minGroupSize: reported,
	// but it cannot open incidents.
	// +optional
	BelowMinGroupSize bool `json:"belowMinGroupSize,omitempty"`
}

// RunTrigger is what started a run.
// +kubebuilder:validation:Enum=Generation;Schedule;Request
type RunTrigger string

// Run triggers.
const (
	// TriggerGeneration: the spec changed (a new generation).
	TriggerGeneration RunTrigger = "Generation"
	// TriggerSchedule: the cron schedule came due.
	TriggerSchedule RunTrigger = "Schedule"
	// TriggerRequest: someone asked for a run with the run-now annotation.
	TriggerRequest RunTrigger = "Request"
)

// MetricAggregation combines a metric over several rates (equalized odds
// takes both the true and the false positive rate).
// +kubebuilder:validation:Enum=worstCase;mean
type MetricAggregation string

// Metric aggregations.
const (
	// AggregationWorstCase takes the larger of the rates' disparities.
	AggregationWorstCase MetricAggregation = "worstCase"
	// AggregationMean takes their mean.
	AggregationMean MetricAggregation = "mean"
)

// ReportResult is how writing a run's report went.
// +kubebuilder:validation:Enum=Pending;Written;Failed
type ReportResult string

// Report results.
const (
	// ReportPending: the report's Job is writing it.
	ReportPending ReportResult = "Pending"
	// ReportWritten: the objects are there.
	ReportWritten ReportResult = "Written"
	// ReportFailed: the Job could not write them (message says why).
	ReportFailed ReportResult = "Failed"
)

// ReportStatus is where a run's audit report was written.
type ReportStatus struct {
	// result is Pending while the report's Job writes it, then Written or Failed.
	// +required
	Result ReportResult `json:"result"`
	// jobName is the Job that writes it.
	// +required
	// +kubebuilder:validation:MaxLength=63
	JobName string `json:"jobName"`
	// objects are the objects written: the destination prefix with RUN.html
	// and RUN.json.
	// +optional
	// +kubebuilder:validation:MaxItems=2
	// +kubebuilder:validation:items:MaxLength=2100
	// +listType=atomic
	Objects []string `json:"objects,omitempty"`
	// message says why the report could not be written.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
}
