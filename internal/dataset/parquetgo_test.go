package dataset

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/gzip"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// adultRow is a row as a second, independent writer (parquet-go) lays it
// out: flat columns, the groups dictionary-encoded, the label a string.
type adultRow struct {
	Label    string  `parquet:"label,dict"`
	Approved bool    `parquet:"approved"`
	Score    float64 `parquet:"score"`
	Sex      string  `parquet:"sex,dict"`
	Race     string  `parquet:"race,dict"`
}

// Files written by parquet-go read the same as arrow-go's and as the CSV:
// the reader follows the format, not one writer's habits.
func TestParquetFromASecondWriter(t *testing.T) {
	p := adultPredictions(t)
	want, err := ScanPredictions(bytes.NewReader(p.csv), ScanOptions{Label: "y_true", Prediction: "y_pred", Score: "score",
		Protected: []string{"sex", "race"}})
	if err != nil {
		t.Fatal(err)
	}
	for name, codec := range map[string]compress.Codec{"snappy": &snappy.Codec{}, "gzip": &gzip.Codec{}, "zstd": &zstd.Codec{}} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			w := pq.NewGenericWriter[adultRow](&buf, pq.Compression(codec), pq.MaxRowsPerRowGroup(3000))
			rows := make([]adultRow, len(p.label))
			for i := range rows {
				rows[i] = adultRow{Label: map[bool]string{true: "1", false: "0"}[p.label[i]], Approved: p.pred[i],
					Score: p.score[i], Sex: p.sex[i], Race: p.race[i]}
			}
			if _, err := w.Write(rows); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := ScanParquet(context.Background(), ParquetSource{Name: name, Reader: bytes.NewReader(buf.Bytes())},
				ScanOptions{Label: "label", Prediction: "approved", Score: "score", Protected: []string{"sex", "race"}})
			if err != nil {
				t.Fatal(err)
			}
			if got.Rows != want.Rows || !reflect.DeepEqual(got.Table.Groups, want.Table.Groups) {
				t.Fatalf("parquet-go file (%s): %d rows, want %d, or different groups", name, got.Rows, want.Rows)
			}
		})
	}
}
