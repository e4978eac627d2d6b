package learn

import (
	"errors"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// ExpgradOptions are the exponentiated-gradient settings; zero values take
// fairlearn's defaults (eps 0.01, 50 iterations, eta0 2.0, nu from the data).
type ExpgradOptions struct {
	Eps     float64
	MaxIter int
	Eta0    float64
	Nu      float64
}

// Constants of the algorithm (as fairlearn's ExponentiatedGradient).
const (
	accuracyMul      = 0.5
	regretCheckStart = 5
	regretCheckGrow  = 1.6
	shrinkRegret     = 0.8
	shrinkEta        = 0.8
	minIterations    = 5
	precision        = 1e-8
)

// Mixture is a randomised classifier: logistic regressions with weights.
type Mixture struct {
	Models     []*Model
	Weights    []float64
	Iterations int
	Converged  bool
	Gap        float64
}

// hypothesis is one best response with its error and violations.
type hypothesis struct {
	model *Model
	err   float64
	gamma []float64
}

type lagrangian struct {
	d      *Design
	mom    *moments
	fit    FitOptions
	eps, b float64
	hs     []hypothesis
	last   *Model // warm start
}

// value is err + lambda·gamma of hypothesis j.
func (l *lagrangian) value(j int, lambda []float64) float64 {
	v := l.hs[j].err
	for k, g := range l.hs[j].gamma {
		v += lambda[k] * g
	}
	return v
}

// bestH fits the best response to lambda (a weighted classification) and
// returns the index of the best hypothesis so far.
func (l *lagrangian) bestH(lambda []float64) (int, error) {
	sw := l.mom.signedWeights(lambda)
	y := make([]float64, len(sw))
	w := make([]float64, len(sw))
	sum := 0.0
	for i, s := range sw {
		if s > 0 {
			y[i] = 1
		}
		w[i] = math.Abs(s)
		sum += w[i]
	}
	if sum == 0 {
		return 0, errors.New("expgrad: all reduction weights are zero")
	}
	for i := range w {
		w[i] *= float64(len(w)) / sum
	}
	fo := l.fit
	fo.Init = l.last
	m, err := Fit(l.d, y, w, fo)
	if err != nil {
		return 0, err
	}
	l.last = m
	pred := m.Predict(l.d)
	h := hypothesis{model: m, err: errorRate(pred, l.d.Y), gamma: l.mom.gamma(pred)}
	hv := h.err
	for k, g := range h.gamma {
		hv += lambda[k] * g
	}
	best, bestV := -1, math.Inf(1)
	for j := range l.hs {
		if v := l.value(j, lambda); v < bestV {
			best, bestV = j, v
		}
	}
	if hv < bestV-precision {
		l.hs = append(l.hs, h)
		best = len(l.hs) - 1
	}
	return best, nil
}

// eval is the Lagrangian of mixture q at lambda (projected), and its
// value under the best response of the lambda player.
func (l *lagrangian) eval(q, lambda []float64) (L, high float64) {
	nc := l.mom.constraints()
	gamma := make([]float64, nc)
	e := 0.0
	for j, w := range q {
		e += w * l.hs[j].err
		for k := range gamma {
			gamma[k] += w * l.hs[j].gamma[k]
		}
	}
	proj := project(lambda, l.b)
	L = e
	for k := range gamma {
		L += proj[k] * (gamma[k] - l.eps)
	}
	maxG := math.Inf(-1)
	for _, g := range gamma {
		maxG = math.Max(maxG, g)
	}
	high = e
	if maxG >= l.eps {
		high = e + l.b*(maxG-l.eps)
	}
	return L, high
}

// project keeps the larger of each (+, -) pair's difference and caps the
// sum at b, as the lambda player would.
func project(lambda []float64, b float64) []float64 {
	nc := len(lambda) / 2
	p := make([]float64, len(lambda))
	sum := 0.0
	for k := range nc {
		d := lambda[k] - lambda[nc+k]
		if d > 0 {
			p[k] = d
		} else {
			p[nc+k] = -d
		}
		sum += math.Abs(d)
	}
	if sum > b {
		for k := range p {
			p[k] *= b / sum
		}
	}
	return p
}

// gap is the duality gap of mixture q against lambda.
func (l *lagrangian) gap(q, lambda []float64, nu float64) (float64, error) {
	L, high := l.eval(q, lambda)
	low := L
	for _, mul := range []float64{1, 2, 5, 10} {
		scaled := make([]float64, len(lambda))
		for k, v := range lambda {
			scaled[k] = mul * v
		}
		j, err := l.bestH(scaled)
		if err != nil {
			return 0, err
		}
		onlyJ := make([]float64, len(l.hs))
		onlyJ[j] = 1
		if lj, _ := l.eval(onlyJ, lambda); lj < low {
			low = lj
		}
		if math.Max(L-low, high-L) > nu+precision {
			break
		}
	}
	return math.Max(L-low, high-L), nil
}

// solveLP finds the best mixture of the hypotheses so far (minimise error
// plus B times the worst violation beyond eps) and the matching lambda.
func (l *lagrangian) solveLP() (q, lambda []float64, err error) {
	m, nc := len(l.hs), l.mom.constraints()
	// Primal, standard form over [Q (m), xi, slacks (nc)]:
	// sum_j Q_j (gamma_kj - eps) - xi + s_k = 0; sum_j Q_j = 1.
	cols := m + 1 + nc
	a := mat.NewDense(nc+1, cols, nil)
	c := make([]float64, cols)
	b := make([]float64, nc+1)
	for j, h := range l.hs {
		c[j] = h.err
		for k := range nc {
			a.Set(k, j, h.gamma[k]-l.eps)
		}
		a.Set(nc, j, 1)
	}
	c[m] = l.b
	for k := range nc {
		a.Set(k, m, -1)
		a.Set(k, m+1+k, 1)
	}
	b[nc] = 1
	_, x, err := lp.Simplex(c, a, b, 1e-10, nil)
	if err != nil {
		return nil, nil, err
	}
	q = x[:m]
	// Dual: maximise mu subject to -sum_k lambda_k (gamma_kj - eps) + mu <= err_j
	// and sum_k lambda_k <= B, lambda >= 0; variables [lambda (nc), mu+, mu-, slacks (m+1)].
	dcols := nc + 2 + m + 1
	da := mat.NewDense(m+1, dcols, nil)
	dc := make([]float64, dcols)
	db := make([]float64, m+1)
	dc[nc], dc[nc+1] = -1, 1
	for j, h := range l.hs {
		for k := range nc {
			da.Set(j, k, -(h.gamma[k] - l.eps))
		}
		da.Set(j, nc, 1)
		da.Set(j, nc+1, -1)
		da.Set(j, nc+2+j, 1)
		db[j] = h.err
	}
	for k := range nc {
		da.Set(m, k, 1)
	}
	da.Set(m, nc+2+m, 1)
	db[m] = l.b
	_, dx, err := lp.Simplex(dc, da, db, 1e-10, nil)
	if err != nil {
		return nil, nil, err
	}
	return q, dx[:nc], nil
}

// ExponentiatedGradient runs the reduction of Agarwal et al. (2018): a
// zero-sum game between a learner (weighted logistic regressions) and a
// lambda player (the Lagrange multipliers of the constraints), with a linear
// program over the hypotheses found so far at each step.
func ExponentiatedGradient(d *Design, c Constraint, fo FitOptions, o ExpgradOptions) (*Mixture, error) {
	if o.Eps <= 0 {
		o.Eps = 0.01
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 50
	}
	if o.Eta0 <= 0 {
		o.Eta0 = 2
	}
	mom, err := newMoments(d.Group, d.Y, c)
	if err != nil {
		return nil, err
	}
	l := &lagrangian{d: d, mom: mom, fit: fo, eps: o.Eps, b: 1 / o.Eps}
	nc := mom.constraints()
	theta := make([]float64, nc)
	lambdaSum := make([]float64, nc)
	counts := map[int]float64{}
	var bestQ []float64
	bestGap, gapsEG := math.Inf(1), []float64{}
	nu, eta := o.Nu, o.Eta0*o.Eps
	lastChecked, lastGap := float64(regretCheckStart), math.Inf(1)
	mix := &Mixture{}
	for t := range o.MaxIter {
		mix.Iterations = t + 1
		lambda := make([]float64, nc)
		z := 1.0
		for _, th := range theta {
			z += math.Exp(th)
		}
		for k, th := range theta {
			lambda[k] = l.b * math.Exp(th) / z
			lambdaSum[k] += lambda[k]
		}
		j, err := l.bestH(lambda)
		if err != nil {
			return nil, err
		}
		if t == 0 && nu <= 0 {
			nu = accuracyMul * stdAbsError(l.hs[j].model.Predict(d), d.Y) / math.Sqrt(float64(d.Rows))
		}
		counts[j]++
		total := float64(t + 1)
		qEG := make([]float64, len(l.hs))
		for k, n := range counts {
			qEG[k] = n / total
		}
		lambdaEG := make([]float64, nc)
		for k := range lambdaEG {
			lambdaEG[k] = lambdaSum[k] / total
		}
		gapEG, err := l.gap(qEG, lambdaEG, nu)
		if err != nil {
			return nil, err
		}
		gapsEG = append(gapsEG, gapEG)
		q, g := qEG, gapEG
		if t > 0 {
			qLP, lambdaLP, err := l.solveLP()
			if err == nil {
				if gapLP, err := l.gap(qLP, lambdaLP, nu); err == nil && gapLP <= gapEG {
					q, g = qLP, gapLP
				}
			}
		}
		if g <= bestGap+precision {
			bestGap, bestQ = g, append([]float64(nil), q...)
		}
		gamma := l.hs[j].gamma
		if g < nu && t >= minIterations {
			mix.Converged = true
			break
		}
		if float64(t) >= lastChecked*regretCheckGrow {
			best := math.Inf(1)
			for _, v := range gapsEG {
				best = math.Min(best, v)
			}
			if best > lastGap*shrinkRegret {
				eta *= shrinkEta
			}
			lastChecked, lastGap = float64(t), best
		}
		for k := range theta {
			theta[k] += eta * (gamma[k] - o.Eps)
		}
	}
	for j, w := range bestQ {
		if w > 0 {
			mix.Models = append(mix.Models, l.hs[j].model)
			mix.Weights = append(mix.Weights, w)
		}
	}
	mix.Gap = bestGap
	return mix, nil
}

func stdAbsError(pred, y []float64) float64 {
	n := float64(len(y))
	mean := 0.0
	for i := range y {
		mean += math.Abs(pred[i] - y[i])
	}
	mean /= n
	v := 0.0
	for i := range y {
		d := math.Abs(pred[i]-y[i]) - mean
		v += d * d
	}
	return math.Sqrt(v / (n - 1))
}

// Probability is the mixture's probability of predicting the favourable label.
func (m *Mixture) Probability(d *Design) []float64 {
	p := make([]float64, d.Rows)
	for j, model := range m.Models {
		for i, v := range model.Predict(d) {
			p[i] += m.Weights[j] * v
		}
	}
	return p
}

// Predict draws each prediction from the mixture, seeded.
func (m *Mixture) Predict(d *Design, seed int64) []float64 {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6578706772)) //nolint:gosec // reproducible randomised predictions
	p := m.Probability(d)
	for i, v := range p {
		if rng.Float64() < v {
			p[i] = 1
		} else {
			p[i] = 0
		}
	}
	return p
}

// PredictDeterministic predicts 1 where the mixture's probability is at least 0.5.
func (m *Mixture) PredictDeterministic(d *Design) []float64 { return atHalf(m.Probability(d)) }
