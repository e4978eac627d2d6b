package dataset

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/klauspost/compress/zstd"

	"github.com/fairness-operator/fairness-operator/internal/objectstore"
	"github.com/fairness-operator/fairness-operator/test/s3server"
)

// part returns rows [lo, hi) of the predictions, with their CSV.
func (p predictionRows) part(lo, hi int) predictionRows {
	lines := strings.SplitAfter(string(p.csv), "\n")
	return predictionRows{label: p.label[lo:hi], pred: p.pred[lo:hi], score: p.score[lo:hi], sex: p.sex[lo:hi],
		race: p.race[lo:hi], csv: []byte(lines[0] + strings.Join(lines[1+lo:1+hi], ""))}
}

func gzipped(t *testing.T, data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstded(t *testing.T, data []byte) []byte {
	zw, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return zw.EncodeAll(data, nil)
}

// listObjects lists an S3 prefix as the evaluation pods do.
func listObjects(t *testing.T, url, glob string) (ObjectSource, *objectstore.Store) {
	t.Helper()
	store, err := objectstore.Open(context.Background(), url, objectstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	listed, err := store.List(context.Background(), glob)
	if err != nil {
		t.Fatal(err)
	}
	src := ObjectSource{Fetched: store.Fetched}
	for _, o := range listed {
		src.Objects = append(src.Objects, Object{Name: o.Name(), Size: o.Size, Version: o.Version, ReadRange: o.NewRangeReader})
	}
	return src, store
}

// The parts of a date-partitioned prefix in S3, as Parquet (several
// codecs and row-group sizes), JSON Lines (plain and zstd) or CSV (plain
// and gzip), give the statistics of the one CSV file of the same rows, on
// one shard and split over several.
func TestObjectPrefixesGiveTheStatisticsOfOneFile(t *testing.T) {
	p := adultPredictions(t)
	csvColumns := ScanOptions{Label: "y_true", Prediction: "y_pred", Score: "score", Protected: []string{"sex", "race"}}
	whole, err := ScanPredictions(bytes.NewReader(p.csv), csvColumns)
	if err != nil {
		t.Fatal(err)
	}
	n := len(p.label)
	cuts := []int{0, n / 7, n / 2, 2 * n / 3, n}
	srv := s3server.Start(t, "127.0.0.1")
	srv.SetEnv(t)
	srv.CreateBucket(t, "logs")
	srv.Put(t, "logs", "parquet/dt=2026-11-01/_SUCCESS", nil)
	parquetParts := []func(predictionRows) []byte{
		func(q predictionRows) []byte { return writeArrowParquet(t, q, compress.Codecs.Snappy, 1000) },
		func(q predictionRows) []byte { return writeArrowParquet(t, q, compress.Codecs.Zstd, 2500) },
		func(q predictionRows) []byte { return writeArrowParquet(t, q, compress.Codecs.Gzip, 1<<20) },
		func(q predictionRows) []byte { return writeArrowParquet(t, q, compress.Codecs.Snappy, 4000) },
	}
	jsonParts := []func(predictionRows) []byte{
		func(q predictionRows) []byte { return adultAsJSONLines(t, q.csv) },
		func(q predictionRows) []byte { return zstded(t, adultAsJSONLines(t, q.csv)) },
		func(q predictionRows) []byte { return adultAsJSONLines(t, q.csv) },
		func(q predictionRows) []byte { return adultAsJSONLines(t, q.csv) },
	}
	csvParts := []func(predictionRows) []byte{
		func(q predictionRows) []byte { return q.csv },
		func(q predictionRows) []byte { return gzipped(t, q.csv) },
		func(q predictionRows) []byte { return q.csv },
		func(q predictionRows) []byte { return q.csv },
	}
	names := []string{"parquet", "jsonl", "csv"}
	for k, parts := range [][]func(predictionRows) []byte{parquetParts, jsonParts, csvParts} {
		for i, write := range parts {
			key := fmt.Sprintf("%s/dt=2026-11-%02d/part-%d.%s", names[k], 1+i/2, i, names[k])
			srv.Put(t, "logs", key, write(p.part(cuts[i], cuts[i+1])))
		}
	}
	columns := map[string]ScanOptions{"parquet": adultParquetColumns, "csv": csvColumns,
		"jsonl": {Label: "y_true", Prediction: "decision.approved", Score: "decision.score",
			Protected: []string{"applicant.sex", "applicant.race"}}}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			src, _ := listObjects(t, "s3://logs/"+name+"/", "dt=2026-11-*/part-*."+name)
			if len(src.Objects) != 4 {
				t.Fatalf("listed %d objects, want 4", len(src.Objects))
			}
			o := columns[name]
			one, err := ScanObjects(context.Background(), src, o)
			if err != nil {
				t.Fatal(err)
			}
			if one.Rows != whole.Rows || !reflect.DeepEqual(one.Table.Groups, whole.Table.Groups) {
				t.Fatalf("%d rows (want %d), or the groups differ from the CSV's", one.Rows, whole.Rows)
			}
			if one.Objects.Count != 4 || one.Objects.Hash != ListingHash(src.Objects) || len(one.Objects.Listed) != 4 {
				t.Errorf("objects read: %+v", one.Objects)
			}
			for _, shards := range []int64{2, 3, 5, 8} {
				checkShardsAddUp(t, one, shards, func(i int64) (*ScanResult, error) {
					so := o
					so.ShardCount, so.ShardIndex = shards, i
					return ScanObjects(context.Background(), src, so)
				})
			}
		})
	}
}

