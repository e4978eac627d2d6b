package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/test/datasets"
)

// adultAsJSONLines writes the Adult predictions as JSON Lines the way a
// model server's logger would: typed values, the decision and the applicant
// nested, a key with a dot in it.
func adultAsJSONLines(t *testing.T, csvData []byte) []byte {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(csvData)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	for _, r := range rows[1:] { // row,y_true,y_pred,score,sex,race
		label, _ := strconv.Atoi(r[1])
		score, _ := strconv.ParseFloat(r[3], 64)
		line := map[string]any{
			"id": r[0], "y_true": label == 1,
			"decision":  map[string]any{"approved": r[2] == "1", "score": score},
			"applicant": map[string]any{"sex": r[4]}, "applicant.race": r[5],
		}
		if err := enc.Encode(line); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

func TestJSONLinesGiveTheStatisticsOfTheSameCSV(t *testing.T) {
	csvData, err := os.ReadFile(datasets.Path(t, "predictions", "adult_lr.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := ScanPredictions(bytes.NewReader(csvData), ScanOptions{Label: "y_true", Prediction: "y_pred", Score: "score",
		Protected: []string{"sex", "race"}})
	if err != nil {
		t.Fatal(err)
	}
	jsonl := adultAsJSONLines(t, csvData)
	var gz, zs bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(jsonl)
	_ = zw.Close()
	zsw, err := zstd.NewWriter(&zs)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = zsw.Write(jsonl)
	_ = zsw.Close()
	o := ScanOptions{Label: "y_true", Prediction: "decision.approved", Score: "decision.score",
		Protected: []string{"applicant.sex", "applicant.race"}}
	for name, data := range map[string][]byte{"plain": jsonl, "gzip": gz.Bytes(), "zstd": zs.Bytes()} {
		t.Run(name, func(t *testing.T) {
			rc, err := Decode(io.NopCloser(bytes.NewReader(data)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ScanPredictions(rc, o) // detected from the first byte
			if err != nil {
				t.Fatal(err)
			}
			if got.Rows != want.Rows || !reflect.DeepEqual(got.Table.Groups, want.Table.Groups) {
				t.Fatalf("JSON Lines (%s): %d rows, groups differ from the CSV's %d rows", name, got.Rows, want.Rows)
			}
		})
	}
}

func TestJSONLinesBadInput(t *testing.T) {
	o := ScanOptions{Label: "y", Prediction: "d.p", Protected: []string{"g"}, Format: FormatJSONLines}
	for _, c := range []struct{ name, data, want string }{
		{"empty", "", "empty data"},
		{"not json", `{"y":1,"d":{"p":1},"g":"a"}` + "\nnot json\n", `line 2: not a JSON object`},
		{"missing key", `{"y":1,"d":{"p":1}}` + "\n", `line 1: no key "g"`},
		{"null", `{"y":null,"d":{"p":1},"g":"a"}` + "\n", `line 1: "y" is null`},
		{"not an object on the path", `{"y":1,"d":7,"g":"a"}` + "\n", `line 1: "d" is not an object on the path to "d.p"`},
		{"array value", `{"y":1,"d":{"p":[1]},"g":"a"}` + "\n", `"d.p" is an object or array`},
		{"label not binary", `{"y":"maybe","d":{"p":1},"g":"a"}` + "\n", `line 1: label "maybe" is not binary`},
		{"blank lines only", "\n\n", "no data rows"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ScanPredictions(strings.NewReader(c.data), o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	o.MaxLineBytes = 64
	if _, err := ScanPredictions(strings.NewReader(`{"y":1,"d":{"p":1},"g":"`+strings.Repeat("a", 100)+`"}`), o); err == nil ||
		!strings.Contains(err.Error(), "longer than 64 bytes") {
		t.Fatalf("a line past the limit: %v", err)
	}
}

func TestFormatDetectionAndNames(t *testing.T) {
	for _, c := range []struct {
		data   string
		format Format
		want   string
	}{
		{"PAR1\x15\x04", FormatAuto, "is Parquet"},
		{"y,p,g\n", FormatParquet, "does not start with Parquet's magic"},
	} {
		if _, err := ScanPredictions(strings.NewReader(c.data), ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g"},
			Format: c.format}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q as %q: %v, want %q", c.data, c.format, err, c.want)
		}
	}
	for name, want := range map[string]Format{"dt=2026-11-01/part-0.parquet": FormatParquet, "log.jsonl.gz": FormatJSONLines,
		"x.ndjson.zst": FormatJSONLines, "preds.csv": FormatCSV, "blob": FormatAuto} {
		if got := FormatOfName(name); got != want {
			t.Errorf("FormatOfName(%q) = %q, want %q", name, got, want)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat accepted xml")
	}
}

// Byte-range shards of a JSON Lines file put no header in front (every line
// is a record): n shards count each line once, as one scan does.
func TestJSONLinesFileShardsCoverEveryLineOnce(t *testing.T) {
	csvData, err := os.ReadFile(datasets.Path(t, "predictions", "adult_lr.csv"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "adult.jsonl")
	jsonl := adultAsJSONLines(t, csvData)
	if err := os.WriteFile(path, jsonl, 0o600); err != nil {
		t.Fatal(err)
	}
	o := ScanOptions{Label: "y_true", Prediction: "decision.approved", Protected: []string{"applicant.sex", "applicant.race"}}
	whole, err := ScanPredictions(bytes.NewReader(jsonl), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int64{1, 2, 5, 16} {
		checkShardsAddUp(t, whole, n, func(i int64) (*ScanResult, error) {
			rc, err := OpenFileShard(path, i, n)
			if err != nil {
				return nil, err
			}
			defer func() { _ = rc.Close() }()
			return ScanPredictions(rc, o)
		})
	}
}

// checkShardsAddUp scans n shards and checks that their rows and merged
// groups are one scan's (whole).
func checkShardsAddUp(t *testing.T, whole *ScanResult, n int64, scanShard func(i int64) (*ScanResult, error)) {
	t.Helper()
	merged := fairness.NewTable(whole.Table.Attributes, whole.Table.ScoreBins)
	var rows int64
	for i := range n {
		res, err := scanShard(i)
		if err != nil {
			t.Fatalf("shard %d/%d: %v", i, n, err)
		}
		rows += res.Rows
		if err := merged.Merge(res.Table); err != nil {
			t.Fatal(err)
		}
	}
	if rows != whole.Rows || !reflect.DeepEqual(merged.Groups, whole.Table.Groups) {
		t.Fatalf("%d shards: %d rows (want %d) or different groups", n, rows, whole.Rows)
	}
}

func TestZstdFilesAreNotSplitByBytes(t *testing.T) {
	var zs bytes.Buffer
	zw, _ := zstd.NewWriter(&zs)
	_, _ = zw.Write([]byte("y,p,g\n1,1,a\n"))
	_ = zw.Close()
	path := filepath.Join(t.TempDir(), "data.csv.zst")
	if err := os.WriteFile(path, zs.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFileShard(path, 0, 2); !errors.Is(err, ErrCompressed) {
		t.Fatalf("a zstd file split by bytes: %v, want ErrCompressed", err)
	}
}

// A missing or null protected value is a bad row, or its own group when
// NullGroup names one; a missing label stays a bad row.
func TestJSONLinesNullGroup(t *testing.T) {
	data := `{"y":1,"p":1,"sex":"f"}
{"y":0,"p":1}
{"y":1,"p":0,"sex":null}
{"p":0,"sex":"m"}
`
	o := ScanOptions{Label: "y", Prediction: "p", Protected: []string{"sex"}, MaxBadRows: 5}
	res, err := ScanPredictions(strings.NewReader(data), o)
	if err != nil || res.Rows != 1 || res.BadRows != 3 {
		t.Fatalf("without NullGroup: %+v, %v", res, err)
	}
	o.NullGroup = "(unknown)"
	res, err = ScanPredictions(strings.NewReader(data), o)
	if err != nil || res.Rows != 3 || res.BadRows != 1 || !strings.Contains(res.FirstBadRow, `line 4: no key "y"`) {
		t.Fatalf("with NullGroup: %+v, %v", res, err)
	}
	if g := res.Table.Groups["(unknown)"]; g == nil || g.Counts.TP+g.Counts.FP+g.Counts.TN+g.Counts.FN != 2 {
		t.Fatalf("groups %v", res.Table.Groups)
	}
}
