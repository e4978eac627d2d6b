package fairness

import (
	"math"
	"reflect"
	"testing"
)

func TestApportion(t *testing.T) {
	cases := []struct {
		name   string
		total  int64
		shares []float64
		want   []int64
	}{
		{"thirds: the remainder goes to the first", 10, []float64{1, 1, 1}, []int64{4, 3, 3}},
		{"exact", WeightScale, []float64{0.2, 0.3, 0.5}, []int64{200_000_000, 300_000_000, 500_000_000}},
		{"shares summing to a little under one are scaled", WeightScale, []float64{0.5, 0.4999999},
			[]int64{500_000_050, 499_999_950}},
		{"largest remainder first", 7, []float64{0.1, 0.6, 0.3}, []int64{1, 4, 2}},
		{"a zero share gets nothing", 5, []float64{0, 1}, []int64{0, 5}},
		{"zero total", 0, []float64{0.3, 0.7}, []int64{0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := make([]int64, len(c.shares))
			Apportion(c.total, c.shares, out)
			if !reflect.DeepEqual(out, c.want) {
				t.Fatalf("Apportion(%d, %v) = %v, want %v", c.total, c.shares, out, c.want)
			}
		})
	}
}

// weightedRow is a row of a log whose race is a probability per group.
type weightedRow struct {
	sex                   string
	label, labelled, pred bool
	pWhite, pBlack        float64
	score                 float64
}

// weightedTable counts rows as the scanner does: race is the probabilistic
// attribute, sex a plain one.
func weightedTable(rows []weightedRow, bins int) *Table {
	t := NewTable([]string{"sex", "race"}, bins)
	t.Weighted = "race"
	var s Shares
	for _, r := range rows {
		s.Groups = []*Group{t.GroupFor(JoinKey([]string{r.sex, "White"})), t.GroupFor(JoinKey([]string{r.sex, "Black"}))}
		s.Units = make([]int64, 2)
		Apportion(WeightScale, []float64{r.pWhite, r.pBlack}, s.Units)
		s.Observe(r.label, r.labelled, r.pred, r.score)
	}
	return t
}

// plainTable counts the same rows by sex alone, one row each.
func plainTable(rows []weightedRow, bins int) *Table {
	t := NewTable([]string{"sex"}, bins)
	for _, r := range rows {
		g := t.GroupFor(r.sex)
		if !r.labelled {
			g.Counts.ObserveUnlabelled(r.pred)
			continue
		}
		g.Counts.Observe(r.label, r.pred)
		if g.Scores != nil {
			g.Scores.Observe(r.score, r.label)
		}
	}
	return t
}

var weightedRows = []weightedRow{
	{"f", true, true, true, 0.8, 0.2, 0.9},
	{"f", false, true, false, 0.5, 0.5, 0.35},
	{"m", true, true, false, 0, 1, 0.45},
	{"m", false, false, true, 0.3, 0.7, 0},
	{"f", true, true, true, 1, 0, 0.71},
}

