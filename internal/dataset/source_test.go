package dataset

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestOpenURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok.csv":
			if r.Header.Get("Authorization") != "Bearer t0ken" {
				http.Error(w, "no", http.StatusUnauthorized)
				return
			}
			_, _ = io.WriteString(w, "y,p,g\n1,1,a\n")
		case "/slow.csv":
			time.Sleep(200 * time.Millisecond)
		case "/big.csv":
			_, _ = io.WriteString(w, strings.Repeat("x", 4096))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	hdr := http.Header{"Authorization": {"Bearer t0ken"}}
	ctx := context.Background()

	rc, err := Open(ctx, srv.URL+"/ok.csv", nil, FetchOptions{Header: hdr})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ScanPredictions(rc, predCols)
	_ = rc.Close()
	if err != nil || res.Rows != 1 {
		t.Fatalf("rows %v err %v", res, err)
	}

	cases := map[string]struct {
		url     string
		fo      FetchOptions
		wantErr string
	}{
		"404 with the token in the query is redacted": {srv.URL + "/missing.csv?token=secret", FetchOptions{},
			"fetching " + srv.URL + "/missing.csv?token=REDACTED: HTTP 404 Not Found"},
		"401":     {srv.URL + "/ok.csv", FetchOptions{}, "fetching " + srv.URL + "/ok.csv: HTTP 401 Unauthorized"},
		"timeout": {srv.URL + "/slow.csv", FetchOptions{Timeout: 50 * time.Millisecond}, "context deadline exceeded"},
		// net/http repeats the URL in its errors with the user name and the
		// query intact: only the cause is kept.
		"unreachable, with credentials": {strings.Replace(closedURL(t), "http://", "http://admin:secret@", 1) + "/x.csv?token=secret",
			FetchOptions{}, "@127.0.0.1:"},
		"bad escape in the password": {"http://admin:%zzsecret@host/x.csv", FetchOptions{},
			"bad URL http://REDACTED@host/x.csv: it does not parse as a URL"},
		"second @ in the password": {strings.Replace(closedURL(t), "http://", "http://admin:p@secret@", 1) + "/x.csv",
			FetchOptions{}, "http://REDACTED@127.0.0.1:"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Open(ctx, c.url, nil, c.fo)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "secret") ||
				strings.Contains(err.Error(), "admin") {
				t.Fatalf("error %v, want it to contain %q and no secret", err, c.wantErr)
			}
		})
	}
	t.Run("size cap", func(t *testing.T) {
		rc, err := Open(ctx, srv.URL+"/big.csv", nil, FetchOptions{MaxBytes: 1024})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = rc.Close() }()
		_, err = io.ReadAll(rc)
		if err == nil || !strings.Contains(err.Error(), "response larger than the size cap") {
			t.Fatalf("error %v, want the size cap", err)
		}
	})
}

func TestOpenMissingFile(t *testing.T) {
	_, err := Open(context.Background(), "/nonexistent/data.csv", nil, FetchOptions{})
	if err == nil || err.Error() != "opening data: open /nonexistent/data.csv: no such file or directory" {
		t.Fatalf("error %v", err)
	}
}

func FuzzScanPredictions(f *testing.F) {
	for _, seed := range []string{"y,p,g\n1,1,a\n0,1,b\n", "y,p,g\r\n\"1\",\"0\",\"a,b\"\r\n", "y,p,s,g\n1,0,0.5,a\n",
		"", "y,p,g\n\"unclosed\n", "y,p,g\n1,1\n"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o := ScanOptions{Label: "y", Prediction: "p", Score: "s", Protected: []string{"g"}, MaxBadRows: 10, MaxLineBytes: 4096}
		if !strings.Contains(string(data), ",s") {
			o.Score = ""
		}
		res, err := ScanPredictions(strings.NewReader(string(data)), o)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if res.Rows != res.Table.Rows() {
			t.Fatalf("rows %d but table counts %d", res.Rows, res.Table.Rows())
		}
	})
}

// closedURL is the address of a port that nothing listens on (loopback).
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

// TestHostileSourcesFailClearly: a server that sends its headers and stalls
// fails after the idle timeout, not the whole download's; a truncated gzip
// file names the gzip stream; a document that is not CSV is quoted in a
// short excerpt, not whole.
func TestHostileSourcesFailClearly(t *testing.T) {
	var whole bytes.Buffer
	zw := gzip.NewWriter(&whole)
	fmt.Fprint(zw, "y,p,g\n")
	for i := range 20000 {
		fmt.Fprintf(zw, "%d,%d,g%d\n", i%2, (i/2)%2, i%7)
	}
	_ = zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/stall.csv":
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("y,p,g\n"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case "/cut.csv.gz":
			_, _ = w.Write(whole.Bytes()[:whole.Len()/2])
		case "/page.html":
			_, _ = w.Write([]byte("<!DOCTYPE html><html><head><title>Sign in</title>" + strings.Repeat("<script>x()</script>", 200) + "\n<body>\n"))
		}
	}))
	defer srv.Close()
	cases := map[string]struct {
		url     string
		fo      FetchOptions
		wantErr string
		maxLen  int
	}{
		"stalled server": {srv.URL + "/stall.csv", FetchOptions{IdleTimeout: 200 * time.Millisecond}, "the server sent nothing for 200ms (idle timeout)", 0},
		"truncated gzip": {srv.URL + "/cut.csv.gz", FetchOptions{}, "gzip stream truncated", 0},
		"an HTML page":   {srv.URL + "/page.html", FetchOptions{}, `label column "y" not found in header (columns: <!DOCTYPE html>`, 400},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			rc, err := Open(context.Background(), c.url, nil, c.fo)
			if err == nil {
				_, err = ScanPredictions(rc, predCols)
				_ = rc.Close()
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || (c.maxLen > 0 && len(err.Error()) > c.maxLen) {
				t.Fatalf("error %v (%d bytes), want one containing %q", err, len(fmt.Sprint(err)), c.wantErr)
			}
		})
	}
}
