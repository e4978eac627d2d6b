// Command manager runs the fairness-operator controllers: it reconciles
// FairnessEvaluations into evaluation Jobs and BiasIncidents into an
// incident-response lifecycle.
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	// Client auth plugins (OIDC, cloud providers) for out-of-cluster runs.
	_ "k8s.io/client-go/plugin/pkg/client/auth"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/controller"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/incident"
	"github.com/fairness-operator/fairness-operator/internal/memlimit"
	"github.com/fairness-operator/fairness-operator/internal/version"
	// +kubebuilder:scaffold:imports
)

var (
	scheme   = runtime.NewScheme()
	setupLog = ctrl.Log.WithName("setup")
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(fairnessv1alpha1.AddToScheme(scheme))
	// +kubebuilder:scaffold:scheme
}

type options struct {
	defaultIncidentPolicy string
	evaluationResources   string
	leaderElectionNS      string
	watchNamespaces       string
	deadlines             [4]time.Duration
	resolvedTTL           time.Duration
	minScheduleInterval   time.Duration
	leaseDuration         time.Duration
	kubeAPIQPS            float64
	kubeAPIBurst          int
	notificationRate      float64
	notificationBurst     int
	notificationTimeout   time.Duration
	evaluationWorkers     int
	incidentWorkers       int
	renewDeadline         time.Duration
	retryPeriod           time.Duration
	evaluationImage       string
	metricsAddr           string
	metricsCertPath       string
	probeAddr             string
	pprofAddr             string
	enableLeaderElection  bool
	secureMetrics         bool
	enableHTTP2           bool
}

func main() {
	var o options
	flag.StringVar(&o.watchNamespaces, "watch-namespaces", "",
		"Comma-separated namespaces to watch (namespaced mode); empty watches every namespace.")
	flag.StringVar(&o.evaluationResources, "evaluation-resources", "",
		`Default resources of evaluation pods as JSON, e.g. {"limits":{"memory":"256Mi"}}; a spec's resources win.`)
	flag.StringVar(&o.defaultIncidentPolicy, "default-incident-policy", "",
		"Incident policy (JSON, shaped like spec.incidentPolicy) for evaluations that set none:\n"+
			"default escalation steps and notification targets.")
	flag.StringVar(&o.evaluationImage, "evaluation-image", defaultEvaluationImage(),
		"Image of evaluation pods; it must carry /fairctl (the operator's own image does).")
	for i, sev := range []fairness.Severity{fairness.Sev1, fairness.Sev2, fairness.Sev3, fairness.Sev4} {
		flag.DurationVar(&o.deadlines[i], fmt.Sprintf("ack-deadline-sev%d", i+1), incident.DefaultDeadlines[sev],
			fmt.Sprintf("Default acknowledgement deadline of Sev%d incidents (an evaluation's incidentPolicy wins).", i+1))
	}
	flag.DurationVar(&o.resolvedTTL, "resolved-incident-ttl", 0,
		"Delete BiasIncidents this long after they are resolved; 0 keeps them (they are audit records).")
	flag.DurationVar(&o.minScheduleInterval, "min-schedule-interval", controller.DefaultMinScheduleInterval,
		"Refuse schedules that fire more often than this (each run is a Job); such evaluations stall with InvalidSpec.")
	flag.StringVar(&o.metricsAddr, "metrics-bind-address", "0",
		"Address of the metrics endpoint: :8443 for HTTPS, :8080 for HTTP, 0 to disable it.")
	flag.BoolVar(&o.secureMetrics, "metrics-secure", true,
		"Serve metrics over HTTPS with authentication and authorization; --metrics-secure=false serves plain HTTP.")
	flag.StringVar(&o.metricsCertPath, "metrics-cert-path", "",
		"Folder holding tls.crt and tls.key for the metrics server; empty generates a self-signed certificate.")
	flag.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz endpoints.")
	flag.StringVar(&o.pprofAddr, "pprof-bind-address", "",
		"Address of Go's /debug/pprof endpoints for profiling memory and CPU (empty: off; keep it on loopback).")
	flag.StringVar(&o.leaderElectionNS, "leader-election-namespace", "",
		"Namespace of the leader-election Lease; empty means the manager's own namespace when in a cluster.")
	flag.DurationVar(&o.leaseDuration, "leader-election-lease-duration", 15*time.Second,
		"How long a standby replica waits after the leader's last renewal before taking over.")
	flag.DurationVar(&o.renewDeadline, "leader-election-renew-deadline", 10*time.Second,
		"How long the leader keeps trying to renew before it gives up leadership (and exits).")
	flag.DurationVar(&o.retryPeriod, "leader-election-retry-period", 2*time.Second,
		"How often replicas try to acquire or renew leadership.")
	flag.Float64Var(&o.kubeAPIQPS, "kube-api-qps", 50,
		"Requests per second the manager may send to the API server (client-go's token bucket).")
	flag.IntVar(&o.kubeAPIBurst, "kube-api-burst", 100, "Burst of requests above --kube-api-qps.")
	flag.IntVar(&o.evaluationWorkers, "max-concurrent-evaluations", 1, "FairnessEvaluations reconciled at once.")
	flag.IntVar(&o.incidentWorkers, "max-concurrent-incidents", 1, "BiasIncidents reconciled at once.")
	flag.Float64Var(&o.notificationRate, "notification-rate", 1,
		"Notifications per second sent to any one target (URL); the rest wait their turn, none is dropped.")
	flag.IntVar(&o.notificationBurst, "notification-burst", 10, "Notifications a target may receive at once.")
	flag.DurationVar(&o.notificationTimeout, "notification-timeout", controller.DefaultNotificationTimeout,
		"How long one send to a notification target may take; sends run in the background, so a slow target delays no other.")
	flag.BoolVar(&o.enableLeaderElection, "leader-elect", false,
		"Elect a leader so that only one of several manager replicas reconciles at a time.")
	flag.BoolVar(&o.enableHTTP2, "enable-http2", false,
		"Serve metrics over HTTP/2 too (off by default: HTTP/2 Rapid Reset and Stream Cancellation CVEs).")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))

	setMemoryLimit()
	if err := run(o); err != nil {
		setupLog.Error(err, "manager stopped with an error")
		os.Exit(1)
	}
}

