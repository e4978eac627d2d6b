package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// parquetBatchRows is how many rows are decoded at a time: memory stays flat
// whatever the file's size.
const parquetBatchRows = 16 << 10

// parquetBufferBytes is the read buffer of each column chunk.
const parquetBufferBytes = 4 << 20

// ParquetSource is a Parquet file to scan: random access, since the footer
// (at the end) says where each column chunk is. Name appears in messages.
type ParquetSource struct {
	Name   string
	Reader parquet.ReaderAtSeeker
	// Version is the ETag or Last-Modified value an HTTP(S) source is pinned to.
	Version string
	// Size is the file's size; Fetched (when set) says how many bytes were read.
	Size    int64
	Fetched func() int64
}

// ScanParquet reads the mapped columns of a Parquet file (only those column
// chunks are read) with apache/arrow-go and counts each row through the
// scanner every format shares. Row groups are the unit of sharding: with
// o.ShardCount > 1 a shard reads its own row groups, balanced by their
// compressed bytes; a file with fewer row groups than shards is shared by
// row number instead, so every shard still gets rows.
func ScanParquet(ctx context.Context, src ParquetSource, o ScanOptions) (*ScanResult, error) {
	if o.MaxGroups <= 0 {
		o.MaxGroups = DefaultMaxGroups
	}
	magic := make([]byte, len(parquetMagic))
	if _, err := src.Reader.ReadAt(magic, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", src.Name, err)
	}
	if string(magic) != parquetMagic {
		return nil, fmt.Errorf("%s: not a Parquet file: it does not start with %q", src.Name, parquetMagic)
	}
	// Column chunks stream through a bounded buffer instead of being read
	// whole: memory stays flat however large a row group is, and each
	// buffer fill is one ranged read of a remote object.
	props := parquet.NewReaderProperties(&poolAllocator{})
	props.BufferedStreamEnabled, props.BufferSize = true, parquetBufferBytes
	rdr, err := file.NewParquetReader(src.Reader, file.WithReadProps(props))
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable Parquet file: %w", src.Name, err)
	}
	defer func() { _ = rdr.Close() }()
	groups := rowGroupsOf(rdr, &o)
	if o.window != nil && len(groups) == 0 {
		return nil, nil // a multi-object shard that owns none of this file's row groups
	}
	parts := splitRowGroups(rdr, groups, runtime.GOMAXPROCS(0))
	recs := make([]*parquetRecords, len(parts))
	defer func() {
		for _, r := range recs {
			if r != nil {
				r.release()
			}
		}
	}()
	var offset int64
	for i, part := range parts {
		if recs[i], err = newParquetRecords(ctx, src.Name, rdr, o.columnNames(), o.nullValues(), part); err != nil {
			return nil, err
		}
		recs[i].rowNum = offset // row numbers in messages count from the shard's first row
		if n := len(recs[i].ends); n > 0 {
			offset += recs[i].ends[n-1]
		}
	}
	columnar := columnarEligible(recs[0], o)
	var res *ScanResult
	if len(recs) > 1 && columnar {
		res, err = scanParquetParallel(recs, o)
	}
	if len(recs) == 1 || !columnar || errors.Is(err, errRescan) {
		if len(recs) > 1 { // one reader over all the row groups
			for _, r := range recs {
				r.release()
			}
			recs = recs[:1]
			if recs[0], err = newParquetRecords(ctx, src.Name, rdr, o.columnNames(), o.nullValues(), groups); err != nil {
				recs[0] = nil
				return nil, err
			}
		}
		if columnar {
			res, err = scanParquetColumnar(recs[0], o, true)
		} else {
			res, err = scanRecords(recs[0], o)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.Name, err)
	}
	res.DataVersion = src.Version
	return res, nil
}

// parquetRecords turns arrow record batches into the scanner's records.
type parquetRecords struct {
	names   []string
	rr      pqarrow.RecordReader
	batch   arrow.RecordBatch
	cols    []arrow.Array // the array of each name in the current batch
	paths   [][]int       // record column, then struct children, of each name
	row     int           // next row in batch
	rowNum  int64         // rows read so far
	groups  []int         // the row groups read, in order
	ends    []int64       // the rows read when each of them ends
	fields  [][]byte
	scratch [][]byte
	nullAs  [][]byte // per name, the value of a null (nil: a bad row)
}

