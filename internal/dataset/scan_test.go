package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

var predCols = ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g"}}

func scan(t *testing.T, data string, o ScanOptions) (*ScanResult, error) {
	t.Helper()
	return ScanPredictions(strings.NewReader(data), o)
}

func counts(res *ScanResult, key string) fairness.Counts {
	if g := res.Table.Groups[key]; g != nil {
		return g.Counts
	}
	return fairness.Counts{}
}

func TestScanParsesCSVDialects(t *testing.T) {
	cases := map[string]struct {
		data string
		o    ScanOptions
		want map[string]fairness.Counts
	}{
		"plain": {"y,p,g\n1,1,a\n0,1,a\n0,0,b\n1,0,b\n", predCols,
			map[string]fairness.Counts{"a": {TP: 1, FP: 1}, "b": {TN: 1, FN: 1}}},
		"CRLF and blank lines": {"y,p,g\r\n1,1,a\r\n\r\n0,0,a\r\n", predCols,
			map[string]fairness.Counts{"a": {TP: 1, TN: 1}}},
		"no final newline": {"y,p,g\n1,1,a", predCols, map[string]fairness.Counts{"a": {TP: 1}}},
		"quoted fields with commas, quotes and newlines": {"y,p,g\n1,1,\"x, \"\"y\"\"\"\n0,0,\"multi\nline\"\n", predCols,
			map[string]fairness.Counts{`x, "y"`: {TP: 1}, `multi\nline`: {TN: 1}}}, // a newline in a group name is shown escaped
		"true/false": {"y,p,g\ntrue,false,a\nFALSE,TRUE,a\n", predCols, map[string]fairness.Counts{"a": {FN: 1, FP: 1}}},
		"custom favourable value": {"y,p,g\ngood,good,a\nbad,good,a\n",
			ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g"}, Favorable: "good"},
			map[string]fairness.Counts{"a": {TP: 1, FP: 1}}},
		"intersection": {"y,p,g,h\n1,1,a,x\n1,1,a,y\n", ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g", "h"}},
			map[string]fairness.Counts{"a\x1fx": {TP: 1}, "a\x1fy": {TP: 1}}},
		"row shard 1 of 2": {"y,p,g\n1,1,a\n0,0,a\n1,0,a\n", ScanOptions{Label: "y", Prediction: "p",
			Protected: []string{"g"}, ShardCount: 2, ShardIndex: 1}, map[string]fairness.Counts{"a": {TN: 1}}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := scan(t, c.data, c.o)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Table.Groups) != len(c.want) {
				t.Fatalf("groups %v, want %v", res.Table.Groups, c.want)
			}
			for k, want := range c.want {
				if got := counts(res, k); got != want {
					t.Errorf("group %q: %+v, want %+v", k, got, want)
				}
			}
		})
	}
}

func TestScanGzipAndBOM(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte("\xEF\xBB\xBFy,p,g\n1,1,a\n"))
	_ = zw.Close()
	rc, err := Decode(io.NopCloser(&buf))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ScanPredictions(rc, predCols)
	if err != nil {
		t.Fatal(err)
	}
	if got := counts(res, "a"); got != (fairness.Counts{TP: 1}) {
		t.Fatalf("gzip+BOM: %+v", got)
	}
}

