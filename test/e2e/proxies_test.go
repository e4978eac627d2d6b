package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// TestEstimatedRaceInDailyPeriods: on the cluster, over two pods, a log of
// three days joined with demographics that hold sex and BISG-like race
// probabilities: the race groups carry their weight and effective size
// into status, and the window reports each day's rows and disparity. Black
// applicants (by proxy) are approved at 0.3 on the oldest day and at 0.6 on
// the two newest, White ones at 0.6 throughout.
func TestEstimatedRaceInDailyPeriods(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	var preds, demo bytes.Buffer
	preds.WriteString("application_id,decided_at,approved\n")
	demo.WriteString("application_id,sex,p_white,p_black\n")
	const perDay = 1500
	weights := map[string]float64{}
	for i := range 3 * perDay {
		day := i / perDay
		at := now.Add(-time.Duration(day)*24*time.Hour - time.Duration(i%perDay)*50*time.Second - time.Minute)
		black := i%3 == 0
		pBlack := 0.1
		if black {
			pBlack = 0.8
		}
		approve := i%5 < 3 // 0.6
		if black && day == 2 {
			approve = i%10 < 3 // 0.3
		}
		id := fmt.Sprintf("app-%05d", i)
		fmt.Fprintf(&preds, "%s,%s,%d\n", id, at.Format(time.RFC3339), b2i(approve))
		fmt.Fprintf(&demo, "%s,%s,%.1f,%.1f\n", id, []string{"female", "male"}[i%2], 1-pBlack, pBlack)
		weights["Black"] += pBlack
		weights["White"] += 1 - pBlack
	}
	srv := hostServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := map[string][]byte{"/predictions.csv": preds.Bytes(), "/demographics.csv": demo.Bytes()}[r.URL.Path]
		if body == nil {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, r.URL.Path, now, bytes.NewReader(body))
	}))
	ns := namespace(t, "proxies")
	e := evaluation(ns, "bisg", 2, 0)
	e.Spec.Source = fairnessv1alpha1.DataSource{URL: &fairnessv1alpha1.URLSource{URL: srv.URL + "/predictions.csv", TimeoutSeconds: 60}}
	e.Spec.Demographics = &fairnessv1alpha1.DemographicsSource{Source: fairnessv1alpha1.DataSource{
		URL: &fairnessv1alpha1.URLSource{URL: srv.URL + "/demographics.csv", TimeoutSeconds: 60}}}
	e.Spec.Columns = fairnessv1alpha1.ColumnMapping{ID: "application_id", Prediction: "approved", Protected: []string{"sex"},
		ProtectedProbabilities: []fairnessv1alpha1.ProbabilisticAttribute{{Attribute: "race", Groups: []fairnessv1alpha1.ProbabilityGroup{
			{Name: "White", Column: "p_white"}, {Name: "Black", Column: "p_black"}}}}}
	e.Spec.Window = &fairnessv1alpha1.TimeWindow{TimestampColumn: "decided_at", Lookback: metav1.Duration{Duration: 72 * time.Hour},
		Bucket: &metav1.Duration{Duration: 24 * time.Hour}}
	e.Spec.Thresholds = []fairnessv1alpha1.MetricThreshold{{Metric: "demographicParityDifference", Attribute: "race",
		Levels: []fairnessv1alpha1.ThresholdLevel{{Value: 0.5, Severity: fairnessv1alpha1.Severity2}}}}
	if err := k8s().Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	waitForResult(t, e, fairnessv1alpha1.RunSucceeded, 3*time.Minute)
	st := e.Status
	seen := 0
	for _, g := range st.Groups {
		if g.Attribute != "race" {
			continue
		}
		seen++
		if g.Weight == nil || g.EffectiveSize == nil || *g.Weight < weights[g.Group]-0.01 || *g.Weight > weights[g.Group]+0.01 ||
			*g.EffectiveSize <= *g.Weight || *g.EffectiveSize >= float64(g.Count) || g.Count != 3*perDay {
			t.Errorf("race %s: count %d weight %v effective size %v, want %d rows weighing %.1f, an effective size between", g.Group, g.Count, g.Weight,
				g.EffectiveSize, 3*perDay, weights[g.Group])
		}
	}
	if seen != 2 {
		t.Fatalf("%d race groups in status %+v", seen, st.Groups)
	}
	w := st.LastRun.Window
	if w == nil || len(w.Buckets) != 3 || w.BucketsOmitted {
		t.Fatalf("window %+v, want three daily periods", w)
	}
	for k, b := range w.Buckets {
		if b.Rows != perDay || len(b.Metrics) != 1 || b.Metrics[0].Attribute != "race" {
			t.Fatalf("period %d: %d rows, metrics %+v", k, b.Rows, b.Metrics)
		}
	}
	// The proxies blur the gap: the oldest day's is larger than the others'.
	if newest, oldest := w.Buckets[0].Metrics[0].Value, w.Buckets[2].Metrics[0].Value; oldest < newest+0.1 {
		t.Fatalf("disparity by day %v, %v, %v: want the oldest day's larger", newest, w.Buckets[1].Metrics[0].Value, oldest)
	}
}
