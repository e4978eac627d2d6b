package controller

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/faultpoint"
)

// FairnessEvaluationReconciler turns FairnessEvaluations into evaluation Jobs
// and their results into status and BiasIncidents.
type FairnessEvaluationReconciler struct {
	client.Client
	// APIReader reads pods uncached: they are read once, when a run ends.
	APIReader client.Reader
	Recorder  events.EventRecorder
	// Image is the operator's image; evaluation pods run its /fairctl.
	Image string
	// Now is the clock (tests replace it).
	Now     func() time.Time
	Metrics *Metrics
	// Deadlines override the severity scale's defaults (manager flags).
	Deadlines map[fairness.Severity]time.Duration
	// DefaultResources apply to evaluation pods whose spec sets none.
	DefaultResources *corev1.ResourceRequirements
	// DefaultPolicy applies to evaluations without an incidentPolicy.
	DefaultPolicy *fairnessv1alpha1.IncidentPolicy
	// MinScheduleInterval refuses schedules that fire more often (0: one minute).
	MinScheduleInterval time.Duration
	// Workers is the number of evaluations reconciled at once (0: one).
	Workers int

	effects afterWrite
}

func (r *FairnessEvaluationReconciler) minScheduleInterval() time.Duration {
	return cmp.Or(r.MinScheduleInterval, DefaultMinScheduleInterval)
}

