package evaluate

import (
	"time"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// MaxPeriodMetrics bounds the headline values kept per period, as a run's
// history entry does.
const MaxPeriodMetrics = 4

// Period is the headline of one period of a window with a bucket.
type Period struct {
	From    time.Time `json:"from"`
	Until   time.Time `json:"until"`
	Rows    int64     `json:"rows"`
	Metrics []fairness.Metric
}

// Periods grades each period of a window that had rows, newest first:
// its rows and its headline values (fairness.HeadlineValues), which
// reports draw over the window.
func Periods(w *dataset.Window, buckets map[int]*fairness.Table, opts fairness.Options) []Period {
	var out []Period
	for k := range w.Buckets() {
		t := buckets[k]
		if t == nil {
			continue
		}
		from, until := w.BucketRange(k)
		r := fairness.Evaluate(t, opts)
		out = append(out, Period{From: from.UTC(), Until: until.UTC(), Rows: r.Rows,
			Metrics: fairness.HeadlineValues(r.Metrics, opts.Thresholds, MaxPeriodMetrics)})
	}
	return out
}

// BucketsByPeriod indexes a scan's period statistics as MergeBuckets does.
func BucketsByPeriod(buckets []*fairness.Table) map[int]*fairness.Table {
	out := map[int]*fairness.Table{}
	for k, t := range buckets {
		if t != nil {
			out[k] = t
		}
	}
	return out
}
