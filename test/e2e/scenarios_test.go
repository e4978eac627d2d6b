package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// Train mode fits a model inside the evaluation container and evaluates
// its test split.
func TestTrainModeInAContainer(t *testing.T) {
	ns := namespace(t, "train")
	eval := evaluation(ns, "trained", 1, 0.2)
	eval.Spec.Source.Builtin.Rows = 5000
	eval.Spec.Mode = fairnessv1alpha1.ModeTrain
	eval.Spec.Columns.Prediction, eval.Spec.Columns.Score = "", ""
	eval.Spec.Train = &fairnessv1alpha1.TrainSettings{Method: fairnessv1alpha1.MethodReweighing, TestSize: 0.3, RandomState: new(int64(42))}
	if err := k8s().Create(context.Background(), eval); err != nil {
		t.Fatal(err)
	}
	waitForResult(t, eval, fairnessv1alpha1.RunSucceeded, 3*time.Minute)
	if eval.Status.LastRun.Rows != 1500 || len(eval.Status.Groups) == 0 {
		t.Fatalf("train-mode run: %d rows (want the 1,500-row test split), groups %+v", eval.Status.LastRun.Rows, eval.Status.Groups)
	}
}

// A log served over HTTP is split between shards by range requests: each
// shard's container fetches its own byte range from the host.
func TestURLSourceShardsByRangeRequests(t *testing.T) {
	var body bytes.Buffer
	body.WriteString("y,p,g\n")
	rng := rand.New(rand.NewPCG(7, 7))
	const rows = 20000
	for range rows {
		fmt.Fprintf(&body, "%d,%d,%c\n", rng.IntN(2), rng.IntN(2), 'a'+rng.IntN(3))
	}
	var mu sync.Mutex
	ranges := map[string]bool{}
	modified := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	srv := hostServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rg := r.Header.Get("Range"); rg != "" {
			mu.Lock()
			ranges[rg] = true
			mu.Unlock()
		}
		http.ServeContent(w, r, "preds.csv", modified, bytes.NewReader(body.Bytes()))
	}))
	ns := namespace(t, "ranges")
	eval := evaluation(ns, "ranged", 4, 0)
	eval.Spec.Source = fairnessv1alpha1.DataSource{URL: &fairnessv1alpha1.URLSource{URL: srv.URL + "/preds.csv", TimeoutSeconds: 60}}
	eval.Spec.Columns = fairnessv1alpha1.ColumnMapping{Label: "y", Prediction: "p", Protected: []string{"g"}}
	if err := k8s().Create(context.Background(), eval); err != nil {
		t.Fatal(err)
	}
	waitForResult(t, eval, fairnessv1alpha1.RunSucceeded, 3*time.Minute)
	if eval.Status.LastRun.Rows != rows {
		t.Fatalf("4 shards read %d rows, want %d", eval.Status.LastRun.Rows, rows)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ranges) < 4 {
		t.Fatalf("the shards asked for %d distinct byte ranges (%v), want at least 4", len(ranges), ranges)
	}
}

// receiver counts the notifications posted to it.
type receiver struct {
	mu     sync.Mutex
	bodies []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies = append(r.bodies, string(b))
	r.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

func (r *receiver) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...)
}

// An incident's notifications reach a Slack webhook and a generic webhook
// on the host, each exactly once, from the manager's pod.
func TestSlackAndWebhookNotifiedOnce(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t, "notified")
	slack, hook := &receiver{}, &receiver{}
	slackSrv, hookSrv := hostServer(t, slack), hostServer(t, hook)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hooks"},
		Data: map[string][]byte{"slack": []byte(slackSrv.URL + "/services/T0/B0/x"), "webhook": []byte(hookSrv.URL + "/incident")}}
	if err := k8s().Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	eval := evaluation(ns, "notified", 1, 0.3)
	eval.Spec.IncidentPolicy = &fairnessv1alpha1.IncidentPolicy{Notifications: []fairnessv1alpha1.NotificationTarget{
		{Name: "slack", Kind: fairnessv1alpha1.NotificationSlack, OnOpen: true,
			URLSecretRef: fairnessv1alpha1.SecretKeyReference{Name: "hooks", Key: "slack"}},
		{Name: "webhook", Kind: fairnessv1alpha1.NotificationWebhook, OnOpen: true,
			URLSecretRef: fairnessv1alpha1.SecretKeyReference{Name: "hooks", Key: "webhook"}},
	}}
	if err := k8s().Create(ctx, eval); err != nil {
		t.Fatal(err)
	}
	waitForResult(t, eval, fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	incident := eval.Status.IncidentRef.Name
	deadline := time.Now().Add(time.Minute)
	for len(slack.received()) == 0 || len(hook.received()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after a minute: %d Slack and %d webhook notifications", len(slack.received()), len(hook.received()))
		}
		time.Sleep(250 * time.Millisecond)
	}
	// A duplicate would follow within the manager's next reconciles.
	time.Sleep(5 * time.Second)
	for name, r := range map[string]*receiver{"Slack": slack, "webhook": hook} {
		got := r.received()
		if len(got) != 1 || !strings.Contains(got[0], incident) {
			t.Errorf("%s received %d notifications, want 1 naming %s: %q", name, len(got), incident, got)
		}
	}
}

