package dataset

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// joinFixture is a prediction log of n applications and an index loaded
// with outcomes for every other one and demographics for all but every
// fifth.
func joinFixture(t *testing.T, n int) (string, *JoinIndex) {
	t.Helper()
	var preds, outcomes, demographics strings.Builder
	preds.WriteString("id,approved\n")
	outcomes.WriteString("id,repaid\n")
	demographics.WriteString("id,sex,age\n")
	for i := range n {
		fmt.Fprintf(&preds, "app-%07d,%d\n", i, i/3%2)
		if i%2 == 0 {
			fmt.Fprintf(&outcomes, "app-%07d,%d\n", n-i, i/5%2) // other order, one orphan (app-n)
		}
		if i%5 != 0 {
			fmt.Fprintf(&demographics, "app-%07d,%s,%s\n", i, []string{"f", "m"}[i%2], []string{"<25", "25-60", ">60"}[i%3])
		}
	}
	x := NewJoinIndex(0)
	load := func(side JoinSide, data string, o ScanOptions) {
		o.ID, o.Into, o.Side = "id", x, side
		if _, err := ScanPredictions(strings.NewReader(data), o); err != nil {
			t.Fatal(err)
		}
		if err := x.Finish(side); err != nil {
			t.Fatal(err)
		}
	}
	load(SideOutcomes, outcomes.String(), ScanOptions{Label: "repaid"})
	load(SideDemographics, demographics.String(), ScanOptions{Protected: []string{"sex", "age"}})
	return preds.String(), x
}

// TestJoinOnEveryCore: a joined log scanned in parts at once (lookups and
// match marks shared by the parts) gives one reader's statistics and
// counts; the distinct outcomes matched are read from the index after.
func TestJoinOnEveryCore(t *testing.T) {
	data, x := joinFixture(t, 30000)
	scan := ScanOptions{ID: "id", Prediction: "approved", Protected: []string{"sex", "age"}, Join: x}
	want, err := ScanPredictions(strings.NewReader(data), scan)
	if err != nil {
		t.Fatal(err)
	}
	wantMatched := x.MatchedOutcomes()
	if want.Join.Matched != 15000-1 || wantMatched != 15000-1 || want.Join.MissingDemographics != 6000 || x.Outcomes != 15000 {
		t.Fatalf("one reader: %+v, %d distinct matched of %d outcomes", want.Join, wantMatched, x.Outcomes)
	}
	path := writeTemp(t, []byte(data))
	for _, parts := range []int{2, 3, 8} {
		got, err := ScanFileParts(path, 0, 1, parts, scan)
		if err != nil {
			t.Fatalf("%d parts: %v", parts, err)
		}
		if diff := sameResult(got, want); diff != "" || *got.Join != *want.Join {
			t.Fatalf("%d parts: %s; join %+v, want %+v", parts, diff, got.Join, want.Join)
		}
		if m := x.MatchedOutcomes(); m != wantMatched {
			t.Fatalf("%d parts: %d distinct outcomes matched, want %d", parts, m, wantMatched)
		}
	}
}

// TestJoinSideBadInput: what a joined side can get wrong, each named.
func TestJoinSideBadInput(t *testing.T) {
	cases := map[string]struct {
		side    JoinSide
		data    string
		o       ScanOptions
		maxKeys int64
		want    string
	}{
		"ID column missing": {SideOutcomes, "app,repaid\na,1\n", ScanOptions{Label: "repaid"}, 0,
			`ID column "id" not found in header (columns: app, repaid)`},
		"label column missing": {SideOutcomes, "id,y\na,1\n", ScanOptions{Label: "repaid"}, 0,
			`label column "repaid" not found in header (columns: id, y)`},
		"label not binary": {SideOutcomes, "id,repaid\na,1\nb,maybe\n", ScanOptions{Label: "repaid"}, 0,
			`line 3: label "maybe" is not binary (want 0/1 or true/false)`},
		"empty ID": {SideDemographics, "id,sex\na,f\n,m\n", ScanOptions{Protected: []string{"sex"}}, 0, "line 3: empty ID"},
		"over the key limit": {SideDemographics, "id,sex\na,f\nb,m\nc,f\n", ScanOptions{Protected: []string{"sex"}}, 2,
			"the joined demographics hold more than 2 distinct IDs"},
		"duplicates": {SideOutcomes, "id,repaid\na,1\nb,0\na,0\nb,1\nb,1\n", ScanOptions{Label: "repaid"}, 0,
			`the outcomes give 3 duplicate IDs; first: ID "a" (line 4)`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			x := NewJoinIndex(c.maxKeys)
			o := c.o
			o.ID, o.Into, o.Side = "id", x, c.side
			_, err := ScanPredictions(strings.NewReader(c.data), o)
			if err == nil {
				err = x.Finish(c.side)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if x.Has(c.side) {
				t.Fatal("a side that failed to load is marked loaded")
			}
		})
	}
}

