// Package objectstore lists and reads prediction logs in object storage:
// Amazon S3 and S3-compatible stores (MinIO, Ceph, versitygw), Google Cloud
// Storage and Azure Blob Storage.
//
// It is built on gocloud.dev/blob: one well-kept API over the three
// providers' own SDKs, with ranged reads, paged listing and each provider's
// error codes, so the scanner has one contract whatever the cloud. What the
// portable API does not cover (pinning a read to the version the listing
// saw, the S3 client's endpoint and addressing) goes through its As hooks to
// the providers' types.
package objectstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync/atomic"

	"gocloud.dev/blob"
	// The URL openers of gs:// and azblob://, configured from the environment.
	_ "gocloud.dev/blob/azureblob"
	_ "gocloud.dev/blob/gcsblob"
)

// Schemes are the URL schemes of the supported stores.
const (
	SchemeS3    = "s3"
	SchemeGCS   = "gs"
	SchemeAzure = "azblob"
)

// Location is a parsed object-store URL: scheme://bucket/key-or-prefix.
type Location struct {
	Scheme, Bucket, Prefix string
}

// String is the URL again.
func (l Location) String() string { return l.Scheme + "://" + l.Bucket + "/" + l.Prefix }

// IsURL reports whether s names an object store (s3://, gs:// or azblob://).
func IsURL(s string) bool {
	for _, scheme := range []string{SchemeS3, SchemeGCS, SchemeAzure} {
		if strings.HasPrefix(s, scheme+"://") {
			return true
		}
	}
	return false
}

// ParseURL parses s3://bucket/prefix, gs://bucket/prefix or
// azblob://container/prefix. The prefix may be empty (the whole bucket).
func ParseURL(s string) (Location, error) {
	u, err := url.Parse(s)
	if err != nil || !IsURL(s) {
		return Location{}, fmt.Errorf("%q is not an object-store URL (s3://, gs:// or azblob://bucket/prefix)", s)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return Location{}, fmt.Errorf("%q: an object-store URL is scheme://bucket/prefix, with no user, query or fragment", s)
	}
	return Location{Scheme: u.Scheme, Bucket: u.Host, Prefix: strings.TrimPrefix(u.Path, "/")}, nil
}

// Options configure how a store is reached. Credentials are never here:
// they come from the provider's default chain (environment variables, a
// web-identity token file, the instance's metadata).
type Options struct {
	// Endpoint is an S3-compatible store's URL (for example
	// http://minio.storage:9000); empty uses AWS's, or AWS_ENDPOINT_URL_S3 /
	// AWS_ENDPOINT_URL when set.
	Endpoint string
	// Region of the S3 bucket; empty uses AWS_REGION, else us-east-1.
	Region string
	// PathStyle addresses S3 buckets as endpoint/bucket instead of
	// bucket.endpoint; nil means path style exactly when an endpoint is set,
	// since custom endpoints rarely have wildcard DNS.
	PathStyle *bool
}

// Store is an opened bucket (or container) and the prefix to read.
type Store struct {
	loc    Location
	bucket *blob.Bucket
	// fetched counts the bytes read from the store's objects.
	fetched atomic.Int64
}

// Open connects to the bucket of an object-store URL.
func Open(ctx context.Context, rawURL string, o Options) (*Store, error) {
	loc, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	var b *blob.Bucket
	switch loc.Scheme {
	case SchemeS3:
		b, err = openS3(ctx, loc.Bucket, o)
	default:
		// gcsblob and azureblob read their settings and credentials from the
		// environment (GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_ACCOUNT,
		// AZURE_STORAGE_KEY, the workload-identity token file, ...).
		b, err = blob.OpenBucket(ctx, loc.Scheme+"://"+loc.Bucket)
	}
	if err != nil {
		return nil, classify(loc.String(), err)
	}
	return &Store{loc: loc, bucket: b}, nil
}

// Close releases the bucket's clients.
func (s *Store) Close() error { return s.bucket.Close() }

// Fetched is the number of object bytes read so far.
func (s *Store) Fetched() int64 { return s.fetched.Load() }

// Location is where the store reads.
func (s *Store) Location() Location { return s.loc }

// Object is one object of a listing, with the version it had then.
type Object struct {
	store *Store
	// Key is the object's name in its bucket.
	Key string
	// Size in bytes, and Version: the ETag (S3, Azure) or generation (GCS)
	// that every read of the object is pinned to.
	Size    int64
	Version string
	pin     func(asFunc func(any) bool) error
}

// Name is the object's full URL, for messages and status.
func (o Object) Name() string { return o.store.loc.Scheme + "://" + o.store.loc.Bucket + "/" + o.Key }

// List returns the objects under the store's prefix whose names relative to
// it match glob (path.Match syntax, each '*' within one path segment; empty
// matches all), sorted by key so that every shard sees the same order. A
// prefix that names one object exactly is that object. No match is
// SourceNotFound.
func (s *Store) List(ctx context.Context, glob string) ([]Object, error) {
	if glob != "" {
		if _, err := path.Match(glob, ""); err != nil {
			return nil, fmt.Errorf("glob %q: %w", glob, err)
		}
	}
	var objs []Object
	it := s.bucket.List(&blob.ListOptions{Prefix: s.loc.Prefix})
	for {
		lo, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, classify(s.loc.String(), err)
		}
		if lo.IsDir || strings.HasSuffix(lo.Key, "/") {
			continue // directory markers hold no data
		}
		if lo.Key == s.loc.Prefix && glob == "" {
			return []Object{s.object(lo)}, nil // the prefix names this object
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(lo.Key, s.loc.Prefix), "/")
		if glob != "" {
			if ok, _ := path.Match(glob, rel); !ok {
				continue
			}
		}
		objs = append(objs, s.object(lo))
	}
	if len(objs) == 0 {
		what := "no object"
		if glob != "" {
			what = fmt.Sprintf("no object matching glob %q", glob)
		}
		return nil, &Error{Reason: ReasonNotFound, Object: s.loc.String(), Err: fmt.Errorf("%s under this prefix", what)}
	}
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return objs, nil
}

func (s *Store) object(lo *blob.ListObject) Object {
	version, pin := versionOf(s.loc.Scheme, lo)
	return Object{store: s, Key: lo.Key, Size: lo.Size, Version: version, pin: pin}
}

// NewRangeReader reads length bytes of the object from off (length < 0:
// to the end), pinned to the listed version: an object replaced since the
// listing fails with SourceChanged instead of mixing versions.
func (o Object) NewRangeReader(ctx context.Context, off, length int64) (io.ReadCloser, error) {
	var opts *blob.ReaderOptions
	if o.pin != nil {
		opts = &blob.ReaderOptions{BeforeRead: o.pin}
	}
	r, err := o.store.bucket.NewRangeReader(ctx, o.Key, off, length, opts)
	if err != nil {
		return nil, classify(o.Name(), err)
	}
	return &countingReader{r: r, name: o.Name(), fetched: &o.store.fetched}, nil
}

// countingReader counts the bytes read and names the object in errors.
type countingReader struct {
	r       *blob.Reader
	name    string
	fetched *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.fetched.Add(int64(n))
	if err != nil && !errors.Is(err, io.EOF) {
		err = classify(c.name, err)
	}
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }
