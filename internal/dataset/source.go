package dataset

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"

	"github.com/fairness-operator/fairness-operator/internal/display"
)

// BuiltinPrefix marks a built-in dataset in a data argument, as in builtin:synthetic-credit.
const BuiltinPrefix = "builtin:"

// FetchOptions bound HTTP(S) downloads.
type FetchOptions struct {
	// Timeout bounds the whole request; 0 means 5 minutes.
	Timeout time.Duration
	// IdleTimeout bounds the wait for each next part of the body, so a
	// server that sends its headers and then stalls fails fast; 0 means
	// one minute.
	IdleTimeout time.Duration
	// MaxBytes caps the response body; 0 means 64 GiB.
	MaxBytes int64
	// Header is sent with the request (for example Authorization).
	Header http.Header
	// Client overrides the HTTP client (tests).
	Client *http.Client
	// ifRange pins range requests to one version of the file (an ETag or
	// Last-Modified value): a server whose file changed answers 200 with the
	// whole file, and the read fails instead of mixing versions.
	ifRange string
}

// ErrDataChanged means the file behind a URL changed while a run read it.
var ErrDataChanged = errors.New("the data changed while the run read it")

// Open opens a data source for reading: "-" for standard input, an http://
// or https:// URL, or a file path. The result is decompressed when it is
// gzip (recognised by its magic bytes, whatever the name says) and has any
// UTF-8 byte-order mark removed.
func Open(ctx context.Context, source string, stdin io.Reader, fo FetchOptions) (io.ReadCloser, error) {
	var rc io.ReadCloser
	switch {
	case source == "-":
		rc = io.NopCloser(stdin)
	case strings.HasPrefix(source, "http://") || strings.HasPrefix(source, "https://"):
		body, err := fetch(ctx, source, fo, -1, -1)
		if err != nil {
			return nil, err
		}
		rc = body
	default:
		f, err := os.Open(source)
		if err != nil {
			return nil, fmt.Errorf("opening data: %w", err)
		}
		rc = f
	}
	return Decode(rc)
}

// zstdMagic starts every zstd frame.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// Decode wraps rc so that gzip and zstd input is decompressed and a UTF-8
// BOM is dropped.
func Decode(rc io.ReadCloser) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(rc, 64<<10)
	magic, _ := br.Peek(4)
	if bytes.HasPrefix(magic, zstdMagic) {
		// klauspost/compress: the Go zstd decoder the ecosystem uses; the
		// window limit bounds its memory against a hostile frame header.
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(64<<20))
		if err != nil {
			_ = rc.Close()
			return nil, fmt.Errorf("reading zstd data: %w", err)
		}
		return stripBOM(readCloser{zstdErrors{zr}, multiCloser{closerFunc(func() error { zr.Close(); return nil }), rc}}), nil
	}
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		// klauspost/pgzip inflates with klauspost/compress in a goroutine of
		// its own, a few blocks ahead of the scanner, so decompression and
		// counting share the cores (docs/benchmarks.md, gzip).
		zr, err := pgzip.NewReaderN(br, gzipBlockBytes, gzipBlocksAhead)
		if err != nil {
			_ = rc.Close()
			return nil, fmt.Errorf("reading gzip data: %w", err)
		}
		return stripBOM(readCloser{gzipErrors{zr}, multiCloser{zr, rc}}), nil
	}
	return stripBOM(readCloser{br, rc}), nil
}

// The read-ahead of gzip decompression: a few blocks keep both goroutines
// busy; more only cost memory.
const (
	gzipBlockBytes  = 1 << 20
	gzipBlocksAhead = 4
)

// zstdErrors names the zstd stream in decompression errors.
type zstdErrors struct{ r io.Reader }

func (z zstdErrors) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("zstd data: %w", err)
	}
	return n, err
}

// gzipErrors names the gzip stream in decompression errors: a truncated
// file otherwise reads as a bare "unexpected EOF" on some line.
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	switch {
	case err == nil, errors.Is(err, io.EOF):
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = errors.New("gzip stream truncated: the compressed data ends before its last block (an incomplete upload or copy?)")
	default:
		err = fmt.Errorf("gzip stream is corrupt: %w", err)
	}
	return n, err
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func stripBOM(rc readCloser) io.ReadCloser {
	br := bufio.NewReaderSize(rc.Reader, 64<<10)
	if head, _ := br.Peek(3); bytes.Equal(head, utf8BOM) {
		_, _ = br.Discard(3)
	}
	return readCloser{br, rc.Closer}
}

type readCloser struct {
	io.Reader
	io.Closer
}

type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var errs []error
	for _, c := range m {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// fetch GETs url, optionally a byte range [start, end) (start < 0: all).
func fetch(ctx context.Context, url string, fo FetchOptions, start, end int64) (io.ReadCloser, error) {
	timeout := fo.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	maxBytes := fo.MaxBytes
	if maxBytes <= 0 {
		maxBytes = 64 << 30
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("bad URL %s: it does not parse as a URL", display.RedactURL(url))
	}
	for k, vs := range fo.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if start >= 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", start, end-1))
		if fo.ifRange != "" {
			req.Header.Set("If-Range", fo.ifRange)
		}
	}
	client := fo.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("fetching %s: %w", display.RedactURL(url), display.URLErrorCause(err))
	}
	wantStatus := http.StatusOK
	if start >= 0 {
		wantStatus = http.StatusPartialContent
	}
	if resp.StatusCode != wantStatus {
		_ = resp.Body.Close()
		cancel()
		if start >= 0 && fo.ifRange != "" && resp.StatusCode == http.StatusOK {
			return nil, fmt.Errorf("fetching %s: %w (it was version %s when the shard began; run again)", display.RedactURL(url),
				ErrDataChanged, fo.ifRange)
		}
		return nil, fmt.Errorf("fetching %s: HTTP %s", display.RedactURL(url), resp.Status)
	}
	idle := fo.IdleTimeout
	if idle <= 0 {
		idle = time.Minute
	}
	ir := newIdleReader(resp.Body, idle, cancel, display.RedactURL(url))
	body := &cappedReader{r: ir, left: maxBytes, url: display.RedactURL(url)}
	return readCloser{body, closerFunc(func() error { ir.timer.Stop(); cancel(); return resp.Body.Close() })}, nil
}

// idleReader cancels a download that sends nothing for too long.
type idleReader struct {
	r       io.Reader
	idle    time.Duration
	timer   *time.Timer
	stalled atomic.Bool
	url     string
}

func newIdleReader(r io.Reader, idle time.Duration, cancel context.CancelFunc, url string) *idleReader {
	ir := &idleReader{r: r, idle: idle, url: url}
	ir.timer = time.AfterFunc(idle, func() { ir.stalled.Store(true); cancel() })
	return ir
}

func (ir *idleReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	if n > 0 {
		ir.timer.Reset(ir.idle)
	}
	if err != nil && ir.stalled.Load() {
		return n, fmt.Errorf("fetching %s: the server sent nothing for %s (idle timeout)", ir.url, ir.idle)
	}
	return n, err
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// cappedReader fails once more than left bytes are read.
type cappedReader struct {
	r    io.Reader
	left int64
	url  string
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, fmt.Errorf("fetching %s: response larger than the size cap", c.url)
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