// writeWideParquet writes the label, decision and sex with extra double
// columns that no evaluation maps, in row groups of 1000.
func writeWideParquet(t *testing.T, p predictionRows, extra int) []byte {
	t.Helper()
	fields := []arrow.Field{{Name: "y_true", Type: arrow.PrimitiveTypes.Int64},
		{Name: "y_pred", Type: arrow.FixedWidthTypes.Boolean}, {Name: "sex", Type: arrow.BinaryTypes.String}}
	for i := range extra {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("f%d", i), Type: arrow.PrimitiveTypes.Float64})
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := range p.label {
		b.Field(0).(*array.Int64Builder).Append(int64(boolInt(p.label[i])))
		b.Field(1).(*array.BooleanBuilder).Append(p.pred[i])
		b.Field(2).(*array.StringBuilder).Append(p.sex[i])
		for j := range extra {
			b.Field(3 + j).(*array.Float64Builder).Append(p.score[i] * float64(j+1))
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.RecordBatch{rec})
	defer tbl.Release()
	var buf bytes.Buffer
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(1000))
	if err := pqarrow.WriteTable(tbl, &buf, 1000, props, pqarrow.DefaultWriterProps()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A Parquet shard fetches the footer and the mapped columns of its row
// groups, not the whole object.
func TestParquetObjectsAreReadByRanges(t *testing.T) {
	p := adultPredictions(t)
	srv := s3server.Start(t, "127.0.0.1")
	srv.SetEnv(t)
	srv.CreateBucket(t, "logs")
	// Wide rows: many columns the evaluation does not map.
	srv.Put(t, "logs", "wide/part-0.parquet", writeWideParquet(t, p, 40))
	src, store := listObjects(t, "s3://logs/wide/", "")
	o := ScanOptions{Label: "y_true", Prediction: "y_pred", Protected: []string{"sex"}}
	o.ShardCount, o.ShardIndex = 4, 1
	res, err := ScanObjects(context.Background(), src, o)
	if err != nil {
		t.Fatal(err)
	}
	size := src.Objects[0].Size
	if res.Rows == 0 || store.Fetched() > size/8 {
		t.Errorf("shard 1 of 4 read %d rows and fetched %d of %d bytes; want rows and at most an eighth", res.Rows,
			store.Fetched(), size)
	}
	if res.Objects.Fetched != store.Fetched() {
		t.Errorf("reported %d bytes fetched, the store counted %d", res.Objects.Fetched, store.Fetched())
	}
}

// Bad objects fail with a message naming the object (and the line or
// column), and the reason the run reports.
func TestBadObjects(t *testing.T) {
	p := adultPredictions(t)
	srv := s3server.Start(t, "127.0.0.1")
	srv.SetEnv(t)
	srv.CreateBucket(t, "logs")
	good := writeArrowParquet(t, p.part(0, 500), compress.Codecs.Snappy, 100)
	cases := []struct {
		name    string
		data    []byte
		o       ScanOptions
		mention []string
	}{
		{name: "truncated.parquet", data: good[:len(good)-100], o: adultParquetColumns,
			mention: []string{"s3://logs/bad/truncated.parquet", "Parquet"}},
		{name: "magic.parquet", data: append([]byte("PAR0"), good[4:]...), o: adultParquetColumns,
			mention: []string{"s3://logs/bad/magic.parquet", "not a Parquet file"}},
		{name: "footer.parquet", data: corruptFooter(good), o: adultParquetColumns,
			mention: []string{"s3://logs/bad/footer.parquet"}},
		{name: "missing-column.parquet", data: good, o: ScanOptions{Label: "y_true", Prediction: "approved",
			Protected: []string{"sex"}}, mention: []string{"s3://logs/bad/missing-column.parquet", `column "approved" not found`}},
		{name: "type.parquet", data: dateParquet(t), o: ScanOptions{Label: "y_true", Prediction: "y_pred",
			Protected: []string{"day"}}, mention: []string{"s3://logs/bad/type.parquet", `column "day" has type date32`}},
		{name: "bad-line.csv", data: []byte("y_true,y_pred,sex\n1,1,a\n1,maybe,b\n"),
			o:       ScanOptions{Label: "y_true", Prediction: "y_pred", Protected: []string{"sex"}},
			mention: []string{"s3://logs/bad/bad-line.csv", "line 3"}},
		{name: "truncated.csv.gz", data: gzipped(t, p.csv)[:2000], o: ScanOptions{Label: "y_true", Prediction: "y_pred",
			Protected: []string{"sex"}}, mention: []string{"s3://logs/bad/truncated.csv.gz", "gzip stream truncated"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv.Put(t, "logs", "bad/"+c.name, c.data)
			src, _ := listObjects(t, "s3://logs/bad/"+c.name, "")
			_, err := ScanObjects(context.Background(), src, c.o)
			if err == nil {
				t.Fatal("scanned a bad object without an error")
			}
			for _, m := range c.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
			if ReasonOf(err) != ReasonInvalidData {
				t.Errorf("reason %q, want %s (%v)", ReasonOf(err), ReasonInvalidData, err)
			}
		})
	}

	t.Run("an object replaced mid-run", func(t *testing.T) {
		srv.Put(t, "logs", "changing/part-0.csv", p.csv)
		src, _ := listObjects(t, "s3://logs/changing/", "")
		srv.Put(t, "logs", "changing/part-0.csv", p.part(0, 10).csv)
		_, err := ScanObjects(context.Background(), src, ScanOptions{Label: "y_true", Prediction: "y_pred",
			Protected: []string{"sex"}})
		if ReasonOf(err) != objectstore.ReasonChanged || !strings.Contains(err.Error(), "s3://logs/changing/part-0.csv") {
			t.Fatalf("error %v (reason %q), want SourceChanged naming the object", err, ReasonOf(err))
		}
	})
}

// dateParquet has a date column, which cannot be a group value.
func dateParquet(t *testing.T) []byte {
	schema := arrow.NewSchema([]arrow.Field{{Name: "y_true", Type: arrow.PrimitiveTypes.Int64},
		{Name: "y_pred", Type: arrow.FixedWidthTypes.Boolean}, {Name: "day", Type: arrow.FixedWidthTypes.Date32}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := range 10 {
		b.Field(0).(*array.Int64Builder).Append(int64(i % 2))
		b.Field(1).(*array.BooleanBuilder).Append(i%3 == 0)
		b.Field(2).(*array.Date32Builder).Append(arrow.Date32(20000 + i))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.RecordBatch{rec})
	defer tbl.Release()
	var buf bytes.Buffer
	if err := pqarrow.WriteTable(tbl, &buf, 10, nil, pqarrow.DefaultWriterProps()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func corruptFooter(good []byte) []byte {
	bad := bytes.Clone(good)
	// The footer's metadata sits before its 4-byte length and the magic.
	for i := len(bad) - 40; i < len(bad)-8; i++ {
		bad[i] ^= 0x5a
	}
	return bad
}