// newParquetRecords reads the named columns of the given row groups.
// nullAs is, per name, what a null counts as (nil: a bad row).
func newParquetRecords(ctx context.Context, name string, rdr *file.Reader, names []string, nullAs [][]byte,
	groups []int) (*parquetRecords, error) {
	schema := rdr.MetaData().Schema
	var leaves []int
	for _, n := range names {
		i := schema.ColumnIndexByName(n)
		if i < 0 {
			return nil, fmt.Errorf("%s: column %q not found (columns: %s)", name, n, parquetColumns(rdr))
		}
		leaves = append(leaves, i)
	}
	props := pqarrow.ArrowReadProperties{BatchSize: parquetBatchRows}
	for _, leaf := range leaves {
		if schema.Column(leaf).PhysicalType() == parquet.Types.ByteArray {
			props.SetReadDict(leaf, true) // group values become dictionary indexes, decoded once per batch
		}
	}
	fr, err := pqarrow.NewFileReader(rdr, props, &poolAllocator{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	rr, err := fr.GetRecordReader(ctx, dedupe(leaves), groups)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &parquetRecords{names: names, rr: rr, fields: make([][]byte, len(names)),
		scratch: make([][]byte, len(names)), groups: groups, nullAs: nullAs}
	var end int64
	for _, g := range groups {
		end += rdr.MetaData().RowGroup(g).NumRows()
		p.ends = append(p.ends, end)
	}
	for _, n := range names {
		path, err := arrowPath(rr.Schema(), n)
		if err != nil {
			rr.Release()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		p.paths = append(p.paths, path)
	}
	return p, nil
}

// rowGroupsOf picks the shard's row groups, and turns row-group sharding
// off in o once it has chosen them.
func rowGroupsOf(rdr *file.Reader, o *ScanOptions) []int {
	n := rdr.NumRowGroups()
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	if o.window != nil {
		mine := []int{}
		for _, g := range all {
			if o.window.owns(rowGroupMiddle(rdr, g)) {
				mine = append(mine, g)
			}
		}
		return mine
	}
	if o.ShardCount <= 1 || int64(n) < o.ShardCount {
		return all
	}
	// Largest first to the least-loaded shard: deterministic, so every
	// shard computes the same assignment.
	bySize := slices.Clone(all)
	size := func(i int) int64 { return rdr.MetaData().RowGroup(i).TotalCompressedSize() }
	slices.SortStableFunc(bySize, func(a, b int) int { return int(size(b) - size(a)) })
	load := make([]int64, o.ShardCount)
	var mine []int
	for _, g := range bySize {
		target := int64(slices.Index(load, slices.Min(load)))
		load[target] += size(g)
		if target == o.ShardIndex {
			mine = append(mine, g)
		}
	}
	slices.Sort(mine)
	o.ShardCount, o.ShardIndex = 0, 0
	return mine
}

// rowGroupMiddle is the file offset of a row group's middle byte: from the
// start of its first column chunk, half its compressed size on.
func rowGroupMiddle(rdr *file.Reader, g int) int64 {
	rg := rdr.MetaData().RowGroup(g)
	start := rg.FileOffset()
	if cc, err := rg.ColumnChunk(0); err == nil {
		start = cc.DataPageOffset()
		if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 {
			start = min(start, cc.DictionaryPageOffset())
		}
	}
	return start + rg.TotalCompressedSize()/2
}

// splitRowGroups cuts a shard's row groups into at most n contiguous runs
// of about equal compressed bytes, one per core: contiguous, so that row
// numbers in messages are those of one reader; never an empty run.
func splitRowGroups(rdr *file.Reader, groups []int, n int) [][]int {
	if n <= 1 || len(groups) <= 1 {
		return [][]int{groups}
	}
	var total int64
	for _, g := range groups {
		total += rdr.MetaData().RowGroup(g).TotalCompressedSize()
	}
	var parts [][]int
	var acc int64
	start := 0
	for i, g := range groups {
		acc += rdr.MetaData().RowGroup(g).TotalCompressedSize()
		if acc*int64(n) >= total*int64(len(parts)+1) && len(parts) < n-1 && i+1 < len(groups) {
			parts = append(parts, groups[start:i+1])
			start = i + 1
		}
	}
	return append(parts, groups[start:])
}

func dedupe(xs []int) []int {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// arrowPath finds a column in the record's schema: a top-level field, or a
// dotted path through struct fields.
func arrowPath(schema *arrow.Schema, name string) ([]int, error) {
	parts := strings.Split(name, ".")
	idx := schema.FieldIndices(parts[0])
	if len(idx) == 0 {
		return nil, fmt.Errorf("column %q not in the columns read", name)
	}
	path := []int{idx[0]}
	t := schema.Field(idx[0]).Type
	for _, part := range parts[1:] {
		st, ok := t.(*arrow.StructType)
		if !ok {
			return nil, fmt.Errorf("column %q: %s is not a struct", name, t)
		}
		i, ok := st.FieldIdx(part)
		if !ok {
			return nil, fmt.Errorf("column %q: no field %q", name, part)
		}
		path = append(path, i)
		t = st.Field(i).Type
	}
	return path, nil
}

func parquetColumns(rdr *file.Reader) string {
	s := rdr.MetaData().Schema
	names := make([]string, 0, s.NumColumns())
	for i := range s.NumColumns() {
		names = append(names, s.Column(i).Path())
	}
	return strings.Join(names, ", ")
}

func (p *parquetRecords) header() ([][]byte, error) {
	h := make([][]byte, len(p.names))
	for i, n := range p.names {
		h[i] = []byte(n)
	}
	return h, nil
}

func (p *parquetRecords) position() (int64, string) { return p.rowNum, "row" }

func (p *parquetRecords) release() {
	if p.batch != nil {
		p.batch.Release()
	}
	p.rr.Release()
}

func (p *parquetRecords) next() ([][]byte, string, error) {
	for p.batch == nil || p.row >= int(p.batch.NumRows()) {
		if p.batch != nil {
			p.batch.Release()
			p.batch = nil
		}
		if !p.rr.Next() {
			if err := p.rr.Err(); err != nil && !errors.Is(err, io.EOF) {
				return nil, "", fmt.Errorf("reading row group %d (after row %d): %w", p.groupAt(p.rowNum), p.rowNum, err)
			}
			return nil, "", io.EOF
		}
		p.batch = p.rr.RecordBatch()
		p.batch.Retain()
		p.row = 0
		if err := p.bind(); err != nil {
			return nil, "", err
		}
	}
	i := p.row
	p.row++
	p.rowNum++
	for c, arr := range p.cols {
		if arr.IsNull(i) {
			if p.nullAs[c] == nil {
				return nil, fmt.Sprintf("%q is null", p.names[c]), nil
			}
			p.fields[c] = p.nullAs[c]
			continue
		}
		p.fields[c] = appendValue(p.scratch[c][:0], arr, i)
		p.scratch[c] = p.fields[c]
	}
	return p.fields, "", nil
}

// groupAt is the row group holding row n (0-based) of those read.
func (p *parquetRecords) groupAt(n int64) int {
	for i, end := range p.ends {
		if n < end {
			return p.groups[i]
		}
	}
	if len(p.groups) == 0 {
		return 0
	}
	return p.groups[len(p.groups)-1]
}

// bind finds each name's array in the new batch and checks its type.
func (p *parquetRecords) bind() error {
	p.cols = p.cols[:0]
	for c, path := range p.paths {
		arr := p.batch.Column(path[0])
		for _, child := range path[1:] {
			arr = arr.(*array.Struct).Field(child)
		}
		if !supported(arr.DataType()) {
			return fmt.Errorf("column %q has type %s; a label, prediction or group value must be a boolean, "+
				"integer or string, a score a float or double", p.names[c], arr.DataType())
		}
		p.cols = append(p.cols, arr)
	}
	return nil
}

func supported(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32,
		arrow.UINT64, arrow.FLOAT32, arrow.FLOAT64, arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		return true
	case arrow.DICTIONARY:
		return supported(t.(*arrow.DictionaryType).ValueType)
	case arrow.TIMESTAMP:
		return true
	}
	return false
}

// appendValue writes the value as the CSV path would read it: booleans as
// true/false, numbers in Go's shortest form that reads back to the same
// value, strings as they are.
func appendValue(dst []byte, arr arrow.Array, i int) []byte {
	switch a := arr.(type) {
	case *array.Boolean:
		return strconv.AppendBool(dst, a.Value(i))
	case *array.Int8:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int32:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int64:
		return strconv.AppendInt(dst, a.Value(i), 10)
	case *array.Uint8:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint16:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint32:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.AppendUint(dst, a.Value(i), 10)
	case *array.Float32:
		return strconv.AppendFloat(dst, float64(a.Value(i)), 'f', -1, 32)
	case *array.Float64:
		return strconv.AppendFloat(dst, a.Value(i), 'f', -1, 64)
	case *array.String:
		return append(dst, a.Value(i)...)
	case *array.LargeString:
		return append(dst, a.Value(i)...)
	case *array.Binary:
		return append(dst, a.Value(i)...)
	case *array.LargeBinary:
		return append(dst, a.Value(i)...)
	case *array.Dictionary:
		return appendValue(dst, a.Dictionary(), a.GetValueIndex(i))
	case *array.Timestamp: // as RFC 3339 in UTC, the window's default format
		return a.Value(i).ToTime(a.DataType().(*arrow.TimestampType).Unit).UTC().AppendFormat(dst, time.RFC3339Nano)
	}
	return dst
}
