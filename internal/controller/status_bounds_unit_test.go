package controller

import (
	"strings"
	"testing"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// TestLongAttributesFitTheIncident: four 256-character protected columns
// make a 1,027-byte intersection name, over the 1,024 the status and the
// incident accept (before, the incident refused the finding and the run
// stayed active for ever). Every name handed over is cut with a marker.
func TestLongAttributesFitTheIncident(t *testing.T) {
	t.Parallel()
	attrs := []string{strings.Repeat("a", 256), strings.Repeat("b", 256), strings.Repeat("c", 256), strings.Repeat("d", 256)}
	tab := fairness.NewTable(attrs, 0)
	for i, vals := range [][]string{{"x", "x", "x", "x"}, {"y", "y", "y", "y"}} {
		tab.GroupFor(fairness.JoinKey(vals)).Counts = fairness.Counts{TP: int64(10 + 40*i), TN: 50, FP: 5, FN: 5}
	}
	th := []fairness.Threshold{{Metric: "demographicParityDifference", Levels: []fairness.Level{{Value: 0.01, Severity: fairness.Sev2}}}}
	g := StatusFromReport(fairness.Evaluate(tab, fairness.Options{Thresholds: th}), th)
	intersection := false
	for _, b := range g.Breaches {
		if len(b.Attribute) > maxAttribute || len(b.Group) > maxAttribute {
			t.Fatalf("breach attribute of %d bytes, group of %d", len(b.Attribute), len(b.Group))
		}
		intersection = intersection || strings.HasSuffix(b.Attribute, "…")
	}
	if !intersection {
		t.Fatalf("no breach on the (cut) intersection: %+v", g.Breaches)
	}
	for _, m := range g.Metrics {
		if len(m.Attribute) > maxAttribute {
			t.Fatalf("metric attribute of %d bytes in status", len(m.Attribute))
		}
	}
	for _, gr := range g.Groups {
		if len(gr.Attribute) > maxAttribute || len(gr.Group) > maxAttribute {
			t.Fatalf("group attribute of %d bytes in status", len(gr.Attribute))
		}
	}
}
