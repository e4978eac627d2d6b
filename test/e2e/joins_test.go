package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// creditLog is a decision log of n applications kept apart as a credit
// team keeps it: the model's log (ID and decision), the outcomes that have
// arrived (ID and whether the loan was repaid), and demographics (ID and
// sex). Men are approved at 0.6, women at 0.3 (disparate impact 0.5); the
// outcomes of 90% of men's applications have arrived, of women's 50%.
type creditLog struct {
	predictions, outcomes, demographics bytes.Buffer
	labelled                            map[string]int64
}

func newCreditLog(n int) *creditLog {
	l := &creditLog{labelled: map[string]int64{}}
	rng := rand.New(rand.NewPCG(15, 15))
	l.predictions.WriteString("application_id,approved\n")
	l.outcomes.WriteString("application_id,repaid\n")
	l.demographics.WriteString("application_id,sex\n")
	for i := range n {
		id := fmt.Sprintf("app-%06d-%04x", i, rng.IntN(1<<16))
		sex, approve, arrived := "male", 0.6, 0.9
		if i%2 == 1 {
			sex, approve, arrived = "female", 0.3, 0.5
		}
		fmt.Fprintf(&l.predictions, "%s,%d\n", id, b2i(rng.Float64() < approve))
		fmt.Fprintf(&l.demographics, "%s,%s\n", id, sex)
		if rng.Float64() < arrived {
			fmt.Fprintf(&l.outcomes, "%s,%d\n", id, b2i(rng.Float64() < 0.8))
			l.labelled[sex]++
		}
	}
	return l
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestLabelFreeAndDelayedOutcomes: on the cluster, a label-free evaluation
// of a log joined with its demographics breaches disparate impact and
// opens an incident; the same log joined with outcomes that have partly
// arrived (sharded over two pods) reports its coverage per group and warns
// with the LabelCoverage condition.
func TestLabelFreeAndDelayedOutcomes(t *testing.T) {
	ctx := context.Background()
	const n = 6000
	log := newCreditLog(n)
	modified := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	srv := hostServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := map[string][]byte{"/predictions.csv": log.predictions.Bytes(), "/outcomes.csv": log.outcomes.Bytes(),
			"/demographics.csv": log.demographics.Bytes()}[r.URL.Path]
		if body == nil {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, r.URL.Path, modified, bytes.NewReader(body))
	}))
	url := func(path string) fairnessv1alpha1.DataSource {
		return fairnessv1alpha1.DataSource{URL: &fairnessv1alpha1.URLSource{URL: srv.URL + path, TimeoutSeconds: 60}}
	}
	ns := namespace(t, "joins")
	labelFree := evaluation(ns, "label-free", 1, 0)
	labelFree.Spec.Source = url("/predictions.csv")
	labelFree.Spec.Columns = fairnessv1alpha1.ColumnMapping{ID: "application_id", Prediction: "approved", Protected: []string{"sex"},
		Privileged: []fairnessv1alpha1.PrivilegedValues{{Attribute: "sex", Values: []string{"male"}}}}
	labelFree.Spec.Demographics = &fairnessv1alpha1.DemographicsSource{Source: url("/demographics.csv")}
	labelFree.Spec.Thresholds = []fairnessv1alpha1.MetricThreshold{{Metric: "disparateImpact",
		Levels: []fairnessv1alpha1.ThresholdLevel{{Value: 0.8, Severity: fairnessv1alpha1.Severity1}}}}
	delayed := evaluation(ns, "delayed", 2, 0)
	delayed.Spec.Source = url("/predictions.csv")
	delayed.Spec.Columns = fairnessv1alpha1.ColumnMapping{ID: "application_id", Label: "repaid", Prediction: "approved", Protected: []string{"sex"}}
	delayed.Spec.Outcomes = &fairnessv1alpha1.OutcomesSource{Source: url("/outcomes.csv"), MaxCoverageGap: 0.1}
	delayed.Spec.Demographics = &fairnessv1alpha1.DemographicsSource{Source: url("/demographics.csv")}
	delayed.Spec.Thresholds = []fairnessv1alpha1.MetricThreshold{{Metric: "equalOpportunityDifference",
		Levels: []fairnessv1alpha1.ThresholdLevel{{Value: 0.5, Severity: fairnessv1alpha1.Severity3}}}}
	for _, e := range []*fairnessv1alpha1.FairnessEvaluation{labelFree, delayed} {
		if err := k8s().Create(ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	waitForResult(t, labelFree, fairnessv1alpha1.RunSucceeded, 3*time.Minute)
	st := labelFree.Status
	if st.Severity != fairnessv1alpha1.Severity1 || st.IncidentRef == nil {
		t.Fatalf("label-free: severity %s, incident %v; metrics %+v", st.Severity, st.IncidentRef, st.Metrics)
	}
	if j := st.LastRun.Join; j == nil || j.Demographics != n || j.MissingDemographics != 0 || st.LastRun.Rows != n {
		t.Fatalf("label-free: rows %d, join %+v", st.LastRun.Rows, j)
	}
	if c := meta.FindStatusCondition(st.Conditions, fairnessv1alpha1.ConditionThresholdsEvaluated); c == nil || c.Status != "True" {
		t.Fatalf("label-free: ThresholdsEvaluated %+v", c)
	}

	waitForResult(t, delayed, fairnessv1alpha1.RunSucceeded, 3*time.Minute)
	st = delayed.Status
	wantLabelled := log.labelled["male"] + log.labelled["female"]
	if j := st.LastRun.Join; j == nil || j.Outcomes != wantLabelled || j.Matched != wantLabelled || j.Orphans != 0 || j.Coverage == nil {
		t.Fatalf("delayed: join %+v, want %d outcomes all matched and a coverage", st.LastRun.Join, wantLabelled)
	}
	for _, g := range st.Groups {
		if g.Labelled == nil || *g.Labelled != log.labelled[g.Group] {
			t.Fatalf("delayed: group %s labelled %v, want %d", g.Group, g.Labelled, log.labelled[g.Group])
		}
	}
	c := meta.FindStatusCondition(st.Conditions, fairnessv1alpha1.ConditionLabelCoverage)
	if c == nil || c.Status != "True" || c.Reason != fairnessv1alpha1.ReasonCoverageGap {
		t.Fatalf("delayed: LabelCoverage %+v, want True with reason %s", c, fairnessv1alpha1.ReasonCoverageGap)
	}
}

// worseningLog serves a label-free log whose demographic-parity difference
// grows by 0.04 from one run to the next (0, 0.04, 0.08, 0.12, ...): a
// request after a quiet spell of a few seconds is the next run's.
type worseningLog struct {
	mu      sync.Mutex
	last    time.Time
	version int
}

func (l *worseningLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	if !l.last.IsZero() && time.Since(l.last) > 4*time.Second {
		l.version++
	}
	l.last = time.Now()
	v := l.version
	l.mu.Unlock()
	var b bytes.Buffer
	b.WriteString("approved,sex\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "%d,female\n%d,male\n", b2i(i < 500-20*v), b2i(i < 500+20*v))
	}
	http.ServeContent(w, r, "log.csv", time.Date(2026, 12, 1, 0, 0, v, 0, time.UTC), bytes.NewReader(b.Bytes()))
}

// TestTrendOverScheduledRuns: a scheduled evaluation of a log that worsens
// at every run, never near its level (0.5), opens a Trend incident once
// the difference has grown by 0.1 over four runs (0 to 0.12).
func TestTrendOverScheduledRuns(t *testing.T) {
	ctx := context.Background()
	srv := hostServer(t, &worseningLog{})
	ns := namespace(t, "trend")
	e := evaluation(ns, "drifting", 1, 0)
	e.Spec.Source = fairnessv1alpha1.DataSource{URL: &fairnessv1alpha1.URLSource{URL: srv.URL + "/log.csv", TimeoutSeconds: 60}}
	e.Spec.Columns = fairnessv1alpha1.ColumnMapping{Prediction: "approved", Protected: []string{"sex"}}
	e.Spec.Schedule = "@every 15s"
	e.Spec.Thresholds = []fairnessv1alpha1.MetricThreshold{{Metric: "demographicParityDifference",
		Levels: []fairnessv1alpha1.ThresholdLevel{{Value: 0.5, Severity: fairnessv1alpha1.Severity1}},
		Trend:  &fairnessv1alpha1.ThresholdTrend{Runs: 4, WorsenedBy: 0.1, Severity: fairnessv1alpha1.Severity3}}}
	if err := k8s().Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(4 * time.Minute)
	for e.Status.IncidentRef == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no Trend incident after 4 minutes: history %+v", e.Status.History)
		}
		time.Sleep(time.Second)
		if err := k8s().Get(ctx, client.ObjectKeyFromObject(e), e); err != nil {
			t.Fatal(err)
		}
	}
	var in fairnessv1alpha1.BiasIncident
	if err := k8s().Get(ctx, client.ObjectKey{Namespace: ns, Name: e.Status.IncidentRef.Name}, &in); err != nil {
		t.Fatal(err)
	}
	if in.Spec.Category != fairnessv1alpha1.CategoryTrend || in.Status.Severity != fairnessv1alpha1.Severity3 {
		t.Fatalf("incident %s: category %s severity %s", in.Name, in.Spec.Category, in.Status.Severity)
	}
	var scheduled int
	for _, h := range e.Status.History {
		if strings.HasPrefix(h.ID, "s") {
			scheduled++
		}
	}
	c := meta.FindStatusCondition(e.Status.Conditions, fairnessv1alpha1.ConditionBiasDetected)
	if len(e.Status.History) < 4 || scheduled < 3 || c == nil || c.Reason != fairnessv1alpha1.ReasonTrendDetected {
		t.Fatalf("history %+v (%d scheduled), BiasDetected %+v", e.Status.History, scheduled, c)
	}
}