// +kubebuilder:rbac:groups=fairness.dev,resources=fairnessevaluations,verbs=get;list;watch
// +kubebuilder:rbac:groups=fairness.dev,resources=fairnessevaluations/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=fairness.dev,resources=biasincidents,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=fairness.dev,resources=biasincidents/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=batch,resources=jobs,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list
// +kubebuilder:rbac:groups="",resources=configmaps;persistentvolumeclaims;secrets;serviceaccounts,verbs=get
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=create
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile follows a fixed order: get the evaluation, remember its status,
// run the steps, and patch the status once if it changed.
func (r *FairnessEvaluationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var eval fairnessv1alpha1.FairnessEvaluation
	if err := r.Get(ctx, req.NamespacedName, &eval); err != nil {
		if apierrors.IsNotFound(err) {
			r.Metrics.Forget(req.Namespace, req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !eval.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	before := eval.DeepCopy()
	r.effects.take(req.NamespacedName) // left by an attempt that wrote nothing
	result, err := r.reconcile(ctx, &eval)
	result, err = r.settle(&eval, result, err)
	if dropsStatus(err) {
		// Keep the run active: the next attempt reads the Job again and
		// hands the finding over, so a breach never lacks its incident.
		r.effects.take(req.NamespacedName)
		return ctrl.Result{}, err
	}
	if !equality.Semantic.DeepEqual(before.Status, eval.Status) {
		if before.Status.ActiveRun != nil && eval.Status.ActiveRun == nil {
			faultpoint.Hit(faultpoint.BeforeStatusPatch)
		}
		patch := client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})
		if perr := r.Status().Patch(ctx, &eval, patch); perr != nil {
			r.effects.take(req.NamespacedName)
			if apierrors.IsConflict(perr) {
				return ctrl.Result{RequeueAfter: conflictDelay}, nil // read again and redo
			}
			return ctrl.Result{}, perr
		}
	}
	for _, effect := range r.effects.take(req.NamespacedName) {
		effect()
	}
	return result, err
}

func (r *FairnessEvaluationReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *FairnessEvaluationReconciler) reconcile(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation) (ctrl.Result, error) {
	st := &eval.Status
	now := r.now()
	var sched cron.Schedule
	if eval.Spec.Schedule != "" {
		var err error
		if sched, err = ParseSchedule(eval.Spec.Schedule, r.minScheduleInterval(), now); err != nil {
			return ctrl.Result{}, stalling(fairnessv1alpha1.ReasonInvalidSpec, err.Error())
		}
		if st.NextScheduledRun == nil {
			st.NextScheduledRun = &metav1.Time{Time: NextScheduled(sched, now)}
		}
	} else {
		st.NextScheduledRun = nil
	}
	clearSpecStall(st) // re-checked on this pass
	if warn, msg := credentialsInURL(eval.Spec); warn {
		setCondition(&st.Conditions, eval.Generation, fairnessv1alpha1.ConditionCredentialsInURL, metav1.ConditionTrue,
			fairnessv1alpha1.ReasonURLCarriesCredentials, msg)
	} else {
		setCondition(&st.Conditions, eval.Generation, fairnessv1alpha1.ConditionCredentialsInURL, metav1.ConditionFalse, "", "")
	}

	if st.ActiveRun != nil {
		done, err := r.checkActiveRun(ctx, eval)
		if err != nil || !done {
			return ctrl.Result{}, err
		}
	}
	if err := r.keepReport(ctx, eval); err != nil {
		return ctrl.Result{}, err
	}
	if plan, ok := PlanRun(eval, sched, now); ok {
		missing, err := r.missingSource(ctx, eval)
		if err != nil {
			return ctrl.Result{}, err
		}
		if missing != "" {
			// The pod would wait for its volume until the deadline; say why now and look again later.
			return ctrl.Result{}, waiting(fairnessv1alpha1.ReasonSourceNotFound, missing, missingSourceDelay)
		}
		if err := r.startRun(ctx, eval, plan, sched, now); err != nil {
			return ctrl.Result{}, err
		}
		// Prune on this pass too, once the new run is active (and so kept):
		// a schedule that is always due must not pile up Jobs. Pruning
		// before planning could delete the finished Job of a run whose
		// start was never recorded, which the plan is about to adopt.
		return ctrl.Result{}, r.pruneJobs(ctx, eval)
	}
	if st.ActiveRun == nil {
		applied, err := r.regrade(ctx, eval)
		if err != nil {
			return ctrl.Result{}, err
		}
		if applied {
			st.ObservedGeneration = eval.Generation
		}
		setCondition(&st.Conditions, eval.Generation, fairnessv1alpha1.ConditionReconciling, metav1.ConditionFalse, "", "")
		if eval.Spec.Suspend && st.LastRun == nil {
			setCondition(&st.Conditions, eval.Generation, fairnessv1alpha1.ConditionReady, metav1.ConditionFalse,
				fairnessv1alpha1.ReasonSuspended, "suspended before its first run")
		}
	}
	if err := r.pruneJobs(ctx, eval); err != nil {
		return ctrl.Result{}, err
	}
	if sched != nil && !eval.Spec.Suspend && st.NextScheduledRun != nil {
		return ctrl.Result{RequeueAfter: max(st.NextScheduledRun.Sub(now), minScheduleDelay)}, nil
	}
	return ctrl.Result{}, nil
}

func (r *FairnessEvaluationReconciler) stall(eval *fairnessv1alpha1.FairnessEvaluation, reason, msg string) {
	c := &eval.Status.Conditions
	setCondition(c, eval.Generation, fairnessv1alpha1.ConditionStalled, metav1.ConditionTrue, reason, msg)
	setCondition(c, eval.Generation, fairnessv1alpha1.ConditionReady, metav1.ConditionFalse, reason, msg)
	setCondition(c, eval.Generation, fairnessv1alpha1.ConditionReconciling, metav1.ConditionFalse, "", "")
	eval.Status.ObservedGeneration = eval.Generation
}

// startRun creates the Job of a planned run; a Job left by an earlier
// attempt (the operator restarted after creating it) is adopted.
func (r *FairnessEvaluationReconciler) startRun(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation,
	plan *PlannedRun, sched cron.Schedule, now time.Time) error {
	job, err := BuildJob(eval, plan.ID, r.Image, r.DefaultResources, now)
	if err != nil {
		return err
	}
	if err := controllerutil.SetControllerReference(eval, job, r.Scheme()); err != nil {
		return err
	}
	faultpoint.Hit(faultpoint.BeforeJobCreate)
	if err := r.Create(ctx, job); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating Job %s: %w", job.Name, err)
	}
	faultpoint.Hit(faultpoint.AfterJobCreate)
	st := &eval.Status
	st.ActiveRun = &fairnessv1alpha1.RunStatus{ID: plan.ID, JobName: job.Name, Trigger: plan.Trigger,
		Generation: eval.Generation, SpecHash: RunSpecHash(eval.Spec), StartTime: &metav1.Time{Time: now},
		Result: fairnessv1alpha1.RunRunning}
	switch plan.Trigger {
	case fairnessv1alpha1.TriggerRequest:
		st.LastHandledRequestedAt = plan.RequestedAt
	case fairnessv1alpha1.TriggerSchedule:
		// The next slot after now: missed slots while the operator was down are skipped, not replayed.
		st.NextScheduledRun = &metav1.Time{Time: NextScheduled(sched, now)}
	}
	msg := fmt.Sprintf("run %s started (%s): Job %s", plan.ID, plan.Trigger, job.Name)
	setCondition(&st.Conditions, eval.Generation, fairnessv1alpha1.ConditionStalled, metav1.ConditionFalse, "", "") // the last run's failure
	setCondition(&st.Conditions, eval.Generation, fairnessv1alpha1.ConditionReconciling, metav1.ConditionTrue,
		fairnessv1alpha1.ReasonProgressing, msg)
	if st.LastRun == nil {
		setCondition(&st.Conditions, eval.Generation, fairnessv1alpha1.ConditionReady, metav1.ConditionUnknown,
			fairnessv1alpha1.ReasonProgressing, msg)
	}
	r.event(eval, corev1.EventTypeNormal, "RunStarted", msg)
	logf.FromContext(ctx).Info("run started", "run", plan.ID, "trigger", plan.Trigger, "job", job.Name)
	return nil
}

