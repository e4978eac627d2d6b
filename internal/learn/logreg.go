package learn

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/optimize"
)

// Model is a fitted logistic regression.
type Model struct {
	Coef       []float64 `json:"coef"`
	Intercept  float64   `json:"intercept"`
	Iterations int       `json:"iterations"`
	Converged  bool      `json:"converged"`
}

// FitOptions configure Fit.
type FitOptions struct {
	// C is the inverse regularisation strength (scikit-learn's C); 0 means 1.
	C float64
	// MaxIter bounds L-BFGS iterations; 0 means 1000.
	MaxIter int
	// Tol is the gradient threshold (max norm) for convergence; 0 means 1e-4, as scikit-learn.
	Tol float64
	// Init warm-starts the fit (expgrad refits many similar models).
	Init *Model
}

// Fit minimises the sum over rows of w_i times the log-loss, plus
// ||coef||² / (2C) with the intercept not penalised: scikit-learn's
// LogisticRegression(C) objective. Weights may be nil (all 1).
func Fit(d *Design, y, w []float64, o FitOptions) (*Model, error) {
	p := d.P
	if d.Rows == 0 {
		return nil, errors.New("no training rows")
	}
	if o.C <= 0 {
		o.C = 1
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 1000
	}
	if o.Tol <= 0 {
		o.Tol = 1e-4
	}
	obj := newLogLoss(d, y, w, 1/o.C)
	problem := optimize.Problem{
		Func: obj.value,
		Grad: obj.gradient,
		Hess: obj.hessian,
	}
	x0 := make([]float64, p+1)
	if o.Init != nil && len(o.Init.Coef) == p {
		copy(x0, o.Init.Coef)
		x0[p] = o.Init.Intercept
	}
	settings := &optimize.Settings{GradientThreshold: o.Tol, MajorIterations: o.MaxIter}
	// L-BFGS crawls along the flat directions that one-hot blocks make next
	// to the intercept (hundreds of iterations on Adult). While the
	// (p+1)² Hessian is small, Newton's method (also gonum/optimize) reaches
	// the optimum in about ten cheap iterations; wide designs use L-BFGS.
	var method optimize.Method = &optimize.LBFGS{Store: 10}
	if p <= newtonMaxFeatures {
		method = &optimize.Newton{}
	}
	res, err := optimize.Minimize(problem, x0, settings, method)
	if res == nil {
		return nil, fmt.Errorf("fitting the logistic regression: %w", err)
	}
	m := &Model{Coef: append([]float64(nil), res.X[:p]...), Intercept: res.X[p], Iterations: res.MajorIterations,
		Converged: res.Status == optimize.GradientThreshold || res.Status == optimize.FunctionConvergence}
	for _, c := range m.Coef {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return nil, errors.New("fitting the logistic regression diverged")
		}
	}
	return m, nil
}

// newtonMaxFeatures bounds the designs fitted with Newton's method.
const newtonMaxFeatures = 1500

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// Scores are the predicted probabilities of the favourable label.
func (m *Model) Scores(d *Design) []float64 {
	z := make([]float64, d.Rows)
	for i := range z {
		z[i] = sigmoid(m.Intercept + d.dot(i, m.Coef))
	}
	return z
}

// Predict thresholds the scores at 0.5.
func (m *Model) Predict(d *Design) []float64 { return atHalf(m.Scores(d)) }

// atHalf turns probabilities into decisions, in place: 1 at 0.5 and above.
func atHalf(p []float64) []float64 {
	for i, v := range p {
		if v >= 0.5 {
			p[i] = 1
		} else {
			p[i] = 0
		}
	}
	return p
}

// Objective is the value Fit minimises, at model m.
func Objective(d *Design, y, w []float64, c float64, m *Model) float64 {
	s := m.Scores(d)
	loss := 0.0
	for i, p := range s {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		if y[i] == 1 {
			loss -= wi * math.Log(p)
		} else {
			loss -= wi * math.Log1p(-p)
		}
	}
	reg := 0.0
	for _, b := range m.Coef {
		reg += b * b
	}
	return loss + reg/(2*c)
}
