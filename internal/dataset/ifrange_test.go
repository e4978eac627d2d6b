package dataset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestURLShardsArePinnedToOneVersion: a file replaced while a shard reads
// it fails that shard with ErrDataChanged (each range request carries
// If-Range with the version the shard began with), and a shard that read
// one version reports it, so the controller can check all shards agree.
// Before, a file replaced between requests was split inconsistently.
func TestURLShardsArePinnedToOneVersion(t *testing.T) {
	var csv bytes.Buffer
	csv.WriteString("y,p,g\n")
	for i := range 5000 {
		fmt.Fprintf(&csv, "%d,%d,g%d\n", i%2, (i/3)%2, i%5)
	}
	v1, v2 := csv.Bytes(), bytes.ToUpper(csv.Bytes())
	var requests, switchAfter atomic.Int64
	switchAfter.Store(1 << 40)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, etag := v1, `"v1"`
		if requests.Add(1) > switchAfter.Load() {
			body, etag = v2, `"v2"`
		}
		w.Header().Set("ETag", etag)
		http.ServeContent(w, r, "log.csv", time.Time{}, bytes.NewReader(body))
	}))
	defer srv.Close()
	ctx := context.Background()

	rc, err := OpenURLShard(ctx, srv.URL+"/log.csv", FetchOptions{}, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := rc.(interface{ DataVersion() string }); !ok || v.DataVersion() != `"v1"` {
		t.Fatalf("shard reader version %v", rc)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		t.Fatal(err)
	}
	_ = rc.Close()

	requests.Store(0)
	switchAfter.Store(1) // the HEAD sees v1, every range after it v2
	_, err = OpenURLShard(ctx, srv.URL+"/log.csv", FetchOptions{}, 1, 2)
	if !errors.Is(err, ErrDataChanged) || !strings.Contains(err.Error(), `it was version "v1" when the shard began`) {
		t.Fatalf("a file replaced mid-shard: %v", err)
	}
}