// TestScanCompressedCSVEqualsPlain: gzip in several members (as `cat a.gz
// b.gz` makes), gzip larger than the read-ahead, and zstd give the plain
// file's statistics.
func TestScanCompressedCSVEqualsPlain(t *testing.T) {
	t.Parallel()
	var plain bytes.Buffer
	if err := WriteSynthetic(&plain, SyntheticOptions{Rows: 200_000, Seed: 4, Disparity: 0.1}); err != nil {
		t.Fatal(err)
	}
	o := ScanOptions{Label: "repaid", Prediction: "approved", Score: "score", Protected: []string{"sex", "age_group"}}
	want, err := ScanPredictions(bytes.NewReader(plain.Bytes()), o)
	if err != nil {
		t.Fatal(err)
	}
	half := bytes.IndexByte(plain.Bytes()[plain.Len()/2:], '\n') + plain.Len()/2 + 1
	var members, zs bytes.Buffer
	for _, part := range [][]byte{plain.Bytes()[:half], plain.Bytes()[half:]} {
		zw := gzip.NewWriter(&members)
		_, _ = zw.Write(part)
		_ = zw.Close()
	}
	zsw, err := zstd.NewWriter(&zs)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = zsw.Write(plain.Bytes())
	_ = zsw.Close()
	for name, data := range map[string][]byte{"gzip members": members.Bytes(), "zstd": zs.Bytes()} {
		rc, err := Decode(io.NopCloser(bytes.NewReader(data)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := ScanPredictions(rc, o)
		_ = rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Rows != want.Rows || !reflect.DeepEqual(got.Table, want.Table) {
			t.Errorf("%s: %d rows, statistics equal %v; want %d rows", name, got.Rows,
				reflect.DeepEqual(got.Table, want.Table), want.Rows)
		}
	}
}

// endlessLine yields a header, then one line of n bytes without a newline,
// without holding it in memory.
type endlessLine struct {
	header string
	left   int64
}

func (e *endlessLine) Read(p []byte) (int, error) {
	if e.header != "" {
		n := copy(p, e.header)
		e.header = e.header[n:]
		return n, nil
	}
	if e.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), e.left)
	for i := range n {
		p[i] = 'x'
	}
	e.left -= n
	return int(n), nil
}

func TestScanBadInput(t *testing.T) {
	manyGroups := &strings.Builder{}
	manyGroups.WriteString("y,p,g\n")
	for i := range 10000 {
		fmt.Fprintf(manyGroups, "1,1,g%d\n", i)
	}
	cases := map[string]struct {
		r       io.Reader
		o       ScanOptions
		wantErr string
	}{
		"empty file":       {strings.NewReader(""), predCols, "empty data: no header row"},
		"header only":      {strings.NewReader("y,p,g\n"), predCols, "no data rows after the header"},
		"missing column":   {strings.NewReader("y,q,g\n1,1,a\n"), predCols, `prediction column "p" not found in header (columns: y, q, g)`},
		"duplicate column": {strings.NewReader("y,p,g,g\n1,1,a,a\n"), predCols, `header names column "g" twice`},
		"non-binary label": {strings.NewReader("y,p,g\n1,1,a\n2,1,a\n"), predCols,
			`line 3: label "2" is not binary (want 0/1 or true/false)`},
		"non-binary prediction": {strings.NewReader("y,p,g\n1,maybe,a\n"), predCols,
			`line 2: prediction "maybe" is not binary (want 0/1 or true/false)`},
		"NaN score": {strings.NewReader("y,p,s,g\n1,1,NaN,a\n"), ScanOptions{Label: "y", Prediction: "p", Score: "s", Protected: []string{"g"}},
			`line 2: score "NaN" is not a number in [0, 1]`},
		"out-of-range score": {strings.NewReader("y,p,s,g\n1,1,1.5,a\n"), ScanOptions{Label: "y", Prediction: "p", Score: "s", Protected: []string{"g"}},
			`line 2: score "1.5" is not a number in [0, 1]`},
		"ragged row":     {strings.NewReader("y,p,g\n1,1,a\n1,1\n"), predCols, "line 3: 2 fields, header has 3"},
		"unclosed quote": {strings.NewReader("y,p,g\n1,1,\"a\n"), predCols, "line 2: quoted field not closed before the end of the data"},
		"10,000 distinct groups": {strings.NewReader(manyGroups.String()), predCols,
			"more than 1000 distinct groups: is every protected attribute a categorical column? (raise the limit with --max-groups)"},
		"1 GiB line": {&endlessLine{header: "y,p,g\n", left: 1 << 30}, predCols, "line 2: longer than 1048576 bytes"},
		"too many bad rows": {strings.NewReader("y,p,g\n1,1,a\n2,1,a\n3,1,a\n"), ScanOptions{Label: "y", Prediction: "p",
			Protected: []string{"g"}, MaxBadRows: 1}, `more than 1 bad rows; last: line 4: label "3" is not binary (want 0/1 or true/false)`},
		"every row bad": {strings.NewReader("y,p,g\n2,1,a\n"), ScanOptions{Label: "y", Prediction: "p",
			Protected: []string{"g"}, MaxBadRows: 5}, `every row was bad; first: line 2: label "2" is not binary (want 0/1 or true/false)`},
		"hostile value is escaped": {strings.NewReader("y,p,g\n\x1b[31m,1,a\n"), predCols,
			`line 2: label "\x1b[31m" is not binary (want 0/1 or true/false)`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ScanPredictions(c.r, c.o)
			if err == nil {
				t.Fatalf("no error; want %q", c.wantErr)
			}
			if err.Error() != c.wantErr {
				t.Fatalf("error\n  %s\nwant\n  %s", err, c.wantErr)
			}
		})
	}
}

