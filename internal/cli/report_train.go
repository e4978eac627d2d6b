package cli

import (
	"fmt"
	"math"

	"github.com/fairness-operator/fairness-operator/internal/evaluate"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/report"
)

// runFile is any JSON `fairctl evaluate -o json` writes: a predictions run
// (Output), one trained method (Model set) or `--method all` (Methods set).
type runFile struct {
	Output
	Model   *evaluate.ModelSummary `json:"model"`
	Methods []TrainOutput          `json:"methods"`
	Best    string                 `json:"best"`
}

// trainInput reports a train-mode run: the groups of the method shown (the
// comparison's best, else its first) and every method's accuracy against its
// demographic-parity difference, the evidence of a less discriminatory
// alternative.
func trainInput(path string, f *runFile) (report.Input, error) {
	methods := f.Methods
	if len(methods) == 0 {
		methods = []TrainOutput{{TrainedReport: &evaluate.TrainedReport{Report: f.Report, Model: *f.Model},
			Data: f.Data, Thresholds: f.Thresholds, EvaluatedAt: f.EvaluatedAt, Version: f.Version}}
	}
	shown := methods[0]
	for _, m := range methods {
		if m.TrainedReport == nil || m.Report == nil || m.Groups == nil {
			return report.Input{}, fmt.Errorf("%s: a method without its groups is not the JSON of `fairctl evaluate --mode train -o json`", path)
		}
		if f.Best != "" && string(m.Model.Method) == f.Best {
			shown = m
		}
	}
	in := runInput(&Output{Report: shown.Report, Data: shown.Data, Thresholds: shown.Thresholds,
		EvaluatedAt: shown.EvaluatedAt, Version: shown.Version})
	in.Mode = "train"
	in.Source.Description = fmt.Sprintf("%s (test split of %d rows; groups of method %s)", shown.Data,
		shown.Model.TestRows, shown.Model.Method)
	for _, m := range methods {
		if point, ok := methodPoint(string(m.Model.Method), m.Model.Accuracy, m.Report); ok {
			in.Methods = append(in.Methods, point)
		}
		// else nothing to place on the chart; the method's own table still shows it
	}
	return in, nil
}

// methodPoint places a trained method on the methods chart, when its
// demographic-parity difference is defined.
func methodPoint(name string, accuracy float64, r *fairness.Report) (report.Method, bool) {
	dp, ok := worstDemographicParity(r)
	return report.Method{Name: name, Accuracy: accuracy, DemographicParityDifference: dp}, ok
}

// worstDemographicParity is the largest demographic-parity difference over
// the run's attributes (the comparison's table shows the intersection; the
// chart takes the worst, so one point per method answers "how unequal").
func worstDemographicParity(r *fairness.Report) (float64, bool) {
	// The metrics a threshold on it with no method or attribute would grade.
	dp := fairness.Threshold{Metric: "demographicParityDifference"}
	worst, found := 0.0, false
	for _, m := range r.Metrics {
		if !dp.Grades(m.Name, m.Method, m.Agg, m.Attribute) || !m.Value.OK() {
			continue
		}
		if v := math.Abs(m.Value.V); !found || v > worst {
			worst, found = v, true
		}
	}
	return worst, found
}

// isTrainRun tells a train-mode file from a predictions run.
func (f *runFile) isTrainRun() bool { return f.Model != nil || len(f.Methods) > 0 }
