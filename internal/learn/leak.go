package learn

import (
	"slices"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
)

// maxLeakValues bounds the distinct values of a column LeakingColumns
// considers: identifiers (every value unique) are another problem.
const maxLeakValues = 10

// LeakingColumns returns the candidate columns that determine the label
// exactly (every value of the column goes with a single label value) with
// few distinct values: a copy of the label in another form, such as Adult's
// income-per-year next to income_gt_50k. Training on one gives a perfect and
// meaningless model.
func LeakingColumns(f *dataset.Frame, label string, candidates []string) []string {
	li := f.Col(label)
	if li < 0 {
		return nil
	}
	var out []string
	for _, c := range candidates {
		ci := f.Col(c)
		if ci < 0 || c == label {
			continue
		}
		labelOf := map[string]string{}
		pure := true
		for _, row := range f.Rows {
			v, l := row[ci], row[li]
			if prev, ok := labelOf[v]; ok && prev != l {
				pure = false
				break
			}
			labelOf[v] = l
			if len(labelOf) > maxLeakValues {
				pure = false
				break
			}
		}
		if pure && len(labelOf) >= 2 {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}
