package cli

import (
	"math"
	"testing"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// validThreshold is what every accepted threshold must satisfy.
func validThreshold(t *testing.T, th fairness.Threshold) {
	t.Helper()
	if err := checkThreshold(th); err != nil {
		t.Fatalf("accepted a threshold that fails the schema rules: %+v: %v", th, err)
	}
	for _, l := range th.Levels {
		if math.IsNaN(l.Value) || math.IsInf(l.Value, 0) {
			t.Fatalf("accepted a non-finite level: %+v", th)
		}
	}
}

func TestThresholdsDocRefusesNonFinite(t *testing.T) {
	for _, doc := range []string{
		"thresholds: [{metric: demographicParityDifference, levels: [{value: .nan, severity: Sev2}]}]",
		"- {metric: theilIndex, levels: [{value: .inf, severity: Sev2}]}",
		"- {metric: demographicParityDifference, levels: [{value: 1.5, severity: Sev2}]}",
		"- {metric: nope, levels: [{value: 0.1, severity: Sev2}]}",
		"- {metric: demographicParityDifference, levels: [{value: 0.1, severity: Sev9}]}",
		"- {metric: demographicParityDifference, unknownField: 1, levels: [{value: 0.1, severity: Sev2}]}",
	} {
		if ts, err := parseThresholdsDoc([]byte(doc)); err == nil {
			t.Errorf("accepted %q: %+v", doc, ts)
		}
	}
}

func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"demographicParityDifference<=0.1:Sev2", "disparateImpact@race>=0.8:Sev1",
		"equalizedOddsDifference/toOverall@sex<=0.05:Sev3", "theilIndex<=1e308:Sev4", "x<=-0:Sev1", "<=:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		th, err := parseThreshold(s)
		if err == nil {
			validThreshold(t, th)
		}
	})
}

func FuzzParseThresholdsDoc(f *testing.F) {
	for _, s := range []string{
		"thresholds:\n- metric: demographicParityDifference\n  levels:\n  - {value: 0.1, severity: Sev2}\n",
		"[{\"metric\": \"disparateImpact\", \"method\": \"privileged\", \"levels\": [{\"value\": 0.8, \"severity\": \"Sev1\"}]}]",
		"- {metric: theilIndex, levels: [{value: .nan, severity: Sev2}]}", "{", "- [1, 2]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := parseThresholdsDoc(data)
		if err == nil {
			for _, th := range ts {
				validThreshold(t, th)
			}
		}
	})
}
