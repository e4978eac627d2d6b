package controller

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/display"
)

// Label names shared by the metrics.
const (
	labelNamespace  = "namespace"
	labelEvaluation = "evaluation"
)

// Metrics are the operator's Prometheus metrics. Label values from data
// (groups) are bounded by status bounds; series of a deleted evaluation are
// removed.
type Metrics struct {
	incidentsOpen *prometheus.GaugeVec
	incidentsLate *prometheus.GaugeVec
	lastSuccess   *prometheus.GaugeVec
	interval      *prometheus.GaugeVec
	timeToAck     prometheus.Histogram
	notifications *prometheus.CounterVec
	mu            sync.Mutex
	openIncidents map[string][3]string // namespace/name -> severity, category, late ("1" or "")
	metricValue   *prometheus.GaugeVec
	groupRate     *prometheus.GaugeVec
	severity      *prometheus.GaugeVec
	runs          *prometheus.CounterVec
	duration      *prometheus.HistogramVec
}

// NewMetrics creates the metrics and registers them with reg (nil: the
// controller-runtime registry served on the manager's metrics endpoint).
// maxGroupLabel bounds a group label value; with at most maxStatusGroups
// groups and four rates, fairness_group_rate has at most 256 series per evaluation.
const maxGroupLabel = 128

func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		metricValue: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fairness_metric_value",
			Help: "Value of a fairness metric in the last successful run (between groups, privileged or population)."},
			[]string{labelNamespace, labelEvaluation, "metric", "method", "attribute"}),
		groupRate: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fairness_group_rate",
			Help: "A rate of one group in the last successful run."},
			[]string{labelNamespace, labelEvaluation, "attribute", "group", "rate"}),
		severity: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fairness_evaluation_severity",
			Help: "Severity of the last graded run: 0 none, 4 Sev4 ... 1 Sev1."},
			[]string{labelNamespace, labelEvaluation}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fairness_evaluation_runs_total",
			Help: "Finished evaluation runs by result."}, []string{labelNamespace, labelEvaluation, "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "fairness_evaluation_run_duration_seconds",
			Help:    "Wall time of evaluation runs, from Job creation to the result.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14)}, []string{labelNamespace, labelEvaluation}),
	}
	m.incidentsOpen = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fairness_incidents_open",
		Help: "BiasIncidents not resolved, by severity and category."}, []string{"severity", "category"})
	m.timeToAck = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "fairness_incident_time_to_acknowledge_seconds",
		Help: "Time from opening to acknowledgement of incidents.", Buckets: prometheus.ExponentialBuckets(60, 2, 12)})
	m.notifications = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fairness_notifications_total",
		Help: "Notification attempts by target kind and result (delivered, retry, failed)."}, []string{"target_kind", "result"})
	m.incidentsLate = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fairness_incidents_unacknowledged_late",
		Help: "Open BiasIncidents past their acknowledgement deadline, by severity and category."}, []string{"severity", "category"})
	m.lastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fairness_evaluation_last_success_timestamp_seconds",
		Help: "When the evaluation's last successful run finished (Unix seconds)."}, []string{labelNamespace, labelEvaluation})
	m.interval = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fairness_evaluation_schedule_interval_seconds",
		Help: "Seconds between two runs of the evaluation's cron schedule; absent without a schedule."},
		[]string{labelNamespace, labelEvaluation})
	m.openIncidents = map[string][3]string{}
	if reg == nil {
		reg = metrics.Registry
	}
	reg.MustRegister(m.metricValue, m.groupRate, m.severity, m.runs, m.duration, m.incidentsOpen, m.timeToAck, m.notifications,
		m.incidentsLate, m.lastSuccess, m.interval)
	return m
}

func severityNumber(s fairnessv1alpha1.Severity) float64 {
	switch s {
	case fairnessv1alpha1.Severity1:
		return 1
	case fairnessv1alpha1.Severity2:
		return 2
	case fairnessv1alpha1.Severity3:
		return 3
	case fairnessv1alpha1.Severity4:
		return 4
	}
	return 0
}

