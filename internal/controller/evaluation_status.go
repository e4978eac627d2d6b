package controller

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/evaluate"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// Status bounds, matching the CRD's MaxItems.
const (
	maxStatusMetrics = 128
	maxStatusGroups  = 64
	maxBreaches      = 16
	// maxAttribute is the schema's bound on attribute and group names in
	// status and incidents: four 256-character protected columns joined by
	// '&' are 1,027 bytes, so names are cut with a marker to fit.
	maxAttribute = 1024
)

// GradeOptions turns an evaluation's spec into grading options.
func GradeOptions(spec fairnessv1alpha1.FairnessEvaluationSpec) fairness.Options {
	o := fairness.Options{MinGroupSize: int64(ptr.Deref(spec.MinGroupSize, fairnessv1alpha1.DefaultMinGroupSize)), Privileged: map[string][]string{}}
	if spec.Outcomes != nil {
		o.MaxCoverageGap = spec.Outcomes.MaxCoverageGap
	}
	for _, p := range spec.Columns.Privileged {
		o.Privileged[p.Attribute] = p.Values
	}
	for _, t := range spec.Thresholds {
		ft := fairness.Threshold{Metric: string(t.Metric), Method: string(t.Method), Attribute: t.Attribute}
		for _, l := range t.Levels {
			ft.Levels = append(ft.Levels, fairness.Level{Value: l.Value, Severity: fairness.Severity(l.Severity)})
		}
		if tr := t.Trend; tr != nil {
			ft.Trend = &fairness.TrendRule{Runs: int(tr.Runs), WorsenedBy: tr.WorsenedBy, Severity: fairness.Severity(tr.Severity)}
		}
		o.Thresholds = append(o.Thresholds, ft)
	}
	return o
}

// GradedStatus is the part of an evaluation's status computed from a report.
type GradedStatus struct {
	Severity      fairnessv1alpha1.Severity
	Metrics       []fairnessv1alpha1.MetricStatus
	Groups        []fairnessv1alpha1.GroupStatus
	GroupsOmitted int32
	Breaches      []fairnessv1alpha1.Breach
	// NotEvaluated are the thresholds that could not be graded.
	NotEvaluated []fairness.NotEvaluated
	// Trends are the drifts found by trend rules (also in Breaches).
	Trends []fairness.Breach
}

// OnlyTrends reports whether a graded run found drifts and nothing else.
func (g GradedStatus) OnlyTrends() bool {
	return len(g.Trends) > 0 && len(g.Trends) == len(g.Breaches)
}

// ThresholdsCondition is the ThresholdsEvaluated condition for a graded run:
// its status, reason and message.
func ThresholdsCondition(ne []fairness.NotEvaluated) (metav1.ConditionStatus, string, string) {
	if len(ne) == 0 {
		return metav1.ConditionTrue, fairnessv1alpha1.ReasonAllEvaluated, "every threshold was graded"
	}
	reason := ne[0].Reason
	msgs := make([]string, len(ne))
	for i, n := range ne {
		if n.Reason != reason {
			reason = fairnessv1alpha1.ReasonNotEvaluated
		}
		msgs[i] = n.Reason + ": " + display.Value(n.Message)
	}
	return metav1.ConditionFalse, reason, fmt.Sprintf("%d threshold(s) not evaluated (neither breached nor passed): %s",
		len(ne), strings.Join(msgs, "; "))
}

// CoverageCondition is the LabelCoverage condition of a graded run: True
// (a warning) when the label coverage of two groups differs by more than
// the maximum.
func CoverageCondition(c *fairness.Coverage) (metav1.ConditionStatus, string, string) {
	if c == nil || !c.Exceeded {
		return metav1.ConditionFalse, "", ""
	}
	return metav1.ConditionTrue, fairnessv1alpha1.ReasonCoverageGap, c.Message()
}

// WindowStatus is the status form of a run's time window: (start -
// lookback, start], with the rows in and outside it when the pods counted.
func WindowStatus(w *fairnessv1alpha1.TimeWindow, start *metav1.Time, c *dataset.WindowCounts) *fairnessv1alpha1.WindowStatus {
	if w == nil || start == nil {
		return nil
	}
	from, until := RunWindow(w, start.Time)
	st := &fairnessv1alpha1.WindowStatus{From: metav1.Time{Time: from}, Until: metav1.Time{Time: until}}
	if c != nil {
		st.InWindow, st.Outside, st.SkippedObjects = c.InWindow, c.Outside, c.SkippedObjects
	}
	return st
}

