package controller

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

const waitFor = 20 * time.Second

var nsCounter atomic.Int32

func newNamespace(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("it-%d", nsCounter.Add(1))
	if err := k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatal(err)
	}
	return name
}

// biasedEvaluation is a builtin-dataset evaluation with a 0.25 disparity:
// demographic parity difference about 0.25, a Sev2 breach (threshold 0.1).
func get(t *testing.T, obj client.Object) {
	t.Helper()
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
		t.Fatal(err)
	}
}

func jobsOf(t *testing.T, ns, eval string) []batchv1.Job {
	t.Helper()
	var jobs batchv1.JobList
	if err := k8s.List(context.Background(), &jobs, client.InNamespace(ns),
		client.MatchingLabels{fairnessv1alpha1.EvaluationLabel: EvaluationLabelValue(eval)}); err != nil {
		t.Fatal(err)
	}
	return jobs.Items
}

func incidentsOf(t *testing.T, ns, eval string) []fairnessv1alpha1.BiasIncident {
	t.Helper()
	var list fairnessv1alpha1.BiasIncidentList
	if err := k8s.List(context.Background(), &list, client.InNamespace(ns),
		client.MatchingLabels{fairnessv1alpha1.EvaluationLabel: EvaluationLabelValue(eval)}); err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// waitForJobs waits until the evaluation has n Jobs and returns them.
func waitForJobs(t *testing.T, ns, eval string, n int) []batchv1.Job {
	t.Helper()
	var jobs []batchv1.Job
	eventually(t, waitFor, fmt.Sprintf("%d Jobs", n), func() (bool, error) {
		jobs = jobsOf(t, ns, eval)
		return len(jobs) == n, nil
	})
	return jobs
}

func waitForRun(t *testing.T, eval *fairnessv1alpha1.FairnessEvaluation, result fairnessv1alpha1.RunResult, runID string) {
	t.Helper()
	eventually(t, waitFor, "run "+runID+" "+string(result), func() (bool, error) {
		get(t, eval)
		lr := eval.Status.LastRun
		return lr != nil && lr.ID == runID && lr.Result == result && eval.Status.ActiveRun == nil, nil
	})
}

func TestEvaluationRunLifecycle(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ctx := context.Background()
	ns := newNamespace(t)
	eval := biasedEvaluation(ns, "credit")
	if err := k8s.Create(ctx, eval); err != nil {
		t.Fatal(err)
	}

	// A new generation starts exactly one Job, with the restricted pod spec.
	job := waitForJobs(t, ns, "credit", 1)[0]
	if job.Name != "credit-g1" || !metav1.IsControlledBy(&job, eval) {
		t.Fatalf("job %s, owners %v", job.Name, job.OwnerReferences)
	}
	eventually(t, waitFor, "Reconciling while the run is in flight", func() (bool, error) {
		get(t, eval)
		c := meta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionReconciling)
		return c != nil && c.Status == metav1.ConditionTrue && eval.Status.ActiveRun != nil, nil
	})
	direct := directEvaluationReconciler(nil)
	reconcileDirectly(t, direct, eval)
	reconcileDirectly(t, direct, eval)
	if n := len(jobsOf(t, ns, "credit")); n != 1 {
		t.Fatalf("%d Jobs for one generation after two more reconciles", n)
	}

	// The run completes: status has metrics, severity and an incident.
	finishJob(t, &job, podOutcome{})
	waitForRun(t, eval, fairnessv1alpha1.RunSucceeded, "g1")
	if eval.Status.Severity != fairnessv1alpha1.Severity2 || eval.Status.LastRun.Rows != 5000 ||
		eval.Status.ObservedGeneration != eval.Generation {
		t.Fatalf("status %+v", eval.Status)
	}
	if c := meta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionReady); c == nil || c.Status != metav1.ConditionTrue {
		t.Fatalf("Ready: %+v", c)
	}
	if c := meta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionBiasDetected); c == nil ||
		c.Status != metav1.ConditionTrue || c.Reason != fairnessv1alpha1.ReasonThresholdBreached {
		t.Fatalf("BiasDetected: %+v", c)
	}
	if meta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionReconciling) != nil {
		t.Fatal("Reconciling present after the run")
	}
	var dp *fairnessv1alpha1.MetricStatus
	for i, m := range eval.Status.Metrics {
		if m.Name == "demographicParityDifference" && m.Method == fairnessv1alpha1.MethodBetweenGroups {
			dp = &eval.Status.Metrics[i]
		}
	}
	if dp == nil || dp.Value == nil || *dp.Value < 0.15 || dp.Severity != fairnessv1alpha1.Severity2 || dp.Lower == nil {
		t.Fatalf("demographicParityDifference in status: %+v", dp)
	}
	// The history keeps the thresholded value for the report's trend.
	if h := eval.Status.History; len(h) != 1 || len(h[0].Metrics) == 0 || h[0].Metrics[0].Name != dp.Name ||
		h[0].Metrics[0].Attribute != dp.Attribute || h[0].Metrics[0].Value != *dp.Value {
		t.Fatalf("history %+v, want the run's demographicParityDifference %v first", h, *dp.Value)
	}
	var incidents []fairnessv1alpha1.BiasIncident
	eventually(t, waitFor, "one incident with the breach", func() (bool, error) {
		incidents = incidentsOf(t, ns, "credit")
		return len(incidents) == 1 && incidents[0].Status.Severity == fairnessv1alpha1.Severity2, nil
	})
	in := incidents[0]
	if in.Spec.EvaluationRef.Name != "credit" || len(in.OwnerReferences) != 0 || in.Status.Occurrences != 1 ||
		in.Status.AcknowledgeBy == nil || !strings.HasPrefix(in.Status.Channel, "#incident-") || len(in.Status.Breaches) == 0 {
		t.Fatalf("incident %+v", in)
	}
	if got := in.Status.AcknowledgeBy.Sub(in.Status.OpenedAt.Time); got != time.Hour {
		t.Fatalf("Sev2 deadline %v after opening, want 1h", got)
	}

	// Changing only thresholds re-grades the stored statistics: no new Job.
	get(t, eval)
	eval.Spec.Thresholds[0].Levels = []fairnessv1alpha1.ThresholdLevel{{Value: 0.5, Severity: fairnessv1alpha1.Severity1}}
	if err := k8s.Update(ctx, eval); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "re-graded status", func() (bool, error) {
		get(t, eval)
		return eval.Status.ObservedGeneration == eval.Generation && eval.Status.Severity == fairnessv1alpha1.SeverityNone, nil
	})
	if n := len(jobsOf(t, ns, "credit")); n != 1 {
		t.Fatalf("threshold change created Jobs: %d", n)
	}

	// An on-demand request starts exactly one more Job and is recorded.
	get(t, eval)
	eval.Annotations = map[string]string{fairnessv1alpha1.RequestedAtAnnotation: "2026-11-27T10:00:00Z"}
	if err := k8s.Update(ctx, eval); err != nil {
		t.Fatal(err)
	}
	jobs := waitForJobs(t, ns, "credit", 2)
	eventually(t, waitFor, "the request recorded", func() (bool, error) {
		get(t, eval)
		return eval.Status.LastHandledRequestedAt == "2026-11-27T10:00:00Z" && eval.Status.ActiveRun != nil &&
			eval.Status.ActiveRun.Trigger == fairnessv1alpha1.TriggerRequest, nil
	})
	for i := range jobs {
		if jobs[i].Name != "credit-g1" {
			finishJob(t, &jobs[i], podOutcome{})
			waitForRun(t, eval, fairnessv1alpha1.RunSucceeded, eval.Status.ActiveRun.ID)
		}
	}
	// The clean run is recorded on the open incident.
	eventually(t, waitFor, "clean run on the incident", func() (bool, error) {
		incidents = incidentsOf(t, ns, "credit")
		return len(incidents) == 1 && incidents[0].Status.ConsecutiveCleanRuns >= 1, nil
	})
}

