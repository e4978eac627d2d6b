package evaluate

import (
	"slices"
	"strings"
	"testing"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
)

// TestGroupKeysAreUnambiguous: values holding the unit separator that joins
// an intersection's values, a NUL byte, the literal text `\x00` and a
// backslash each keep their own group, through the scanner and through the
// result a pod sends the controller (before, "x\x1fy"+"z" and "x"+"y\x1fz"
// merged in the CLI and failed the run in the cluster, and `\x00` merged
// with a NUL byte).
func TestGroupKeysAreUnambiguous(t *testing.T) {
	rows := [][2]string{
		{"x\x1fy", "z"}, {"x", "y\x1fz"}, {"\x00", "a"}, {`\x00`, "a"}, {`a\b`, "c"}, {"a", `b\c`}, {"plain", "value"},
	}
	var csv strings.Builder
	csv.WriteString("y,p,g,h\n")
	for _, r := range rows {
		csv.WriteString("1,1," + r[0] + "," + r[1] + "\n")
	}
	res, err := dataset.ScanPredictions(strings.NewReader(csv.String()),
		dataset.ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g", "h"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Table.Groups) != len(rows) {
		t.Fatalf("%d rows of distinct values gave %d groups", len(rows), len(res.Table.Groups))
	}
	enc, err := NewResult("g1", 0, 1, res.Rows, 0, res.Table).Encode()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := DecodeResult(enc)
	if err != nil {
		t.Fatal(err)
	}
	table, err := dec.Table()
	if err != nil {
		t.Fatalf("the controller refuses the pod's result: %v", err)
	}
	var keys []string
	for _, g := range table.Groups {
		if len(g.Key) != 2 || g.Counts.N() != 1 {
			t.Fatalf("group %q: %d values, %d rows", g.Key, len(g.Key), g.Counts.N())
		}
		keys = append(keys, g.Key[0]+" & "+g.Key[1])
	}
	slices.Sort(keys)
	want := []string{`\\x00 & a`, `\x00 & a`, `a & b\\c`, `a\\b & c`, `plain & value`, `x & y\x1fz`, `x\x1fy & z`}
	if !slices.Equal(keys, want) {
		t.Fatalf("groups %q, want %q", keys, want)
	}
}
