package dataset

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// ErrSequential means only one reader can scan the data exactly; see
// ScanFileParts.
var ErrSequential = errors.New("the data must be scanned by one reader")

// MinPartBytes is the smallest sub-range worth its own goroutine: below it
// the header and buffers of a part cost more than the rows save.
const MinPartBytes = 4 << 20

// ScanFileParts scans byte-range shard index of count of a plain CSV or JSON
// Lines file (count <= 1: the whole file) with parts goroutines, each over a
// line-aligned sub-range, and merges their statistics. The sub-ranges of
// shard i of n are shards i*parts to i*parts+parts-1 of n*parts, so no line
// is read twice or missed whatever the split.
//
// The result equals one reader's, line numbers included: a part's first bad
// row is renumbered by the lines of the parts before it. It returns
// ErrSequential, discarding what it read, whenever only one reader can be
// exact: the file is compressed or its format is not the one its first line
// shows, a part failed (a bad row under the fail-fast policy, a quoted field
// running across a part boundary, an I/O error; a single reader then reports
// the first failure with its true line number), the parts' bad rows or groups
// together exceed a limit each part kept to, or no part held a good row
// (unless o.Part says the caller expects an empty range to be possible).
func ScanFileParts(path string, index, count int64, parts int, o ScanOptions) (*ScanResult, error) {
	if count < 1 {
		index, count = 0, 1
	}
	if parts < 2 || o.ShardCount > 1 || o.Format == FormatParquet {
		return nil, ErrSequential
	}
	headerLines, err := partHeaderLines(path, o.Format)
	if err != nil {
		return nil, err
	}
	return scanParts(parts, func(j int) (io.ReadCloser, error) {
		rc, err := OpenFileShard(path, index*int64(parts)+int64(j), count*int64(parts))
		if err != nil {
			return nil, err
		}
		if plain, ok := rc.(readCloser); ok {
			return stripBOM(plain), nil
		}
		return rc, nil
	}, headerLines, o)
}

// ScanURLParts is ScanFileParts for a plain file served over HTTP(S) with
// range requests: each part is byte-range shard index*parts+j of
// count*parts (OpenURLShard), at least MinPartBytes; the parts must all
// have read the same version of the file. The declared format must be
// auto-detected (a part cannot tell a mislabelled file). Whatever the
// server does not allow (no ranges, an error, a body over the size cap)
// is ErrSequential, so that the one-reader path reports it as before.
func ScanURLParts(ctx context.Context, url string, fo FetchOptions, index, count int64, parts int,
	o ScanOptions) (*ScanResult, error) {
	if count < 1 {
		index, count = 0, 1
	}
	if parts < 2 || o.ShardCount > 1 || o.Format != FormatAuto {
		return nil, ErrSequential
	}
	size, _, err := rangeSize(ctx, url, fo)
	if err != nil || fo.MaxBytes > 0 && size > fo.MaxBytes {
		return nil, ErrSequential
	}
	parts = int(min(int64(parts), size/count/MinPartBytes))
	if parts < 2 {
		return nil, ErrSequential
	}
	versions := make([]string, parts)
	res, err := scanParts(parts, func(j int) (io.ReadCloser, error) {
		rc, err := OpenURLShard(ctx, url, fo, index*int64(parts)+int64(j), count*int64(parts))
		if v, ok := rc.(versioned); ok {
			versions[j] = v.version
		}
		return rc, err
	}, -1, o)
	if err != nil {
		return nil, err
	}
	for _, v := range versions[1:] {
		if v != versions[0] {
			return nil, ErrSequential // the file changed between the parts' requests: read one version
		}
	}
	res.DataVersion = versions[0]
	return res, nil
}

// scanParts scans the parts open gives concurrently and merges them. A
// part's header lines are headerLines, or, when that is -1, what the part's
// own format says (a CSV header, none for JSON Lines).
func scanParts(parts int, open func(j int) (io.ReadCloser, error), headerLines int64, o ScanOptions) (*ScanResult, error) {
	if o.Into != nil {
		return nil, ErrSequential // a joined side loads in order: its first duplicate is the file's first
	}
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.MaxGroups <= 0 {
		o.MaxGroups = DefaultMaxGroups
	}
	part := o
	part.Part = true
	results := make([]*ScanResult, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for j := range parts {
		wg.Go(func() {
			rc, err := open(j)
			if err != nil {
				errs[j] = err
				return
			}
			defer func() { _ = rc.Close() }()
			results[j], errs[j] = ScanPredictions(rc, part)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSequential, err)
	}
	return mergeParts(results, headerLines, o)
}

// partHeaderLines is the number of header lines in front of every part: 1
// for CSV, 0 for JSON Lines (every line a record). A compressed file, or one
// whose declared format is not the one its first line shows, is
// ErrSequential.
func partHeaderLines(path string, declared Format) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("opening data: %w", err)
	}
	defer func() { _ = f.Close() }()
	first, err := bufio.NewReaderSize(f, DefaultMaxLineBytes).ReadSlice('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, ErrSequential // an over-long or unreadable first line: one reader says which
	}
	json := headerless(first)
	switch {
	case compressed(first), declared == FormatCSV && json, declared == FormatJSONLines && !json:
		return 0, ErrSequential
	case json:
		return 0, nil
	}
	return 1, nil
}

// mergeParts adds the parts' statistics in order and renumbers the first
// bad row; limits are checked on the whole, as one reader checks them.
func mergeParts(results []*ScanResult, headerLines int64, o ScanOptions) (*ScanResult, error) {
	merged := &ScanResult{Table: o.newTable()}
	var linesBefore int64
	for _, r := range results {
		if err := merged.Table.Merge(r.Table); err != nil {
			return nil, err
		}
		merged.addCounts(r)
		if r.firstBad != nil && merged.firstBad == nil {
			renumbered := *r.firstBad
			renumbered.Line += linesBefore
			merged.firstBad, merged.FirstBadRow = &renumbered, renumbered.Error()
		}
		header := headerLines
		if header < 0 {
			header = r.headerLines
		}
		linesBefore += max(0, r.lines-header)
	}
	if merged.BadRows > o.MaxBadRows || len(merged.Table.Groups) > o.MaxGroups ||
		merged.Rows == 0 && (merged.BadRows > 0 || !o.Part) {
		return nil, ErrSequential
	}
	return merged, nil
}