func TestSuspendedEvaluationStartsNoJob(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ns := newNamespace(t)
	eval := biasedEvaluation(ns, "paused")
	eval.Spec.Suspend = true
	if err := k8s.Create(context.Background(), eval); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "Ready=False Suspended", func() (bool, error) {
		get(t, eval)
		c := meta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionReady)
		return c != nil && c.Reason == fairnessv1alpha1.ReasonSuspended, nil
	})
	reconcileDirectly(t, directEvaluationReconciler(nil), eval)
	if n := len(jobsOf(t, ns, "paused")); n != 0 {
		t.Fatalf("suspended evaluation has %d Jobs", n)
	}
}

func TestFailedAndUnreadableRuns(t *testing.T) {
	stop := startManager(t)
	defer stop()
	cases := map[string]struct {
		out        podOutcome
		wantResult fairnessv1alpha1.RunResult
		wantReason string
		wantMsg    string
	}{
		"pod fails": {podOutcome{fail: true, message: "opening data: open /data/x.csv: no such file or directory"},
			fairnessv1alpha1.RunFailed, fairnessv1alpha1.ReasonEvaluationFailed, "no such file or directory"},
		"too large": {podOutcome{fail: true, message: "ResultTooLarge: the result of 900 groups encodes to 9000 bytes"},
			fairnessv1alpha1.RunFailed, fairnessv1alpha1.ReasonResultTooLarge, "900 groups"},
		"no result": {podOutcome{message: "all good!"}, fairnessv1alpha1.RunFailed, fairnessv1alpha1.ReasonResultMissing,
			"succeeded without a readable result"},
		"truncated result": {podOutcome{message: "fairness.dev/result/v1 H4sIAAAAAAAC"}, fairnessv1alpha1.RunFailed,
			fairnessv1alpha1.ReasonResultInvalid, "truncated"},
		"result replayed from another run": {podOutcome{forge: true}, fairnessv1alpha1.RunFailed,
			fairnessv1alpha1.ReasonResultInvalid, `result belongs to run "another-run", not "g1"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			ns := newNamespace(t)
			eval := biasedEvaluation(ns, "e")
			if err := k8s.Create(context.Background(), eval); err != nil {
				t.Fatal(err)
			}
			job := waitForJobs(t, ns, "e", 1)[0]
			finishJob(t, &job, c.out)
			waitForRun(t, eval, c.wantResult, "g1")
			lr := eval.Status.LastRun
			ready := meta.FindStatusCondition(eval.Status.Conditions, fairnessv1alpha1.ConditionReady)
			if lr.Reason != c.wantReason || !strings.Contains(lr.Message, c.wantMsg) || ready == nil ||
				ready.Status != metav1.ConditionFalse || ready.Reason != c.wantReason || eval.Status.ConsecutiveFailedRuns != 1 {
				t.Fatalf("last run %+v, Ready %+v", lr, ready)
			}
			if n := len(incidentsOf(t, ns, "e")); n != 0 {
				t.Fatalf("a failed run opened %d incidents", n)
			}
		})
	}
}

// A manager restart between runs never opens a second incident.
func TestOneIncidentAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	eval := biasedEvaluation(ns, "restarts")
	stop := startManager(t)
	if err := k8s.Create(ctx, eval); err != nil {
		t.Fatal(err)
	}
	job := waitForJobs(t, ns, "restarts", 1)[0]
	stop() // the manager dies while the pods run
	finishJob(t, &job, podOutcome{})
	stop = startManager(t)
	waitForRun(t, eval, fairnessv1alpha1.RunSucceeded, "g1")
	stop()
	stop = startManager(t)
	defer stop()
	// A second breaching run (new generation) updates the same incident.
	get(t, eval)
	eval.Spec.Source.Builtin.Seed = new(int64(2))
	if err := k8s.Update(ctx, eval); err != nil {
		t.Fatal(err)
	}
	jobs := waitForJobs(t, ns, "restarts", 2)
	for i := range jobs {
		if jobs[i].Name == "restarts-g2" {
			finishJob(t, &jobs[i], podOutcome{})
		}
	}
	waitForRun(t, eval, fairnessv1alpha1.RunSucceeded, "g2")
	eventually(t, waitFor, "two occurrences on one incident", func() (bool, error) {
		in := incidentsOf(t, ns, "restarts")
		return len(in) == 1 && in[0].Status.Occurrences == 2, nil
	})
	// That the incident outlives its deleted evaluation needs a garbage
	// collector, which envtest has not: test/e2e's
	// TestDeletedEvaluationLeavesItsIncident checks it on the real node.
}

// A train-mode evaluation: the pod trains the model and reports its test split.
func TestTrainModeRun(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ns := newNamespace(t)
	eval := biasedEvaluation(ns, "trained")
	eval.Spec.Mode = fairnessv1alpha1.ModeTrain
	eval.Spec.Columns.Prediction, eval.Spec.Columns.Score = "", ""
	eval.Spec.Train = &fairnessv1alpha1.TrainSettings{Method: fairnessv1alpha1.MethodReweighing, TestSize: 0.3, RandomState: new(int64(42))}
	if err := k8s.Create(context.Background(), eval); err != nil {
		t.Fatal(err)
	}
	job := waitForJobs(t, ns, "trained", 1)[0]
	finishJob(t, &job, podOutcome{})
	waitForRun(t, eval, fairnessv1alpha1.RunSucceeded, "g1")
	if eval.Status.LastRun.Rows != 1500 || len(eval.Status.Groups) != 2 {
		t.Fatalf("train-mode run: %d rows (want the 1500-row test split), groups %+v", eval.Status.LastRun.Rows, eval.Status.Groups)
	}
}

// Jobs of finished runs beyond historyLimit are deleted; history is bounded.
func TestOldJobsArePruned(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ctx := context.Background()
	ns := newNamespace(t)
	e := biasedEvaluation(ns, "pruned")
	e.Spec.HistoryLimit = 1
	if err := k8s.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	first := waitForJobs(t, ns, "pruned", 1)[0]
	finishJob(t, &first, podOutcome{})
	waitForRun(t, e, fairnessv1alpha1.RunSucceeded, "g1")
	get(t, e)
	e.Annotations = map[string]string{fairnessv1alpha1.RequestedAtAnnotation: "again"}
	if err := k8s.Update(ctx, e); err != nil {
		t.Fatal(err)
	}
	var second batchv1.Job
	eventually(t, waitFor, "the second Job", func() (bool, error) {
		for _, j := range jobsOf(t, ns, "pruned") {
			if j.Name != first.Name {
				second = j
				return true, nil
			}
		}
		return false, nil
	})
	finishJob(t, &second, podOutcome{})
	eventually(t, waitFor, "the first Job deleted", func() (bool, error) {
		for _, j := range jobsOf(t, ns, "pruned") {
			if j.Name == first.Name && j.DeletionTimestamp == nil {
				return false, nil
			}
		}
		return true, nil
	})
	// The prune and the second run's record may land in different passes, so
	// the history is awaited rather than read once.
	eventually(t, waitFor, "only the second run in history", func() (bool, error) {
		get(t, e)
		h := e.Status.History
		if len(h) == 1 && h[0].ID == second.Labels[RunLabel] {
			return true, nil
		}
		return false, fmt.Errorf("history %+v", h)
	})
}

// A missing ConfigMap stalls the evaluation with a clear reason instead of a
// pod waiting for its volume; once the ConfigMap exists, the run starts.
func TestMissingSourceStalls(t *testing.T) {
	stop := startManager(t)
	defer stop()
	ctx := context.Background()
	ns := newNamespace(t)
	e := biasedEvaluation(ns, "nosource")
	e.Spec.Source = fairnessv1alpha1.DataSource{ConfigMap: &fairnessv1alpha1.ConfigMapSource{Name: "preds", Key: "today.csv"}}
	if err := k8s.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "Stalled SourceNotFound", func() (bool, error) {
		get(t, e)
		c := meta.FindStatusCondition(e.Status.Conditions, fairnessv1alpha1.ConditionStalled)
		return c != nil && c.Status == metav1.ConditionTrue && c.Reason == fairnessv1alpha1.ReasonSourceNotFound &&
			strings.Contains(c.Message, `ConfigMap "preds" not found`), nil
	})
	if n := len(jobsOf(t, ns, "nosource")); n != 0 {
		t.Fatalf("%d Jobs for a missing source", n)
	}
}