// The same rows as CSV, as JSON Lines (nested decision, typed values) and as
// Parquet (5 row groups, snappy), over HTTP: JSON Lines split between 3
// shards by range requests, Parquet between 4 shards by row group, read by
// ranged GETs. All three give the same rows and groups.
func TestJSONLinesAndParquetSourcesShardLikeCSV(t *testing.T) {
	var csvBody, jsonBody bytes.Buffer
	csvBody.WriteString("y,p,g\n")
	rng := rand.New(rand.NewPCG(3, 3))
	const rows = 5000
	var ys []int64
	var ps []bool
	var gs []string
	for range rows {
		y, p, g := rng.IntN(2), rng.IntN(2), string(rune('a'+rng.IntN(3)))
		fmt.Fprintf(&csvBody, "%d,%d,%s\n", y, p, g)
		fmt.Fprintf(&jsonBody, `{"y":%d,"decision":{"approved":%t},"applicant":{"g":%q}}`+"\n", y, p == 1, g)
		ys, ps, gs = append(ys, int64(y)), append(ps, p == 1), append(gs, g)
	}
	parquetBody := parquetOf(t, ys, ps, gs, 1000)
	modified := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	srv := hostServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := csvBody.Bytes()
		switch {
		case strings.HasSuffix(r.URL.Path, ".jsonl"):
			body = jsonBody.Bytes()
		case strings.HasSuffix(r.URL.Path, ".parquet"):
			body = parquetBody
		}
		http.ServeContent(w, r, r.URL.Path, modified, bytes.NewReader(body))
	}))
	ns := namespace(t, "formats")
	source := func(path string, format fairnessv1alpha1.DataFormat) fairnessv1alpha1.DataSource {
		return fairnessv1alpha1.DataSource{Format: format, URL: &fairnessv1alpha1.URLSource{URL: srv.URL + path, TimeoutSeconds: 60}}
	}
	fromCSV := evaluation(ns, "csv", 1, 0)
	fromCSV.Spec.Source = source("/preds.csv", "")
	fromCSV.Spec.Columns = fairnessv1alpha1.ColumnMapping{Label: "y", Prediction: "p", Protected: []string{"g"}}
	fromJSON := evaluation(ns, "jsonl", 3, 0)
	fromJSON.Spec.Source = source("/preds.jsonl", fairnessv1alpha1.FormatJSONLines)
	fromJSON.Spec.Columns = fairnessv1alpha1.ColumnMapping{Label: "y", Prediction: "decision.approved", Protected: []string{"applicant.g"}}
	fromParquet := evaluation(ns, "parquet", 4, 0)
	fromParquet.Spec.Source = source("/preds.parquet", fairnessv1alpha1.FormatParquet)
	fromParquet.Spec.Columns = fairnessv1alpha1.ColumnMapping{Label: "y", Prediction: "decision.approved", Protected: []string{"g"}}
	all := []*fairnessv1alpha1.FairnessEvaluation{fromCSV, fromJSON, fromParquet}
	for _, e := range all {
		if err := k8s().Create(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range all {
		waitForResult(t, e, fairnessv1alpha1.RunSucceeded, 3*time.Minute)
		if e.Status.LastRun.Rows != rows {
			t.Fatalf("%s read %d rows, want %d", e.Name, e.Status.LastRun.Rows, rows)
		}
	}
	want := groupCounts(fromCSV)
	for _, e := range all[1:] {
		if got := groupCounts(e); !reflect.DeepEqual(got, want) {
			t.Fatalf("groups from %s %v, from CSV %v", e.Name, got, want)
		}
	}
}

// parquetOf writes rows as Parquet with arrow-go: the decision in a struct.
func parquetOf(t *testing.T, ys []int64, ps []bool, gs []string, rowGroup int64) []byte {
	t.Helper()
	decision := arrow.StructOf(arrow.Field{Name: "approved", Type: arrow.FixedWidthTypes.Boolean})
	schema := arrow.NewSchema([]arrow.Field{{Name: "y", Type: arrow.PrimitiveTypes.Int64},
		{Name: "decision", Type: decision}, {Name: "g", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	sb := b.Field(1).(*array.StructBuilder)
	for i := range ys {
		b.Field(0).(*array.Int64Builder).Append(ys[i])
		sb.Append(true)
		sb.FieldBuilder(0).(*array.BooleanBuilder).Append(ps[i])
		b.Field(2).(*array.StringBuilder).Append(gs[i])
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.RecordBatch{rec})
	defer tbl.Release()
	var buf bytes.Buffer
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(rowGroup))
	if err := pqarrow.WriteTable(tbl, &buf, rowGroup, props, pqarrow.DefaultWriterProps()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// groupCounts is each group's count as status shows it.
func groupCounts(e *fairnessv1alpha1.FairnessEvaluation) map[string]int64 {
	out := map[string]int64{}
	for _, g := range e.Status.Groups {
		out[g.Group] = g.Count
	}
	return out
}
