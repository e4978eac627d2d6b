package dataset

import (
	"context"
	"os"
	"testing"
)

func BenchmarkTmpParquet(b *testing.B) {
	for b.Loop() {
		f, _ := os.Open("/tmp/obj1m/credit-snappy.parquet")
		st, _ := f.Stat()
		res, err := ScanParquet(context.Background(), ParquetSource{Name: "x", Reader: f, Size: st.Size()},
			ScanOptions{Label: "repaid", Prediction: "approved", Protected: []string{"sex", "age_group"}})
		if err != nil || res.Rows != 1000000 {
			b.Fatal(err)
		}
		f.Close()
	}
}

func BenchmarkTmpCSV(b *testing.B) {
	for b.Loop() {
		f, _ := os.Open("/tmp/obj1m/credit.csv")
		res, err := ScanPredictions(f, ScanOptions{Label: "repaid", Prediction: "approved", Protected: []string{"sex", "age_group"}})
		if err != nil || res.Rows != 1000000 {
			b.Fatal(err)
		}
		f.Close()
	}
}
