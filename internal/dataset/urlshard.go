package dataset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/fairness-operator/fairness-operator/internal/display"
)

// ErrNoRanges means an HTTP source cannot be split by byte range (no
// Accept-Ranges: bytes, no length, or compressed content).
var ErrNoRanges = errors.New("the server does not serve byte ranges of this file")

// probeSize is how much is read at a time to find a line boundary or the
// end of the header: lines are short, so one probe usually does.
const probeSize = 4 << 10

// OpenURLShard opens byte-range shard index of count of a plain CSV or JSON
// Lines file served over HTTP(S) with range requests: the header line (CSV), then the lines
// that start in [index*size/count, (index+1)*size/count), as OpenFileShard
// does for files. Each shard transfers about its own part of the file.
func OpenURLShard(ctx context.Context, url string, fo FetchOptions, index, count int64) (io.ReadCloser, error) {
	if count < 1 || index < 0 || index >= count {
		return nil, fmt.Errorf("shard %d of %d is out of range", index, count)
	}
	size, version, err := rangeSize(ctx, url, fo)
	if err != nil {
		return nil, err
	}
	fo.ifRange = version // every range below reads this version, or fails
	var head []byte
	nl := -1
	for nl < 0 && int64(len(head)) < min(size, DefaultMaxLineBytes) {
		chunk, err := readRange(ctx, url, fo, int64(len(head)), min(size, int64(len(head))+probeSize))
		if err != nil {
			return nil, err
		}
		head = append(head, chunk...)
		if compressed(head) {
			return nil, ErrNoRanges
		}
		nl = bytes.IndexByte(head, '\n')
	}
	if nl < 0 {
		return nil, fmt.Errorf("no header line within the first %d bytes", len(head))
	}
	header := head[:nl+1]
	if headerless(header) {
		header = nil
	}
	headerEnd := int64(len(header))
	align := func(off int64) (int64, error) {
		if off <= headerEnd || off >= size {
			return min(max(off, headerEnd), size), nil
		}
		for pos := off - 1; pos < size; pos += probeSize {
			chunk, err := readRange(ctx, url, fo, pos, min(size, pos+probeSize))
			if err != nil {
				return 0, err
			}
			if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
				return pos + int64(i) + 1, nil
			}
		}
		return size, nil
	}
	start, err := align(max(headerEnd, index*size/count))
	if err != nil {
		return nil, err
	}
	end, err := align(max(headerEnd, (index+1)*size/count))
	if err != nil {
		return nil, err
	}
	if start >= end {
		return versioned{io.NopCloser(bytes.NewReader(header)), version}, nil
	}
	body, err := fetch(ctx, url, fo, start, end)
	if err != nil {
		return nil, err
	}
	return versioned{readCloser{io.MultiReader(bytes.NewReader(header), body), body}, version}, nil
}

// versioned is a reader of one version of a file (DataVersion), so that the
// shards of a run can be checked to have read the same one.
type versioned struct {
	io.ReadCloser
	version string
}

// DataVersion is the ETag or Last-Modified value the reader is pinned to.
func (v versioned) DataVersion() string { return v.version }

// rangeSize asks for the file's length, whether ranges are served, and its
// version: a strong ETag, or else Last-Modified (empty when the server
// gives neither; the ranges are then not pinned).
func rangeSize(ctx context.Context, url string, fo FetchOptions) (int64, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)
	if err != nil {
		return 0, "", fmt.Errorf("bad URL %s: it does not parse as a URL", display.RedactURL(url))
	}
	for k, vs := range fo.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	client := fo.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("fetching %s: %w", display.RedactURL(url), display.URLErrorCause(err))
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, "", fmt.Errorf("fetching %s: HTTP %s", display.RedactURL(url), resp.Status)
	}
	size, err := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64)
	if resp.Header.Get("Accept-Ranges") != "bytes" || err != nil || size <= 0 || resp.Header.Get("Content-Encoding") != "" {
		return 0, "", ErrNoRanges
	}
	version := resp.Header.Get("ETag")
	if version == "" || strings.HasPrefix(version, "W/") { // If-Range takes only a strong ETag
		version = resp.Header.Get("Last-Modified")
	}
	return size, version, nil
}

func readRange(ctx context.Context, url string, fo FetchOptions, start, end int64) ([]byte, error) {
	rc, err := fetch(ctx, url, fo, start, end)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	return io.ReadAll(rc)
}