func run(o options) error {
	var tlsOpts []func(*tls.Config)
	if !o.enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsOpts := metricsserver.Options{
		BindAddress:   o.metricsAddr,
		SecureServing: o.secureMetrics,
		TLSOpts:       tlsOpts,
		CertDir:       o.metricsCertPath,
	}
	var auth controller.FilterProvider
	if o.secureMetrics {
		auth = filters.WithAuthenticationAndAuthorization
	}
	metricsEndpoint := controller.NewMetricsEndpoint(metrics.Registry)
	metricsOpts.FilterProvider = metricsEndpoint.FilterProvider(auth)

	cacheHealth := &controller.CacheHealth{}
	restConfig := ctrl.GetConfigOrDie()
	restConfig.QPS, restConfig.Burst = float32(o.kubeAPIQPS), o.kubeAPIBurst
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                  scheme,
		Cache:                   controller.CacheOptions(cacheHealth, splitList(o.watchNamespaces)...),
		Client:                  controller.ClientOptions(),
		Metrics:                 metricsOpts,
		HealthProbeBindAddress:  o.probeAddr,
		PprofBindAddress:        o.pprofAddr,
		LeaderElection:          o.enableLeaderElection,
		LeaderElectionID:        "fairness-operator.fairness.dev",
		LeaderElectionNamespace: o.leaderElectionNS,
		LeaseDuration:           &o.leaseDuration,
		RenewDeadline:           &o.renewDeadline,
		RetryPeriod:             &o.retryPeriod,
		// The process exits right after the manager stops, so releasing the
		// lease on the way out is safe and makes failover quick.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return err
	}

	metricsEndpoint.ReadStatusFrom(mgr.GetCache())

	deadlines := map[fairness.Severity]time.Duration{}
	for i, sev := range []fairness.Severity{fairness.Sev1, fairness.Sev2, fairness.Sev3, fairness.Sev4} {
		deadlines[sev] = o.deadlines[i]
	}
	var resources *corev1.ResourceRequirements
	if o.evaluationResources != "" {
		resources = &corev1.ResourceRequirements{}
		if err := json.Unmarshal([]byte(o.evaluationResources), resources); err != nil {
			return fmt.Errorf("--evaluation-resources: %w", err)
		}
	}
	var policy *fairnessv1alpha1.IncidentPolicy
	if o.defaultIncidentPolicy != "" {
		policy = &fairnessv1alpha1.IncidentPolicy{}
		if err := json.Unmarshal([]byte(o.defaultIncidentPolicy), policy); err != nil {
			return fmt.Errorf("--default-incident-policy: %w", err)
		}
	}
	if err := controller.Setup(mgr, controller.Config{EvaluationImage: o.evaluationImage, Deadlines: deadlines,
		ResolvedIncidentTTL: o.resolvedTTL, EvaluationResources: resources, DefaultIncidentPolicy: policy,
		NotificationRate: o.notificationRate, NotificationBurst: o.notificationBurst,
		MinScheduleInterval: o.minScheduleInterval, NotificationTimeout: o.notificationTimeout,
		MaxConcurrentEvaluations: o.evaluationWorkers, MaxConcurrentIncidents: o.incidentWorkers}); err != nil {
		return err
	}
	// +kubebuilder:scaffold:builder

	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	// Ready only while the caches list and watch: an informer that cannot
	// (say, an object it cannot decode) leaves every reconciler blind.
	if err := mgr.AddReadyzCheck("caches", controller.ReadyzCheck(mgr.GetCache(), cacheHealth)); err != nil {
		return err
	}
	setupLog.Info("starting manager")
	return mgr.Start(ctrl.SetupSignalHandler())
}

// setMemoryLimit gives the Go runtime a soft memory limit below the
// container's (unless GOMEMLIMIT says otherwise), so that the garbage
// collector works harder before the kernel's OOM killer would.
func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit, ok, err := memlimit.FromCgroups(memlimit.Files...)
	if err != nil {
		setupLog.Error(err, "reading the container's memory limit; the Go runtime has none")
		return
	}
	if ok {
		debug.SetMemoryLimit(limit)
		setupLog.Info("Go memory limit from the container's", "bytes", limit)
	}
}

// defaultEvaluationImage is the operator's own image at this build's version;
// FAIRNESS_EVALUATION_IMAGE overrides it (the Helm chart passes
// --evaluation-image instead).
func defaultEvaluationImage() string {
	if img := os.Getenv("FAIRNESS_EVALUATION_IMAGE"); img != "" {
		return img
	}
	return "ghcr.io/fairness-operator/fairness-operator:" + version.Version
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
