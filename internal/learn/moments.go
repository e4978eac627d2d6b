package learn

import "fmt"

// moments describe a parity constraint as in Agarwal et al. 2018: each row
// belongs to an event (all rows, or its label) and a group; the constraint
// compares a per-row quantity (the prediction, or the error) between each
// (event, group) cell and the event as a whole, in both directions.
type moments struct {
	n int
	// cell and event of each row; -1 when the row is in no event.
	cell, event []int
	cellSize    []float64 // rows per cell
	eventSize   []float64 // rows per event
	cellEvent   []int     // event of each cell
	// onError makes the quantity the error |h - y| (error-rate parity).
	onError bool
	y       []float64
}

func newMoments(group []string, y []float64, c Constraint) (*moments, error) {
	m := &moments{n: len(y), cell: make([]int, len(y)), event: make([]int, len(y)), y: y}
	eventOf := func(i int) int { return 0 }
	events := 1
	switch c {
	case DemographicParity:
	case ErrorRateParity:
		m.onError = true
	case EqualizedOdds:
		eventOf, events = func(i int) int { return int(y[i]) }, 2
	case TruePositiveRateParity:
		eventOf = func(i int) int {
			if y[i] == 1 {
				return 0
			}
			return -1
		}
	default:
		return nil, fmt.Errorf("unknown constraint %q", c)
	}
	m.eventSize = make([]float64, events)
	index := map[string]int{}
	for i, g := range group {
		e := eventOf(i)
		m.event[i] = e
		if e < 0 {
			m.cell[i] = -1
			continue
		}
		key := fmt.Sprintf("%d\x00%s", e, g)
		k, ok := index[key]
		if !ok {
			k = len(m.cellSize)
			index[key] = k
			m.cellSize = append(m.cellSize, 0)
			m.cellEvent = append(m.cellEvent, e)
		}
		m.cell[i] = k
		m.cellSize[k]++
		m.eventSize[e]++
	}
	if len(m.cellSize) < 2 {
		return nil, fmt.Errorf("the %s constraint needs at least two groups", c)
	}
	return m, nil
}

// constraints is the number of constraints: two signs per cell.
func (m *moments) constraints() int { return 2 * len(m.cellSize) }

// quantity is what the moment averages for row i predicted h.
func (m *moments) quantity(i int, h float64) float64 {
	if m.onError {
		if h == m.y[i] {
			return 0
		}
		return 1
	}
	return h
}

// gamma is the violation vector of predictions h: for each cell,
// E[q | cell] - E[q | event], then the same negated.
func (m *moments) gamma(h []float64) []float64 {
	cellSum := make([]float64, len(m.cellSize))
	eventSum := make([]float64, len(m.eventSize))
	for i, k := range m.cell {
		if k < 0 {
			continue
		}
		q := m.quantity(i, h[i])
		cellSum[k] += q
		eventSum[m.event[i]] += q
	}
	g := make([]float64, m.constraints())
	for k := range m.cellSize {
		e := m.cellEvent[k]
		d := cellSum[k]/m.cellSize[k] - eventSum[e]/m.eventSize[e]
		g[k], g[len(m.cellSize)+k] = d, -d
	}
	return g
}

// signedWeights are, per row, how much the Lagrangian favours predicting 1
// (scaled by n): the error term 2y-1 plus the constraint terms for lambda.
func (m *moments) signedWeights(lambda []float64) []float64 {
	nc := len(m.cellSize)
	n := float64(m.n)
	eventLambda := make([]float64, len(m.eventSize))
	for k := range nc {
		eventLambda[m.cellEvent[k]] += lambda[k] - lambda[nc+k]
	}
	w := make([]float64, m.n)
	for i := range w {
		w[i] = 2*m.y[i] - 1
		k := m.cell[i]
		if k < 0 {
			continue
		}
		e := m.event[i]
		adjust := eventLambda[e]/(m.eventSize[e]/n) - (lambda[k]-lambda[nc+k])/(m.cellSize[k]/n)
		if m.onError {
			adjust *= 1 - 2*m.y[i] // predicting 1 raises the error exactly when y = 0
		}
		w[i] += adjust
	}
	return w
}

// errorRate is the share of wrong predictions.
func errorRate(h, y []float64) float64 {
	wrong := 0.0
	for i := range h {
		if h[i] != y[i] {
			wrong++
		}
	}
	return wrong / float64(len(h))
}
