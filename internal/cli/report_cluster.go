package cli

import (
	"context"
	"fmt"
	"path"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/controller"
	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/evaluate"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/report"
)

// clusterInput gathers an evaluation's report input from the cluster: its
// last run graded again from the stored statistics with the spec in force
// (so every group's counts and intervals are exact), its history, and the
// incidents it opened.
func clusterInput(ctx context.Context, c client.Client, ns, name string) (report.Input, error) {
	var eval fairnessv1alpha1.FairnessEvaluation
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &eval); err != nil {
		return report.Input{}, fmt.Errorf("evaluation %s/%s: %w", ns, name, err)
	}
	var list fairnessv1alpha1.BiasIncidentList
	if err := c.List(ctx, &list, client.InNamespace(eval.Namespace),
		client.MatchingLabels{fairnessv1alpha1.EvaluationLabel: controller.EvaluationLabelValue(eval.Name)}); err != nil {
		return report.Input{}, fmt.Errorf("incidents of evaluation %s/%s: %w", eval.Namespace, eval.Name, err)
	}
	return evaluationInput(&eval, list.Items)
}

// evaluationInput is the report input of an evaluation (as the API server
// has it, statistics included) and the incidents of its namespace that
// carry its label.
func evaluationInput(eval *fairnessv1alpha1.FairnessEvaluation, incidents []fairnessv1alpha1.BiasIncident) (report.Input, error) {
	ns, name := eval.Namespace, eval.Name
	last := eval.Status.LastRun
	if last == nil || last.Result != fairnessv1alpha1.RunSucceeded {
		return report.Input{}, fmt.Errorf("evaluation %s/%s has no successful run to report yet", ns, name)
	}
	if last.Statistics == "" {
		return report.Input{}, fmt.Errorf("evaluation %s/%s: run %s kept no statistics (over 64 KiB encoded), "+
			"so its groups cannot be reported; `fairctl evaluate -o json` on the same data gives the report's input",
			ns, name, last.ID)
	}
	res, err := evaluate.DecodeResult(last.Statistics)
	var table *fairness.Table
	if err == nil {
		table, err = res.Table()
	}
	if err != nil {
		return report.Input{}, fmt.Errorf("evaluation %s/%s: the statistics of run %s cannot be decoded: %w", ns, name, last.ID, err)
	}
	opts := controller.GradeOptions(eval.Spec)
	in := report.Input{Evaluation: eval.Name, Namespace: eval.Namespace, RunID: last.ID, Mode: string(eval.Spec.Mode),
		Report: fairness.Evaluate(table, opts), Thresholds: opts.Thresholds, Privileged: opts.Privileged,
		MinGroupSize: opts.MinGroupSize, SpecHash: last.SpecHash, Source: clusterSource(eval, res)}
	if eval.Spec.Mode == fairnessv1alpha1.ModeTrain && in.Report.Overall.Accuracy.OK() {
		// The stored statistics are the test split's, so their accuracy is the model's.
		method := fairnessv1alpha1.MethodBaseline
		if eval.Spec.Train != nil && eval.Spec.Train.Method != "" {
			method = eval.Spec.Train.Method
		}
		if point, ok := methodPoint(string(method), in.Report.Overall.Accuracy.V, in.Report); ok {
			in.Methods = append(in.Methods, point)
		}
	}
	if last.CompletionTime != nil {
		in.Time = last.CompletionTime.Time
	}
	if last.Join != nil {
		in.MissingDemographics = last.Join.MissingDemographics
	}
	if w := last.Window; w != nil {
		in.Window = windowText(w.From.Time, w.Until.Time, w.InWindow, w.Outside)
		for _, b := range slices.Backward(w.Buckets) {
			values := map[string]float64{}
			for _, m := range b.Metrics {
				values[trendName(m)] = m.Value
			}
			in.Periods = append(in.Periods, report.PeriodPoint{From: b.From.Time, Until: b.Until.Time, Rows: b.Rows, Metrics: values})
		}
	}
	in.History = historyPoints(eval.Status.History)
	in.Incidents = incidentsOf(eval, incidents)
	return in, nil
}

