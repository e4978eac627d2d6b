package controller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

func TestMetricsFollowStatusAndForget(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	v, w := 0.25, 0.5
	eval := biasedEvaluation("risk", "credit")
	eval.Spec.Schedule = "0 * * * *"
	eval.Status.Severity = fairnessv1alpha1.Severity2
	finished := metav1.NewTime(time.Unix(1_790_000_000, 0))
	started := metav1.NewTime(finished.Add(-42 * time.Second))
	eval.Status.LastRun = &fairnessv1alpha1.RunStatus{Result: fairnessv1alpha1.RunSucceeded, StartTime: &started,
		CompletionTime: &finished}
	dp := fairnessv1alpha1.MetricStatus{Name: "demographicParityDifference",
		Method: fairnessv1alpha1.MethodBetweenGroups, Attribute: "sex", Value: &v}
	again := dp
	again.Value = &w
	eval.Status.Metrics = []fairnessv1alpha1.MetricStatus{dp, again}
	long := strings.Repeat("x", 2*maxGroupLabel)
	eval.Status.Groups = []fairnessv1alpha1.GroupStatus{{Attribute: "sex", Group: "female", Count: 10, SelectionRate: &v},
		{Attribute: "sex", Group: long + "a", Count: 10, SelectionRate: &v}, {Attribute: "sex", Group: long + "b", Count: 10,
			SelectionRate: &w}}
	cache := fakeClient(t, eval)
	m := NewMetrics(reg)
	scraped := scraper(t, reg, cache, "")
	start := metav1.Now()
	end := metav1.NewTime(start.Add(3 * time.Second))
	m.RunFinished(eval, &fairnessv1alpha1.RunStatus{StartTime: &start, CompletionTime: &end}, true)
	want := `
# HELP fairness_metric_value Value of a fairness metric in the last successful run (between groups, privileged or population).
# TYPE fairness_metric_value gauge
fairness_metric_value{attribute="sex",evaluation="credit",method="betweenGroups",metric="demographicParityDifference",namespace="risk"} 0.5
# HELP fairness_evaluation_severity Severity of the last graded run: 0 none, 4 Sev4 ... 1 Sev1.
# TYPE fairness_evaluation_severity gauge
fairness_evaluation_severity{evaluation="credit",namespace="risk"} 2
# HELP fairness_evaluation_last_success_timestamp_seconds When the evaluation's last successful run finished (Unix seconds).
# TYPE fairness_evaluation_last_success_timestamp_seconds gauge
fairness_evaluation_last_success_timestamp_seconds{evaluation="credit",namespace="risk"} 1.79e+09
# HELP fairness_evaluation_last_run_duration_seconds Wall time of the evaluation's last finished run, from Job creation to the result.
# TYPE fairness_evaluation_last_run_duration_seconds gauge
fairness_evaluation_last_run_duration_seconds{evaluation="credit",namespace="risk"} 42
# HELP fairness_evaluation_run_duration_seconds Wall time of evaluation runs, from Job creation to the result, by namespace.
# TYPE fairness_evaluation_run_duration_seconds histogram
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="1"} 0
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="2"} 0
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="4"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="8"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="16"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="32"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="64"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="128"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="256"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="512"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="1024"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="2048"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="4096"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="8192"} 1
fairness_evaluation_run_duration_seconds_bucket{namespace="risk",le="+Inf"} 1
fairness_evaluation_run_duration_seconds_sum{namespace="risk"} 3
fairness_evaluation_run_duration_seconds_count{namespace="risk"} 1
# HELP fairness_evaluation_schedule_interval_seconds Seconds between two runs of the evaluation's cron schedule; absent without a schedule.
# TYPE fairness_evaluation_schedule_interval_seconds gauge
fairness_evaluation_schedule_interval_seconds{evaluation="credit",namespace="risk"} 3600
# HELP fairness_evaluation_runs_total Finished evaluation runs by result.
# TYPE fairness_evaluation_runs_total counter
fairness_evaluation_runs_total{evaluation="credit",namespace="risk",result="succeeded"} 1
`
	if err := testutil.GatherAndCompare(scraped, strings.NewReader(want), "fairness_metric_value",
		"fairness_evaluation_severity", "fairness_evaluation_last_success_timestamp_seconds",
		"fairness_evaluation_last_run_duration_seconds", "fairness_evaluation_run_duration_seconds",
		"fairness_evaluation_schedule_interval_seconds", "fairness_evaluation_runs_total"); err != nil {
		t.Fatal(err)
	}
	// The two long groups truncate to one label value: one series, the last value.
	if n, err := testutil.GatherAndCount(scraped, "fairness_group_rate"); err != nil || n != 2 {
		t.Fatalf("%d group-rate series (%v), want 2", n, err)
	}
	in := &fairnessv1alpha1.BiasIncident{ObjectMeta: metav1.ObjectMeta{Namespace: "risk", Name: "credit-g1"},
		Spec:   fairnessv1alpha1.BiasIncidentSpec{Category: fairnessv1alpha1.CategoryBias},
		Status: fairnessv1alpha1.BiasIncidentStatus{Severity: fairnessv1alpha1.Severity2, State: fairnessv1alpha1.IncidentOpen}}
	m.ObserveIncident(in)
	if got := testutil.ToFloat64(m.incidentsOpen.WithLabelValues("Sev2", "Bias")); got != 1 {
		t.Fatalf("open Sev2 incidents %v, want 1", got)
	}
	in.Status.State = fairnessv1alpha1.IncidentResolved
	m.ObserveIncident(in)
	if n := testutil.CollectAndCount(m.incidentsOpen); n != 0 {
		t.Fatalf("%d open-incident series after resolution", n)
	}
	m.Notified("slack", "delivered")
	if got := testutil.ToFloat64(m.notifications.WithLabelValues("slack", "delivered")); got != 1 {
		t.Fatalf("notifications %v", got)
	}
	if err := cache.Delete(t.Context(), eval); err != nil {
		t.Fatal(err)
	}
	m.Forget("risk", "credit")
	if n, err := testutil.GatherAndCount(scraped, "fairness_metric_value", "fairness_group_rate",
		"fairness_evaluation_severity", "fairness_evaluation_last_success_timestamp_seconds",
		"fairness_evaluation_last_run_duration_seconds", "fairness_evaluation_schedule_interval_seconds",
		"fairness_evaluation_runs_total"); err != nil || n != 0 {
		t.Fatalf("%d series left after the evaluation was deleted (%v)", n, err)
	}
}

