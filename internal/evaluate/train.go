package evaluate

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/learn"
)

// MaxTrainRows bounds train mode, which holds the whole table in memory.
const MaxTrainRows = 10_000_000

// TrainConfig is a train-mode evaluation.
type TrainConfig struct {
	Label, Favorable string
	Protected        []string
	Features         []string
	ExcludeProtected bool
	ImputeMissing    bool
	TestSize         float64
	RandomState      int64
	Stratify         bool
	Methods          []learn.Method
	Constraint       learn.Constraint
}

// ModelSummary is the `model` object of a train-mode report.
type ModelSummary struct {
	Method       learn.Method     `json:"method"`
	Constraint   learn.Constraint `json:"constraint,omitempty"`
	MitigatedFor string           `json:"mitigatedFor,omitempty"`
	Accuracy     float64          `json:"accuracy"`
	Iterations   int              `json:"iterations"`
	Converged    bool             `json:"converged"`
	Gap          float64          `json:"gap,omitempty"`
	TrainRows    int              `json:"trainRows"`
	TestRows     int              `json:"testRows"`
	FitSeconds   float64          `json:"fitSeconds"`
	// Features are the encoded features' source columns; LeftOut the
	// columns dropped because they copy the label.
	Features []string `json:"features"`
	LeftOut  []string `json:"leftOut,omitempty"`
	// DeterministicAccuracy is expgrad's accuracy thresholding its mixture at 0.5.
	DeterministicAccuracy *float64 `json:"deterministicAccuracy,omitempty"`
}

// TrainedReport is one method's graded test split.
type TrainedReport struct {
	*fairness.Report
	Model ModelSummary `json:"model"`
	// Table is the test split's per-group statistics.
	Table *fairness.Table `json:"-"`
}

// Train trains each method on the training split and grades its test-split
// predictions with the same statistics engine as predictions mode.
func Train(ctx context.Context, src Source, c TrainConfig, opts fairness.Options, stdin io.Reader) ([]TrainedReport, error) {
	rc, err := src.Open(ctx, stdin, &dataset.ScanOptions{})
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	f, err := dataset.ReadFrame(rc, MaxTrainRows)
	if err != nil {
		return nil, err
	}
	for _, p := range c.Protected {
		if f.Col(p) < 0 {
			return nil, fmt.Errorf("protected attribute column %q not found (columns: %s)", p, strings.Join(f.Columns, ", "))
		}
	}
	features := c.Features
	var leftOut []string
	if len(features) == 0 {
		for _, col := range f.Columns {
			if col != c.Label {
				features = append(features, col)
			}
		}
		// Only guessed feature lists are cleaned: an explicit list is the user's call.
		leftOut = learn.LeakingColumns(f, c.Label, features)
		features = slices.DeleteFunc(features, func(s string) bool { return slices.Contains(leftOut, s) })
	}
	if c.ExcludeProtected {
		features = slices.DeleteFunc(slices.Clone(features), func(s string) bool { return slices.Contains(c.Protected, s) })
	}
	spec := learn.Spec{Label: c.Label, Favorable: c.Favorable, Features: features, Protected: c.Protected,
		Missing: learn.MissingError}
	if c.ImputeMissing {
		spec.Missing = learn.MissingImpute
	}
	var y []float64
	if c.Stratify {
		li := f.Col(c.Label)
		if li < 0 {
			return nil, fmt.Errorf("label column %q not found (columns: %s)", c.Label, strings.Join(f.Columns, ", "))
		}
		y = make([]float64, len(f.Rows))
		for i, row := range f.Rows {
			if one, binary := dataset.ParseBinary(row[li]); row[li] == c.Favorable || (c.Favorable == "" && binary && one) {
				y[i] = 1
			}
		}
	}
	trainIdx, testIdx, err := learn.Split(len(f.Rows), y, c.TestSize, c.RandomState, c.Stratify)
	if err != nil {
		return nil, err
	}
	d, err := learn.Encode(f, spec, trainIdx)
	if err != nil {
		return nil, err
	}
	train, test := d.Subset(trainIdx), d.Subset(testIdx)
	var out []TrainedReport
	for _, m := range c.Methods {
		res, err := learn.Train(train, test, learn.Options{Method: m, Constraint: c.Constraint, Seed: c.RandomState})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
		table := testTable(f, testIdx, c.Protected, test.Y, res.Predictions)
		report := fairness.Evaluate(table, opts)
		sum := ModelSummary{Method: res.Method, Constraint: res.Constraint, Accuracy: accuracy(res.Predictions, test.Y),
			Iterations: res.Iterations, Converged: res.Converged, Gap: res.Gap, TrainRows: train.Rows,
			TestRows: test.Rows, FitSeconds: res.FitSeconds, Features: features, LeftOut: leftOut}
		if m != learn.Baseline {
			sum.MitigatedFor = strings.Join(c.Protected, fairness.IntersectionSeparator)
		}
		if res.Deterministic != nil {
			a := accuracy(res.Deterministic, test.Y)
			sum.DeterministicAccuracy = &a
		}
		out = append(out, TrainedReport{Report: report, Model: sum, Table: table})
	}
	return out, nil
}

func testTable(f *dataset.Frame, rows []int, protected []string, y, pred []float64) *fairness.Table {
	t := fairness.NewTable(protected, 0)
	cols := make([]int, len(protected))
	for j, p := range protected {
		cols[j] = f.Col(p)
	}
	vals := make([]string, len(protected))
	for k, i := range rows {
		for j, c := range cols {
			vals[j] = display.Key(f.Rows[i][c]) // as the scanner keys groups
		}
		t.GroupFor(fairness.JoinKey(vals)).Counts.Observe(y[k] == 1, pred[k] == 1)
	}
	return t
}

func accuracy(pred, y []float64) float64 {
	ok := 0
	for i := range pred {
		if pred[i] == y[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(pred))
}
