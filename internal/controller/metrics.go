package controller

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
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
	timeToAck     prometheus.Histogram
	notifications *prometheus.CounterVec
	mu            sync.Mutex
	openIncidents map[string][3]string // namespace/name -> severity, category, late ("1" or "")
	runs          *prometheus.CounterVec
	duration      *prometheus.HistogramVec
}

// NewMetrics creates the metrics and registers them with reg (nil: the
// controller-runtime registry served on the manager's metrics endpoint).
// The gauges of an evaluation's status are not here: MetricsEndpoint writes
// them from the manager's cache at each scrape.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fairness_evaluation_runs_total",
			Help: "Finished evaluation runs by result."}, []string{labelNamespace, labelEvaluation, "result"}),
		// By namespace only: 16 series an evaluation (14 buckets, sum and
		// count) were five sixths of all series at 10,000 evaluations, and
		// each scrape built them all. One evaluation's run time is
		// fairness_evaluation_last_run_duration_seconds, read from status.
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "fairness_evaluation_run_duration_seconds",
			Help:    "Wall time of evaluation runs, from Job creation to the result, by namespace.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14)}, []string{labelNamespace}),
	}
	m.incidentsOpen = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fairness_incidents_open",
		Help: "BiasIncidents not resolved, by severity and category."}, []string{"severity", "category"})
	m.timeToAck = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "fairness_incident_time_to_acknowledge_seconds",
		Help: "Time from opening to acknowledgement of incidents.", Buckets: prometheus.ExponentialBuckets(60, 2, 12)})
	m.notifications = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fairness_notifications_total",
		Help: "Notification attempts by target kind and result (delivered, retry, failed)."}, []string{"target_kind", "result"})
	m.incidentsLate = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "fairness_incidents_unacknowledged_late",
		Help: "Open BiasIncidents past their acknowledgement deadline, by severity and category."}, []string{"severity", "category"})
	m.openIncidents = map[string][3]string{}
	if reg == nil {
		reg = metrics.Registry
	}
	reg.MustRegister(m.runs, m.duration, m.incidentsOpen, m.timeToAck, m.notifications, m.incidentsLate)
	return m
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
		m.duration.WithLabelValues(eval.Namespace).Observe(run.CompletionTime.Sub(run.StartTime.Time).Seconds())
	}
}

// Forget removes the run counters of a deleted evaluation (its status
// gauges go with it from the cache).
func (m *Metrics) Forget(namespace, name string) {
	if m == nil {
		return
	}
	l := prometheus.Labels{labelNamespace: namespace, labelEvaluation: name}
	m.runs.DeletePartialMatch(l)
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