// failingReader is a cache that cannot answer.
type failingReader struct{ client.Reader }

func (failingReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return errors.New("cache not synced")
}

// TestAScrapeSurvivesACacheThatCannotAnswer: the other metrics are still
// served, with no status gauges, when the cache fails.
func TestAScrapeSurvivesACacheThatCannotAnswer(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.Notified("slack", "delivered")
	families, err := scraper(t, reg, failingReader{}, "").Gather()
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	if !names["fairness_notifications_total"] || names["fairness_evaluation_severity"] {
		t.Fatalf("families %v, want the notification counter and no status gauge", names)
	}
}

// scraper serves reg and the status gauges of evaluations as the manager's
// /metrics does and gathers by scraping it over HTTP (with acceptEncoding
// as the request's Accept-Encoding) and parsing the text.
func scraper(t *testing.T, reg prometheus.Gatherer, evaluations client.Reader, acceptEncoding string) prometheus.Gatherer {
	t.Helper()
	endpoint := NewMetricsEndpoint(reg)
	endpoint.ReadStatusFrom(evaluations)
	filter, err := endpoint.FilterProvider(nil)(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := filter(logr.Discard(), http.NotFoundHandler())
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(h)
	t.Cleanup(server.Close)
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		req, err := http.NewRequest(http.MethodGet, server.URL+metricsPath, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept-Encoding", acceptEncoding)
		// A transport of its own, so that Go's transparent gzip does not hide
		// whether the endpoint compressed.
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			return nil, err
		}
		defer func() { _ = resp.Body.Close() }()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("status %s", resp.Status)
		}
		if got := resp.Header.Get("Content-Type"); got != textFormat {
			return nil, fmt.Errorf("content type %q", got)
		}
		gzipped := resp.Header.Get("Content-Encoding") == "gzip"
		if gzipped != strings.Contains(acceptEncoding, "gzip") {
			return nil, fmt.Errorf("Accept-Encoding %q answered with Content-Encoding %q", acceptEncoding,
				resp.Header.Get("Content-Encoding"))
		}
		var body io.Reader = resp.Body
		if gzipped {
			if body, err = gzip.NewReader(resp.Body); err != nil {
				return nil, err
			}
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		byName, err := parser.TextToMetricFamilies(body)
		if err != nil {
			return nil, err
		}
		var out []*dto.MetricFamily
		for _, f := range byName {
			out = append(out, f)
		}
		slices.SortFunc(out, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
		return out, nil
	})
}

