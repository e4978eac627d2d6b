package learn

import (
	"math"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// logLoss is Fit's objective: the weighted log-loss plus alpha/2 ||coef||².
// gonum/optimize asks for the value, the gradient and the Hessian at the
// same point one after another, so the per-row work (a dot product, one
// exp, one log1p) is done once per point and kept. The per-row work runs
// on every core; sums are taken in row order afterwards, so the result is
// bit for bit the same whatever GOMAXPROCS is.
type logLoss struct {
	d     *Design
	y, w  []float64
	alpha float64

	at       []float64 // the point the rows below belong to; nil: none yet
	sig      []float64 // sigmoid of row i's linear predictor
	term     []float64 // row i's weighted log-loss
	residual []float64 // w_i (sigmoid - y_i)
	blocks   []int     // hessianBlocks
	// hessData and curv are the Hessian's work space, kept between the
	// calls of one fit.
	hessData, curv []float64
	// sortedRows: every row lists its columns in increasing order (Encode
	// does), so a core can leave a row at the first column past its block.
	sortedRows bool
}

func newLogLoss(d *Design, y, w []float64, alpha float64) *logLoss {
	n := d.Rows
	return &logLoss{d: d, y: y, w: w, alpha: alpha,
		sig: make([]float64, n), term: make([]float64, n), residual: make([]float64, n)}
}

// rows computes the per-row values at beta unless they are already there.
func (l *logLoss) rows(beta []float64) {
	if l.at != nil && slices.Equal(l.at, beta) {
		return
	}
	p := l.d.P
	inParallel(l.d.Rows, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			z := beta[p] + l.d.dot(i, beta)
			wi := 1.0
			if l.w != nil {
				wi = l.w[i]
			}
			// log(1+exp(-s z)) and sigmoid(z), both from e = exp(-|z|).
			e := math.Exp(-math.Abs(z))
			m := -(2*l.y[i] - 1) * z
			l.term[i] = wi * (max(m, 0) + math.Log1p(e))
			s := e / (1 + e)
			if z >= 0 {
				s = 1 / (1 + e)
			}
			l.sig[i] = s
			l.residual[i] = wi * (s - l.y[i])
		}
	})
	l.at = append(l.at[:0], beta...)
}

func (l *logLoss) value(beta []float64) float64 {
	l.rows(beta)
	loss := 0.0
	for _, t := range l.term {
		loss += t
	}
	reg := 0.0
	for _, b := range beta[:l.d.P] {
		reg += b * b
	}
	return loss + 0.5*l.alpha*reg
}

func (l *logLoss) gradient(grad, beta []float64) {
	l.rows(beta)
	p := l.d.P
	d := l.d
	bounds := l.hessianBlocks()
	var wg sync.WaitGroup
	// Xᵀr by blocks of columns, as in hessian: each core sums its own
	// columns in row order.
	for k := range len(bounds) - 1 {
		first, last := int32(bounds[k]), int32(min(bounds[k+1], p))
		wg.Go(func() {
			own := make([]float64, max(0, int(last-first)))
			for j := range own {
				own[j] = l.alpha * beta[int(first)+j] // first, as the one-core sum had it
			}
			for i, r := range l.residual {
				lo, hi := d.Ptr[i], d.Ptr[i+1]
				vals := d.Val[lo:hi]
				for a, j := range d.Col[lo:hi] {
					if j >= first && j < last {
						own[j-first] += r * vals[a]
					}
				}
			}
			for j, v := range own {
				grad[int(first)+j] = v
			}
		})
	}
	sum := 0.0
	for _, r := range l.residual {
		sum += r
	}
	wg.Wait()
	grad[p] = sum
}