// addPeriods adds the headline values of each period of a window with a
// bucket to the run's window status, as the run's own are chosen.
func addPeriods(st *fairnessv1alpha1.WindowStatus, spec fairnessv1alpha1.FairnessEvaluationSpec, buckets map[int]*fairness.Table,
	omitted bool) {
	if st == nil || spec.Window == nil || spec.Window.Bucket == nil {
		return
	}
	st.BucketsOmitted = omitted
	w := &dataset.Window{From: st.From.Time, Until: st.Until.Time, Bucket: spec.Window.Bucket.Duration}
	for _, p := range evaluate.Periods(w, buckets, GradeOptions(spec)) {
		b := fairnessv1alpha1.WindowBucket{From: metav1.Time{Time: p.From}, Until: metav1.Time{Time: p.Until}, Rows: p.Rows}
		for _, m := range p.Metrics {
			b.Metrics = append(b.Metrics, fairnessv1alpha1.RunMetric{Name: fairnessv1alpha1.MetricName(m.Name),
				Method: fairnessv1alpha1.MetricMethod(m.Method), Attribute: display.Bounded(m.Attribute, 256), Value: m.Value.V})
		}
		st.Buckets = append(st.Buckets, b)
	}
}

// JoinStatus is the status form of what a run's predictions joined, with
// the overall label coverage of its statistics.
func JoinStatus(j *dataset.JoinCounts, t *fairness.Table) *fairnessv1alpha1.JoinStatus {
	if j == nil {
		return nil
	}
	st := &fairnessv1alpha1.JoinStatus{Outcomes: j.Outcomes, Matched: j.Matched, Orphans: j.Orphans(),
		Demographics: j.Demographics, MissingDemographics: j.MissingDemographics}
	if t != nil {
		if all := t.Overall().Counts; all.Labelled() > 0 && all.Labelled() < all.N() {
			st.Coverage = new(float64(all.Labelled()) / float64(all.N()))
		}
	}
	return st
}

// StatusFromReport keeps the bounded, useful part of a report for status:
// headline and thresholded metrics (between groups, privileged and
// population; worst-case aggregation), the largest groups, and the breaches.
func StatusFromReport(r *fairness.Report, thresholds []fairness.Threshold) GradedStatus {
	severityOf := map[string]fairness.Breach{}
	for _, b := range r.Breaches {
		k := b.Key()
		if _, seen := severityOf[k]; !seen {
			severityOf[k] = b
		}
	}
	out := GradedStatus{Severity: fairnessv1alpha1.Severity(r.Severity), NotEvaluated: r.NotEvaluated}
	for _, m := range r.Metrics {
		if len(out.Metrics) == maxStatusMetrics {
			break
		}
		if !fairness.Summarised(m, thresholds) {
			continue
		}
		ms := fairnessv1alpha1.MetricStatus{Name: fairnessv1alpha1.MetricName(m.Name),
			Method: fairnessv1alpha1.MetricMethod(m.Method), Agg: fairnessv1alpha1.MetricAggregation(m.Agg), Attribute: display.Bounded(m.Attribute, maxAttribute),
			Value: m.Value.Ptr(), UndefinedReason: display.Truncate(m.UndefinedReason, 256)}
		if m.Interval != nil {
			ms.Lower, ms.Upper = &m.Interval.Lower, &m.Interval.Upper
		}
		if b, ok := severityOf[m.Key()]; ok {
			ms.Severity = fairnessv1alpha1.Severity(b.Severity)
			ms.Threshold = &b.Threshold
		}
		out.Metrics = append(out.Metrics, ms)
	}
	groups := slices.Clone(r.Groups)
	slices.SortStableFunc(groups, func(a, b fairness.GroupReport) int { return cmp.Compare(b.Count, a.Count) })
	for i, g := range groups {
		if i == maxStatusGroups {
			out.GroupsOmitted = int32(len(groups) - maxStatusGroups) //nolint:gosec // bounded by the scanner's group limit
			break
		}
		var labelled *int64
		if g.Coverage != nil {
			labelled = new(g.Labelled)
		}
		out.Groups = append(out.Groups, fairnessv1alpha1.GroupStatus{Labelled: labelled,
			Attribute: display.Bounded(g.Attribute, maxAttribute), Group: display.Bounded(display.Value(groupValue(g)), maxAttribute),
			Count: g.Count, Weight: g.Weight, EffectiveSize: g.EffectiveSize,
			SelectionRate: g.SelectionRate.Ptr(), TruePositiveRate: g.TruePositiveRate.Ptr(),
			FalsePositiveRate: g.FalsePositiveRate.Ptr(), Accuracy: g.Accuracy.Ptr(),
			BelowMinGroupSize: g.BelowMinGroupSize})
	}
	for i, b := range r.Breaches {
		if i == maxBreaches {
			break
		}
		out.Breaches = append(out.Breaches, breachStatus(b))
	}
	return out
}

