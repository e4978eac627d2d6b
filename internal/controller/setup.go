package controller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// Config is what the manager passes to the controllers.
type Config struct {
	// EvaluationImage runs evaluation pods (it must carry /fairctl).
	EvaluationImage string
	// Registerer receives the Prometheus metrics; nil means the manager's registry.
	Registerer prometheus.Registerer
	// RetryBase and RetryCap shape notification retries (defaults 5s and 10m).
	RetryBase, RetryCap time.Duration
	// Deadlines override the acknowledgement deadlines of the severity scale.
	Deadlines map[fairness.Severity]time.Duration
	// ResolvedIncidentTTL deletes incidents this long after resolution (0 keeps them).
	ResolvedIncidentTTL time.Duration
	// EvaluationResources are the default resources of evaluation pods.
	EvaluationResources *corev1.ResourceRequirements
	// DefaultIncidentPolicy applies to evaluations that set no incidentPolicy
	// (default escalation steps and notification targets; their Secrets must
	// exist in each evaluation's namespace).
	DefaultIncidentPolicy *fairnessv1alpha1.IncidentPolicy
	// NotificationRate and NotificationBurst limit the notifications sent to
	// any one target (per second, and at once); 0 means unlimited.
	NotificationRate  float64
	NotificationBurst int
	// NotificationTimeout bounds one send to a target (0: 10 seconds). Sends
	// run in the background, so a slow target delays no other notification.
	NotificationTimeout time.Duration
	// MinScheduleInterval refuses schedules that fire more often (0: one minute).
	MinScheduleInterval time.Duration
	// MaxConcurrentEvaluations and MaxConcurrentIncidents are the workers
	// of each controller (0: controller-runtime's default, one).
	MaxConcurrentEvaluations, MaxConcurrentIncidents int
	// Recorder records the controllers' Events (nil: the manager's recorder).
	Recorder events.EventRecorder
	// Now is the clock of both controllers (nil: the wall clock; tests replace it).
	Now func() time.Time
}

// ClientOptions keep Secrets out of the manager's cache: the operator reads
// a few named Secrets and its role may get them but not list or watch them.
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}}
}

// CacheOptions scope the manager's cache to what the operator owns: Jobs
// are cached only when they carry the evaluation label and without their
// spec, evaluations
// without their last run's encoded statistics, no object with its managed
// fields, and with namespaces given, only those namespaces are watched
// (namespaced mode). Informer
// failures are reported to health (nil: logged only), which readiness reads.
func CacheOptions(health *CacheHealth, namespaces ...string) cache.Options {
	req, _ := labels.NewRequirement(fairnessv1alpha1.EvaluationLabel, selection.Exists, nil)
	o := cache.Options{ByObject: map[client.Object]cache.ByObject{
		&batchv1.Job{}:                         {Label: labels.NewSelector().Add(*req), Transform: slimJob},
		&fairnessv1alpha1.FairnessEvaluation{}: {Transform: slimEvaluation},
	}, DefaultTransform: stripManagedFields}
	if health != nil {
		o.DefaultWatchErrorHandler = health.WatchErrorHandler
	}
	if len(namespaces) > 0 {
		o.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range namespaces {
			o.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return o
}

// Setup registers the controllers with the manager.
func Setup(mgr ctrl.Manager, cfg Config) error {
	metrics := NewMetrics(cfg.Registerer)
	recorder := cfg.Recorder
	if recorder == nil {
		recorder = mgr.GetEventRecorder("fairness-operator")
	}
	if err := (&FairnessEvaluationReconciler{
		Client:           mgr.GetClient(),
		APIReader:        mgr.GetAPIReader(),
		Recorder:         recorder,
		Image:            cfg.EvaluationImage,
		Now:              cfg.Now,
		Metrics:          metrics,
		Deadlines:        cfg.Deadlines,
		DefaultResources: cfg.EvaluationResources,
		DefaultPolicy:    cfg.DefaultIncidentPolicy,

		MinScheduleInterval: cfg.MinScheduleInterval, Workers: cfg.MaxConcurrentEvaluations,
	}).SetupWithManager(mgr); err != nil {
		return err
	}
	return (&BiasIncidentReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Recorder: recorder, Metrics: metrics, Now: cfg.Now,
		RetryBase: cfg.RetryBase, RetryCap: cfg.RetryCap, Deadlines: cfg.Deadlines,
		ResolvedTTL: cfg.ResolvedIncidentTTL, DefaultPolicy: cfg.DefaultIncidentPolicy,
		Pacer: newTargetPacer(cfg.NotificationRate, cfg.NotificationBurst), Sender: &sender{timeout: cfg.NotificationTimeout},
		Workers: cfg.MaxConcurrentIncidents}).SetupWithManager(mgr)
}
