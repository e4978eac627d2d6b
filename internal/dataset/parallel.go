package dataset

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
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
			results[j], errs[j] = scanFilePart(path, index*int64(parts)+int64(j), count*int64(parts), part)
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

func scanFilePart(path string, index, count int64, o ScanOptions) (*ScanResult, error) {
	rc, err := OpenFileShard(path, index, count)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	rs, ok := rc.(readCloser)
	if !ok {
		return nil, fmt.Errorf("byte-range shard of %s has no reader", path)
	}
	return ScanPredictions(stripBOM(rs), o)
}

// mergeParts adds the parts' statistics in order and renumbers the first
// bad row; limits are checked on the whole, as one reader checks them.
func mergeParts(results []*ScanResult, headerLines int64, o ScanOptions) (*ScanResult, error) {
	merged := &ScanResult{Table: fairness.NewTable(o.Protected, scoreBins(o))}
	var linesBefore int64
	for _, r := range results {
		if err := merged.Table.Merge(r.Table); err != nil {
			return nil, err
		}
		merged.Rows += r.Rows
		merged.BadRows += r.BadRows
		if r.firstBad != nil && merged.firstBad == nil {
			renumbered := *r.firstBad
			renumbered.Line += linesBefore
			merged.firstBad, merged.FirstBadRow = &renumbered, renumbered.Error()
		}
		linesBefore += max(0, r.lines-headerLines)
	}
	merged.lines = linesBefore + headerLines
	if merged.BadRows > o.MaxBadRows || len(merged.Table.Groups) > o.MaxGroups ||
		merged.Rows == 0 && (merged.BadRows > 0 || !o.Part) {
		return nil, ErrSequential
	}
	return merged, nil
}