// historyPoints turns the succeeded runs of a history (newest first) into
// the trend's points, oldest first: each run's headline values, or, when no
// run recorded any (runs from before the operator kept them), its severity.
func historyPoints(history []fairnessv1alpha1.RunRecord) []report.HistoryPoint {
	withValues := slices.ContainsFunc(history, func(h fairnessv1alpha1.RunRecord) bool { return len(h.Metrics) > 0 })
	var points []report.HistoryPoint
	for _, h := range slices.Backward(history) {
		if h.Result != fairnessv1alpha1.RunSucceeded || h.CompletionTime == nil {
			continue
		}
		values := map[string]float64{}
		if !withValues {
			values["severity (4 = Sev1, 0 = none)"] = severityLevel(h.Severity)
		}
		for _, m := range h.Metrics {
			values[trendName(m)] = m.Value
		}
		points = append(points, report.HistoryPoint{RunID: h.ID, Time: h.CompletionTime.Time,
			Severity: fairness.Severity(h.Severity), Metrics: values})
	}
	return points
}

// trendName labels a series: the metric and its attribute, and the method
// when it is not the metric's usual one.
func trendName(m fairnessv1alpha1.RunMetric) string {
	return seriesName(string(m.Name), string(m.Method), m.Attribute)
}

func seriesName(metric, method, attribute string) string {
	if method != "" && method != fairness.DefaultMethod(metric) {
		return fmt.Sprintf("%s (%s, %s)", metric, attribute, method)
	}
	return fmt.Sprintf("%s (%s)", metric, attribute)
}

// severityLevel draws the scale upwards: Sev1 highest, no breach at 0.
func severityLevel(s fairnessv1alpha1.Severity) float64 {
	if r := fairness.Severity(s).Rank(); r <= 4 {
		return float64(5 - r)
	}
	return 0
}

// clusterSource names the evaluation's data as a person would, without secrets.
func clusterSource(eval *fairnessv1alpha1.FairnessEvaluation, res *evaluate.Result) report.Source {
	src := eval.Spec.Source
	s := report.Source{RowsRead: res.Rows + res.BadRows, RowsBad: res.BadRows}
	switch {
	case src.URL != nil:
		s.Description = display.RedactURL(src.URL.URL)
	case src.ObjectStore != nil:
		s.Description = display.RedactURL(src.ObjectStore.URL)
		if src.ObjectStore.Glob != "" {
			s.Description = path.Join(s.Description, src.ObjectStore.Glob)
		}
	case src.ConfigMap != nil:
		s.Description = "ConfigMap " + src.ConfigMap.Name + ", key " + src.ConfigMap.Key
	case src.PersistentVolumeClaim != nil:
		s.Description = "PersistentVolumeClaim " + src.PersistentVolumeClaim.ClaimName + ", " + src.PersistentVolumeClaim.Path
	case src.Builtin != nil:
		s.Description = "built-in synthetic credit dataset"
	case src.Inline != "":
		s.Description = "inline CSV in the evaluation's spec"
	}
	if st := eval.Status.LastRun.Source; st != nil {
		s.Count, s.Bytes, s.ListHash = int(st.Objects), st.Bytes, st.ListHash
		for _, o := range st.ObjectList {
			s.Objects = append(s.Objects, report.Object{Name: o.Name, ETag: o.ETag, Size: o.Size})
		}
	}
	return s
}

// incidentsOf is the incidents the evaluation opened, with their timelines
// and notifications.
func incidentsOf(eval *fairnessv1alpha1.FairnessEvaluation, incidents []fairnessv1alpha1.BiasIncident) []report.Incident {
	var out []report.Incident
	for _, bi := range incidents {
		if !controller.OpenedFor(&bi, eval) {
			continue // a hand-made incident, or an earlier evaluation's of the same name
		}
		in := report.Incident{Name: bi.Name, Severity: fairness.Severity(bi.Status.HighestSeverity), State: string(bi.Status.State)}
		if bi.Status.OpenedAt != nil {
			in.OpenedAt = bi.Status.OpenedAt.Time
		}
		for _, e := range bi.Status.Timeline {
			in.Trail = append(in.Trail, report.IncidentEvent{Time: e.Time.Time, State: string(e.Type), By: e.Actor, Note: e.Message})
		}
		for _, n := range bi.Status.Notifications {
			d := report.Notification{Target: n.Target, Result: string(n.Result)}
			if n.LastAttemptTime != nil {
				d.Time = n.LastAttemptTime.Time
			}
			in.Notifications = append(in.Notifications, d)
		}
		out = append(out, in)
	}
	return out
}