type testPosition struct{}

func (testPosition) position() (int64, string) { return 1, "line" }

// TestJoinKeysAreFixedSize: IDs of any length (the key is a fixed 96-bit
// hash), IDs that differ in one byte, or are prefixes of each other, do
// not meet, and the table keeps every ID as it grows past its first size.
func TestJoinKeysAreFixedSize(t *testing.T) {
	x := NewJoinIndex(0)
	ids := [][]byte{[]byte("a"), []byte("ab"), []byte("b"), bytes.Repeat([]byte("x"), 10000), bytes.Repeat([]byte("x"), 9999), {}}
	for i, id := range ids {
		if err := x.addOutcome(id, i%2 == 0, testPosition{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5000 { // several doublings
		if err := x.addOutcome(fmt.Appendf(nil, "app-%d", i), i%3 == 0, testPosition{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Finish(SideOutcomes); err != nil || x.Keys() != len(ids)+5000 {
		t.Fatalf("%d keys for %d distinct IDs (%v)", x.Keys(), len(ids)+5000, err)
	}
	for i := range 5000 {
		if j := x.lookup(fmt.Appendf(nil, "app-%d", i)); j.label != int8(map[bool]int{true: 1}[i%3 == 0]) {
			t.Fatalf("app-%d: %+v after the table grew", i, j)
		}
	}
	for i, id := range ids {
		if j := x.lookup(id); j.label != int8(1-i%2) {
			t.Fatalf("ID %d: %+v", i, j)
		}
	}
	if j := x.lookup([]byte("c")); j.label >= 0 || j.group >= 0 {
		t.Fatal("an ID never added is found")
	}
}

// TestDemographicsWithTheLogsOwnLabel: the log holds its label and only
// the demographics are joined; by hand: a1 (f, y1 p1) TP, a2 (m, y0 p1) FP,
// a3 (f, y1 p0) FN, a4 no demographics.
func TestDemographicsWithTheLogsOwnLabel(t *testing.T) {
	x := NewJoinIndex(0)
	if _, err := ScanPredictions(strings.NewReader("id,sex\na1,f\na2,m\na3,f\n"), ScanOptions{ID: "id", Protected: []string{"sex"},
		Into: x, Side: SideDemographics}); err != nil {
		t.Fatal(err)
	}
	if err := x.Finish(SideDemographics); err != nil {
		t.Fatal(err)
	}
	res, err := ScanPredictions(strings.NewReader("id,y,p\na1,1,1\na2,0,1\na3,1,0\na4,1,1\n"),
		ScanOptions{ID: "id", Label: "y", Prediction: "p", Protected: []string{"sex"}, Join: x})
	if err != nil {
		t.Fatal(err)
	}
	f, m := res.Table.Groups["f"], res.Table.Groups["m"]
	if f == nil || m == nil || f.Counts != (fairness.Counts{TP: 1, FN: 1}) || m.Counts != (fairness.Counts{FP: 1}) ||
		res.Join.MissingDemographics != 1 {
		t.Fatalf("groups %+v %+v, join %+v", f, m, res.Join)
	}
}
