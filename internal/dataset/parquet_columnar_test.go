package dataset

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"runtime"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// messyParquet has 8 row groups of 250 rows: labels as int64 with a stray
// 2, predictions as strings (dictionary-encoded) with a "maybe", nulls,
// scores with one out of range, two group columns (string and int64).
func messyParquet(t *testing.T) []byte {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "y", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "p", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "s", Type: arrow.PrimitiveTypes.Float64},
		{Name: "g", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "band", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := range 2000 {
		switch {
		case i == 1234:
			b.Field(0).AppendNull()
		case i == 1500:
			b.Field(0).(*array.Int64Builder).Append(2)
		default:
			b.Field(0).(*array.Int64Builder).Append(int64(i % 2))
		}
		switch {
		case i == 1700:
			b.Field(1).(*array.StringBuilder).Append("maybe")
		case i == 1800:
			b.Field(1).AppendNull()
		default:
			b.Field(1).(*array.StringBuilder).Append([]string{"true", "false", "1"}[i%3])
		}
		score := float64(i%100) / 100
		if i == 1900 {
			score = 1.5
		}
		b.Field(2).(*array.Float64Builder).Append(score)
		if i == 1600 || i == 1601 {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.StringBuilder).Append([]string{"a", "b", "c", `d"`}[(i/7)%4])
		}
		b.Field(4).(*array.Int64Builder).Append(int64(i % 3 * 10))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.RecordBatch{rec})
	defer tbl.Release()
	var buf bytes.Buffer
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(250), parquet.WithDictionaryDefault(true))
	if err := pqarrow.WriteTable(tbl, &buf, 250, props, pqarrow.DefaultWriterProps()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The columnar path on one core, on all cores, and the record path (forced
// by row-number sharding into one shard) count the same rows and bad rows,
// and report the same first bad row and the same errors.
func TestParquetPathsAgree(t *testing.T) {
	data := messyParquet(t)
	scan := func(o ScanOptions) (*ScanResult, error) {
		return ScanParquet(context.Background(), ParquetSource{Name: "m.parquet", Reader: bytes.NewReader(data)}, o)
	}
	record := func(o ScanOptions) (*ScanResult, error) {
		// The record path: the rows of a parquet file, read as the records
		// every format shares.
		o.MaxGroups = DefaultMaxGroups // as ScanParquet sets it
		rdr, recs := openRecords(t, data, o)
		defer func() { _ = rdr.Close() }()
		defer recs.release()
		res, err := scanRecords(recs, o)
		if err != nil {
			err = fmt.Errorf("m.parquet: %w", err)
		}
		return res, err
	}
	for _, o := range []ScanOptions{
		{Label: "y", Prediction: "p", Score: "s", Protected: []string{"g", "band"}, MaxBadRows: 10},
		{Label: "y", Prediction: "p", Protected: []string{"band"}, MaxBadRows: 10},
		{Label: "y", Prediction: "p", Protected: []string{"g"}, MaxBadRows: 10, Favorable: "true"},
		{Label: "y", Prediction: "p", Score: "s", Protected: []string{"g"}},
		{Label: "y", Prediction: "p", Score: "s", Protected: []string{"g"}, MaxBadRows: 2},
		{Label: "y", Prediction: "p", Protected: []string{"g", "band"}, MaxBadRows: 10, NullGroup: "(missing)"},
	} {
		t.Run(fmt.Sprintf("%v bad<=%d fav=%q null=%q", o.Protected, o.MaxBadRows, o.Favorable, o.NullGroup), func(t *testing.T) {
			want, wantErr := record(o)
			for _, procs := range []int{1, 2, 4} {
				prev := runtime.GOMAXPROCS(procs)
				got, err := scan(o)
				runtime.GOMAXPROCS(prev)
				if fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Fatalf("GOMAXPROCS=%d: error %v, the record path's %v", procs, err, wantErr)
				}
				if err != nil {
					continue
				}
				if o.NullGroup != "" && got.Table.Groups[fairness.JoinKey([]string{"(missing)", "10"})] == nil {
					t.Errorf("no group for the null value: %v", keysOf(got.Table.Groups))
				}
				if got.Rows != want.Rows || got.BadRows != want.BadRows || got.FirstBadRow != want.FirstBadRow ||
					!reflect.DeepEqual(got.Table.Groups, want.Table.Groups) {
					t.Fatalf("GOMAXPROCS=%d: %d rows, %d bad (%q); the record path: %d, %d (%q)", procs, got.Rows,
						got.BadRows, got.FirstBadRow, want.Rows, want.BadRows, want.FirstBadRow)
				}
			}
		})
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// openRecords reads all row groups of a Parquet file as records.
func openRecords(t *testing.T, data []byte, o ScanOptions) (*file.Reader, *parquetRecords) {
	t.Helper()
	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var all []int
	for i := range rdr.NumRowGroups() {
		all = append(all, i)
	}
	recs, err := newParquetRecords(context.Background(), "m.parquet", rdr, o.columnNames(), o.nullValues(), all)
	if err != nil {
		t.Fatal(err)
	}
	return rdr, recs
}