// TestWeightedGroupRates checks a probabilistic group by hand. White:
// weights 0.8 (TP), 0.5 (TN), 0 (FN: not counted), 0.3 (unlabelled,
// selected), 1 (TP): weight 2.6, four rows with a non-zero weight;
// selection rate (0.8+0.3+1)/2.6; TPR 1.8/1.8 = 1; Kish's size
// 2.6^2 / (0.64+0.25+0.09+1) = 6.76/1.98.
func TestWeightedGroupRates(t *testing.T) {
	r := Evaluate(weightedTable(weightedRows, 0), Options{})
	white := findGroup(t, r, "race", "White")
	if white.Count != 4 || white.Labelled != 3 || white.TP != 2 || white.TN != 1 || white.UnlabelledPos != 1 {
		t.Fatalf("White rows: count %d labelled %d %+v, want 4 rows with a weight, 3 labelled", white.Count, white.Labelled, white.Counts)
	}
	near := func(what string, got *float64, want float64) {
		t.Helper()
		if got == nil || math.Abs(*got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	near("weight", white.Weight, 2.6)
	near("effective size", white.EffectiveSize, 6.76/1.98)
	near("selection rate", white.SelectionRate.Ptr(), 2.1/2.6)
	near("true positive rate", white.TruePositiveRate.Ptr(), 1)
	near("accuracy", white.Accuracy.Ptr(), 1)
	near("coverage", white.Coverage, 2.3/2.6)
	if white.WeightedCounts == nil || math.Abs(white.WeightedCounts.TP-1.8) > 1e-9 || math.Abs(white.WeightedCounts.TN-0.5) > 1e-9 {
		t.Errorf("weighted counts %+v, want tp 1.8 tn 0.5", white.WeightedCounts)
	}
	black := findGroup(t, r, "race", "Black")
	// Black: 0.2 (TP), 0.5 (TN), 1 (FN), 0.7 (unlabelled, selected): 2.4.
	near("Black weight", black.Weight, 2.4)
	near("Black selection rate", black.SelectionRate.Ptr(), 0.9/2.4)
	near("Black TPR", black.TruePositiveRate.Ptr(), 0.2/1.2)
	if black.Count != 4 {
		t.Errorf("Black count %d, want 4", black.Count)
	}
	if r.Rows != 5 || r.Overall.Count != 5 || r.Overall.Weight != nil {
		t.Errorf("overall: rows %d count %d weight %v, want the 5 rows, unweighted", r.Rows, r.Overall.Count, r.Overall.Weight)
	}
}

// TestWeightsSumOutExactly: the groups of the plain attribute, and the
// overall, equal the same rows counted without the probabilistic attribute
// to the last unit, histograms included; the intersection stays weighted.
func TestWeightsSumOutExactly(t *testing.T) {
	weighted := Evaluate(weightedTable(weightedRows, 4), Options{})
	plain := Evaluate(plainTable(weightedRows, 4), Options{})
	for _, sex := range []string{"f", "m"} {
		w, p := findGroup(t, weighted, "sex", sex), findGroup(t, plain, "sex", sex)
		w.groupName, p.groupName = "", ""
		if !reflect.DeepEqual(w, p) {
			t.Errorf("sex %s: weighted table gives\n%+v\nplain\n%+v", sex, w, p)
		}
	}
	if !reflect.DeepEqual(weighted.Overall, plain.Overall) {
		t.Errorf("overall differs:\n%+v\n%+v", weighted.Overall, plain.Overall)
	}
	for _, g := range weighted.Groups {
		if g.Attribute == "sex&race" && g.Weight == nil {
			t.Errorf("intersection group %v is not weighted", g.Attributes)
		}
	}
}

// TestWeightedTablesMerge: shards merge to the whole, unit for unit.
func TestWeightedTablesMerge(t *testing.T) {
	whole := weightedTable(weightedRows, 4)
	a, b := weightedTable(weightedRows[:2], 4), weightedTable(weightedRows[2:], 4)
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, whole) {
		t.Fatalf("merged shards differ from the whole")
	}
	if err := a.Merge(plainTable(weightedRows, 4)); err == nil {
		t.Fatal("a plain table merged into a weighted one")
	}
}

// TestEqualWeightsGiveThePlainInterval: rows that each count half in a
// group have Kish's size n, so the interval is the Wilson interval of the
// same rows unweighted. The minimum group size applies to Kish's size.
func TestEqualWeightsGiveThePlainInterval(t *testing.T) {
	var rows []weightedRow
	for i := range 30 {
		rows = append(rows, weightedRow{sex: "f", labelled: true, pred: i%3 == 0, pWhite: 0.5, pBlack: 0.5})
	}
	rows = append(rows, weightedRow{sex: "f", labelled: true, pWhite: 0.01, pBlack: 0.99})
	r := Evaluate(weightedTable(rows[:30], 0), Options{})
	white := findGroup(t, r, "race", "White")
	want, _ := Wilson(10, 30)
	if iv := white.SelectionRateInterval; iv == nil || math.Abs(iv.Lower-want.Lower) > 1e-9 || math.Abs(iv.Upper-want.Upper) > 1e-9 {
		t.Fatalf("interval %+v, want %+v", iv, want)
	}
	// One more row with a tiny weight: 31 rows, as many as the minimum,
	// but an effective size of 15.01^2/7.5001 = 30.04, under it.
	r = Evaluate(weightedTable(rows, 0), Options{MinGroupSize: 31})
	white = findGroup(t, r, "race", "White")
	if white.Count != 31 || !white.BelowMinGroupSize {
		t.Errorf("count %d effective size %v below minimum %v, want 31 rows flagged", white.Count, *white.EffectiveSize, white.BelowMinGroupSize)
	}
}

func findGroup(t *testing.T, r *Report, attribute, value string) GroupReport {
	t.Helper()
	for _, g := range r.Groups {
		if g.Attribute == attribute && g.Attributes[attribute] == value {
			return g
		}
	}
	t.Fatalf("no group %s=%s", attribute, value)
	return GroupReport{}
}

// FuzzApportion: the parts add up to exactly the total, a zero share gets
// nothing, and every part is within one unit of its exact share.
func FuzzApportion(f *testing.F) {
	f.Add(uint32(1_000_000_000), uint16(1), uint16(1), uint16(1), uint16(0))
	f.Add(uint32(7), uint16(1), uint16(6), uint16(3), uint16(0))
	f.Add(uint32(999_999_999), uint16(65535), uint16(1), uint16(0), uint16(2))
	f.Fuzz(func(t *testing.T, total uint32, a, b, c, d uint16) {
		shares := []float64{float64(a), float64(b), float64(c), float64(d)}
		sum := shares[0] + shares[1] + shares[2] + shares[3]
		if sum == 0 {
			return
		}
		out := make([]int64, len(shares))
		Apportion(int64(total), shares, out)
		var given int64
		for i, part := range out {
			given += part
			exact := float64(total) * shares[i] / sum
			if shares[i] == 0 && part != 0 || math.Abs(float64(part)-exact) > 1 {
				t.Fatalf("Apportion(%d, %v) = %v: part %d is %d, its share is %v", total, shares, out, i, part, exact)
			}
		}
		if given != int64(total) {
			t.Fatalf("Apportion(%d, %v) = %v adds up to %d", total, shares, out, given)
		}
	})
}