// hessian is X̃ᵀ diag(w σ(1-σ)) X̃ + alpha·I (the intercept, last, not
// penalised), with X̃ = [X 1]. Rows are sparse, so a row costs nnz²/2 for
// the upper triangle. The cells are shared out among the cores by their
// row of the matrix: each core reads every data row but adds only into its
// own cells, in data-row order, so no sum is reordered.
func (l *logLoss) hessian(h *mat.SymDense, beta []float64) {
	l.rows(beta)
	d, p := l.d, l.d.P
	stride := p + 1
	if l.hessData == nil {
		l.hessData, l.curv = make([]float64, stride*stride), make([]float64, d.Rows)
	}
	data, curv := l.hessData, l.curv
	clear(data)
	for i, s := range l.sig {
		curv[i] = s * (1 - s)
		if l.w != nil {
			curv[i] *= l.w[i]
		}
	}
	bounds, sorted := l.hessianBlocks(), l.sortedRows
	var wg sync.WaitGroup
	for k := range len(bounds) - 1 {
		first, last := int32(bounds[k]), int32(bounds[k+1])
		wg.Go(func() {
			// Each core adds into a block of its own, copied in at the end:
			// cores writing into one array meet on the cache lines where
			// their blocks touch, and that costs more than the copy.
			own := make([]float64, int(last-first)*stride)
			for i, c := range curv {
				lo, hi := d.Ptr[i], d.Ptr[i+1]
				cols, vals := d.Col[lo:hi], d.Val[lo:hi]
				for a, ja := range cols {
					if ja < first {
						continue
					}
					if ja >= last {
						if sorted {
							break // the rest of the row is another core's
						}
						continue
					}
					va := c * vals[a]
					row := own[int(ja-first)*stride : int(ja-first+1)*stride]
					// Encode emits a column once per row, so a < b means ja != jb.
					rest, restVals := cols[a:], vals[a:]
					restVals = restVals[:len(rest)] // lets the compiler drop a bounds check
					for b, jb := range rest {
						row[jb] += va * restVals[b]
					}
					row[p] += va
				}
			}
			copy(data[int(first)*stride:], own)
		})
	}
	wg.Wait()
	for _, c := range curv {
		data[p*stride+p] += c
	}
	for j := range p {
		data[j*stride+j] += l.alpha
	}
	if h.SymmetricDim() != stride {
		h.ReuseAsSym(stride)
	}
	for a := range stride {
		for b := a; b < stride; b++ {
			v := data[a*stride+b]
			if a != b {
				v += data[b*stride+a] // a pair whose columns came in decreasing order
			}
			h.SetSym(a, b, v)
		}
	}
}

// hessianBlocks splits the matrix's rows 0..P into one contiguous block of
// equal work per core (the work of matrix row j is the pairs that start at
// column j), computed once per design. Contiguous blocks keep the cores off
// each other's cache lines.
func (l *logLoss) hessianBlocks() []int {
	if l.blocks != nil {
		return l.blocks
	}
	d := l.d
	work := make([]int, d.P+1)
	total := 0
	for i := range d.Rows {
		lo, hi := d.Ptr[i], d.Ptr[i+1]
		for a := lo; a < hi; a++ {
			work[d.Col[a]] += hi - a
			total += hi - a
		}
	}
	l.sortedRows = true
	for i := range d.Rows {
		l.sortedRows = l.sortedRows && slices.IsSorted(d.Col[d.Ptr[i]:d.Ptr[i+1]])
	}
	cores := min(runtime.GOMAXPROCS(0), max(1, d.Rows/minRowsPerCore))
	l.blocks = []int{0}
	done := 0
	for j, w := range work {
		done += w
		if len(l.blocks) < cores && done*cores >= total*len(l.blocks) {
			l.blocks = append(l.blocks, j+1)
		}
	}
	l.blocks = append(l.blocks, d.P+1)
	return l.blocks
}

// inParallel runs work over [0, n) in GOMAXPROCS contiguous ranges; work
// must write only to its own elements.
func inParallel(n int, work func(lo, hi int)) {
	parts := min(runtime.GOMAXPROCS(0), max(1, n/minRowsPerCore))
	if parts <= 1 {
		work(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := range parts {
		wg.Go(func() { work(k*n/parts, (k+1)*n/parts) })
	}
	wg.Wait()
}

// minRowsPerCore keeps small designs on one goroutine, where starting
// more costs more than it saves.
const minRowsPerCore = 4096
