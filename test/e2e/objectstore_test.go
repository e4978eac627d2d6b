package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/evaluate"
	"github.com/fairness-operator/fairness-operator/test/envtestutil"
	"github.com/fairness-operator/fairness-operator/test/s3server"
)

// s3Rows is a decision log of n random rows, as Parquet parts, JSON Lines
// and one CSV.
type s3Rows struct {
	ys  []int64
	ps  []bool
	gs  []string
	csv bytes.Buffer
}

func randomRows(n int, seed uint64) *s3Rows {
	r := &s3Rows{}
	rng := rand.New(rand.NewPCG(seed, seed))
	r.csv.WriteString("y,p,g\n")
	for range n {
		y, p, g := rng.IntN(2), rng.IntN(3) > 0, []string{"a", "b", "c", "d"}[rng.IntN(4)]
		if g == "d" && rng.IntN(3) == 0 {
			p = false // a disparity against d
		}
		fmt.Fprintf(&r.csv, "%d,%t,%s\n", y, p, g)
		r.ys, r.ps, r.gs = append(r.ys, int64(y)), append(r.ps, p), append(r.gs, g)
	}
	return r
}

func (r *s3Rows) jsonLines(lo, hi int) []byte {
	var b bytes.Buffer
	for i := lo; i < hi; i++ {
		fmt.Fprintf(&b, `{"y":%d,"decision":{"approved":%t},"g":%q}`+"\n", r.ys[i], r.ps[i], r.gs[i])
	}
	return b.Bytes()
}

func s3Evaluation(ns, name string, shards int32, srv *s3server.Server, url, glob, secret string) *fairnessv1alpha1.FairnessEvaluation {
	e := evaluation(ns, name, shards, 0)
	e.Spec.BackoffLimit = new(int32(0))
	e.Spec.Source = fairnessv1alpha1.DataSource{ObjectStore: &fairnessv1alpha1.ObjectStoreSource{URL: url, Glob: glob,
		Endpoint: srv.Endpoint, CredentialsSecretRef: &fairnessv1alpha1.LocalObjectReference{Name: secret}}}
	e.Spec.Columns = fairnessv1alpha1.ColumnMapping{Label: "y", Prediction: "decision.approved", Protected: []string{"g"}}
	return e
}

