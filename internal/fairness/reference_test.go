package fairness

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/fairness-operator/fairness-operator/test/datasets"
)

// reference is the shape of ../shared/datasets/reference/*.json (fairlearn's numbers).
type reference struct {
	PredictionsCSV string                        `json:"predictions_csv"`
	N              int64                         `json:"n"`
	Overall        map[string]float64            `json:"overall"`
	BySensitive    map[string]referenceAttribute `json:"by_sensitive_feature"`
}

type referenceAttribute struct {
	Groups     []string                      `json:"groups"`
	ByGroup    map[string]map[string]float64 `json:"by_group"`
	Confusion  map[string]map[string]int64   `json:"confusion_by_group"`
	Aggregates map[string]map[string]float64 `json:"metricframe_aggregates"`
	Fairness   map[string]float64            `json:"fairness_metrics"`
}

// fairlearn rate names → ours.
var fairlearnRates = map[string]Rate{
	"selection_rate": SelectionRate, "true_positive_rate": TruePositiveRate, "false_positive_rate": FalsePositiveRate,
	"false_negative_rate": FalseNegativeRate, "true_negative_rate": TrueNegativeRate, "accuracy": Accuracy,
}

// fairlearn metric names → (our name, method, agg).
var fairlearnMetrics = map[string][3]string{
	"demographic_parity_difference":            {"demographicParityDifference", MethodBetweenGroups, ""},
	"demographic_parity_ratio":                 {"demographicParityRatio", MethodBetweenGroups, ""},
	"equalized_odds_difference":                {"equalizedOddsDifference", MethodBetweenGroups, AggWorstCase},
	"equalized_odds_ratio":                     {"equalizedOddsRatio", MethodBetweenGroups, AggWorstCase},
	"equal_opportunity_difference":             {"equalOpportunityDifference", MethodBetweenGroups, ""},
	"equal_opportunity_ratio":                  {"equalOpportunityRatio", MethodBetweenGroups, ""},
	"demographic_parity_difference_to_overall": {"demographicParityDifference", MethodToOverall, ""},
	"demographic_parity_ratio_to_overall":      {"demographicParityRatio", MethodToOverall, ""},
	"equalized_odds_difference_to_overall":     {"equalizedOddsDifference", MethodToOverall, AggWorstCase},
	"equalized_odds_ratio_to_overall":          {"equalizedOddsRatio", MethodToOverall, AggWorstCase},
	"equal_opportunity_difference_to_overall":  {"equalOpportunityDifference", MethodToOverall, ""},
	"equal_opportunity_ratio_to_overall":       {"equalOpportunityRatio", MethodToOverall, ""},
	"equalized_odds_difference_agg_mean":       {"equalizedOddsDifference", MethodBetweenGroups, AggMean},
	"equalized_odds_ratio_agg_mean":            {"equalizedOddsRatio", MethodBetweenGroups, AggMean},
}

const tolerance = 1e-9

// readPredictions builds a table over one attribute with encoding/csv, kept
// independent of internal/dataset on purpose.
func readPredictions(t *testing.T, path, attribute string) *Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	tab := NewTable([]string{attribute}, 0)
	for _, r := range rows[1:] {
		tab.GroupFor(r[col[attribute]]).Counts.Observe(r[col["y_true"]] == "1", r[col["y_pred"]] == "1")
	}
	return tab
}

func near(a, b float64) bool { return math.Abs(a-b) <= tolerance }

func findMetric(ms []Metric, name, method, agg, attribute string) (Metric, bool) {
	for _, m := range ms {
		if m.Name == name && m.Method == method && m.Agg == agg && m.Attribute == attribute {
			return m, true
		}
	}
	return Metric{}, false
}

func TestAgreesWithFairlearnReference(t *testing.T) {
	for _, name := range []string{"german_lr", "compas_decile_all"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(datasets.Path(t, "reference", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var ref reference
			if err := json.Unmarshal(data, &ref); err != nil {
				t.Fatal(err)
			}
			if len(ref.BySensitive) == 0 {
				t.Fatal("reference has no sensitive features")
			}
			checked := 0
			for attr, ra := range ref.BySensitive {
				tab := readPredictions(t, datasets.Path(t, ref.PredictionsCSV), attr)
				rep := Evaluate(tab, Options{})
				if rep.Rows != ref.N {
					t.Fatalf("%s: rows %d, want %d", attr, rep.Rows, ref.N)
				}
				checked += checkAttribute(t, attr, tab, rep, ra)
				for fl, ours := range fairlearnRates {
					want, ok := ref.Overall[fl]
					got := rep.Overall.Counts.Rate(ours, false)
					if ok && (!got.OK() || !near(got.V, want)) {
						t.Errorf("overall %s = %+v, want %v", fl, got, want)
					}
				}
			}
			t.Logf("%d values agree with fairlearn to %g", checked, tolerance)
		})
	}
}

func checkAttribute(t *testing.T, attr string, tab *Table, rep *Report, ra referenceAttribute) int {
	checked := 0
	var groups []NamedCounts
	for _, gr := range rep.Groups {
		if gr.Attribute != attr {
			continue
		}
		name := gr.Attributes[attr]
		groups = append(groups, NamedCounts{Name: name, Counts: gr.Counts})
		want := ra.Confusion[name]
		if gr.TP != want["tp"] || gr.FP != want["fp"] || gr.TN != want["tn"] || gr.FN != want["fn"] || gr.Count != want["n"] {
			t.Errorf("%s=%s: counts %+v (n %d), want %v", attr, name, gr.Counts, gr.Count, want)
		}
		for fl, ours := range fairlearnRates {
			got := gr.Counts.Rate(ours, false)
			if w, ok := ra.ByGroup[name][fl]; ok {
				checked++
				if !got.OK() || !near(got.V, w) {
					t.Errorf("%s=%s %s = %+v, want %v", attr, name, fl, got, w)
				}
			}
		}
	}
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.Name
	}
	if !slices.Equal(names, ra.Groups) {
		t.Errorf("%s groups %v, want %v", attr, names, ra.Groups)
	}
	overall := tab.Overall().Counts
	for fl, agg := range ra.Aggregates {
		r := fairlearnRates[fl]
		bd, br := BetweenGroups(groups, r, false)
		od, or := ToOverall(groups, overall, r, false)
		for key, got := range map[string]Value{"difference_between_groups": bd, "ratio_between_groups": br,
			"difference_to_overall": od, "ratio_to_overall": or} {
			checked++
			if !got.OK() || !near(got.V, agg[key]) {
				t.Errorf("%s %s %s = %+v, want %v", attr, fl, key, got, agg[key])
			}
		}
	}
	for fl, want := range ra.Fairness {
		spec, ok := fairlearnMetrics[fl]
		if !ok {
			t.Errorf("reference metric %s has no mapping", fl)
			continue
		}
		m, found := findMetric(rep.Metrics, spec[0], spec[1], spec[2], attr)
		checked++
		if !found || !m.Value.OK() || !near(m.Value.V, want) {
			t.Errorf("%s %s (%v) = %+v (found %v), want %v", attr, fl, spec, m.Value, found, want)
		}
	}
	if strings.Contains(attr, IntersectionSeparator) {
		t.Errorf("unexpected intersection %s", attr)
	}
	return checked
}
