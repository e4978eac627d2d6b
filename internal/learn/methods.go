package learn

import (
	"fmt"
	"time"
)

// Method is a mitigation method.
type Method string

// The methods.
const (
	Baseline    Method = "baseline"
	Reweighing  Method = "reweighing"
	Postprocess Method = "postprocess"
	Expgrad     Method = "expgrad"
)

// Methods lists every method in report order.
var Methods = []Method{Baseline, Reweighing, Postprocess, Expgrad}

// Constraint is the parity a method aims for.
type Constraint string

// The constraints.
const (
	DemographicParity      Constraint = "demographicParity"
	EqualizedOdds          Constraint = "equalizedOdds"
	TruePositiveRateParity Constraint = "truePositiveRateParity"
	ErrorRateParity        Constraint = "errorRateParity"
)

// Options configure Train.
type Options struct {
	Method     Method
	Constraint Constraint
	Seed       int64
	Fit        FitOptions
	Expgrad    ExpgradOptions
}

// Result is a trained, mitigated model's test-split predictions.
type Result struct {
	Method     Method     `json:"method"`
	Constraint Constraint `json:"constraint,omitempty"`
	// Predictions are the test predictions (randomised for postprocess and expgrad).
	Predictions []float64 `json:"-"`
	// Deterministic are expgrad's predictions thresholding the mixture's
	// probability at 0.5 (nil for other methods).
	Deterministic []float64 `json:"-"`
	Iterations    int       `json:"iterations"`
	Converged     bool      `json:"converged"`
	// Gap is expgrad's final duality gap.
	Gap        float64 `json:"gap,omitempty"`
	FitSeconds float64 `json:"fitSeconds"`
}

// Train fits a model on train with the method, mitigating for the groups of
// train.Group, and predicts test.
func Train(train, test *Design, o Options) (*Result, error) {
	start := time.Now()
	res := &Result{Method: o.Method}
	switch o.Method {
	case Baseline, "":
		res.Method = Baseline
		m, err := Fit(train, train.Y, nil, o.Fit)
		if err != nil {
			return nil, err
		}
		res.Predictions, res.Iterations, res.Converged = m.Predict(test), m.Iterations, m.Converged
	case Reweighing:
		m, err := Fit(train, train.Y, ReweighingWeights(train.Group, train.Y), o.Fit)
		if err != nil {
			return nil, err
		}
		res.Predictions, res.Iterations, res.Converged = m.Predict(test), m.Iterations, m.Converged
	case Postprocess:
		res.Constraint = orConstraint(o.Constraint)
		m, err := Fit(train, train.Y, nil, o.Fit)
		if err != nil {
			return nil, err
		}
		rules, err := FitThresholds(m.Scores(train), train.Y, train.Group, res.Constraint)
		if err != nil {
			return nil, err
		}
		res.Predictions = rules.Predict(m.Scores(test), test.Group, o.Seed)
		res.Iterations, res.Converged = m.Iterations, m.Converged
	case Expgrad:
		res.Constraint = orConstraint(o.Constraint)
		eg, err := ExponentiatedGradient(train, res.Constraint, o.Fit, o.Expgrad)
		if err != nil {
			return nil, err
		}
		res.Predictions = eg.Predict(test, o.Seed)
		res.Deterministic = eg.PredictDeterministic(test)
		res.Iterations, res.Converged, res.Gap = eg.Iterations, eg.Converged, eg.Gap
	default:
		return nil, fmt.Errorf("unknown method %q (want baseline, reweighing, postprocess or expgrad)", o.Method)
	}
	res.FitSeconds = time.Since(start).Seconds()
	return res, nil
}

func orConstraint(c Constraint) Constraint {
	if c == "" {
		return DemographicParity
	}
	return c
}
