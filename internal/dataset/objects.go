package dataset

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
)

// Object is one object of a source made of many (a prefix in object
// storage): its name, size and version, and ranged reads pinned to that
// version. The listing's order is the order every shard sees.
type Object struct {
	Name    string
	Size    int64
	Version string
	// ReadRange opens length bytes from off (length < 0: to the end).
	ReadRange func(ctx context.Context, off, length int64) (io.ReadCloser, error)
}

// ObjectSource is the listing of a multi-object source.
type ObjectSource struct {
	Objects []Object
	// Fetched (when set) says how many object bytes were read so far.
	Fetched func() int64
}

// MaxListedObjects bounds the objects named in a result and in status; the
// hash covers the whole listing.
const MaxListedObjects = 16

// ObjectsRead describes the objects of a run: the listing's size and hash,
// the first names with their versions, and what this scan fetched.
type ObjectsRead struct {
	Count   int
	Bytes   int64
	Fetched int64
	Hash    string
	Listed  []ObjectRef
}

// ObjectRef names one object and its version.
type ObjectRef struct {
	Name    string `json:"name"`
	Version string `json:"etag,omitempty"`
	Size    int64  `json:"size"`
}

// ListingHash identifies a listing: names, sizes and versions, in order.
// Every shard of a run computes it, so shards that saw different listings
// are caught when their results merge.
func ListingHash(objs []Object) string {
	h := sha256.New()
	for _, o := range objs {
		_, _ = fmt.Fprintf(h, "%s\x00%d\x00%s\n", o.Name, o.Size, o.Version)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// ScanObjects scans the objects of a listing through the same contract as
// one file. Units are assigned to shards by bytes: the objects are laid end
// to end, shard i of n owns the bytes [i*total/n, (i+1)*total/n), and
// owns a unit whose position falls there: a Parquet row group by its
// middle byte, a compressed object (which cannot be split) by its middle,
// a line of a plain CSV or JSON Lines object by its first byte. Every shard
// computes the same assignment from the listing, reads only the objects
// that overlap its bytes, and the shards' statistics add up to one scan's.
func ScanObjects(ctx context.Context, src ObjectSource, o ScanOptions) (*ScanResult, error) {
	var total int64
	for _, obj := range src.Objects {
		total += obj.Size
	}
	lo, hi := int64(0), total
	sharded := o.ShardCount > 1
	if sharded {
		lo, hi = o.ShardIndex*total/o.ShardCount, (o.ShardIndex+1)*total/o.ShardCount
		o.ShardCount, o.ShardIndex = 0, 0 // the byte windows select the rows
	}
	merged, err := scanWindowOnEveryCore(ctx, src, lo, hi, o)
	if errors.Is(err, ErrSequential) {
		merged, err = scanWindow(ctx, src, byteWindow{lo: lo, hi: hi, whole: !sharded}, o)
	}
	if err != nil {
		return nil, err
	}
	if merged == nil { // the shard owns no unit: an empty part, checked at the merge
		empty, err := ScanPredictions(bytes.NewReader(nil), emptyPart(o))
		if err != nil {
			return nil, err
		}
		merged = empty
	}
	if merged.Rows == 0 && !sharded && (merged.Window == nil || merged.Window.Outside == 0) { // a window's NoData is the caller's
		return nil, invalidData(fmt.Errorf("%d objects (%d bytes) hold no rows", len(src.Objects), total))
	}
	merged.Objects = describe(src)
	merged.DataVersion = merged.Objects.Hash
	return merged, nil
}

// scanWindow scans the units of the objects whose position falls in the
// window's bytes, one object after another; nil when it owns none.
func scanWindow(ctx context.Context, src ObjectSource, window byteWindow, o ScanOptions) (*ScanResult, error) {
	maxGroups := o.MaxGroups
	if maxGroups <= 0 {
		maxGroups = DefaultMaxGroups
	}
	var merged *ScanResult
	var base int64
	for _, obj := range src.Objects {
		w := window
		w.base = base
		base += obj.Size
		if !w.whole && (w.base+obj.Size <= w.lo || w.base >= w.hi) {
			continue // no byte of this object is the window's
		}
		part := o
		part.Part = true
		if o.MaxBadRows > 0 && merged != nil {
			part.MaxBadRows = max(o.MaxBadRows-merged.BadRows, 0)
		}
		res, err := scanObject(ctx, obj, w, part)
		if err != nil {
			return nil, invalidData(err)
		}
		if res == nil {
			continue
		}
		if merged == nil {
			merged = res
			continue
		}
		if err := merged.Table.Merge(res.Table); err != nil {
			return nil, invalidData(fmt.Errorf("%s: %w", obj.Name, err))
		}
		if len(merged.Table.Groups) > maxGroups {
			return nil, invalidData(fmt.Errorf("%s: %w", obj.Name, tooManyGroupsError{maxGroups}))
		}
		merged.addCounts(res)
		if merged.FirstBadRow == "" {
			merged.FirstBadRow = res.FirstBadRow
		}
	}
	return merged, nil
}

// scanWindowOnEveryCore splits the window [lo, hi) into GOMAXPROCS
// windows of at least MinPartBytes and scans them at once: every unit
// (line, row group, compressed object) has one position, so it falls in
// exactly one of them, and their statistics add up to the window's. Only
// clean data is merged: an error, or any bad row (whose line number
// counts from where its window starts reading), is ErrSequential, so
// one reader reports it as before.
func scanWindowOnEveryCore(ctx context.Context, src ObjectSource, lo, hi int64, o ScanOptions) (*ScanResult, error) {
	parts := min(int64(runtime.GOMAXPROCS(0)), (hi-lo)/MinPartBytes)
	if parts < 2 || o.Into != nil { // a joined side loads in order: its first duplicate is the first
		return nil, ErrSequential
	}
	maxGroups := o.MaxGroups
	if maxGroups <= 0 {
		maxGroups = DefaultMaxGroups
	}
	results := make([]*ScanResult, parts)
	errs := make([]error, parts)
	ctx, cancel := context.WithCancel(ctx) // one failure: the others stop, one reader takes over
	defer cancel()
	var wg sync.WaitGroup
	for k := range parts {
		w := byteWindow{lo: lo + k*(hi-lo)/parts, hi: lo + (k+1)*(hi-lo)/parts}
		wg.Go(func() {
			if results[k], errs[k] = scanWindow(ctx, src, w, o); errs[k] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSequential, err)
	}
	var merged *ScanResult
	for _, r := range results {
		switch {
		case r == nil:
		case r.BadRows > 0:
			return nil, ErrSequential
		case merged == nil:
			merged = r
		default:
			if err := merged.Table.Merge(r.Table); err != nil {
				return nil, err
			}
			merged.addCounts(r)
		}
	}
	if merged != nil && len(merged.Table.Groups) > maxGroups {
		return nil, ErrSequential
	}
	return merged, nil
}

// emptyPart scans a header with the mapped columns and no rows, which gives
// an empty table of the right shape.
func emptyPart(o ScanOptions) ScanOptions {
	o.Part, o.Format = true, FormatCSV
	return o
}

func describe(src ObjectSource) *ObjectsRead {
	d := &ObjectsRead{Count: len(src.Objects), Hash: ListingHash(src.Objects)}
	for i, obj := range src.Objects {
		d.Bytes += obj.Size
		if i < MaxListedObjects {
			d.Listed = append(d.Listed, ObjectRef{Name: obj.Name, Version: obj.Version, Size: obj.Size})
		}
	}
	if src.Fetched != nil {
		d.Fetched = src.Fetched()
	}
	return d
}

// byteWindow is a shard's bytes [lo, hi) of the objects laid end to end,
// and where the object being scanned starts (base). whole: no sharding.
type byteWindow struct {
	base, lo, hi int64
	whole        bool
}

// owns reports whether the object byte at off belongs to the shard.
func (w byteWindow) owns(off int64) bool {
	return w.whole || w.base+off >= w.lo && w.base+off < w.hi
}

// scanObject scans the shard's units of one object; nil when it owns none.
func scanObject(ctx context.Context, obj Object, w byteWindow, o ScanOptions) (*ScanResult, error) {
	if obj.Size == 0 {
		return nil, nil
	}
	// The magic bytes say Parquet, gzip or zstd; a text object's first
	// line is read on demand.
	head, err := readObjectRange(ctx, obj, 0, min(obj.Size, int64(len(zstdMagic))))
	if err != nil {
		return nil, err
	}
	format := o.Format
	if format == FormatAuto {
		format = FormatOfName(obj.Name)
	}
	switch {
	case string(head[:min(len(head), len(parquetMagic))]) == parquetMagic || format == FormatParquet:
		o.window = &w
		r := &objectReaderAt{ctx: ctx, obj: obj}
		return ScanParquet(ctx, ParquetSource{Name: obj.Name, Reader: r, Version: obj.Version, Size: obj.Size}, o)
	case compressed(head) || w.whole:
		if !w.owns(obj.Size / 2) {
			return nil, nil // a compressed object goes whole to the shard owning its middle
		}
		return scanStream(ctx, obj, 0, -1, nil, o)
	}
	return scanLines(ctx, obj, head, w, o)
}

// scanLines scans the lines of a plain object that start in the shard's
// bytes, after the object's header line (CSV).
func scanLines(ctx context.Context, obj Object, head []byte, w byteWindow, o ScanOptions) (*ScanResult, error) {
	nl := bytes.IndexByte(head, '\n')
	for nl < 0 && int64(len(head)) < min(obj.Size, DefaultMaxLineBytes) {
		more, err := readObjectRange(ctx, obj, int64(len(head)), min(obj.Size, int64(len(head))+probeSize))
		if err != nil {
			return nil, err
		}
		head = append(head, more...)
		nl = bytes.IndexByte(head, '\n')
	}
	if nl < 0 {
		nl = len(head) - 1 // one line, no newline: a header alone, or one JSON object
	}
	header := head[:nl+1]
	if headerless(header) {
		header = nil
	}
	ra := &objectReaderAt{ctx: ctx, obj: obj}
	headerEnd := int64(len(header))
	start, err := lineStartAtOrAfter(ra, max(headerEnd, w.lo-w.base), headerEnd, obj.Size)
	if err != nil {
		return nil, err
	}
	end, err := lineStartAtOrAfter(ra, max(headerEnd, min(w.hi-w.base, obj.Size)), headerEnd, obj.Size)
	if err != nil {
		return nil, err
	}
	if start >= end {
		return nil, nil
	}
	return scanStream(ctx, obj, start, end-start, header, o)
}

// scanStream scans length bytes of obj from off (length < 0: to the end),
// with header in front.
func scanStream(ctx context.Context, obj Object, off, length int64, header []byte, o ScanOptions) (*ScanResult, error) {
	rc, err := obj.ReadRange(ctx, off, length)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	decoded, err := Decode(readCloser{io.MultiReader(bytes.NewReader(header), rc), rc})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", obj.Name, err)
	}
	res, err := ScanPredictions(decoded, o)
	if err != nil {
		where := obj.Name
		if off > 0 {
			where += " (the lines from byte " + strconv.FormatInt(off, 10) + ")"
		}
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return res, nil
}

func readObjectRange(ctx context.Context, obj Object, start, end int64) ([]byte, error) {
	rc, err := obj.ReadRange(ctx, start, end-start)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	return io.ReadAll(rc)
}

// objectReaderAt reads an object by ranged reads (Parquet's footer and
// column chunks, the line boundaries of a byte window).
type objectReaderAt struct {
	ctx context.Context
	obj Object
	pos int64
}

func (r *objectReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.obj.Size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.obj.Size-off)
	rc, err := r.obj.ReadRange(r.ctx, off, n)
	if err != nil {
		return 0, err
	}
	defer func() { _ = rc.Close() }()
	got, err := io.ReadFull(rc, p[:n])
	if err != nil {
		return got, fmt.Errorf("%s: reading bytes %d-%d: %w", r.obj.Name, off, off+n-1, err)
	}
	if n < int64(len(p)) {
		return got, io.EOF
	}
	return got, nil
}

func (r *objectReaderAt) Seek(offset int64, whence int) (int64, error) {
	return seek(&r.pos, r.obj.Size, offset, whence)
}
