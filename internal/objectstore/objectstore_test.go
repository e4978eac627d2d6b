package objectstore_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/fairness-operator/fairness-operator/internal/objectstore"
	"github.com/fairness-operator/fairness-operator/test/s3server"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		in      string
		want    objectstore.Location
		wantErr string
	}{
		{in: "s3://logs/dt=2026-11-01/", want: objectstore.Location{Scheme: "s3", Bucket: "logs", Prefix: "dt=2026-11-01/"}},
		{in: "gs://b", want: objectstore.Location{Scheme: "gs", Bucket: "b"}},
		{in: "azblob://container/a/b.parquet", want: objectstore.Location{Scheme: "azblob", Bucket: "container", Prefix: "a/b.parquet"}},
		{in: "s3://key:secret@logs/x", wantErr: "no user"},
		{in: "s3://logs/x?region=eu", wantErr: "no user, query"},
		{in: "s3:///x", wantErr: "no user"},
		{in: "https://logs/x", wantErr: "not an object-store URL"},
	}
	for _, c := range cases {
		got, err := objectstore.ParseURL(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ParseURL(%q) error = %v, want one containing %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func reasonOf(err error) string {
	if e, ok := errors.AsType[*objectstore.Error](err); ok {
		return e.Reason
	}
	return ""
}

func TestListReadAndErrorsAgainstARealS3Server(t *testing.T) {
	srv := s3server.Start(t, "127.0.0.1")
	srv.SetEnv(t)
	srv.CreateBucket(t, "logs")
	for _, k := range []string{"dt=2026-11-02/part-1.parquet", "dt=2026-11-01/part-0.parquet", "dt=2026-11-01/part-1.parquet",
		"dt=2026-10-31/part-0.parquet", "dt=2026-11-01/_SUCCESS"} {
		srv.Put(t, "logs", k, []byte("content of "+k))
	}
	ctx := context.Background()

	t.Run("a glob under a prefix, in key order", func(t *testing.T) {
		s, err := objectstore.Open(ctx, "s3://logs/", objectstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = s.Close() }()
		objs, err := s.List(ctx, "dt=2026-11-*/part-*.parquet")
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range objs {
			keys = append(keys, o.Key)
			if o.Version == "" || o.Size != int64(len("content of "+o.Key)) {
				t.Errorf("%s: version %q size %d", o.Key, o.Version, o.Size)
			}
		}
		want := "dt=2026-11-01/part-0.parquet dt=2026-11-01/part-1.parquet dt=2026-11-02/part-1.parquet"
		if strings.Join(keys, " ") != want {
			t.Errorf("listed %v, want %s", keys, want)
		}
		rc, err := objs[0].NewRangeReader(ctx, 11, 7)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil || string(got) != "dt=2026" {
			t.Errorf("range read = %q, %v", got, err)
		}
		if s.Fetched() != 7 {
			t.Errorf("fetched %d bytes, want 7", s.Fetched())
		}
	})

	t.Run("a prefix naming one object", func(t *testing.T) {
		s, err := objectstore.Open(ctx, "s3://logs/dt=2026-11-01/part-0.parquet", objectstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		objs, err := s.List(ctx, "")
		if err != nil || len(objs) != 1 || objs[0].Name() != "s3://logs/dt=2026-11-01/part-0.parquet" {
			t.Fatalf("List = %v, %v", objs, err)
		}
	})

	t.Run("an object replaced after the listing", func(t *testing.T) {
		s, err := objectstore.Open(ctx, "s3://logs/dt=2026-10-31/", objectstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		objs, err := s.List(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		srv.Put(t, "logs", "dt=2026-10-31/part-0.parquet", []byte("a new version, written mid-run"))
		rc, err := objs[0].NewRangeReader(ctx, 0, -1)
		if err == nil {
			_, err = io.ReadAll(rc)
			_ = rc.Close()
		}
		if reasonOf(err) != objectstore.ReasonChanged || !strings.Contains(err.Error(), "s3://logs/dt=2026-10-31/part-0.parquet") {
			t.Errorf("reading a replaced object: %v (reason %q), want SourceChanged naming it", err, reasonOf(err))
		}
	})

	failures := []struct {
		name, url, glob, reason, mention string
		env                              map[string]string
	}{
		{name: "wrong secret key", url: "s3://logs/", reason: objectstore.ReasonAccessDenied, mention: "s3://logs/",
			env: map[string]string{"AWS_SECRET_ACCESS_KEY": "not-the-secret"}},
		{name: "unknown access key", url: "s3://logs/", reason: objectstore.ReasonAccessDenied, mention: "s3://logs/",
			env: map[string]string{"AWS_ACCESS_KEY_ID": "AKNOBODY"}},
		{name: "missing bucket", url: "s3://no-such-bucket/x/", reason: objectstore.ReasonNotFound, mention: "s3://no-such-bucket/x/"},
		{name: "nothing under the prefix", url: "s3://logs/dt=2027/", reason: objectstore.ReasonNotFound, mention: "no object"},
		{name: "nothing matches the glob", url: "s3://logs/", glob: "*.jsonl", reason: objectstore.ReasonNotFound,
			mention: `no object matching glob "*.jsonl"`},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			for k, v := range f.env {
				t.Setenv(k, v)
			}
			s, err := objectstore.Open(ctx, f.url, objectstore.Options{})
			if err == nil {
				_, err = s.List(ctx, f.glob)
			}
			if reasonOf(err) != f.reason || !strings.Contains(err.Error(), f.mention) {
				t.Fatalf("error %v (reason %q), want reason %s mentioning %q", err, reasonOf(err), f.reason, f.mention)
			}
			if strings.Contains(err.Error(), srv.SecretKey) || strings.Contains(err.Error(), "not-the-secret") {
				t.Errorf("the error shows a secret: %v", err)
			}
		})
	}
}

// TestCreateNeverOverwrites: a create-only write makes an object, and a
// second write of the same name fails with ReasonExists, leaving the first.
func TestCreateNeverOverwrites(t *testing.T) {
	srv := s3server.Start(t, "127.0.0.1")
	srv.SetEnv(t)
	srv.CreateBucket(t, "audit")
	ctx := context.Background()
	s, err := objectstore.Open(ctx, "s3://audit/credit/", objectstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	url, err := s.Create(ctx, "r1.json", "application/json", []byte(`{"first":true}`))
	if err != nil || url != "s3://audit/credit/r1.json" {
		t.Fatalf("Create = %q, %v", url, err)
	}
	_, err = s.Create(ctx, "r1.json", "application/json", []byte(`{"second":true}`))
	if reasonOf(err) != objectstore.ReasonExists || !strings.Contains(err.Error(), "s3://audit/credit/r1.json") {
		t.Fatalf("second write: %v, want %s naming the object", err, objectstore.ReasonExists)
	}
	objs, err := s.List(ctx, "")
	if err != nil || len(objs) != 1 {
		t.Fatalf("List = %v, %v", objs, err)
	}
	rc, err := objs[0].NewRangeReader(ctx, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	_ = rc.Close()
	if string(got) != `{"first":true}` {
		t.Fatalf("the object holds %q, want the first write", got)
	}
}
