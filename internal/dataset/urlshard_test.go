package dataset

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// TestURLShardsFetchOnlyTheirRange serves a file with range support and
// checks that the shards add up to the whole, each transferring about its
// own part.
func TestURLShardsFetchOnlyTheirRange(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSynthetic(&buf, SyntheticOptions{Rows: 20000, Seed: 4, Disparity: 0.1}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &countingWriter{w: w, n: &sent}
		http.ServeContent(cw, r, "preds.csv", time.Time{}, bytes.NewReader(data))
	}))
	defer srv.Close()
	o := ScanOptions{Label: "repaid", Prediction: "approved", Score: "score", Protected: []string{"sex", "age_group"}}
	whole, err := ScanPredictions(bytes.NewReader(data), o)
	if err != nil {
		t.Fatal(err)
	}
	const n = 5
	merged := fairness.NewTable(o.Protected, DefaultScoreBins)
	var rows int64
	for i := range int64(n) {
		rc, err := OpenURLShard(context.Background(), srv.URL+"/preds.csv", FetchOptions{}, i, n)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ScanPredictions(rc, o)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		rows += res.Rows
		if err := merged.Merge(res.Table); err != nil {
			t.Fatal(err)
		}
	}
	if rows != whole.Rows {
		t.Fatalf("shards read %d rows, want %d", rows, whole.Rows)
	}
	for k, g := range whole.Table.Groups {
		if merged.Groups[k] == nil || merged.Groups[k].Counts != g.Counts {
			t.Fatalf("group %q differs", k)
		}
	}
	// Each shard reads its range plus a header probe and two boundary probes.
	if got, limit := sent.Load(), int64(len(data))+n*3*probeSize; got > limit {
		t.Fatalf("%d bytes transferred for a %d-byte file, want at most %d", got, len(data), limit)
	}
	t.Logf("%d bytes transferred for a %d-byte file in %d shards", sent.Load(), len(data), n)
}

func TestURLShardWithoutRanges(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", 10)))
	}))
	defer srv.Close()
	if _, err := OpenURLShard(context.Background(), srv.URL, FetchOptions{}, 0, 2); err != ErrNoRanges {
		t.Fatalf("error %v, want ErrNoRanges", err)
	}
}

type countingWriter struct {
	w http.ResponseWriter
	n *atomic.Int64
}

func (c *countingWriter) Header() http.Header         { return c.w.Header() }
func (c *countingWriter) WriteHeader(code int)        { c.w.WriteHeader(code) }
func (c *countingWriter) Write(p []byte) (int, error) { c.n.Add(int64(len(p))); return c.w.Write(p) }
