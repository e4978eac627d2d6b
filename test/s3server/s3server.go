// Package s3server runs a real S3 server for the tests: the Versity S3
// gateway (versitygw) with its posix backend, built from its Go module and
// cached by hack/build-versitygw.sh, as a separate process that requires
// access keys. Objects are put through the S3 API with the AWS SDK.
package s3server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Server is a running S3 server.
type Server struct {
	// Endpoint is http://host:port.
	Endpoint string
	// AccessKey and SecretKey are the only keys the server accepts.
	AccessKey, SecretKey string
	// Region the server signs for.
	Region string
	client *s3.Client
}

// Start runs a server listening on host (127.0.0.1, or the node's host
// address for pods) with fresh random keys, stopped when tb ends.
func Start(tb testing.TB, host string) *Server {
	tb.Helper()
	bin := build(tb)
	root := tb.TempDir()
	addr := freeAddr(tb, host)
	s := &Server{Endpoint: "http://" + addr, AccessKey: "AK" + randomHex(tb, 8), SecretKey: randomHex(tb, 20),
		Region: "us-east-1"}
	logf, err := os.Create(filepath.Join(tb.TempDir(), "versitygw.log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "--port", addr, "--region", s.Region, "--quiet", "posix", root)
	// Keys by environment, not argv, so they do not show in a process list.
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+s.AccessKey, "ROOT_SECRET_ACCESS_KEY="+s.SecretKey)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logf.Close()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logf.Name())
			tb.Fatalf("versitygw did not listen on %s within 30s: %s", addr, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.client = s.NewClient(s.AccessKey, s.SecretKey)
	return s
}

// NewClient is an S3 client of the server with the given keys.
func (s *Server) NewClient(access, secret string) *s3.Client {
	return s3.New(s3.Options{Region: s.Region, BaseEndpoint: aws.String(s.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(access, secret, "")})
}

// Env is the AWS_* environment that points the SDK's default chain at the
// server with its keys.
func (s *Server) Env() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
		"AWS_REGION=" + s.Region, "AWS_ENDPOINT_URL_S3=" + s.Endpoint,
		// No shared config or instance metadata: the chain must stop at the variables.
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true"}
}

// SetEnv sets Env for the rest of the test (not parallel tests).
func (s *Server) SetEnv(tb testing.TB) {
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		tb.Setenv(k, v)
	}
}

// CreateBucket makes a bucket.
func (s *Server) CreateBucket(tb testing.TB, name string) {
	tb.Helper()
	if _, err := s.client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		tb.Fatalf("creating bucket %s: %v", name, err)
	}
}

// Put writes an object.
func (s *Server) Put(tb testing.TB, bucket, key string, data []byte) {
	tb.Helper()
	_, err := s.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket),
		Key: aws.String(key), Body: bytes.NewReader(data)})
	if err != nil {
		tb.Fatalf("putting s3://%s/%s: %v", bucket, key, err)
	}
}

// PutFile writes an object from a file, streaming it.
func (s *Server) PutFile(tb testing.TB, bucket, key, path string) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	_, err = s.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket),
		Key: aws.String(key), Body: f})
	if err != nil {
		tb.Fatalf("putting s3://%s/%s: %v", bucket, key, err)
	}
}

func build(tb testing.TB) string {
	_, self, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(self), "..", "..", "hack", "build-versitygw.sh")
	cmd := exec.Command(script)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("building versitygw: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func freeAddr(tb testing.TB, host string) string {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

func randomHex(tb testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(fmt.Errorf("random key: %w", err))
	}
	return hex.EncodeToString(b)
}
