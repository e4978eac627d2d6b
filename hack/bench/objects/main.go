// Command objects writes the synthetic credit dataset (fairctl generate) as
// the files the object-storage benchmarks read: CSV, JSON Lines and Parquet
// (snappy and zstd, row groups of 1M rows), all with the same rows and all
// eight columns, streaming so that 100M rows fit in little memory.
//
//	go run ./hack/bench/objects -rows 10000000 -out /tmp/objects
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
)

const rowGroup = 1 << 20

func main() {
	rows := flag.Int64("rows", 10_000_000, "rows to write")
	out := flag.String("out", "/tmp/objects", "output folder")
	flag.Parse()
	if err := run(*rows, *out); err != nil {
		fmt.Fprintln(os.Stderr, "objects:", err)
		os.Exit(1)
	}
}

var schema = arrow.NewSchema([]arrow.Field{
	{Name: "sex", Type: arrow.BinaryTypes.String}, {Name: "age_group", Type: arrow.BinaryTypes.String},
	{Name: "income", Type: arrow.PrimitiveTypes.Float64}, {Name: "credit_amount", Type: arrow.PrimitiveTypes.Float64},
	{Name: "duration_months", Type: arrow.PrimitiveTypes.Int64}, {Name: "repaid", Type: arrow.PrimitiveTypes.Int64},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64}, {Name: "approved", Type: arrow.PrimitiveTypes.Int64},
}, nil)

type sink struct {
	jsonl   *bufio.Writer
	parquet []*pqarrow.FileWriter
	b       *array.RecordBuilder
	files   []*os.File
}

func run(rows int64, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	csvFile, err := os.Create(filepath.Join(out, "credit.csv"))
	if err != nil {
		return err
	}
	s := &sink{b: array.NewRecordBuilder(memory.DefaultAllocator, schema), files: []*os.File{csvFile}}
	jf, err := os.Create(filepath.Join(out, "credit.jsonl"))
	if err != nil {
		return err
	}
	s.files = append(s.files, jf)
	s.jsonl = bufio.NewWriterSize(jf, 1<<20)
	for _, codec := range []struct {
		name string
		c    compress.Compression
	}{{"snappy", compress.Codecs.Snappy}, {"zstd", compress.Codecs.Zstd}} {
		f, err := os.Create(filepath.Join(out, "credit-"+codec.name+".parquet"))
		if err != nil {
			return err
		}
		s.files = append(s.files, f)
		w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(parquet.WithCompression(codec.c),
			parquet.WithMaxRowGroupLength(rowGroup), parquet.WithDictionaryDefault(true)), pqarrow.DefaultWriterProps())
		if err != nil {
			return err
		}
		s.parquet = append(s.parquet, w)
	}
	src := dataset.SyntheticReader(dataset.SyntheticOptions{Rows: rows, Seed: 42, Disparity: 0.2})
	csvOut := bufio.NewWriterSize(csvFile, 1<<20)
	r := csv.NewReader(io.TeeReader(src, csvOut))
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil { // the header
		return err
	}
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := s.add(rec); err != nil {
			return err
		}
		if n++; n%rowGroup == 0 {
			if err := s.flush(); err != nil {
				return err
			}
		}
	}
	if err := s.flush(); err != nil {
		return err
	}
	if err := csvOut.Flush(); err != nil {
		return err
	}
	if err := s.jsonl.Flush(); err != nil {
		return err
	}
	for _, w := range s.parquet {
		if err := w.Close(); err != nil {
			return err
		}
	}
	for _, f := range s.files {
		_ = f.Close()
	}
	return nil
}

// add appends one CSV record (sex, age_group, income, credit_amount,
// duration_months, repaid, score, approved).
func (s *sink) add(rec []string) error {
	num := func(i int) (float64, error) { return strconv.ParseFloat(rec[i], 64) }
	income, err := num(2)
	if err != nil {
		return err
	}
	amount, _ := num(3)
	score, _ := num(6)
	months, _ := strconv.ParseInt(rec[4], 10, 64)
	repaid, _ := strconv.ParseInt(rec[5], 10, 64)
	approved, _ := strconv.ParseInt(rec[7], 10, 64)
	s.b.Field(0).(*array.StringBuilder).Append(rec[0])
	s.b.Field(1).(*array.StringBuilder).Append(rec[1])
	s.b.Field(2).(*array.Float64Builder).Append(income)
	s.b.Field(3).(*array.Float64Builder).Append(amount)
	s.b.Field(4).(*array.Int64Builder).Append(months)
	s.b.Field(5).(*array.Int64Builder).Append(repaid)
	s.b.Field(6).(*array.Float64Builder).Append(score)
	s.b.Field(7).(*array.Int64Builder).Append(approved)
	_, err = fmt.Fprintf(s.jsonl, `{"sex":%q,"age_group":%q,"income":%s,"credit_amount":%s,"duration_months":%s,`+
		`"repaid":%s,"score":%s,"approved":%s}`+"\n", rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], rec[6], rec[7])
	return err
}

func (s *sink) flush() error {
	rec := s.b.NewRecordBatch()
	defer rec.Release()
	if rec.NumRows() == 0 {
		return nil
	}
	for _, w := range s.parquet {
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	return nil
}