func breachStatus(b fairness.Breach) fairnessv1alpha1.Breach {
	s := fairnessv1alpha1.Breach{Metric: fairnessv1alpha1.MetricName(b.Metric),
		Method: fairnessv1alpha1.MetricMethod(b.Method), Attribute: display.Bounded(b.Attribute, maxAttribute),
		Group: display.Bounded(display.Value(b.Group), maxAttribute), ValueText: strconv.FormatFloat(b.Value, 'g', 4, 64),
		Value: b.Value, Threshold: b.Threshold, Severity: fairnessv1alpha1.Severity(b.Severity)}
	if t := b.Trend; t != nil {
		s.Trend = &fairnessv1alpha1.BreachTrend{Runs: int32(t.Runs), From: t.From, Worsening: t.Worsening} //nolint:gosec // at most 20
	}
	return s
}

// AddTrends grades the drifts of a run under the thresholds' trend rules
// against the history's earlier runs (current's own entry left out) and
// adds them to g: a drift raises the severity like a breach, and when it
// is all the run found, the incident it opens is of category Trend.
func AddTrends(g *GradedStatus, r *fairness.Report, thresholds []fairness.Threshold, history []fairnessv1alpha1.RunRecord, current string) {
	var past [][]fairness.PastValue
	for _, h := range history {
		if h.ID == current || h.Result != fairnessv1alpha1.RunSucceeded {
			continue
		}
		run := make([]fairness.PastValue, len(h.Metrics))
		for i, m := range h.Metrics {
			run[i] = fairness.PastValue{Name: string(m.Name), Method: string(m.Method), Attribute: m.Attribute, Value: m.Value}
		}
		past = append(past, run)
	}
	breached := map[string]bool{}
	for _, b := range r.Breaches {
		breached[b.Key()] = true
	}
	for _, t := range fairness.Trends(thresholds, r.Metrics, breached, past) {
		if len(g.Breaches) < maxBreaches {
			g.Breaches = append(g.Breaches, breachStatus(t))
		}
		g.Trends = append(g.Trends, t)
		if sev := fairnessv1alpha1.Severity(t.Severity); fairness.Severity(sev).Rank() < fairness.Severity(g.Severity).Rank() {
			g.Severity = sev
		}
	}
}

func groupValue(g fairness.GroupReport) string {
	names := strings.Split(g.Attribute, fairness.IntersectionSeparator)
	vals := make([]string, len(names))
	for i, n := range names {
		vals[i] = g.Attributes[n]
	}
	return strings.Join(vals, fairness.IntersectionSeparator)
}

// presentOnlyWhileTrue are the abnormal-true conditions, removed when not True.
var presentOnlyWhileTrue = map[string]bool{fairnessv1alpha1.ConditionReconciling: true,
	fairnessv1alpha1.ConditionStalled: true, fairnessv1alpha1.ConditionCredentialsInURL: true,
	fairnessv1alpha1.ConditionLabelCoverage: true}

// setCondition sets a condition; the abnormal-true ones are removed when
// not True. Messages are made safe to show (URLs redacted, control
// characters escaped) and bounded.
func setCondition(conds *[]metav1.Condition, gen int64, typ string, status metav1.ConditionStatus, reason, msg string) {
	if presentOnlyWhileTrue[typ] && status != metav1.ConditionTrue {
		meta.RemoveStatusCondition(conds, typ)
		return
	}
	meta.SetStatusCondition(conds, metav1.Condition{Type: typ, Status: status, Reason: reason,
		Message: display.Bounded(SafeMessage(msg), 32768), ObservedGeneration: gen})
}

// specStallReasons are the stalls each reconcile checks again (the spec or a
// referenced object is wrong); a failed run's stall lasts until the next run.
var specStallReasons = map[string]bool{fairnessv1alpha1.ReasonInvalidSpec: true, fairnessv1alpha1.ReasonSourceNotFound: true}

