package learn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// sparseDesign has rows of two numeric columns and three one-hot blocks,
// enough rows for the objective to run on several cores.
func sparseDesign(rows int) (*Design, []float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	d := &Design{P: 2 + 4 + 5 + 7, Rows: rows, Ptr: []int{0}}
	w := make([]float64, rows)
	for i := range rows {
		d.Col = append(d.Col, 0, 1, int32(2+rng.IntN(4)), int32(6+rng.IntN(5)), int32(11+rng.IntN(7)))
		d.Val = append(d.Val, rng.NormFloat64(), rng.NormFloat64(), 1, 1, 1)
		d.Ptr = append(d.Ptr, len(d.Col))
		d.Y = append(d.Y, float64(rng.IntN(2)))
		w[i] = rng.Float64() * 2
	}
	return d, w
}

type lossAt struct {
	value float64
	grad  []float64
	hess  *mat.SymDense
}

func evaluateLoss(d *Design, w, beta []float64) lossAt {
	l := newLogLoss(d, d.Y, w, 0.5)
	out := lossAt{value: l.value(beta), grad: make([]float64, d.P+1), hess: mat.NewSymDense(d.P+1, nil)}
	l.gradient(out.grad, beta)
	l.hessian(out.hess, beta)
	return out
}

// naiveLoss is the objective written out densely, row by row.
func naiveLoss(d *Design, w, beta []float64, alpha float64) lossAt {
	p := d.P
	out := lossAt{grad: make([]float64, p+1), hess: mat.NewSymDense(p+1, nil)}
	x := make([]float64, p+1)
	for i := range d.Rows {
		clear(x)
		for k := d.Ptr[i]; k < d.Ptr[i+1]; k++ {
			x[d.Col[k]] = d.Val[k]
		}
		x[p] = 1
		z := 0.0
		for j, v := range x {
			z += v * beta[j]
		}
		s := 1 / (1 + math.Exp(-z))
		out.value -= w[i] * (d.Y[i]*math.Log(s) + (1-d.Y[i])*math.Log(1-s))
		for a := range x {
			out.grad[a] += w[i] * (s - d.Y[i]) * x[a]
			for b := a; b <= p; b++ {
				out.hess.SetSym(a, b, out.hess.At(a, b)+w[i]*s*(1-s)*x[a]*x[b])
			}
		}
	}
	for j := range p {
		out.value += 0.5 * alpha * beta[j] * beta[j]
		out.grad[j] += alpha * beta[j]
		out.hess.SetSym(j, j, out.hess.At(j, j)+alpha)
	}
	return out
}

// TestLogLossIsTheSameOnEveryCoreCount: the objective, its gradient and its
// Hessian agree with the dense formulas, and are bit for bit the same on 1,
// 2 and 3 cores (the cores share the work, not the sums).
func TestLogLossIsTheSameOnEveryCoreCount(t *testing.T) {
	d, w := sparseDesign(3 * minRowsPerCore)
	beta := make([]float64, d.P+1)
	for j := range beta {
		beta[j] = 0.1 * float64(j%5-2)
	}
	want := naiveLoss(d, w, beta, 0.5)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var first lossAt
	for _, cores := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(cores)
		got := evaluateLoss(d, w, beta)
		if cores == 1 {
			first = got
		} else if got.value != first.value || !slices.Equal(got.grad, first.grad) || !mat.Equal(got.hess, first.hess) {
			t.Fatalf("%d cores: not the same bits as one core", cores)
		}
		if math.Abs(got.value-want.value) > 1e-9*math.Abs(want.value) {
			t.Fatalf("%d cores: value %v, want %v", cores, got.value, want.value)
		}
		for j := range got.grad {
			if math.Abs(got.grad[j]-want.grad[j]) > 1e-8 {
				t.Fatalf("%d cores: gradient[%d] %v, want %v", cores, j, got.grad[j], want.grad[j])
			}
		}
		if !mat.EqualApprox(got.hess, want.hess, 1e-8) {
			t.Fatalf("%d cores: Hessian differs from the dense one", cores)
		}
	}
}
