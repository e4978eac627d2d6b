package dataset

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/fairness-operator/fairness-operator/test/datasets"
)

// predictionRows are the Adult predictions of ../shared/datasets, typed.
type predictionRows struct {
	label, pred []bool
	score       []float64
	sex, race   []string
	csv         []byte
}

func adultPredictions(t *testing.T) predictionRows {
	t.Helper()
	data, err := os.ReadFile(datasets.Path(t, "predictions", "adult_lr.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	p := predictionRows{csv: data}
	for _, r := range rows[1:] { // row,y_true,y_pred,score,sex,race
		s, err := strconv.ParseFloat(r[3], 64)
		if err != nil {
			t.Fatal(err)
		}
		p.label, p.pred, p.score = append(p.label, r[1] == "1"), append(p.pred, r[2] == "1"), append(p.score, s)
		p.sex, p.race = append(p.sex, r[4]), append(p.race, r[5])
	}
	return p
}

// writeArrowParquet writes the rows with arrow-go: the label as int64, the
// decision as a boolean inside a struct, the score as a double, the groups
// as (dictionary-encoded) strings.
func writeArrowParquet(t *testing.T, p predictionRows, codec compress.Compression, rowGroup int64) []byte {
	t.Helper()
	mem := memory.DefaultAllocator
	decisionType := arrow.StructOf(arrow.Field{Name: "approved", Type: arrow.FixedWidthTypes.Boolean},
		arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float64})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "y_true", Type: arrow.PrimitiveTypes.Int64},
		{Name: "decision", Type: decisionType},
		{Name: "sex", Type: arrow.BinaryTypes.String},
		{Name: "race", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	decision := b.Field(1).(*array.StructBuilder)
	for i := range p.label {
		b.Field(0).(*array.Int64Builder).Append(int64(boolInt(p.label[i])))
		decision.Append(true)
		decision.FieldBuilder(0).(*array.BooleanBuilder).Append(p.pred[i])
		decision.FieldBuilder(1).(*array.Float64Builder).Append(p.score[i])
		b.Field(2).(*array.StringBuilder).Append(p.sex[i])
		b.Field(3).(*array.StringBuilder).Append(p.race[i])
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.RecordBatch{rec})
	defer tbl.Release()
	var buf bytes.Buffer
	props := parquet.NewWriterProperties(parquet.WithCompression(codec), parquet.WithMaxRowGroupLength(rowGroup),
		parquet.WithDictionaryDefault(true))
	if err := pqarrow.WriteTable(tbl, &buf, rowGroup, props, pqarrow.DefaultWriterProps()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

var adultParquetColumns = ScanOptions{Label: "y_true", Prediction: "decision.approved", Score: "decision.score",
	Protected: []string{"sex", "race"}}

func TestParquetGivesTheStatisticsOfTheSameCSV(t *testing.T) {
	p := adultPredictions(t)
	want, err := ScanPredictions(bytes.NewReader(p.csv), ScanOptions{Label: "y_true", Prediction: "y_pred", Score: "score",
		Protected: []string{"sex", "race"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, codec := range []compress.Compression{compress.Codecs.Uncompressed, compress.Codecs.Snappy, compress.Codecs.Gzip,
		compress.Codecs.Zstd, compress.Codecs.Lz4Raw, compress.Codecs.Brotli} {
		for _, rowGroup := range []int64{1000, 1 << 20} {
			t.Run(fmt.Sprintf("%s/%d", codec, rowGroup), func(t *testing.T) {
				data := writeArrowParquet(t, p, codec, rowGroup)
				got, err := ScanParquet(context.Background(), ParquetSource{Name: "adult.parquet", Reader: bytes.NewReader(data)},
					adultParquetColumns)
				if err != nil {
					t.Fatal(err)
				}
				if got.Rows != want.Rows || !reflect.DeepEqual(got.Table.Groups, want.Table.Groups) {
					t.Fatalf("%d rows, want %d; groups equal: %v", got.Rows, want.Rows, reflect.DeepEqual(got.Table.Groups, want.Table.Groups))
				}
			})
		}
	}
}

// Row groups are the unit of sharding: n shards read disjoint row groups
// whose counts add up to one scan's; with fewer row groups than shards, rows
// are shared by number instead.
func TestParquetShardsByRowGroup(t *testing.T) {
	p := adultPredictions(t)
	data := writeArrowParquet(t, p, compress.Codecs.Snappy, 997)
	whole, err := ScanParquet(context.Background(), ParquetSource{Name: "a", Reader: bytes.NewReader(data)}, adultParquetColumns)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int64{2, 3, 8, 1000} {
		checkShardsAddUp(t, whole, n, func(i int64) (*ScanResult, error) {
			o := adultParquetColumns
			o.ShardCount, o.ShardIndex = n, i
			return ScanParquet(context.Background(), ParquetSource{Name: "a", Reader: bytes.NewReader(data)}, o)
		})
	}
}

func TestParquetBadInput(t *testing.T) {
	p := adultPredictions(t)
	good := writeArrowParquet(t, p, compress.Codecs.Snappy, 5000)
	corruptPage := bytes.Clone(good)
	for i := 200; i < 2000; i++ { // inside the first column chunk's pages
		corruptPage[i] ^= 0x5a
	}
	for _, c := range []struct {
		name string
		data []byte
		o    ScanOptions
		want string
	}{
		{"truncated", good[:len(good)/2], adultParquetColumns, "x.parquet: not a readable Parquet file"},
		{"bad magic", append([]byte("NOPE"), good[4:]...), adultParquetColumns, `x.parquet: not a Parquet file: it does not start with "PAR1"`},
		{"corrupt footer", append(bytes.Clone(good[:len(good)-12]), []byte("\xff\xff\xff\xffgarbPAR1")...), adultParquetColumns,
			"x.parquet: not a readable Parquet file"},
		{"missing column", good, ScanOptions{Label: "y_true", Prediction: "approved", Protected: []string{"sex"}},
			`x.parquet: column "approved" not found (columns: y_true, decision.approved, decision.score, sex, race)`},
		{"struct as a value", good, ScanOptions{Label: "y_true", Prediction: "decision", Protected: []string{"sex"}},
			`x.parquet: column "decision" not found`},
		{"corrupt page", corruptPage, adultParquetColumns, "x.parquet: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ScanParquet(context.Background(), ParquetSource{Name: "x.parquet", Reader: bytes.NewReader(c.data)}, c.o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			t.Log(err)
		})
	}
}

// A null follows the bad-row policy, naming the row; a column of a type that
// is no label, prediction, score or group names the column and its type.
func TestParquetNullsAndTypes(t *testing.T) {
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "y", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "p", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "g", Type: arrow.BinaryTypes.String},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := range 4 {
		if i == 2 {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.Int32Builder).Append(int32(i % 2))
		}
		b.Field(1).(*array.BooleanBuilder).Append(i%2 == 0)
		b.Field(2).(*array.StringBuilder).Append("a")
		b.Field(3).(*array.Date32Builder).Append(arrow.Date32(20000 + i))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.RecordBatch{rec})
	defer tbl.Release()
	var buf bytes.Buffer
	if err := pqarrow.WriteTable(tbl, &buf, 1024, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps()); err != nil {
		t.Fatal(err)
	}
	src := func() ParquetSource { return ParquetSource{Name: "n.parquet", Reader: bytes.NewReader(buf.Bytes())} }
	o := ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g"}}
	if _, err := ScanParquet(context.Background(), src(), o); err == nil || err.Error() != `n.parquet: row 3: "y" is null` {
		t.Fatalf("a null label: %v", err)
	}
	o.MaxBadRows = 1
	res, err := ScanParquet(context.Background(), src(), o)
	if err != nil || res.Rows != 3 || res.BadRows != 1 {
		t.Fatalf("a null label within --max-bad-rows: %+v, %v", res, err)
	}
	o.Protected = []string{"day"}
	if _, err := ScanParquet(context.Background(), src(), o); err == nil ||
		!strings.Contains(err.Error(), `n.parquet: column "day" has type date32`) {
		t.Fatalf("a date as a group: %v", err)
	}
}

// Over HTTP(S), a Parquet file is read by ranged GETs: the footer and the
// mapped columns' chunks, not the rest. A server without ranges, or a file
// replaced mid-read, fails with a message naming the URL.
func TestParquetOverHTTPRanges(t *testing.T) {
	p := adultPredictions(t)
	data := writeArrowParquet(t, p, compress.Codecs.Snappy, 4000)
	etag := `"v1"`
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tag := etag
		mu.Unlock()
		if r.URL.Path == "/noranges.parquet" {
			_, _ = w.Write(data)
			return
		}
		w.Header().Set("ETag", tag)
		http.ServeContent(w, r, "adult.parquet", time.Time{}, bytes.NewReader(data))
	}))
	defer srv.Close()
	ctx := context.Background()
	o := ScanOptions{Label: "y_true", Prediction: "decision.approved", Protected: []string{"sex"}}
	local, err := ScanParquet(ctx, ParquetSource{Name: "local", Reader: bytes.NewReader(data)}, o)
	if err != nil {
		t.Fatal(err)
	}
	src, closer, err := OpenParquet(ctx, srv.URL+"/adult.parquet", FetchOptions{}, FormatAuto)
	if err != nil || src == nil {
		t.Fatalf("OpenParquet: %v, %v", src, err)
	}
	defer func() { _ = closer.Close() }()
	got, err := ScanParquet(ctx, *src, o)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows != local.Rows || !reflect.DeepEqual(got.Table.Groups, local.Table.Groups) || got.DataVersion != `"v1"` {
		t.Fatalf("over HTTP: %d rows (want %d), version %q", got.Rows, local.Rows, got.DataVersion)
	}
	if fetched := src.Fetched(); fetched <= 0 || fetched >= src.Size {
		t.Fatalf("fetched %d of %d bytes: the unmapped columns should not be read", fetched, src.Size)
	}
	if _, _, err := OpenParquet(ctx, srv.URL+"/noranges.parquet", FetchOptions{}, FormatAuto); err == nil ||
		!strings.Contains(err.Error(), "does not serve them") {
		t.Fatalf("a server without ranges: %v", err)
	}
	changing, closer2, err := OpenParquet(ctx, srv.URL+"/adult.parquet", FetchOptions{}, FormatParquet)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = closer2.Close() }()
	mu.Lock()
	etag = `"v2"` // the object is replaced before the column chunks are read
	mu.Unlock()
	if _, err := ScanParquet(ctx, *changing, o); err == nil || !strings.Contains(err.Error(), "changed while") {
		t.Fatalf("a file replaced mid-read: %v", err)
	}
}
