package evaluate

import (
	"strings"
	"testing"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// TestMergeRefusesShardsOfDifferentVersions: shards that read different
// versions of the data are not added up (the run fails with ResultInvalid).
func TestMergeRefusesShardsOfDifferentVersions(t *testing.T) {
	tab := fairness.NewTable([]string{"g"}, 0)
	tab.GroupFor("a").Counts = fairness.Counts{TP: 1}
	a, b := NewResult("g1", 0, 2, 1, 0, tab), NewResult("g1", 1, 2, 1, 0, tab)
	a.DataVersion, b.DataVersion = `"v1"`, `"v1"`
	if _, _, err := MergeResults("g1", 2, []*Result{a, b}); err != nil {
		t.Fatalf("same version: %v", err)
	}
	b.DataVersion = `"v2"`
	_, _, err := MergeResults("g1", 2, []*Result{a, b})
	if err == nil || !strings.Contains(err.Error(), `shard 0 read version "v1", shard 1 version "v2"`) {
		t.Fatalf("different versions: %v", err)
	}
}
