package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/evaluate"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/learn"
	"github.com/fairness-operator/fairness-operator/internal/version"
)

// TrainOutput is one method's report in train mode.
type TrainOutput struct {
	*evaluate.TrainedReport
	Data       string               `json:"data"`
	Thresholds []fairness.Threshold `json:"thresholds"`
	// EvaluatedAt and Version are the run's provenance for `fairctl report --from`.
	EvaluatedAt time.Time `json:"evaluatedAt,omitzero"`
	Version     string    `json:"version,omitempty"`
}

// Comparison is `--method all`: every method side by side and the most
// accurate one that meets every threshold.
type Comparison struct {
	Methods []TrainOutput `json:"methods"`
	Best    string        `json:"best,omitempty"`
}

func (f *evaluateFlags) trainConfig() (evaluate.TrainConfig, error) {
	c := evaluate.TrainConfig{Label: f.label, Favorable: f.favorable, Protected: f.protected,
		ExcludeProtected: f.excludeProtected, ImputeMissing: f.imputeMissing, TestSize: f.testSize,
		RandomState: f.randomState, Stratify: f.stratify, Constraint: learn.Constraint(f.constraint)}
	if f.features != "" {
		for s := range strings.SplitSeq(f.features, ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.Features = append(c.Features, s)
			}
		}
	}
	switch f.method {
	case "all":
		c.Methods = learn.Methods
	case string(learn.Baseline), string(learn.Reweighing), string(learn.Postprocess), string(learn.Expgrad):
		c.Methods = []learn.Method{learn.Method(f.method)}
	default:
		return c, usageError("--method %q: want baseline, reweighing, postprocess, expgrad or all", f.method)
	}
	switch c.Constraint {
	case "", learn.DemographicParity, learn.EqualizedOdds:
	case learn.TruePositiveRateParity, learn.ErrorRateParity:
		if f.method == string(learn.Postprocess) {
			return c, usageError("--constraint %s: postprocess supports demographicParity and equalizedOdds", c.Constraint)
		}
	default:
		return c, usageError("--constraint %q: want demographicParity, equalizedOdds, truePositiveRateParity or errorRateParity", f.constraint)
	}
	if f.method == "all" && (c.Constraint == learn.TruePositiveRateParity || c.Constraint == learn.ErrorRateParity) {
		return c, usageError("--constraint %s: postprocess (part of --method all) supports demographicParity and equalizedOdds", c.Constraint)
	}
	if f.testSize <= 0 || f.testSize >= 1 {
		return c, usageError("--test-size %v: want a value within (0, 1)", f.testSize)
	}
	return c, nil
}

func runTrain(ctx context.Context, s Streams, f *evaluateFlags, format format, failOn fairness.Severity) error {
	if f.data == "" || strings.HasPrefix(f.data, "builtin:") {
		if f.label == "" {
			f.label = "repaid"
		}
		if len(f.protected) == 0 {
			f.protected = []string{"sex"}
		}
		if f.features == "" {
			f.features = strings.Join(dataset.SyntheticFeatures, ",")
		}
	}
	if f.label == "" {
		return usageError("--label is required for %s", f.data)
	}
	if len(f.protected) == 0 {
		return usageError("--protected is required for %s", f.data)
	}
	tc, err := f.trainConfig()
	if err != nil {
		return err
	}
	src, _, opts, err := f.config()
	if err != nil {
		return err
	}
	reports, err := evaluate.Train(ctx, src, tc, opts, s.In)
	if err != nil {
		return usageError("%v", err)
	}
	evaluatedAt := time.Now().UTC().Truncate(time.Second)
	outs := make([]TrainOutput, len(reports))
	for i := range reports {
		outs[i] = TrainOutput{TrainedReport: &reports[i], Data: display.RedactURL(src.Data), Thresholds: opts.Thresholds,
			EvaluatedAt: evaluatedAt, Version: version.Version}
	}
	if len(outs) == 1 {
		if err := renderTrain(s.Out, format, outs[0]); err != nil {
			return err
		}
		if sev := outs[0].Severity; sev != fairness.SeverityNone && sev.AtLeast(failOn) {
			return errBreached
		}
		return nil
	}
	cmp := Comparison{Methods: outs}
	bestAcc := -1.0
	for _, o := range outs {
		breached := o.Severity != fairness.SeverityNone && o.Severity.AtLeast(failOn)
		if !breached && o.Model.Accuracy > bestAcc {
			cmp.Best, bestAcc = string(o.Model.Method), o.Model.Accuracy
		}
	}
	if err := renderComparison(s.Out, format, &cmp); err != nil {
		return err
	}
	if cmp.Best == "" {
		return errBreached
	}
	return nil
}

