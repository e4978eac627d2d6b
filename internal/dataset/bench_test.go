package dataset

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// benchRows is the size of the generated prediction log; set
// FAIRNESS_BENCH_ROWS=10000000 for the figures in docs/benchmarks.md.
func benchRows() int64 {
	if n, err := strconv.ParseInt(os.Getenv("FAIRNESS_BENCH_ROWS"), 10, 64); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// BenchmarkScanPredictions measures predictions-mode scanning of a CSV file
// written by the generator, grouped by sex and age group (two attributes, six
// intersectional groups), with scores. Reported MB/s is of CSV bytes.
func BenchmarkScanPredictions(b *testing.B) {
	rows := benchRows()
	path := filepath.Join(b.TempDir(), "credit.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := WriteSynthetic(f, SyntheticOptions{Rows: rows, Seed: 1, Disparity: 0.2}); err != nil {
		b.Fatal(err)
	}
	_ = f.Close()
	st, _ := os.Stat(path)
	o := ScanOptions{Label: "repaid", Prediction: "approved", Score: "score", Protected: []string{"sex", "age_group"}}
	b.SetBytes(st.Size())
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		res, err := ScanPredictions(f, o)
		_ = f.Close()
		if err != nil || res.Rows != rows {
			b.Fatalf("rows %v err %v", res, err)
		}
	}
	b.ReportMetric(float64(rows), "rows/op")
}
