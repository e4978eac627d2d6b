package evaluate

import (
	"slices"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

func sortedKeys(t *fairness.Table) []string {
	keys := make([]string, 0, len(t.Groups))
	for k := range t.Groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