// Observe exports an evaluation's current status.
func (m *Metrics) Observe(eval *fairnessv1alpha1.FairnessEvaluation) {
	if m == nil {
		return
	}
	ns, name := eval.Namespace, eval.Name
	m.severity.WithLabelValues(ns, name).Set(severityNumber(eval.Status.Severity))
	m.metricValue.DeletePartialMatch(prometheus.Labels{labelNamespace: ns, labelEvaluation: name})
	for _, ms := range eval.Status.Metrics {
		if ms.Value != nil {
			m.metricValue.WithLabelValues(ns, name, string(ms.Name), string(ms.Method), ms.Attribute).Set(*ms.Value)
		}
	}
	if lr := eval.Status.LastRun; lr != nil && lr.Result == fairnessv1alpha1.RunSucceeded && lr.CompletionTime != nil {
		m.lastSuccess.WithLabelValues(ns, name).Set(float64(lr.CompletionTime.Unix()))
	}
	m.interval.DeletePartialMatch(prometheus.Labels{labelNamespace: ns, labelEvaluation: name})
	if sched, err := ParseSchedule(eval.Spec.Schedule, 0, time.Now()); eval.Spec.Schedule != "" && err == nil {
		next := sched.Next(time.Now())
		m.interval.WithLabelValues(ns, name).Set(sched.Next(next).Sub(next).Seconds())
	}
	m.groupRate.DeletePartialMatch(prometheus.Labels{labelNamespace: ns, labelEvaluation: name})
	for _, g := range eval.Status.Groups {
		for rate, v := range map[string]*float64{"selection": g.SelectionRate, "truePositive": g.TruePositiveRate,
			"falsePositive": g.FalsePositiveRate, "accuracy": g.Accuracy} {
			if v != nil {
				m.groupRate.WithLabelValues(ns, name, g.Attribute, display.Truncate(g.Group, maxGroupLabel), rate).Set(*v)
			}
		}
	}
}

// RunFinished counts a finished run.
func (m *Metrics) RunFinished(eval *fairnessv1alpha1.FairnessEvaluation, run *fairnessv1alpha1.RunStatus, ok bool) {
	if m == nil {
		return
	}
	result := "failed"
	if ok {
		result = "succeeded"
	}
	m.runs.WithLabelValues(eval.Namespace, eval.Name, result).Inc()
	if run.StartTime != nil && run.CompletionTime != nil {
		m.duration.WithLabelValues(eval.Namespace, eval.Name).Observe(run.CompletionTime.Sub(run.StartTime.Time).Seconds())
	}
}

// Forget removes every series of a deleted evaluation.
func (m *Metrics) Forget(namespace, name string) {
	if m == nil {
		return
	}
	l := prometheus.Labels{labelNamespace: namespace, labelEvaluation: name}
	m.metricValue.DeletePartialMatch(l)
	m.groupRate.DeletePartialMatch(l)
	m.severity.DeletePartialMatch(l)
	m.runs.DeletePartialMatch(l)
	m.duration.DeletePartialMatch(l)
	m.lastSuccess.DeletePartialMatch(l)
	m.interval.DeletePartialMatch(l)
}

// ObserveIncident updates the open-incident gauge with one incident.
func (m *Metrics) ObserveIncident(in *fairnessv1alpha1.BiasIncident) {
	if m == nil {
		return
	}
	key := in.Namespace + "/" + in.Name
	m.mu.Lock()
	defer m.mu.Unlock()
	if in.Status.State == fairnessv1alpha1.IncidentResolved || in.DeletionTimestamp != nil {
		delete(m.openIncidents, key)
	} else {
		late := ""
		if in.Status.Escalated && in.Status.AcknowledgedAt == nil {
			late = "1"
		}
		m.openIncidents[key] = [3]string{string(in.Status.Severity), string(in.Spec.Category), late}
	}
	m.recount()
}

// recount rebuilds the incident gauges from the open incidents (mu held).
func (m *Metrics) recount() {
	m.incidentsOpen.Reset()
	m.incidentsLate.Reset()
	for _, v := range m.openIncidents {
		m.incidentsOpen.WithLabelValues(v[0], v[1]).Inc()
		if v[2] != "" {
			m.incidentsLate.WithLabelValues(v[0], v[1]).Inc()
		}
	}
}

// ForgetIncident drops a deleted incident from the open-incident gauge.
func (m *Metrics) ForgetIncident(namespace, name string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.openIncidents, namespace+"/"+name)
	m.recount()
}

// Acknowledged records how long an acknowledgement took.
func (m *Metrics) Acknowledged(d time.Duration) {
	if m != nil {
		m.timeToAck.Observe(d.Seconds())
	}
}

// Notified counts a notification attempt.
func (m *Metrics) Notified(kind, result string) {
	if m != nil {
		m.notifications.WithLabelValues(kind, result).Inc()
	}
}
