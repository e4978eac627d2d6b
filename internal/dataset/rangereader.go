package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"github.com/fairness-operator/fairness-operator/internal/display"
)

// rangeReader is an io.ReaderAt (and io.Seeker, for the end) over the
// ranged GETs of one version of a file served over HTTP(S): Parquet's
// reader asks for the footer, then for the column chunks it needs, and
// nothing else is transferred. Every range is pinned to the version the
// first request saw (If-Range), so a file replaced mid-read fails.
type rangeReader struct {
	ctx     context.Context
	url     string
	fo      FetchOptions
	size    int64
	version string
	pos     int64
	// fetched counts the bytes transferred, to report against the size.
	fetched atomic.Int64
}

// OpenParquet opens a Parquet source: a local file, or an http(s) URL that
// serves byte ranges. It returns nil, nil when path is not Parquet (it does
// not start with Parquet's magic) and format does not insist.
func OpenParquet(ctx context.Context, path string, fo FetchOptions, format Format) (*ParquetSource, io.Closer, error) {
	if format != FormatAuto && format != FormatParquet {
		return nil, nil, nil
	}
	if format == FormatAuto && FormatOfName(path) != FormatParquet && (strings.HasPrefix(path, "http://") ||
		strings.HasPrefix(path, "https://")) {
		return nil, nil, nil // a URL is read as a stream unless its name or the format says Parquet
	}
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		size, version, err := rangeSize(ctx, path, fo)
		if errors.Is(err, ErrNoRanges) {
			return nil, nil, fmt.Errorf("%s: Parquet is read by byte ranges, and the server does not serve them",
				display.RedactURL(path))
		}
		if err != nil {
			return nil, nil, err
		}
		fo.ifRange = version
		r := &rangeReader{ctx: ctx, url: path, fo: fo, size: size, version: version}
		return &ParquetSource{Name: display.RedactURL(path), Reader: r, Version: version, Size: size,
			Fetched: r.fetched.Load}, closerFunc(func() error { return nil }), nil
	}
	if path == "-" || strings.HasPrefix(path, BuiltinPrefix) {
		return nil, nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("opening data: %w", err)
	}
	magic := make([]byte, len(parquetMagic))
	if _, err := f.ReadAt(magic, 0); (err != nil || string(magic) != parquetMagic) && format == FormatAuto {
		_ = f.Close()
		return nil, nil, nil
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	size := st.Size()
	return &ParquetSource{Name: path, Reader: f, Size: size, Fetched: func() int64 { return size }}, f, nil
}

func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), r.size)
	data, err := readRange(r.ctx, r.url, r.fo, off, end)
	if err != nil {
		return 0, err
	}
	r.fetched.Add(int64(len(data)))
	n := copy(p, data)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (r *rangeReader) Seek(offset int64, whence int) (int64, error) {
	return seek(&r.pos, r.size, offset, whence)
}

// seek moves *pos as io.Seeker does, for readers of a known size whose
// reads are ReadAt (Parquet's reader seeks only to find the end).
func seek(pos *int64, size, offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		*pos = offset
	case io.SeekCurrent:
		*pos += offset
	case io.SeekEnd:
		*pos = size + offset
	}
	if *pos < 0 {
		return 0, fmt.Errorf("seek before the start")
	}
	return *pos, nil
}
