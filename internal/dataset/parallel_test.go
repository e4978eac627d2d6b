package dataset

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// sequentialScan is the one-reader scan ScanFileParts must agree with.
func sequentialScan(t *testing.T, path string, o ScanOptions) (*ScanResult, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := Decode(f)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	return ScanPredictions(rc, o)
}

func writeTemp(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sameResult compares what a report is built from.
func sameResult(got, want *ScanResult) string {
	switch {
	case got.Rows != want.Rows || got.BadRows != want.BadRows:
		return fmt.Sprintf("rows %d bad %d, want %d bad %d", got.Rows, got.BadRows, want.Rows, want.BadRows)
	case got.FirstBadRow != want.FirstBadRow:
		return fmt.Sprintf("first bad row %q, want %q", got.FirstBadRow, want.FirstBadRow)
	case !reflect.DeepEqual(got.Table, want.Table):
		return "statistics differ"
	}
	return ""
}

func synthetic(t *testing.T, rows int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteSynthetic(&buf, SyntheticOptions{Rows: rows, Seed: 3, Disparity: 0.2}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestScanFilePartsEqualsOneReader(t *testing.T) {
	t.Parallel()
	credit := ScanOptions{Label: "repaid", Prediction: "approved", Score: "score", Protected: []string{"sex", "age_group"}}
	plain := ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g"}}
	skipping := plain
	skipping.MaxBadRows = 10
	var jsonl strings.Builder
	for i := range 500 {
		fmt.Fprintf(&jsonl, `{"y":%d,"p":%d,"a":{"g":"g%d"}}`+"\n", i%2, i/3%2, i%5)
	}
	var badLate strings.Builder
	badLate.WriteString("y,p,g\n")
	for i := range 400 {
		if i == 333 || i == 350 {
			badLate.WriteString("1,maybe,a\n")
			continue
		}
		fmt.Fprintf(&badLate, "%d,%d,g%d\r\n", i%2, i/7%2, i%3)
	}
	for _, tc := range []struct {
		name string
		data string
		o    ScanOptions
	}{
		{"synthetic credit", string(synthetic(t, 5000)), credit},
		{"byte-order mark and CRLF", "\xef\xbb\xbfy,p,g\r\n" + strings.Repeat("1,0,a\r\n0,1,b\r\n\r\n", 300), plain},
		{"JSON Lines with a dotted path", jsonl.String(),
			ScanOptions{Label: "y", Prediction: "p", Protected: []string{"a.g"}}},
		{"bad rows skipped late in the file", badLate.String(), skipping},
		{"quoted fields on one line", "y,p,g\n" + strings.Repeat("1,0,\"a,b\"\n0,0,\"c\"\"d\"\n", 400), plain},
	} {
		path := writeTemp(t, []byte(tc.data))
		want, err := sequentialScan(t, path, tc.o)
		if err != nil {
			t.Fatalf("%s: one reader: %v", tc.name, err)
		}
		for _, parts := range []int{2, 3, 8, 64} {
			got, err := ScanFileParts(path, 0, 1, parts, tc.o)
			if err != nil {
				t.Fatalf("%s, %d parts: %v", tc.name, parts, err)
			}
			if diff := sameResult(got, want); diff != "" {
				t.Errorf("%s, %d parts: %s", tc.name, parts, diff)
			}
		}
	}
}

// TestScanFilePartsOfAShardEqualTheShard: a byte-range shard split over the
// cores reads the shard's lines, no more and no fewer.
func TestScanFilePartsOfAShardEqualTheShard(t *testing.T) {
	t.Parallel()
	path := writeTemp(t, synthetic(t, 3001))
	o := ScanOptions{Label: "repaid", Prediction: "approved", Score: "score", Protected: []string{"sex"}, Part: true}
	for _, count := range []int64{2, 5} {
		for index := range count {
			rc, err := OpenFileShard(path, index, count)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ScanPredictions(rc, o)
			_ = rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			got, err := ScanFileParts(path, index, count, 3, o)
			if err != nil {
				t.Fatalf("shard %d of %d: %v", index, count, err)
			}
			if diff := sameResult(got, want); diff != "" {
				t.Errorf("shard %d of %d: %s", index, count, diff)
			}
		}
	}
}

// TestScanFilePartsLeavesWhatOnlyOneReaderGetsRight: each case must go back
// to one reader, whose error names the true line.
func TestScanFilePartsLeavesWhatOnlyOneReaderGetsRight(t *testing.T) {
	t.Parallel()
	plain := ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g"}}
	rows := strings.Repeat("1,0,a\n0,1,b\n", 200)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("y,p,g\n" + rows))
	_ = zw.Close()
	manyGroups := "y,p,g\n"
	for i := range 60 {
		manyGroups += fmt.Sprintf("1,0,g%d\n", i)
	}
	for _, tc := range []struct {
		name, data string
		o          ScanOptions
		parts      int
	}{
		{"gzip", gz.String(), plain, 3},
		{"a bad row under fail-fast", "y,p,g\n" + rows + "1,maybe,a\n" + rows, plain, 3},
		{"a quoted field across lines", "y,p,g\n" + rows + "1,0,\"a\n" + strings.Repeat("b\n", 300) + "\"\n" + rows,
			plain, 4},
		{"bad rows over the limit in total", "y,p,g\n" + rows + "1,x,a\n" + rows + "1,x,a\n" + rows,
			ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g"}, MaxBadRows: 1}, 2},
		{"groups over the limit in total", manyGroups,
			ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g"}, MaxGroups: 40}, 2},
		{"no data rows", "y,p,g\n\n\n\n", plain, 2},
		{"declared CSV that is JSON", `{"y":1,"p":0,"g":"a"}` + "\n",
			ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g"}, Format: FormatCSV}, 2},
		{"row sharding", "y,p,g\n" + rows,
			ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g"}, ShardCount: 2}, 2},
		{"one part", "y,p,g\n" + rows, plain, 1},
	} {
		path := writeTemp(t, []byte(tc.data))
		if _, err := ScanFileParts(path, 0, 1, tc.parts, tc.o); !errors.Is(err, ErrSequential) {
			t.Errorf("%s: %v, want ErrSequential", tc.name, err)
		}
	}
}

func FuzzScanFileParts(f *testing.F) {
	for _, seed := range []string{"y,p,g\n1,1,a\n0,1,b\n1,0,a\n", "y,p,g\r\n\"1\",\"0\",\"a,b\"\r\n1,1,\"x\ny\"\n0,0,c\n",
		`{"y":1,"p":0,"g":"a"}` + "\n" + `{"y":0,"p":1,"g":"b"}`, "y,p,g\n1,x,a\n1,1,b\n\n0,0,a\n1,2,a\n"} {
		f.Add([]byte(seed), uint8(3))
	}
	path := filepath.Join(f.TempDir(), "data") // executions in one worker run one after another
	f.Fuzz(func(t *testing.T, data []byte, parts uint8) {
		o := ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g"}, MaxBadRows: 3, MaxLineBytes: 4096,
			MaxGroups: 8}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := ScanFileParts(path, 0, 1, int(parts%9), o)
		if errors.Is(err, ErrSequential) {
			return
		}
		want, wantErr := sequentialScan(t, path, o)
		if err != nil || wantErr != nil {
			t.Fatalf("parts: %v; one reader: %v", err, wantErr)
		}
		if diff := sameResult(got, want); diff != "" {
			t.Fatal(diff)
		}
	})
}

// TestScanURLPartsEqualsOneReader: a file served with ranges is read in
// parts that together equal one GET's scan, and reports the version it
// read; a server without ranges, or whose file changes between the parts'
// requests, is left to one reader.
func TestScanURLPartsEqualsOneReader(t *testing.T) {
	t.Parallel()
	data := synthetic(t, 300_000) // about 11 MB: three parts of MinPartBytes
	var requests atomic.Int64
	var changing atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		switch {
		case r.URL.Path == "/noranges":
			_, _ = w.Write(data)
			return
		case changing.Load():
			w.Header().Set("ETag", fmt.Sprintf(`"v%d"`, n))
		default:
			w.Header().Set("ETag", `"v1"`)
		}
		http.ServeContent(w, r, "preds.csv", time.Time{}, bytes.NewReader(data))
	}))
	defer srv.Close()
	o := ScanOptions{Label: "repaid", Prediction: "approved", Score: "score", Protected: []string{"sex", "age_group"}}
	want, err := ScanPredictions(bytes.NewReader(data), o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, parts := range []int{2, 3, 8} {
		got, err := ScanURLParts(ctx, srv.URL+"/preds.csv", FetchOptions{}, 0, 1, parts, o)
		if err != nil {
			t.Fatalf("%d parts: %v", parts, err)
		}
		if diff := sameResult(got, want); diff != "" || got.DataVersion != `"v1"` {
			t.Errorf("%d parts: %s, version %q", parts, diff, got.DataVersion)
		}
	}
	if _, err := ScanURLParts(ctx, srv.URL+"/noranges", FetchOptions{}, 0, 1, 2, o); !errors.Is(err, ErrSequential) {
		t.Errorf("no ranges: %v, want ErrSequential", err)
	}
	if _, err := ScanURLParts(ctx, srv.URL+"/preds.csv", FetchOptions{MaxBytes: int64(len(data)) - 1}, 0, 1, 2,
		o); !errors.Is(err, ErrSequential) {
		t.Errorf("over the size cap: %v, want ErrSequential", err)
	}
	changing.Store(true)
	if _, err := ScanURLParts(ctx, srv.URL+"/preds.csv", FetchOptions{}, 0, 1, 2, o); !errors.Is(err, ErrSequential) {
		t.Errorf("a file that changes between requests: %v, want ErrSequential", err)
	}
}

func memoryObject(name string, data []byte) Object {
	return Object{Name: name, Size: int64(len(data)), Version: `"1"`,
		ReadRange: func(_ context.Context, off, length int64) (io.ReadCloser, error) {
			if length < 0 || off+length > int64(len(data)) {
				length = int64(len(data)) - off
			}
			return io.NopCloser(bytes.NewReader(data[off : off+length])), nil
		}}
}

// TestObjectWindowsOnEveryCoreEqualOneReader: plain and gzip objects
// scanned in windows on three cores give one core's result, also when
// sharded, and a bad row is reported as one core reports it.
func TestObjectWindowsOnEveryCoreEqualOneReader(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	a, b := synthetic(t, 120_000), synthetic(t, 150_000)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(synthetic(t, 20_000))
	_ = zw.Close()
	bad := append(bytes.Clone(b), []byte("female,18-25,1,1,1,1,0.5,maybe\n")...)
	o := ScanOptions{Label: "repaid", Prediction: "approved", Score: "score", Protected: []string{"sex", "age_group"},
		MaxBadRows: 5}
	for _, tc := range []struct {
		name    string
		objects []Object
		shards  int64
	}{
		{"plain and gzip", []Object{memoryObject("a.csv", a), memoryObject("b.csv.gz", gz.Bytes()),
			memoryObject("c.csv", b)}, 1},
		{"sharded", []Object{memoryObject("a.csv", a), memoryObject("c.csv", b), memoryObject("d.csv", a),
			memoryObject("f.csv", b)}, 2},
		{"a bad row", []Object{memoryObject("a.csv", a), memoryObject("e.csv", bad)}, 1},
	} {
		for index := range tc.shards {
			so := o
			so.ShardCount, so.ShardIndex = tc.shards, index
			runtime.GOMAXPROCS(1)
			want, err := ScanObjects(t.Context(), ObjectSource{Objects: tc.objects}, so)
			if err != nil {
				t.Fatalf("%s, one core: %v", tc.name, err)
			}
			runtime.GOMAXPROCS(3)
			got, err := ScanObjects(t.Context(), ObjectSource{Objects: tc.objects}, so)
			if err != nil {
				t.Fatalf("%s, three cores: %v", tc.name, err)
			}
			if diff := sameResult(got, want); diff != "" {
				t.Errorf("%s, shard %d: %s", tc.name, index, diff)
			}
		}
	}
}