func TestScanSkipsBadRowsWithinLimit(t *testing.T) {
	res, err := scan(t, "y,p,g\n1,1,a\nx,1,a\n0,0,a\n", ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g"}, MaxBadRows: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 2 || res.BadRows != 1 || !strings.HasPrefix(res.FirstBadRow, "line 3: label") {
		t.Fatalf("rows %d bad %d first %q", res.Rows, res.BadRows, res.FirstBadRow)
	}
}

// TestScanAgreesWithEncodingCSV compares the scanner's counts with a plain
// encoding/csv reading of the same generated data.
func TestScanAgreesWithEncodingCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSynthetic(&buf, SyntheticOptions{Rows: 5000, Seed: 3, Disparity: 0.3}); err != nil {
		t.Fatal(err)
	}
	o := ScanOptions{Label: "repaid", Prediction: "approved", Score: "score", Protected: []string{"sex", "age_group"}}
	res, err := ScanPredictions(bytes.NewReader(buf.Bytes()), o)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*fairness.Counts{}
	for _, r := range recs[1:] {
		k := r[0] + "\x1f" + r[1]
		if want[k] == nil {
			want[k] = &fairness.Counts{}
		}
		want[k].Observe(r[5] == "1", r[7] == "1")
	}
	if len(want) != len(res.Table.Groups) || res.Rows != 5000 {
		t.Fatalf("groups %d rows %d, want %d groups 5000 rows", len(res.Table.Groups), res.Rows, len(want))
	}
	for k, c := range want {
		if got := counts(res, k); got != *c {
			t.Errorf("group %q: %+v, want %+v", k, got, *c)
		}
	}
}

