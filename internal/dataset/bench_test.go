package dataset

import (
	"bytes"
	"fmt"
	"math/rand/v2"
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

// joinBench is a log of benchRows applications with UUID-like IDs, its
// outcomes and demographics, each side in its own order.
func joinBench(b *testing.B) (preds, outcomes, demographics []byte) {
	b.Helper()
	n := int(benchRows())
	id := func(i int) string {
		h := uint64(i)*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
		return fmt.Sprintf("%08x-%04x-4%03x-8000-%012x", uint32(h>>32), uint16(h>>16), uint16(h)&0xfff, uint64(i))
	}
	var p, o, d bytes.Buffer
	p.WriteString("application_id,approved\n")
	o.WriteString("application_id,repaid\n")
	d.WriteString("application_id,sex,age_group\n")
	for _, i := range rand.New(rand.NewPCG(1, 1)).Perm(n) {
		fmt.Fprintf(&p, "%s,%d\n", id(i), i/3%2)
	}
	for _, i := range rand.New(rand.NewPCG(2, 2)).Perm(n) {
		fmt.Fprintf(&o, "%s,%d\n", id(i), i/7%2)
	}
	for _, i := range rand.New(rand.NewPCG(3, 3)).Perm(n) {
		fmt.Fprintf(&d, "%s,%s,%s\n", id(i), []string{"female", "male"}[i%2], []string{"<25", "25-60", ">60"}[i%3])
	}
	return p.Bytes(), o.Bytes(), d.Bytes()
}

func loadJoin(b *testing.B, outcomes, demographics []byte) *JoinIndex {
	b.Helper()
	x := NewJoinIndex(0)
	for _, side := range []struct {
		kind JoinSide
		data []byte
		o    ScanOptions
	}{{SideOutcomes, outcomes, ScanOptions{Label: "repaid"}}, {SideDemographics, demographics, ScanOptions{Protected: []string{"sex", "age_group"}}}} {
		o := side.o
		o.ID, o.Into, o.Side = "application_id", x, side.kind
		if _, err := ScanPredictions(bytes.NewReader(side.data), o); err != nil {
			b.Fatal(err)
		}
		if err := x.Finish(side.kind); err != nil {
			b.Fatal(err)
		}
	}
	return x
}

// BenchmarkJoinLoad loads outcomes and demographics of benchRows IDs each
// into an index; reported MB/s is of the two sides' CSV bytes.
func BenchmarkJoinLoad(b *testing.B) {
	_, outcomes, demographics := joinBench(b)
	b.SetBytes(int64(len(outcomes) + len(demographics)))
	for b.Loop() {
		loadJoin(b, outcomes, demographics)
	}
}

// BenchmarkJoinedScan streams benchRows predictions past a loaded index of
// their outcomes and demographics (one reader: GOMAXPROCS plays no part);
// reported MB/s is of the predictions' CSV bytes.
func BenchmarkJoinedScan(b *testing.B) {
	preds, outcomes, demographics := joinBench(b)
	x := loadJoin(b, outcomes, demographics)
	o := ScanOptions{ID: "application_id", Prediction: "approved", Protected: []string{"sex", "age_group"}, Join: x}
	b.SetBytes(int64(len(preds)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := ScanPredictions(bytes.NewReader(preds), o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchRows())*float64(b.N)/b.Elapsed().Seconds(), "predictions/s")
}
