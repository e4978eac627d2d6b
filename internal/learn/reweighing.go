package learn

// ReweighingWeights are Kamiran and Calders' weights
// W(g, y) = P(G=g)·P(Y=y) / P(G=g, Y=y), computed on the rows given: each
// (group, label) cell is weighted as if group and label were independent.
func ReweighingWeights(group []string, y []float64) []float64 {
	n := float64(len(y))
	byGroup := map[string]float64{}
	byLabel := map[float64]float64{}
	byCell := map[string]float64{}
	cell := func(g string, l float64) string {
		if l == 1 {
			return g + "\x00" + "1"
		}
		return g + "\x00" + "0"
	}
	for i, g := range group {
		byGroup[g]++
		byLabel[y[i]]++
		byCell[cell(g, y[i])]++
	}
	w := make([]float64, len(y))
	for i, g := range group {
		w[i] = (byGroup[g] / n) * (byLabel[y[i]] / n) / (byCell[cell(g, y[i])] / n)
	}
	return w
}