func encodeStructured(w io.Writer, f format, v any) (bool, error) {
	switch f {
	case formatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return true, enc.Encode(v)
	case formatYAML:
		data, err := json.Marshal(v)
		if err != nil {
			return true, err
		}
		y, err := yaml.JSONToYAML(data)
		if err != nil {
			return true, err
		}
		_, err = w.Write(y)
		return true, err
	}
	return false, nil
}

func renderTrain(w io.Writer, f format, o TrainOutput) error {
	if done, err := encodeStructured(w, f, o); done {
		return err
	}
	m := o.Model
	fmt.Fprintf(w, "Model: %s", m.Method)
	if m.Constraint != "" {
		fmt.Fprintf(w, " (%s, mitigated for %s)", m.Constraint, m.MitigatedFor)
	}
	fmt.Fprintf(w, "   accuracy %.4f   train %d / test %d rows   %d iterations   %.2fs\n",
		m.Accuracy, m.TrainRows, m.TestRows, m.Iterations, m.FitSeconds)
	if len(m.LeftOut) > 0 {
		fmt.Fprintf(w, "Left out (they copy the label): %s\n", strings.Join(m.LeftOut, ", "))
	}
	return renderText(w, &Output{Report: o.Report, Data: o.Data + " (test split)", Thresholds: o.Thresholds}, f == formatMarkdown)
}

// comparedMetrics are the columns of the --method all table.
var comparedMetrics = []string{"demographicParityDifference", "equalizedOddsDifference", "equalOpportunityDifference",
	"demographicParityRatio"}

func renderComparison(w io.Writer, f format, c *Comparison) error {
	if done, err := encodeStructured(w, f, c); done {
		return err
	}
	if len(c.Methods) == 0 {
		return nil
	}
	first := c.Methods[0]
	attr := strings.Join(first.Attributes, fairness.IntersectionSeparator)
	fmt.Fprintf(w, "Data: %s   test split: %d rows   protected: %s\n\n", first.Data, first.Model.TestRows, attr)
	t := newTextTable(w, f == formatMarkdown)
	header := []string{"METHOD", "ACCURACY"}
	header = append(header, comparedMetrics...)
	header = append(header, "SEVERITY", "MEETS THRESHOLDS", "")
	t.row(header...)
	for _, o := range c.Methods {
		name := string(o.Model.Method)
		if o.Model.Constraint != "" {
			name += " (" + string(o.Model.Constraint) + ")"
		}
		cells := []string{name, strconv.FormatFloat(o.Model.Accuracy, 'f', 4, 64)}
		for _, metric := range comparedMetrics {
			cells = append(cells, comparedValue(o.Report, metric, attr))
		}
		meets := "yes"
		if o.Severity != fairness.SeverityNone {
			meets = "no"
		}
		mark := ""
		if string(o.Model.Method) == c.Best {
			mark = "<- most accurate meeting all thresholds"
		}
		t.row(append(cells, string(o.Severity), meets, mark)...)
	}
	t.flush()
	if c.Best == "" {
		fmt.Fprintln(w, "\nNo method meets every threshold.")
	}
	return nil
}

func comparedValue(r *fairness.Report, metric, attr string) string {
	compared := fairness.Threshold{Metric: metric, Attribute: attr} // its default method, worst case
	for _, m := range r.Metrics {
		if compared.Grades(m.Name, m.Method, m.Agg, m.Attribute) {
			return num(m.Value)
		}
	}
	return "-"
}