func TestSyntheticIsReproducibleAndInjectsDisparity(t *testing.T) {
	gen := func(seed uint64, d float64) []byte {
		var b bytes.Buffer
		if err := WriteSynthetic(&b, SyntheticOptions{Rows: 20000, Seed: seed, Disparity: d}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	if !bytes.Equal(gen(1, 0.2), gen(1, 0.2)) {
		t.Fatal("same seed gave different data")
	}
	if bytes.Equal(gen(1, 0.2), gen(2, 0.2)) {
		t.Fatal("different seeds gave the same data")
	}
	gap := func(d float64) float64 {
		res, err := ScanPredictions(bytes.NewReader(gen(5, d)), ScanOptions{Label: "repaid", Prediction: "approved", Protected: []string{"sex"}})
		if err != nil {
			t.Fatal(err)
		}
		sr := func(k string) float64 { return res.Table.Groups[k].Counts.Rate(fairness.SelectionRate, false).V }
		return sr("male") - sr("female")
	}
	if g := gap(0); g < -0.03 || g > 0.03 {
		t.Errorf("fair dataset has a selection-rate gap of %.3f", g)
	}
	if g := gap(0.25); g < 0.2 || g > 0.3 {
		t.Errorf("disparity 0.25 gave a selection-rate gap of %.3f", g)
	}
}

// TestFileShardsCoverEveryLineOnce splits a file by byte ranges and checks
// the shards add up to the whole.
func TestFileShardsCoverEveryLineOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.csv")
	var buf bytes.Buffer
	if err := WriteSynthetic(&buf, SyntheticOptions{Rows: 3001, Seed: 9, Disparity: 0.1}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	o := ScanOptions{Label: "repaid", Prediction: "approved", Score: "score", Protected: []string{"sex", "age_group"}}
	whole, err := ScanPredictions(bytes.NewReader(buf.Bytes()), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int64{1, 2, 3, 7, 64} {
		merged := fairness.NewTable(o.Protected, DefaultScoreBins)
		var rows int64
		for i := range n {
			rc, err := OpenFileShard(path, i, n)
			if err != nil {
				t.Fatal(err)
			}
			res, err := ScanPredictions(rc, o)
			_ = rc.Close()
			if err != nil && err.Error() != "no data rows after the header" {
				t.Fatalf("shard %d/%d: %v", i, n, err)
			}
			if res != nil {
				rows += res.Rows
				if err := merged.Merge(res.Table); err != nil {
					t.Fatal(err)
				}
			}
		}
		if rows != whole.Rows {
			t.Fatalf("%d shards: %d rows, want %d", n, rows, whole.Rows)
		}
		for k, g := range whole.Table.Groups {
			mg := merged.Groups[k]
			if mg == nil || mg.Counts != g.Counts || fmt.Sprint(mg.Scores) != fmt.Sprint(g.Scores) {
				t.Fatalf("%d shards: group %q differs", n, k)
			}
		}
	}
}

// decimalReference is strconv.ParseFloat on decimal notation; hexadecimal
// floats, underscores, infinities and NaN are not scores.
func decimalReference(s string) (float64, error) {
	if strings.ContainsAny(s, "xXpP_iInN") {
		return 0, errors.New("not decimal")
	}
	return strconv.ParseFloat(s, 64)
}

func TestParseFloatMatchesStrconv(t *testing.T) {
	for _, s := range []string{"0", "1", "0.5", "0.7341", "1.0", ".25", "0.123456789012345", "0.1234567890123456",
		"1e-3", "-0", "NaN", "Inf", "0.30000000000000004", "00.1", "1.", "0x1p-3", "1_0", "infinity"} {
		want, wantErr := decimalReference(s)
		got, err := parseFloat([]byte(s))
		if (err != nil) != (wantErr != nil) || (err == nil && math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want))) {
			t.Errorf("parseFloat(%q) = %v, %v; strconv gives %v, %v", s, got, err, want, wantErr)
		}
	}
}

func FuzzParseFloat(f *testing.F) {
	f.Add("0.5")
	f.Add("1e5")
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return
		}
		want, wantErr := decimalReference(s)
		got, err := parseFloat([]byte(s))
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, strconv %v", s, err, wantErr)
		}
		if err == nil && math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("%q: %v, strconv %v", s, got, want)
		}
	})
}

// FuzzSplitPlain checks the word-at-a-time splitter against bytes.Split.
func FuzzSplitPlain(f *testing.F) {
	for _, s := range []string{"a,b,c", ",,,,,,,,,,", "0123456,89,abcdefgh,", "", "\x01,\x01\x2c\x00,x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lr := &lineReader{}
		got := lr.splitPlain([]byte(s))
		want := bytes.Split([]byte(s), []byte(","))
		if len(got) != len(want) {
			t.Fatalf("%q: %d fields, want %d", s, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("%q: field %d = %q, want %q", s, i, got[i], want[i])
			}
		}
	})
}
