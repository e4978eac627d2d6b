package report

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// group builds a group's report from its confusion counts; the rates are
// the textbook formulas, written out here rather than taken from the code
// under test.
func group(attr, value string, tp, fp, tn, fn int64) fairness.GroupReport {
	n := tp + fp + tn + fn
	rate := func(num, den int64) fairness.Value {
		if den == 0 {
			return fairness.Value{Undefined: "no rows"}
		}
		return fairness.Defined(float64(num) / float64(den))
	}
	g := fairness.GroupReport{Attribute: attr, Attributes: map[string]string{attr: value}, Count: n,
		Counts:        fairness.Counts{TP: tp, FP: fp, TN: tn, FN: fn},
		SelectionRate: rate(tp+fp, n), TruePositiveRate: rate(tp, tp+fn), FalsePositiveRate: rate(fp, fp+tn)}
	if in, ok := fairness.Wilson(tp+fp, n); ok {
		g.SelectionRateInterval = &in
	}
	return g
}

func sampleInput() Input {
	return Input{
		Evaluation: "credit-model", Namespace: "lending", RunID: "r-7", Mode: "predictions",
		Time: time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC),
		Report: &fairness.Report{
			Rows: 210, Attributes: []string{"sex"},
			Groups: []fairness.GroupReport{
				group("sex", "female", 20, 10, 60, 10), // selected 30 of 100
				group("sex", "male", 45, 15, 30, 10),   // selected 60 of 100
				group("sex", "other", 1, 0, 0, 0),      // 1 of 210 rows: under 2%
			},
			Metrics: []fairness.Metric{{Name: "demographicParityDifference", Method: fairness.MethodBetweenGroups,
				Attribute: "sex", Value: fairness.Defined(0.7), Interval: &fairness.Interval{Lower: 0.1, Upper: 0.9},
				Group: "female", Reference: "other"}},
			Severity: fairness.Sev2,
			Breaches: []fairness.Breach{{Metric: "demographicParityDifference", Method: fairness.MethodBetweenGroups,
				Attribute: "sex", Group: "female", Value: 0.7, Threshold: 0.2, Severity: fairness.Sev2}},
		},
		Source:     Source{Description: "https://logs.example/preds.csv", RowsRead: 212, RowsBad: 2},
		Thresholds: []fairness.Threshold{{Metric: "demographicParityDifference", Levels: []fairness.Level{{Value: 0.2, Severity: fairness.Sev2}}}},
		Privileged: map[string][]string{"sex": {"male"}}, MinGroupSize: 30,
	}
}

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil || math.Abs(*got-want) > 1e-12 {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestGroupTablesCarryRatiosFlagsAndUnknowns(t *testing.T) {
	ev, err := Build(sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Attributes) != 1 {
		t.Fatalf("%d attribute tables, want 1", len(ev.Attributes))
	}
	tab := ev.Attributes[0]
	// 210 rows, 201 of them in a group: 9 have an unknown category.
	if tab.Unknown != 9 || len(tab.Groups) != 3 {
		t.Fatalf("unknown %d, groups %d; want 9 and 3", tab.Unknown, len(tab.Groups))
	}
	// The most-selected group is "other" (1 of 1 selected), so ratios are
	// taken against a rate of 1.
	if tab.MostSelected != "other" {
		t.Fatalf("most selected %q, want other", tab.MostSelected)
	}
	female, male, other := tab.Groups[0], tab.Groups[1], tab.Groups[2]
	near(t, "female impact ratio", female.ImpactRatio, 0.3)
	near(t, "male impact ratio", male.ImpactRatio, 0.6)
	near(t, "female against privileged male", female.PrivilegedImpactRatio, 0.5)
	near(t, "female share", &female.Share, 100.0/210)
	near(t, "female TPR", female.TruePositiveRate, 20.0/30)
	if female.Small || male.Small || !other.Small {
		t.Errorf("small flags %v %v %v, want only other", female.Small, male.Small, other.Small)
	}
	if female.TruePositiveInterval == nil || female.TruePositiveInterval.Lower >= 20.0/30 ||
		female.TruePositiveInterval.Upper <= 20.0/30 {
		t.Errorf("female TPR interval %+v does not hold the rate", female.TruePositiveInterval)
	}
	if b := ev.Summary.Breaches; len(b) != 1 || b[0].Interval == nil || b[0].Interval.Lower != 0.1 || b[0].Reference != "other" {
		t.Errorf("breach rows %+v, want the metric's interval and reference", b)
	}
	var current []fairness.Severity
	for _, s := range ev.Summary.Scale {
		if s.Current {
			current = append(current, s.Severity)
		}
	}
	if len(current) != 1 || current[0] != fairness.Sev2 || ev.Summary.Scale[0].RespondWithin != "15 minutes" ||
		ev.Summary.Scale[3].RespondWithin != "24 hours" {
		t.Errorf("scale %+v", ev.Summary.Scale)
	}
}

func TestBuildRefusesARunWithoutResult(t *testing.T) {
	if _, err := Build(Input{Evaluation: "x"}); err == nil {
		t.Fatal("a run without a result was reported")
	}
}

func TestJSONEvidenceHasItsSchemaAndDefinitions(t *testing.T) {
	ev, err := Build(sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, ev); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SchemaVersion string `json:"schemaVersion"`
		Definitions   []struct {
			Metric string `json:"metric"`
		} `json:"definitions"`
		Attributes []struct {
			Groups []map[string]any `json:"groups"`
		} `json:"attributes"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != "fairness.dev/audit-report/v1" {
		t.Errorf("schema version %q", doc.SchemaVersion)
	}
	var terms []string
	for _, d := range doc.Definitions {
		terms = append(terms, d.Metric)
	}
	want := "selectionRate,impactRatio,truePositiveRate,falsePositiveRate,demographicParityDifference"
	if strings.Join(terms, ",") != want {
		t.Errorf("definitions %v, want %s", terms, want)
	}
	if g := doc.Attributes[0].Groups[0]; g["group"] != "female" || g["impactRatio"] != 0.3 {
		t.Errorf("first group %v", g)
	}
}

// renderPage builds the evidence of in and renders its page.
func renderPage(t *testing.T, in Input) string {
	t.Helper()
	ev, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, ev); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var barFills = regexp.MustCompile(BarFill + `|` + BarBelowFill)

func TestEveryChartHasOneBarPerDefinedValue(t *testing.T) {
	in := sampleInput()
	// An undefined selection rate draws no bar.
	in.Report.Groups = append(in.Report.Groups, fairness.GroupReport{Attribute: "sex",
		Attributes: map[string]string{"sex": "none"}, SelectionRate: fairness.Value{Undefined: "no rows"}})
	page := renderPage(t, in)
	figures := regexp.MustCompile(`(?s)<figure class="chart (\w+)" data-bars="(\d+)">(.*?)</figure>`).FindAllStringSubmatch(page, -1)
	if len(figures) != 2 {
		t.Fatalf("%d charts, want 2", len(figures))
	}
	for _, f := range figures {
		declared, _ := strconv.Atoi(f[2])
		if drawn := len(barFills.FindAllString(f[3], -1)); drawn != 3 || declared != 3 {
			t.Errorf("%s chart: %d bars drawn, %d declared; want 3 (four groups, one undefined)", f[1], drawn, declared)
		}
	}
	// Two impact ratios are under four-fifths (0.3 and 0.6): red bars.
	if n := strings.Count(figures[1][3], BarBelowFill); n != 2 {
		t.Errorf("%d red bars in the impact chart, want 2", n)
	}
	for _, forbidden := range []string{"<script", "http-equiv", "<link", "@import", "src=\"http"} {
		if strings.Contains(page, forbidden) {
			t.Errorf("the page holds %q: it must need nothing from elsewhere", forbidden)
		}
	}
}

func TestHostileNamesRenderAsText(t *testing.T) {
	hostile := []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, "\x1b[31mred", "a&b<c"}
	in := sampleInput()
	in.Evaluation = `<b>bold</b>`
	for i, name := range hostile[:3] {
		in.Report.Groups[i].Attributes["sex"] = name
	}
	in.Namespace = hostile[3]
	in.Incidents = []Incident{{Name: "inc-1", Severity: fairness.Sev2, State: "Resolved",
		Trail: []IncidentEvent{{State: "Acknowledged", By: "<i>eve</i>", Note: `</td><script>x()</script>`}}}}
	page := renderPage(t, in)
	for _, bad := range []string{"<script", "<img", "<b>bold", "<i>eve", "\x1b"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q as markup", bad)
		}
	}
	for _, text := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;b&gt;bold&lt;/b&gt;", "&lt;i&gt;eve&lt;/i&gt;",
		`\x1b[31mred`, "a&amp;b&lt;c"} {
		if !strings.Contains(page, text) {
			t.Errorf("the page lacks the escaped text %q", text)
		}
	}
}

// TestLabelFreeJoinedRunReport: a label-free run joined with demographics
// (women selected 30 of 100, men 60 of 100, none labelled; 40 predictions
// with no demographics row): the impact ratio against the privileged men
// counts the unlabelled selections (0.5), the 40 are each attribute's
// unknown category, and shares are of all 240 predictions.
func TestLabelFreeJoinedRunReport(t *testing.T) {
	table := fairness.NewTable([]string{"sex"}, 0)
	table.GroupFor("female").Counts = fairness.Counts{UnlabelledPos: 30, UnlabelledNeg: 70}
	table.GroupFor("male").Counts = fairness.Counts{UnlabelledPos: 60, UnlabelledNeg: 40}
	in := sampleInput()
	in.Report = fairness.Evaluate(table, fairness.Options{Privileged: map[string][]string{"sex": {"male"}}})
	in.MissingDemographics = 40
	in.Window = "(2026-11-01T00:00:00Z, 2026-11-30T00:00:00Z]: 240 rows in the window, 7 outside it"
	ev, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	tab := ev.Attributes[0]
	if tab.Unknown != 40 || len(tab.Groups) != 2 {
		t.Fatalf("unknown %d, groups %d; want 40 and 2", tab.Unknown, len(tab.Groups))
	}
	near(t, "female against privileged male", tab.Groups[0].PrivilegedImpactRatio, 0.5)
	near(t, "female share", &tab.Groups[0].Share, 100.0/240)
	if ev.Provenance.Window != in.Window {
		t.Fatalf("provenance window %q", ev.Provenance.Window)
	}
}

// TestEstimatedAttributeReport: race given as probabilities. Four rows,
// all selected but the third: (pA, pB) = (1, 0), (0.5, 0.5), (0, 1),
// (0.5, 0.5). A weighs 2 and selects 2 (rate 1); B weighs 2 and selects
// 1 (0.5). Shares are weights over the 4 rows, no row is of unknown race,
// the impact ratio against privileged A is 0.5, and the page shows each
// group's weight and effective size (A: 2^2/1.5 = 2.7).
func TestEstimatedAttributeReport(t *testing.T) {
	table := fairness.NewTable([]string{"race"}, 0)
	table.Weighted = "race"
	shares := fairness.Shares{Groups: []*fairness.Group{table.GroupFor("A"), table.GroupFor("B")}, Units: make([]int64, 2)}
	for i, p := range []float64{1, 0.5, 0, 0.5} {
		fairness.Apportion(fairness.WeightScale, []float64{p, 1 - p}, shares.Units)
		shares.Observe(i != 0, true, i != 2, 0)
	}
	in := sampleInput()
	in.Privileged = map[string][]string{"race": {"A"}}
	in.Report = fairness.Evaluate(table, fairness.Options{Privileged: in.Privileged})
	ev, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	tab := ev.Attributes[0]
	if tab.Unknown != 0 || len(tab.Groups) != 2 {
		t.Fatalf("unknown %d, groups %d; want 0 and 2", tab.Unknown, len(tab.Groups))
	}
	a, b := tab.Groups[0], tab.Groups[1]
	near(t, "A share", &a.Share, 0.5)
	near(t, "B selection rate", b.SelectionRate, 0.5)
	near(t, "B against privileged A", b.PrivilegedImpactRatio, 0.5)
	near(t, "A effective size", a.EffectiveSize, 4.0/1.5)
	if a.Count != 3 || b.Count != 3 {
		t.Errorf("counts %d and %d, want the 3 rows each group has a weight in", a.Count, b.Count)
	}
	if b.TruePositiveInterval == nil {
		t.Errorf("B has no TPR interval")
	}
	if page := renderPage(t, in); !strings.Contains(page, "weight 2.0, effective size 2.7") {
		t.Errorf("the page does not show A's weight and effective size")
	}
}

// TestPeriodsSection: a window's periods are a table and a line chart.
func TestPeriodsSection(t *testing.T) {
	in := sampleInput()
	at := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for k := range 3 {
		in.Periods = append(in.Periods, PeriodPoint{From: at.Add(time.Duration(k-3) * 24 * time.Hour), Until: at.Add(time.Duration(k-2) * 24 * time.Hour),
			Rows: int64(100 + k), Metrics: map[string]float64{"demographicParityDifference (sex)": 0.1 * float64(k)}})
	}
	page := renderPage(t, in)
	for _, want := range []string{`<section id="periods">`, "Inside the window", `<td class="num">102</td>`, `<figure class="chart periods"><svg`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