// TestStatusGaugesSurviveHostileGroupNames: quotes, backslashes and line
// breaks in a group name stay inside its label value (no forged series),
// gzipped or not, and every evaluation's series are served.
func TestStatusGaugesSurviveHostileGroupNames(t *testing.T) {
	t.Parallel()
	hostile := "a\"b\\c\nfake_metric{x=\"1\"} 7\n"
	v := 0.125
	var evals []client.Object
	for i := range 3 {
		eval := biasedEvaluation("risk", fmt.Sprintf("credit-%d", i))
		eval.Status.Groups = []fairnessv1alpha1.GroupStatus{{Attribute: "sex", Group: hostile, Count: 10,
			SelectionRate: &v}, {Attribute: "sex", Group: "plain", Count: 10, Accuracy: &v}}
		evals = append(evals, eval)
	}
	for _, encoding := range []string{"", "gzip", "br, gzip;q=0.5"} {
		families, err := scraper(t, prometheus.NewRegistry(), fakeClient(t, evals...), encoding).Gather()
		if err != nil {
			t.Fatalf("Accept-Encoding %q: %v", encoding, err)
		}
		groups := map[string]int{}
		for _, f := range families {
			if f.GetName() == "fake_metric" {
				t.Fatalf("Accept-Encoding %q: a group name forged a metric", encoding)
			}
			if f.GetName() != "fairness_group_rate" {
				continue
			}
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "group" {
						groups[l.GetValue()]++
					}
				}
				if m.GetGauge().GetValue() != v {
					t.Fatalf("Accept-Encoding %q: value %v, want %v", encoding, m.GetGauge().GetValue(), v)
				}
			}
		}
		if groups[hostile] != 3 || groups["plain"] != 3 || len(groups) != 2 {
			t.Fatalf("Accept-Encoding %q: group series %v, want 3 of each group", encoding, groups)
		}
	}
}

// TestTheEndpointAnswersOnlyMetrics: other paths of the metrics server keep
// their own handlers, and a given filter (authentication, when serving
// securely) guards the endpoint.
func TestTheEndpointAnswersOnlyMetrics(t *testing.T) {
	t.Parallel()
	refuse := func(*rest.Config, *http.Client) (metricsserver.Filter, error) {
		return func(_ logr.Logger, next http.Handler) (http.Handler, error) {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") == "" {
					http.Error(w, "no token", http.StatusUnauthorized)
					return
				}
				next.ServeHTTP(w, r)
			}), nil
		}, nil
	}
	filter, err := NewMetricsEndpoint(prometheus.NewRegistry()).FilterProvider(refuse)(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "other") })
	h, err := filter(logr.Discard(), other)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, token string
		code        int
		body        string
	}{{metricsPath, "", http.StatusUnauthorized, "no token"}, {metricsPath, "Bearer x", http.StatusOK, ""},
		{"/debug/extra", "Bearer x", http.StatusOK, "other"}} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, c.path, nil)
		if c.token != "" {
			req.Header.Set("Authorization", c.token)
		}
		h.ServeHTTP(rec, req)
		if rec.Code != c.code || !strings.HasPrefix(rec.Body.String(), c.body) {
			t.Fatalf("%s (token %q): %d %q, want %d %q", c.path, c.token, rec.Code, rec.Body.String(), c.code, c.body)
		}
	}
}
