package scale

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/test/envtestutil"
	"github.com/fairness-operator/fairness-operator/test/localcluster"
)

// BenchmarkShardedEvaluation evaluates a generated prediction log (plain
// and gzip) served over HTTP with range requests, with 1, 2, 4 and 8
// shards, on the local control plane with real fairctl pods.
func BenchmarkShardedEvaluation(b *testing.B) {
	cluster := startCluster(b, nil)
	k8s := fastClient(b, cluster)
	startManager(b, cluster)
	for _, rows := range intsFromEnv("FAIRNESS_SHARD_ROWS", 10_000_000, 100_000_000) {
		plain := generatedLog(b, int64(rows))
		for _, enc := range []string{"plain", "gzip"} {
			path := plain
			if enc == "gzip" {
				path = gzipped(b, plain)
			}
			warmPageCache(b, path) // the first run must not pay for the disk
			srv, served := rangeServer(path)
			st, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			var base time.Duration
			var baseStats string
			for _, shards := range intsFromEnv("FAIRNESS_SHARDS", 1, 2, 4, 8) {
				name := fmt.Sprintf("rows=%d/%s/shards=%d", rows, enc, shards)
				b.Run(name, func(b *testing.B) {
					for range b.N {
						served.Store(0)
						ns := fmt.Sprintf("shards-%d-%s-%d-%d", rows/1_000_000, enc, shards, time.Now().UnixNano()%100000)
						wall, stats, peak := runSharded(b, k8s, cluster, ns, srv.URL+"/log", int32(shards))
						if base == 0 {
							base, baseStats = wall, stats
						} else if stats != baseStats {
							b.Fatalf("%d shards gave different statistics from 1", shards)
						}
						ratio := float64(served.Load()) / float64(st.Size())
						if enc == "plain" && ratio > 1.01 {
							b.Fatalf("%d shards fetched %.3f times the file: byte ranges were not used", shards, ratio)
						}
						eff := base.Seconds() / (wall.Seconds() * float64(min(shards, runtime.NumCPU())))
						b.ReportMetric(wall.Seconds(), "s/run")
						b.ReportMetric(float64(rows)/wall.Seconds(), "rows/s")
						b.ReportMetric(float64(rows)/float64(shards)/wall.Seconds(), "rows/s/shard")
						b.ReportMetric(eff, "efficiency")
						b.ReportMetric(float64(peak)/(1<<20), "MiB-peak-RSS/shard")
						b.ReportMetric(ratio, "bytes-served/file-size")
						b.ReportMetric(0, "ns/op")
					}
				})
			}
			srv.Close()
		}
	}
}

func runSharded(b *testing.B, k8s client.Client, cluster *localcluster.Cluster, ns, url string, shards int32) (
	time.Duration, string, int64) {
	b.Helper()
	ctx := context.Background()
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		b.Fatal(err)
	}
	e := &fairnessv1alpha1.FairnessEvaluation{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "log"},
		Spec: fairnessv1alpha1.FairnessEvaluationSpec{
			Source:  fairnessv1alpha1.DataSource{URL: &fairnessv1alpha1.URLSource{URL: url, TimeoutSeconds: 3600}},
			Columns: fairnessv1alpha1.ColumnMapping{Label: "repaid", Prediction: "approved", Score: "score", Protected: []string{"sex", "age_group"}},
			Shards:  shards, ActiveDeadlineSeconds: 7200, MinGroupSize: new(int32(30)), HistoryLimit: 1,
		},
	}
	start := time.Now()
	if err := k8s.Create(ctx, e); err != nil {
		b.Fatal(err)
	}
	for {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(e), e); err != nil {
			b.Fatal(err)
		}
		if lr := e.Status.LastRun; lr != nil && e.Status.ActiveRun == nil {
			if lr.Result != fairnessv1alpha1.RunSucceeded {
				b.Fatalf("run %s: %s", lr.Reason, lr.Message)
			}
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	wall := time.Since(start)
	var pods corev1.PodList
	if err := k8s.List(ctx, &pods, client.InNamespace(ns)); err != nil {
		b.Fatal(err)
	}
	var peak int64
	for _, p := range pods.Items {
		peak = max(peak, cluster.PeakRSS(p.Name))
	}
	return wall, statisticsOf(b, e), peak
}

// statisticsOf is the graded report of the run's merged statistics.
func statisticsOf(b *testing.B, e *fairnessv1alpha1.FairnessEvaluation) string {
	stats, err := envtestutil.GradedStatistics(e.Status.LastRun.Statistics)
	if err != nil {
		b.Fatal(err)
	}
	return fmt.Sprintf("rows=%d %s", e.Status.LastRun.Rows, stats)
}

// rangeServer serves one file with range requests and counts the bytes sent.
func rangeServer(path string) (*httptest.Server, *atomic.Int64) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(countingWriter{w, &served}, r, path)
	}))
	return srv, &served
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// cacheDir keeps generated logs between runs (they take minutes to write).
func cacheDir(b *testing.B) string {
	root := os.Getenv("FAIRNESS_CACHE_DIR")
	if root == "" {
		home, _ := os.UserCacheDir()
		root = filepath.Join(home, "fairness-operator")
	}
	dir := filepath.Join(root, "scale")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		b.Fatal(err)
	}
	return dir
}

// generatedLog writes (once) the seeded synthetic credit log of n rows.
func generatedLog(b *testing.B, n int64) string {
	path := filepath.Join(cacheDir(b), fmt.Sprintf("credit-%d-seed42.csv", n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	gen := exec.Command(filepath.Join(binDir, "fairctl"), "generate", "--rows", fmt.Sprint(n), "--seed", "42",
		"-o", path+".tmp")
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("generating %d rows: %v\n%s", n, err, out)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		b.Fatal(err)
	}
	return path
}

// gzipped writes (once) path.gz at gzip's fastest level.
func gzipped(b *testing.B, path string) string {
	gz := path + ".gz"
	if _, err := os.Stat(gz); err == nil {
		return gz
	}
	in, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = in.Close() }()
	out, err := os.Create(gz + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	zw, _ := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	if _, err := io.Copy(zw, in); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(gz+".tmp", gz); err != nil {
		b.Fatal(err)
	}
	return gz
}

func warmPageCache(b *testing.B, path string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if _, err := io.Copy(io.Discard, f); err != nil {
		b.Fatal(err)
	}
}
