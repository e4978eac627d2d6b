// Package evaluate runs one evaluation, or one shard of one: data source ->
// (model) -> per-group sufficient statistics -> graded report. The CLI and
// the evaluation pods share it.
package evaluate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/objectstore"
)

// Source says where the data is: Data is a file path, an http(s) URL, "-"
// for standard input, or "builtin:synthetic-credit" (configured by Builtin).
type Source struct {
	Data    string
	Builtin dataset.SyntheticOptions
	Fetch   dataset.FetchOptions
	// ByteRange shards files by byte range (ShardIndex of ShardCount in
	// ScanOptions) instead of by row number.
	ByteRange bool
	// Objects configures an object-store source (Data is s3://, gs:// or azblob://).
	Objects ObjectStore
}

// ObjectStore says which objects under an object-store URL are read and how
// the store is reached; credentials come from the provider's default chain.
type ObjectStore struct {
	// Glob selects object names relative to the prefix; empty reads all.
	Glob string `json:"glob,omitempty"`
	// Endpoint, Region and PathStyle reach S3-compatible stores.
	Endpoint  string `json:"endpoint,omitempty"`
	Region    string `json:"region,omitempty"`
	PathStyle *bool  `json:"forcePathStyle,omitempty"`
}

// IsBuiltin reports whether the source is the built-in generator.
func (s Source) IsBuiltin() bool { return strings.HasPrefix(s.Data, dataset.BuiltinPrefix) }

// Open opens the source for reading.
func (s Source) Open(ctx context.Context, stdin io.Reader, scan *dataset.ScanOptions) (io.ReadCloser, error) {
	if s.IsBuiltin() {
		name := strings.TrimPrefix(s.Data, dataset.BuiltinPrefix)
		if name != dataset.SyntheticCredit {
			return nil, fmt.Errorf("unknown built-in dataset %q (known: %s)", name, dataset.SyntheticCredit)
		}
		return dataset.SyntheticReader(s.Builtin), nil
	}
	if scan.ShardCount > 1 && (strings.HasPrefix(s.Data, "http://") || strings.HasPrefix(s.Data, "https://")) {
		rc, err := dataset.OpenURLShard(ctx, s.Data, s.Fetch, scan.ShardIndex, scan.ShardCount)
		switch {
		case err == nil:
			scan.ShardCount, scan.ShardIndex = 0, 0 // the byte range already selects the rows
			scan.Part = true
			return rc, nil
		case !errors.Is(err, dataset.ErrNoRanges):
			return nil, err
		} // no ranges: every shard reads the whole file and keeps its rows
	}
	if s.ByteRange && scan.ShardCount > 1 {
		rc, err := dataset.OpenFileShard(s.Data, scan.ShardIndex, scan.ShardCount)
		switch {
		case err == nil:
			scan.ShardCount, scan.ShardIndex = 0, 0 // the byte range already selects the rows
			scan.Part = true
			return rc, nil
		case !errors.Is(err, dataset.ErrCompressed):
			return nil, err
		} // compressed: fall through to row sharding
	}
	return dataset.Open(ctx, s.Data, stdin, s.Fetch)
}

// Statistics scans a prediction log into per-group sufficient statistics.
func Statistics(ctx context.Context, src Source, scan dataset.ScanOptions, stdin io.Reader) (*dataset.ScanResult, error) {
	if objectstore.IsURL(src.Data) {
		return objectStatistics(ctx, src, scan)
	}
	if !src.IsBuiltin() && src.Data != "-" {
		pq, closer, err := dataset.OpenParquet(ctx, src.Data, src.Fetch, scan.Format)
		if err != nil {
			return nil, err
		}
		if pq != nil {
			defer func() { _ = closer.Close() }()
			return dataset.ScanParquet(ctx, *pq, scan)
		}
		if res, err := scanOnEveryCore(ctx, src, scan); !errors.Is(err, dataset.ErrSequential) {
			return res, err
		}
	}
	rc, err := src.Open(ctx, stdin, &scan)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	res, err := dataset.ScanPredictions(rc, scan)
	if v, ok := rc.(interface{ DataVersion() string }); ok && err == nil {
		res.DataVersion = v.DataVersion()
	}
	return res, err
}

// scanOnEveryCore scans a plain local file or HTTP(S) file served with
// ranges (or its byte-range shard) in as many line-aligned parts as
// GOMAXPROCS, which follows the container's CPU limit, each part at least
// dataset.MinPartBytes. It returns dataset.ErrSequential when the source
// is not such a case: row sharding, a compressed file, a server without
// ranges, one part's worth of bytes.
func scanOnEveryCore(ctx context.Context, src Source, scan dataset.ScanOptions) (*dataset.ScanResult, error) {
	url := strings.HasPrefix(src.Data, "http://") || strings.HasPrefix(src.Data, "https://")
	index, count := int64(0), int64(1)
	if scan.ShardCount > 1 {
		if !src.ByteRange && !url { // URL shards are byte ranges whenever the server has them
			return nil, dataset.ErrSequential
		}
		index, count = scan.ShardIndex, scan.ShardCount
		scan.ShardIndex, scan.ShardCount, scan.Part = 0, 0, true
	}
	if url {
		return dataset.ScanURLParts(ctx, src.Data, src.Fetch, index, count, runtime.GOMAXPROCS(0), scan)
	}
	st, err := os.Stat(src.Data)
	if err != nil || !st.Mode().IsRegular() {
		return nil, dataset.ErrSequential // the sequential open names the error
	}
	parts := min(int64(runtime.GOMAXPROCS(0)), st.Size()/count/dataset.MinPartBytes)
	return dataset.ScanFileParts(src.Data, index, count, int(parts), scan)
}

// objectStatistics lists the objects under an object-store URL and scans
// the shard's units of them.
func objectStatistics(ctx context.Context, src Source, scan dataset.ScanOptions) (*dataset.ScanResult, error) {
	store, err := objectstore.Open(ctx, src.Data, objectstore.Options{Endpoint: src.Objects.Endpoint,
		Region: src.Objects.Region, PathStyle: src.Objects.PathStyle})
	if err != nil {
		return nil, err
	}
	defer func() { _ = store.Close() }()
	listed, err := store.List(ctx, src.Objects.Glob)
	if err != nil {
		return nil, err
	}
	objs := make([]dataset.Object, 0, len(listed))
	var skipped int64
	for _, o := range listed {
		if w := scan.Window; w != nil && w.Partition != nil && w.Partition.Outside(o.Key, w.From, w.Until) {
			skipped++ // a period outside the window: not read at all
			continue
		}
		objs = append(objs, dataset.Object{Name: o.Name(), Size: o.Size, Version: o.Version, ReadRange: o.NewRangeReader})
	}
	if len(objs) == 0 && skipped > 0 {
		return nil, &dataset.NoDataError{Window: *scan.Window, SkippedObjects: skipped}
	}
	res, err := dataset.ScanObjects(ctx, dataset.ObjectSource{Objects: objs, Fetched: store.Fetched}, scan)
	if err == nil && res.Window != nil {
		res.Window.SkippedObjects = skipped
	}
	return res, err
}

// Predictions evaluates a prediction log, joined with the sides of j by ID
// when there are any, and grades it.
func Predictions(ctx context.Context, src Source, j Joined, scan dataset.ScanOptions, opts fairness.Options,
	stdin io.Reader) (*fairness.Report, *dataset.ScanResult, error) {
	res, err := JoinedStatistics(ctx, src, j, scan, stdin)
	if err != nil {
		return nil, nil, err
	}
	return fairness.Evaluate(res.Table, opts), res, nil
}