// A date-partitioned prefix of Parquet parts in a real S3 server (versitygw,
// with access keys), read by 4 pods, gives the statistics that fairctl's
// evaluation of the same objects gives, and that the CSV of the same rows
// and JSON Lines over 3 pods give; status names the objects.
func TestObjectStorePrefixShardedOverPods(t *testing.T) {
	srv := s3server.Start(t, cluster.HostIP)
	srv.CreateBucket(t, "decisions")
	const n = 20000
	rows := randomRows(n, 7)
	for day := range 4 {
		for part := range 2 {
			lo, hi := (2*day+part)*n/8, (2*day+part+1)*n/8
			key := fmt.Sprintf("credit/dt=2026-11-%02d/part-%d.parquet", day+1, part)
			srv.Put(t, "decisions", key, parquetOf(t, rows.ys[lo:hi], rows.ps[lo:hi], rows.gs[lo:hi], 1000))
			srv.Put(t, "decisions", fmt.Sprintf("jsonl/dt=2026-11-%02d/part-%d.jsonl", day+1, part), rows.jsonLines(lo, hi))
		}
	}
	srv.Put(t, "decisions", "credit/dt=2026-11-01/_SUCCESS", nil)
	srv.Put(t, "decisions", "credit/dt=2026-10-31/part-0.parquet", parquetOf(t, rows.ys[:10], rows.ps[:10], rows.gs[:10], 10))
	srv.Put(t, "decisions", "all.csv", rows.csv.Bytes())

	ns := namespace(t, "objects")
	createKeys(t, ns, "keys", srv.AccessKey, srv.SecretKey)
	fromParquet := s3Evaluation(ns, "parquet", 4, srv, "s3://decisions/credit/", "dt=2026-11-*/part-*.parquet", "keys")
	fromParquet.Spec.Source.Format = fairnessv1alpha1.FormatParquet
	fromJSON := s3Evaluation(ns, "jsonl", 3, srv, "s3://decisions/jsonl/", "", "keys")
	fromCSV := s3Evaluation(ns, "csv", 1, srv, "s3://decisions/all.csv", "", "keys")
	fromCSV.Spec.Columns.Prediction = "p"
	all := []*fairnessv1alpha1.FairnessEvaluation{fromParquet, fromJSON, fromCSV}
	for _, e := range all {
		if err := k8s().Create(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range all {
		waitForResult(t, e, fairnessv1alpha1.RunSucceeded, 3*time.Minute)
		if e.Status.LastRun.Rows != n {
			t.Fatalf("%s read %d rows, want %d", e.Name, e.Status.LastRun.Rows, n)
		}
	}
	want := statistics(t, fromParquet)
	for _, e := range all[1:] {
		if got := statistics(t, e); got != want {
			t.Fatalf("statistics of %s differ from the Parquet prefix's:\n%s\n%s", e.Name, got, want)
		}
	}

	// fairctl's evaluation of the same objects, with the keys from AWS_*.
	srv.SetEnv(t)
	res, err := evaluate.Statistics(context.Background(), evaluate.Source{Data: "s3://decisions/credit/",
		Objects: evaluate.ObjectStore{Glob: "dt=2026-11-*/part-*.parquet"}},
		dataset.ScanOptions{Label: "y", Prediction: "decision.approved", Protected: []string{"g"}, Format: dataset.FormatParquet}, nil)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := evaluate.NewResult("local", 0, 1, res.Rows, 0, res.Table).Encode()
	if err != nil {
		t.Fatal(err)
	}
	if local := gradedOf(t, enc); local != want {
		t.Fatalf("fairctl's statistics differ from the operator's:\n%s\n%s", local, want)
	}

	src := fromParquet.Status.LastRun.Source
	if src == nil || src.Objects != 8 || src.ListHash != res.Objects.Hash || len(src.ObjectList) != 8 ||
		!strings.HasPrefix(src.ObjectList[0].Name, "s3://decisions/credit/dt=2026-11-01/part-0.parquet") ||
		src.ObjectList[0].ETag == "" || src.BytesFetched <= 0 {
		t.Fatalf("status source %+v, want 8 objects listed with ETags and the local listing's hash %s", src, res.Objects.Hash)
	}
}

// Bad object-store input ends the run with its reason and a message that
// names the object, never a secret.
func TestObjectStoreBadInput(t *testing.T) {
	srv := s3server.Start(t, cluster.HostIP)
	srv.CreateBucket(t, "logs")
	rows := randomRows(2000, 9)
	good := parquetOf(t, rows.ys, rows.ps, rows.gs, 500)
	srv.Put(t, "logs", "good/part-0.parquet", good)
	srv.Put(t, "logs", "truncated/part-0.parquet", good[:len(good)/2])
	srv.Put(t, "logs", "magic/part-0.parquet", append([]byte("NOPE"), good[4:]...))
	ns := namespace(t, "objects-bad")
	createKeys(t, ns, "keys", srv.AccessKey, srv.SecretKey)
	createKeys(t, ns, "wrong-keys", srv.AccessKey, "not-the-secret-key")
	cases := []struct {
		name, url, glob, secret, column, reason string
		mention                                 []string
	}{
		{"wrong-keys", "s3://logs/good/", "", "wrong-keys", "", fairnessv1alpha1.ReasonSourceAccessDenied,
			[]string{"s3://logs/good/", "access denied"}},
		{"no-bucket", "s3://nothing-here/good/", "", "keys", "", fairnessv1alpha1.ReasonSourceNotFound,
			[]string{"s3://nothing-here/good/", "not found"}},
		{"no-match", "s3://logs/good/", "*.jsonl", "keys", "", fairnessv1alpha1.ReasonSourceNotFound,
			[]string{`no object matching glob "*.jsonl"`}},
		{"truncated", "s3://logs/truncated/", "", "keys", "", fairnessv1alpha1.ReasonInvalidData,
			[]string{"s3://logs/truncated/part-0.parquet"}},
		{"magic", "s3://logs/magic/", "", "keys", "", fairnessv1alpha1.ReasonInvalidData,
			[]string{"s3://logs/magic/part-0.parquet", "not a Parquet file"}},
		{"column", "s3://logs/good/", "", "keys", "approved", fairnessv1alpha1.ReasonInvalidData,
			[]string{"s3://logs/good/part-0.parquet", `column "approved" not found`}},
	}
	var evals []*fairnessv1alpha1.FairnessEvaluation
	for _, c := range cases {
		e := s3Evaluation(ns, c.name, 1, srv, c.url, c.glob, c.secret)
		if c.column != "" {
			e.Spec.Columns.Prediction = c.column
		}
		if err := k8s().Create(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		evals = append(evals, e)
	}
	for i, c := range cases {
		e := evals[i]
		waitForResult(t, e, fairnessv1alpha1.RunFailed, 3*time.Minute)
		lr := e.Status.LastRun
		if lr.Reason != c.reason {
			t.Errorf("%s: reason %s (%s), want %s", c.name, lr.Reason, lr.Message, c.reason)
		}
		for _, m := range c.mention {
			if !strings.Contains(lr.Message, m) {
				t.Errorf("%s: message %q does not mention %q", c.name, lr.Message, m)
			}
		}
		stalled := meta.FindStatusCondition(e.Status.Conditions, fairnessv1alpha1.ConditionStalled)
		if stalled == nil || stalled.Reason != c.reason {
			t.Errorf("%s: Stalled %+v, want reason %s", c.name, stalled, c.reason)
		}
		if strings.Contains(lr.Message, srv.SecretKey) || strings.Contains(lr.Message, "not-the-secret-key") {
			t.Errorf("%s: the message shows a secret: %s", c.name, lr.Message)
		}
	}

	// A Secret without the keys is refused before any pod runs.
	createKeys(t, ns, "half-keys", srv.AccessKey, "")
	e := s3Evaluation(ns, "half-keys", 1, srv, "s3://logs/good/", "", "half-keys")
	if err := k8s().Create(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	waitForCondition(t, e, fairnessv1alpha1.ConditionStalled, fairnessv1alpha1.ReasonSourceNotFound,
		`Secret "half-keys" (object-store credentials for s3://) has no key AWS_SECRET_ACCESS_KEY`)
}

func createKeys(t *testing.T, ns, name, access, secret string) {
	t.Helper()
	data := map[string][]byte{"AWS_ACCESS_KEY_ID": []byte(access)}
	if secret != "" {
		data["AWS_SECRET_ACCESS_KEY"] = []byte(secret)
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: data}
	if err := k8s().Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

func gradedOf(t *testing.T, encoded string) string {
	t.Helper()
	stats, err := envtestutil.GradedStatistics(encoded)
	if err != nil {
		t.Fatal(err)
	}
	return stats
}

// waitForCondition waits until the condition has the reason and a message
// containing msg.
func waitForCondition(t *testing.T, e *fairnessv1alpha1.FairnessEvaluation, typ, reason, msg string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if err := k8s().Get(context.Background(), client.ObjectKeyFromObject(e), e); err != nil {
			t.Fatal(err)
		}
		if c := meta.FindStatusCondition(e.Status.Conditions, typ); c != nil && c.Reason == reason && strings.Contains(c.Message, msg) {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s: no %s condition with reason %s and %q: %+v", e.Name, typ, reason, msg, e.Status.Conditions)
}

// An object replaced while a pod reads the objects under a prefix fails the
// run with SourceChanged, naming the object, instead of counting a mix of
// two versions: every read is pinned to the ETag the pod's listing saw. The
// pod reads the parts in order, limited to a tenth of a core so that it is
// still reading the first three (64 MiB each, about ten seconds) when the
// last is replaced, three seconds after it starts (it lists at once).
func TestObjectReplacedDuringARun(t *testing.T) {
	srv := s3server.Start(t, cluster.HostIP)
	srv.CreateBucket(t, "changing")
	var big bytes.Buffer
	big.WriteString("y,p,g\n")
	line := "1,true,a\n0,false,b\n1,false,a\n0,true,b\n"
	for big.Len() < 64<<20 {
		big.WriteString(line)
	}
	for i := range 3 {
		srv.Put(t, "changing", fmt.Sprintf("log/part-%d.csv", i), big.Bytes())
	}
	srv.Put(t, "changing", "log/part-3.csv", []byte("y,p,g\n0,true,a\n"))
	ns := namespace(t, "objects-changing")
	createKeys(t, ns, "keys", srv.AccessKey, srv.SecretKey)
	e := s3Evaluation(ns, "replaced", 1, srv, "s3://changing/log/", "", "keys")
	e.Spec.Columns.Prediction = "p"
	e.Spec.Resources = &fairnessv1alpha1.PodResources{Limits: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}}
	if err := k8s().Create(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var pods corev1.PodList
		if err := k8s().List(context.Background(), &pods, client.InNamespace(ns),
			client.MatchingLabels{fairnessv1alpha1.EvaluationLabel: e.Name}); err != nil {
			t.Fatal(err)
		}
		if len(pods.Items) > 0 && pods.Items[0].Status.Phase == corev1.PodRunning {
			break
		}
		if len(pods.Items) > 0 && pods.Items[0].Status.Phase != corev1.PodPending {
			t.Fatalf("the pod ended before the object could be replaced: %s", pods.Items[0].Status.Phase)
		}
		if time.Now().After(deadline) {
			t.Fatal("no running pod after 2 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(3 * time.Second)
	srv.Put(t, "changing", "log/part-3.csv", []byte("y,p,g\n1,true,a\n1,true,b\n"))
	waitForResult(t, e, fairnessv1alpha1.RunFailed, 3*time.Minute)
	lr := e.Status.LastRun
	if lr.Reason != fairnessv1alpha1.ReasonSourceChanged || !strings.Contains(lr.Message, "s3://changing/log/part-3.csv") ||
		!strings.Contains(lr.Message, "changed while the run read it") {
		t.Fatalf("run %s: %s: %s; want SourceChanged naming the object", lr.ID, lr.Reason, lr.Message)
	}
}