// clearSpecStall removes a Stalled condition caused by the spec, which the
// current pass decides again. A stall that the last run's failure set (an
// object store's SourceNotFound, say) stays until the next run.
func clearSpecStall(st *fairnessv1alpha1.FairnessEvaluationStatus) {
	c := meta.FindStatusCondition(st.Conditions, fairnessv1alpha1.ConditionStalled)
	if c == nil || !specStallReasons[c.Reason] {
		return
	}
	if lr := st.LastRun; lr != nil && lr.Result == fairnessv1alpha1.RunFailed && lr.Reason == c.Reason && st.ActiveRun == nil {
		return
	}
	meta.RemoveStatusCondition(&st.Conditions, fairnessv1alpha1.ConditionStalled)
}

// SafeMessage is how any text that may come from users, data or pods is
// shown in status and Events: URLs redacted, control characters escaped.
func SafeMessage(msg string) string { return display.Message(display.RedactURLs(msg)) }

// maxEventNote is the API server's limit on an Event's note (events.k8s.io/v1):
// a longer one is refused and the Event lost.
const maxEventNote = 1024

// EventNote is how a message becomes an Event's note: one line (newlines
// and control characters escaped, so a person's note cannot fake a line),
// URLs redacted, within the API server's limit.
func EventNote(msg string) string {
	return display.Bounded(display.Value(display.RedactURLs(msg)), maxEventNote)
}

// credentialsInURL is the CredentialsInURL condition of a spec: whether it
// applies, and its message.
func credentialsInURL(spec fairnessv1alpha1.FairnessEvaluationSpec) (bool, string) {
	if spec.Source.URL == nil || !display.URLCarriesCredentials(spec.Source.URL.URL) {
		return false, ""
	}
	return true, fmt.Sprintf("spec.source.url.url (%s) carries user info or a query parameter that looks like a secret; "+
		"it is redacted from status and Events, but anyone who can read this evaluation sees it: "+
		"put it in a Secret named by spec.source.url.headersSecretRef (for example an Authorization header)",
		display.RedactURL(spec.Source.URL.URL))
}

// maxRunMetrics bounds a history entry's headline values: the informer
// caches every evaluation's history, so a few values per run (about 100
// bytes each) is what 10,000 evaluations can afford.
const maxRunMetrics = 4

// RunMetrics picks a run's headline values from its graded metrics (see
// fairness.Followed), in status order but the ones a trend rule grades
// first, so that the history keeps what the trend rules compare;
// undefined values are left out.
func RunMetrics(metrics []fairnessv1alpha1.MetricStatus, thresholds []fairness.Threshold) []fairnessv1alpha1.RunMetric {
	var valued []fairnessv1alpha1.MetricStatus
	for _, m := range metrics {
		if m.Value != nil {
			valued = append(valued, m)
		}
	}
	var out []fairnessv1alpha1.RunMetric
	for _, i := range fairness.HeadlineOrder(len(valued), func(i int) fairness.MetricID {
		m := valued[i]
		return fairness.MetricID{Name: string(m.Name), Method: string(m.Method), Agg: string(m.Agg), Attribute: m.Attribute}
	}, thresholds, maxRunMetrics) {
		m := valued[i]
		out = append(out, fairnessv1alpha1.RunMetric{Name: m.Name, Method: m.Method,
			Attribute: display.Bounded(m.Attribute, 256), Value: *m.Value})
	}
	return out
}

// pushHistory records a finished run with its headline values, newest
// first, bounded by limit.
func pushHistory(h []fairnessv1alpha1.RunRecord, run *fairnessv1alpha1.RunStatus, sev fairnessv1alpha1.Severity,
	metrics []fairnessv1alpha1.RunMetric, limit int32) []fairnessv1alpha1.RunRecord {
	if len(h) > 0 && h[0].ID == run.ID {
		return h // already recorded (a repeated reconcile)
	}
	rec := fairnessv1alpha1.RunRecord{ID: run.ID, StartTime: run.StartTime, CompletionTime: run.CompletionTime,
		Result: run.Result, Severity: sev, Rows: run.Rows, Reason: run.Reason, Metrics: metrics}
	h = append([]fairnessv1alpha1.RunRecord{rec}, h...)
	if n := int(max(limit, 1)); len(h) > n {
		h = h[:n]
	}
	return h
}