// event records an Event about the evaluation once its status is written
// (see afterWrite); eventNow records one at once, for failures that leave
// the status unwritten.
func (r *FairnessEvaluationReconciler) event(obj client.Object, typ, reason, msg string) {
	r.effects.add(obj, func() { r.eventNow(obj, typ, reason, msg) })
}

func (r *FairnessEvaluationReconciler) eventNow(obj client.Object, typ, reason, msg string) {
	if r.Recorder != nil {
		r.Recorder.Eventf(obj, nil, typ, reason, "Evaluate", "%s", EventNote(msg))
	}
}

// SetupWithManager registers the reconciler; it watches the Jobs it owns.
func (r *FairnessEvaluationReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&fairnessv1alpha1.FairnessEvaluation{}).
		Owns(&batchv1.Job{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Workers}).
		Named("fairnessevaluation").
		Complete(r)
}

// missingSource names a ConfigMap (or its key), PersistentVolumeClaim,
// header or credentials Secret (or a key it needs) or ServiceAccount the
// evaluation refers to that does not exist; "" when all do.
func (r *FairnessEvaluationReconciler) missingSource(ctx context.Context, eval *fairnessv1alpha1.FairnessEvaluation) (string, error) {
	missing, err := r.missingIn(ctx, eval.Namespace, eval.Spec.Source)
	if missing != "" || err != nil {
		return missing, err
	}
	for _, side := range []struct {
		field string
		src   *fairnessv1alpha1.DataSource
	}{{"spec.outcomes", sourceOfOutcomes(eval.Spec.Outcomes)}, {"spec.demographics", sourceOfDemographics(eval.Spec.Demographics)}} {
		if side.src == nil {
			continue
		}
		if missing, err := r.missingIn(ctx, eval.Namespace, *side.src); missing != "" || err != nil {
			return side.field + ": " + missing, err
		}
	}
	return "", nil
}

func sourceOfOutcomes(o *fairnessv1alpha1.OutcomesSource) *fairnessv1alpha1.DataSource {
	if o == nil {
		return nil
	}
	return &o.Source
}

func sourceOfDemographics(d *fairnessv1alpha1.DemographicsSource) *fairnessv1alpha1.DataSource {
	if d == nil {
		return nil
	}
	return &d.Source
}

// missingIn is missingSource for one source.
func (r *FairnessEvaluationReconciler) missingIn(ctx context.Context, ns string, src fairnessv1alpha1.DataSource) (string, error) {
	exists := func(obj client.Object, name string) (bool, error) {
		err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj)
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	}
	if o := src.ObjectStore; o != nil && o.ServiceAccountName != "" {
		if ok, err := exists(&corev1.ServiceAccount{}, o.ServiceAccountName); err != nil || !ok {
			return fmt.Sprintf("ServiceAccount %q (spec.source.objectStore.serviceAccountName) not found in namespace %s",
				o.ServiceAccountName, ns), err
		}
	}
	switch {
	case src.ConfigMap != nil:
		var cm corev1.ConfigMap
		if ok, err := exists(&cm, src.ConfigMap.Name); err != nil || !ok {
			return fmt.Sprintf("ConfigMap %q not found in namespace %s", src.ConfigMap.Name, ns), err
		}
		if _, inData := cm.Data[src.ConfigMap.Key]; !inData {
			if _, inBinary := cm.BinaryData[src.ConfigMap.Key]; !inBinary {
				return fmt.Sprintf("ConfigMap %q has no key %q", src.ConfigMap.Name, src.ConfigMap.Key), nil
			}
		}
	case src.PersistentVolumeClaim != nil:
		ok, err := exists(&corev1.PersistentVolumeClaim{}, src.PersistentVolumeClaim.ClaimName)
		if err != nil || !ok {
			return fmt.Sprintf("PersistentVolumeClaim %q not found in namespace %s", src.PersistentVolumeClaim.ClaimName, ns), err
		}
	case src.URL != nil && src.URL.HeadersSecretRef != nil:
		ok, err := exists(&corev1.Secret{}, src.URL.HeadersSecretRef.Name)
		if err != nil || !ok {
			return fmt.Sprintf("Secret %q (URL headers) not found in namespace %s", src.URL.HeadersSecretRef.Name, ns), err
		}
	case src.ObjectStore != nil && src.ObjectStore.CredentialsSecretRef != nil:
		var secret corev1.Secret
		name := src.ObjectStore.CredentialsSecretRef.Name
		if ok, err := exists(&secret, name); err != nil || !ok {
			return fmt.Sprintf("Secret %q (object-store credentials) not found in namespace %s", name, ns), err
		}
		return objectStoreSecretProblem(src.ObjectStore, &secret), nil
	}
	return "", nil
}
