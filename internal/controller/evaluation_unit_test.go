package controller

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/evaluate"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

func TestBuildJob(t *testing.T) {
	base := func() *fairnessv1alpha1.FairnessEvaluation { return biasedEvaluation("ns", "credit") }
	cases := map[string]struct {
		eval  func() *fairnessv1alpha1.FairnessEvaluation
		check func(t *testing.T, job *batchv1.Job, rc *evaluate.RunConfig)
	}{
		"builtin, unsharded": {base, func(t *testing.T, job *batchv1.Job, rc *evaluate.RunConfig) {
			if job.Spec.CompletionMode != nil || *job.Spec.Completions != 1 || rc.Data != "builtin:synthetic-credit" ||
				rc.Builtin.Disparity != 0.25 || len(job.Spec.Template.Spec.Volumes) != 0 {
				t.Fatalf("job %+v config %+v", job.Spec, rc)
			}
		}},
		"joined sides get their own mounts, with the source's object-store identity": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := base()
			e.Spec.Source = fairnessv1alpha1.DataSource{ObjectStore: &fairnessv1alpha1.ObjectStoreSource{URL: "s3://logs/preds/",
				CredentialsSecretRef: &fairnessv1alpha1.LocalObjectReference{Name: "keys"}}}
			e.Spec.Columns.ID = "application_id"
			e.Spec.Window = &fairnessv1alpha1.TimeWindow{TimestampColumn: "decided_at", Lookback: metav1.Duration{Duration: 720 * time.Hour},
				Bucket: &metav1.Duration{Duration: 24 * time.Hour}}
			e.Spec.Outcomes = &fairnessv1alpha1.OutcomesSource{Source: fairnessv1alpha1.DataSource{Format: fairnessv1alpha1.FormatParquet,
				ObjectStore: &fairnessv1alpha1.ObjectStoreSource{URL: "s3://logs/outcomes/"}}}
			e.Spec.Demographics = &fairnessv1alpha1.DemographicsSource{Source: fairnessv1alpha1.DataSource{
				ConfigMap: &fairnessv1alpha1.ConfigMapSource{Name: "bisg", Key: "proxies.csv"}}}
			return e
		}, func(t *testing.T, job *batchv1.Job, rc *evaluate.RunConfig) {
			v := job.Spec.Template.Spec.Volumes
			c := job.Spec.Template.Spec.Containers[0]
			if rc.ID != "application_id" || rc.MaxJoinKeys != fairnessv1alpha1.DefaultMaxJoinKeys ||
				rc.Outcomes == nil || rc.Outcomes.Data != "s3://logs/outcomes/" || rc.Outcomes.Format != "parquet" ||
				rc.Demographics == nil || rc.Demographics.Data != "/data-demographics/data.csv" ||
				rc.Window == nil || rc.Window.Column != "decided_at" || !rc.Window.Until.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)) ||
				!rc.Window.From.Equal(time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)) || rc.Window.Bucket != 24*time.Hour {
				t.Fatalf("config %+v outcomes %+v demographics %+v", rc, rc.Outcomes, rc.Demographics)
			}
			if len(v) != 1 || v[0].Name != "demographics" || v[0].ConfigMap.Name != "bisg" || len(c.VolumeMounts) != 1 ||
				c.VolumeMounts[0].MountPath != "/data-demographics" {
				t.Fatalf("volumes %+v mounts %+v", v, c.VolumeMounts)
			}
			if len(c.Env) != 3 || c.Env[0].ValueFrom.SecretKeyRef.Name != "keys" { // the AWS keys, once for every source
				t.Fatalf("env %+v", c.Env)
			}
		}},
		"estimated race reaches the pods, its tolerance defaulted": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := base()
			e.Spec.Columns.ProtectedProbabilities = []fairnessv1alpha1.ProbabilisticAttribute{{Attribute: "race",
				Groups: []fairnessv1alpha1.ProbabilityGroup{{Name: "White", Column: "p_white"}, {Name: "Black", Column: "p_black"}}}}
			return e
		}, func(t *testing.T, _ *batchv1.Job, rc *evaluate.RunConfig) {
			want := &dataset.Probabilities{Attribute: "race", Tolerance: 1e-6,
				Groups: []dataset.ProbabilityGroup{{Name: "White", Column: "p_white"}, {Name: "Black", Column: "p_black"}}}
			if diff := cmp.Diff(want, rc.Probabilities); diff != "" {
				t.Fatalf("probabilities (-want +got):\n%s", diff)
			}
		}},
		"sharded configmap": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := base()
			e.Spec.Shards = 4
			e.Spec.Source = fairnessv1alpha1.DataSource{ConfigMap: &fairnessv1alpha1.ConfigMapSource{Name: "logs", Key: "today.csv"}}
			return e
		}, func(t *testing.T, job *batchv1.Job, rc *evaluate.RunConfig) {
			v := job.Spec.Template.Spec.Volumes
			m := job.Spec.Template.Spec.Containers[0].VolumeMounts
			if *job.Spec.CompletionMode != batchv1.IndexedCompletion || *job.Spec.Completions != 4 || *job.Spec.Parallelism != 4 ||
				len(v) != 1 || v[0].ConfigMap.Name != "logs" || v[0].ConfigMap.Items[0].Key != "today.csv" ||
				len(m) != 1 || !m[0].ReadOnly || rc.Data != "/data/data.csv" || !rc.ByteRange || rc.Shards != 4 {
				t.Fatalf("job %+v volumes %+v config %+v", job.Spec, v, rc)
			}
		}},
		"PVC read-only": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := base()
			e.Spec.Source = fairnessv1alpha1.DataSource{PersistentVolumeClaim: &fairnessv1alpha1.PersistentVolumeClaimSource{
				ClaimName: "logs", Path: "2026/11/27.csv"}}
			return e
		}, func(t *testing.T, job *batchv1.Job, rc *evaluate.RunConfig) {
			v := job.Spec.Template.Spec.Volumes[0].PersistentVolumeClaim
			if v.ClaimName != "logs" || !v.ReadOnly || rc.Data != "/data/2026/11/27.csv" {
				t.Fatalf("volume %+v config %+v", v, rc)
			}
		}},
		"URL header secret is mounted, never in args or env": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := base()
			e.Spec.Source = fairnessv1alpha1.DataSource{URL: &fairnessv1alpha1.URLSource{URL: "https://logs.example/p.csv",
				HeadersSecretRef: &fairnessv1alpha1.LocalObjectReference{Name: "auth"}, TimeoutSeconds: 60}}
			return e
		}, func(t *testing.T, job *batchv1.Job, rc *evaluate.RunConfig) {
			c := job.Spec.Template.Spec.Containers[0]
			v := job.Spec.Template.Spec.Volumes[0]
			if v.Secret == nil || v.Secret.SecretName != "auth" || rc.HeadersDir != headersMountDir || len(c.Env) != 0 || len(c.EnvFrom) != 0 {
				t.Fatalf("volume %+v config %+v env %v", v, rc, c.Env)
			}
		}},
		"object store with a Secret: keys by reference, never values": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := base()
			e.Spec.Shards = 4
			e.Spec.Source = fairnessv1alpha1.DataSource{Format: fairnessv1alpha1.FormatParquet,
				ObjectStore: &fairnessv1alpha1.ObjectStoreSource{URL: "s3://logs/dt/", Glob: "*.parquet",
					Endpoint: "http://minio:9000", Region: "eu-west-1", ForcePathStyle: new(true),
					CredentialsSecretRef: &fairnessv1alpha1.LocalObjectReference{Name: "keys"}}}
			return e
		}, func(t *testing.T, job *batchv1.Job, rc *evaluate.RunConfig) {
			c := job.Spec.Template.Spec.Containers[0]
			want := map[string]bool{"AWS_ACCESS_KEY_ID": false, "AWS_SECRET_ACCESS_KEY": false, "AWS_SESSION_TOKEN": true}
			for _, e := range c.Env {
				ref := e.ValueFrom.SecretKeyRef
				optional, known := want[e.Name]
				if !known || e.Value != "" || ref.Name != "keys" || ref.Key != e.Name || *ref.Optional != optional {
					t.Errorf("env %+v", e)
				}
				delete(want, e.Name)
			}
			if len(want) != 0 || rc.Data != "s3://logs/dt/" || rc.Format != "parquet" || rc.ObjectStore == nil ||
				*rc.ObjectStore != (evaluate.ObjectStore{Glob: "*.parquet", Endpoint: "http://minio:9000", Region: "eu-west-1",
					PathStyle: rc.ObjectStore.PathStyle}) || !*rc.ObjectStore.PathStyle || rc.ByteRange {
				t.Fatalf("missing env %v, config %+v %+v", want, rc, rc.ObjectStore)
			}
		}},
		"object store with web identity: a token for the cloud's audience only": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := base()
			e.Spec.Source = fairnessv1alpha1.DataSource{ObjectStore: &fairnessv1alpha1.ObjectStoreSource{URL: "s3://logs/",
				ServiceAccountName: "log-reader",
				WebIdentity:        &fairnessv1alpha1.WebIdentity{RoleARN: "arn:aws:iam::123456789012:role/reader"}}}
			return e
		}, func(t *testing.T, job *batchv1.Job, _ *evaluate.RunConfig) {
			pod := job.Spec.Template.Spec
			c := pod.Containers[0]
			if pod.ServiceAccountName != "log-reader" || len(pod.Volumes) != 1 || pod.Volumes[0].Projected == nil {
				t.Fatalf("pod %+v", pod)
			}
			tok := pod.Volumes[0].Projected.Sources[0].ServiceAccountToken
			env := map[string]string{}
			for _, e := range c.Env {
				env[e.Name] = e.Value
			}
			if tok.Audience != "sts.amazonaws.com" || *tok.ExpirationSeconds != 3600 || c.VolumeMounts[0].MountPath != webIdentityDir ||
				env["AWS_WEB_IDENTITY_TOKEN_FILE"] != webIdentityDir+"/token" ||
				env["AWS_ROLE_ARN"] != "arn:aws:iam::123456789012:role/reader" {
				t.Fatalf("token %+v env %v", tok, env)
			}
		}},
		"azure web identity and account": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := base()
			e.Spec.Source = fairnessv1alpha1.DataSource{ObjectStore: &fairnessv1alpha1.ObjectStoreSource{URL: "azblob://logs/p/",
				AccountName: "acmelogs", WebIdentity: &fairnessv1alpha1.WebIdentity{ClientID: "c", TenantID: "t"}}}
			return e
		}, func(t *testing.T, job *batchv1.Job, _ *evaluate.RunConfig) {
			pod := job.Spec.Template.Spec
			env := map[string]string{}
			for _, e := range pod.Containers[0].Env {
				env[e.Name] = e.Value
			}
			if pod.Volumes[0].Projected.Sources[0].ServiceAccountToken.Audience != "api://AzureADTokenExchange" ||
				env["AZURE_FEDERATED_TOKEN_FILE"] == "" || env["AZURE_CLIENT_ID"] != "c" || env["AZURE_TENANT_ID"] != "t" ||
				env["AZURE_STORAGE_ACCOUNT"] != "acmelogs" {
				t.Fatalf("pod %+v env %v", pod, env)
			}
		}},
		"manager default resources": {base, func(t *testing.T, job *batchv1.Job, _ *evaluate.RunConfig) {
			if job.Spec.Template.Spec.Containers[0].Resources.Limits.Memory().String() != "128Mi" {
				t.Fatalf("resources %+v", job.Spec.Template.Spec.Containers[0].Resources)
			}
		}},
		"resources and deadline": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := base()
			e.Spec.Resources = &fairnessv1alpha1.PodResources{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}}
			e.Spec.ActiveDeadlineSeconds = 600
			e.Spec.BackoffLimit = new(int32(3))
			return e
		}, func(t *testing.T, job *batchv1.Job, _ *evaluate.RunConfig) {
			c := job.Spec.Template.Spec.Containers[0]
			if c.Resources.Limits.Memory().String() != "64Mi" || *job.Spec.ActiveDeadlineSeconds != 600 || *job.Spec.BackoffLimit != 3 {
				t.Fatalf("job %+v", job.Spec)
			}
		}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			defaults := &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")}}
			job, err := BuildJob(c.eval(), "g1", "img:1", defaults, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			pod := job.Spec.Template.Spec
			ctr := pod.Containers[0]
			// The restricted Pod Security Standard, and no API token.
			if *pod.AutomountServiceAccountToken || !*pod.SecurityContext.RunAsNonRoot ||
				pod.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault ||
				*ctr.SecurityContext.AllowPrivilegeEscalation || !*ctr.SecurityContext.ReadOnlyRootFilesystem ||
				ctr.SecurityContext.Capabilities.Drop[0] != "ALL" || pod.RestartPolicy != corev1.RestartPolicyNever {
				t.Fatalf("pod security: %+v %+v", pod.SecurityContext, ctr.SecurityContext)
			}
			if job.Name != "credit-g1" || job.Labels[fairnessv1alpha1.EvaluationLabel] != "credit" ||
				job.Spec.Template.Labels[RunLabel] != "g1" || ctr.Image != "img:1" || ctr.Command[0] != "/fairctl" {
				t.Fatalf("job metadata %+v", job.ObjectMeta)
			}
			if ctr.Args[0] != "run" || ctr.TerminationMessagePolicy != corev1.TerminationMessageReadFile {
				t.Fatalf("args %v", ctr.Args)
			}
			rc, err := evaluate.ParseRunConfig(configArg(t, job))
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, job, rc)
		})
	}
}

func TestObjectStoreSecretProblem(t *testing.T) {
	secret := func(keys ...string) *corev1.Secret {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "keys"}, Data: map[string][]byte{}}
		for _, k := range keys {
			s.Data[k] = []byte("x")
		}
		return s
	}
	cases := []struct {
		url    string
		secret *corev1.Secret
		want   string
	}{
		{"s3://b/", secret("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), ""},
		{"s3://b/", secret("AWS_ACCESS_KEY_ID"), `Secret "keys" (object-store credentials for s3://) has no key AWS_SECRET_ACCESS_KEY`},
		{"s3://b/", secret("access", "secret"), "has no key AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"},
		{"gs://b/", secret("credentials.json"), ""},
		{"gs://b/", secret("key.json"), "has no key credentials.json"},
		{"azblob://c/", secret("AZURE_STORAGE_SAS_TOKEN"), ""},
		{"azblob://c/", secret("AZURE_STORAGE_ACCOUNT"), "has no key AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN"},
	}
	for _, c := range cases {
		got := objectStoreSecretProblem(&fairnessv1alpha1.ObjectStoreSource{URL: c.url}, c.secret)
		if (c.want == "" && got != "") || !strings.Contains(got, c.want) {
			t.Errorf("%s with keys %v: %q, want %q", c.url, c.secret.Data, got, c.want)
		}
	}
}

func TestJobNameFitsALabel(t *testing.T) {
	long := strings.Repeat("a", 80)
	n := JobName(long, "s1764230400")
	if len(n) > 63 || !strings.HasSuffix(n, "-s1764230400") || JobName(long, "s1764230400") != n {
		t.Fatalf("JobName %q (%d)", n, len(n))
	}
	if JobName("credit", "g3") != "credit-g3" {
		t.Fatal("short names are kept as they are")
	}
	// Every evaluation name the API allows gives a Job whose pods' hostnames
	// (name-index, up to 1000 shards) are DNS labels, and a valid label value.
	for _, eval := range []string{strings.Repeat("a", 59), strings.Repeat("a", 60), strings.Repeat("b", 63),
		strings.Repeat("c", 252) + "d", "a.b", "a-b", strings.Repeat("x-", 30) + "." + strings.Repeat("y", 200)} {
		for _, run := range []string{"g1", "s-62135596800", "r0123456789abcdef"} {
			n := JobName(eval, run)
			if errs := validation.IsDNS1123Label(n + "-999"); len(errs) > 0 {
				t.Errorf("JobName(%d chars, %s) = %q: %v", len(eval), run, n, errs)
			}
		}
		if errs := validation.IsValidLabelValue(EvaluationLabelValue(eval)); len(errs) > 0 {
			t.Errorf("EvaluationLabelValue(%d chars) = %q: %v", len(eval), EvaluationLabelValue(eval), errs)
		}
	}
	if JobName("a.b", "g1") == JobName("a-b", "g1") {
		t.Error("a.b and a-b share a Job name")
	}
}

func TestPlanRun(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	sched, _ := ParseSchedule("0 * * * *", time.Minute, now)
	done := func(e *fairnessv1alpha1.FairnessEvaluation) *fairnessv1alpha1.FairnessEvaluation {
		e.Status.LastRun = &fairnessv1alpha1.RunStatus{ID: "g1", SpecHash: RunSpecHash(e.Spec)}
		return e
	}
	eval := func() *fairnessv1alpha1.FairnessEvaluation {
		e := biasedEvaluation("ns", "e")
		e.Generation = 3
		return e
	}
	cases := map[string]struct {
		eval    *fairnessv1alpha1.FairnessEvaluation
		wantID  string
		trigger fairnessv1alpha1.RunTrigger
	}{
		"never ran": {eval(), "g3", fairnessv1alpha1.TriggerGeneration},
		"suspended": {func() *fairnessv1alpha1.FairnessEvaluation { e := eval(); e.Spec.Suspend = true; return e }(), "", ""},
		"run in flight": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := eval()
			e.Status.ActiveRun = &fairnessv1alpha1.RunStatus{ID: "g2"}
			return e
		}(), "", ""},
		"up to date":            {done(eval()), "", ""},
		"threshold change only": {func() *fairnessv1alpha1.FairnessEvaluation { e := done(eval()); e.Spec.Thresholds = nil; return e }(), "", ""},
		"source change": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := done(eval())
			e.Spec.Source.Builtin.Seed = new(int64(9))
			return e
		}(), "g3", fairnessv1alpha1.TriggerGeneration},
		"new request": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := done(eval())
			e.Annotations = map[string]string{fairnessv1alpha1.RequestedAtAnnotation: "now"}
			return e
		}(), requestRunID("now"), fairnessv1alpha1.TriggerRequest},
		"handled request": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := done(eval())
			e.Annotations = map[string]string{fairnessv1alpha1.RequestedAtAnnotation: "now"}
			e.Status.LastHandledRequestedAt = "now"
			return e
		}(), "", ""},
		"schedule due": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := done(eval())
			e.Status.NextScheduledRun = &metav1.Time{Time: now.Add(-time.Minute)}
			return e
		}(), fmt.Sprintf("s%d", now.Add(-time.Minute).Unix()), fairnessv1alpha1.TriggerSchedule},
		"schedule not due": {func() *fairnessv1alpha1.FairnessEvaluation {
			e := done(eval())
			e.Status.NextScheduledRun = &metav1.Time{Time: now.Add(time.Minute)}
			return e
		}(), "", ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			plan, ok := PlanRun(c.eval, sched, now)
			if c.wantID == "" {
				if ok {
					t.Fatalf("planned %+v, want no run", plan)
				}
				return
			}
			if !ok || plan.Trigger != c.trigger || plan.ID != c.wantID {
				t.Fatalf("planned %+v, want %s (%s)", plan, c.wantID, c.trigger)
			}
		})
	}
	if _, err := ParseSchedule("61 * * * *", time.Minute, time.Now()); err == nil {
		t.Fatal("minute 61 accepted")
	}
	if next := NextScheduled(sched, now); !next.Equal(now.Add(time.Hour)) {
		t.Fatalf("next hourly after 10:00 is %v", next)
	}
}

func TestStatusFromReportIsBounded(t *testing.T) {
	tab := fairness.NewTable([]string{"g"}, 0)
	for i := range 200 {
		g := tab.GroupFor(strings.Repeat("x", i%7) + string(rune('A'+i%26)) + string(rune('a'+i/26)))
		g.Counts = fairness.Counts{TP: int64(i + 1), TN: 5, FP: 1, FN: 1}
	}
	th := []fairness.Threshold{{Metric: "demographicParityDifference", Levels: []fairness.Level{{Value: 0.01, Severity: fairness.Sev3}}}}
	g := StatusFromReport(fairness.Evaluate(tab, fairness.Options{Thresholds: th}), th)
	if len(g.Groups) != maxStatusGroups || g.GroupsOmitted != 200-maxStatusGroups || g.Groups[0].Count < g.Groups[1].Count {
		t.Fatalf("groups %d omitted %d", len(g.Groups), g.GroupsOmitted)
	}
	if g.Severity != fairnessv1alpha1.Severity3 || len(g.Breaches) == 0 || len(g.Metrics) > maxStatusMetrics {
		t.Fatalf("severity %s breaches %d metrics %d", g.Severity, len(g.Breaches), len(g.Metrics))
	}
	for _, b := range g.Breaches {
		if b.ValueText != strconv.FormatFloat(b.Value, 'g', 4, 64) || len(b.ValueText) > 7 {
			t.Fatalf("breach value %v printed as %q, want four significant digits", b.Value, b.ValueText)
		}
	}
	data, _ := json.Marshal(g)
	if strings.Contains(string(data), "NaN") {
		t.Fatal("NaN in status")
	}
}

func TestRecordRunRaisesNeverLowers(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	breach := func(sev fairnessv1alpha1.Severity) GradedStatus {
		return GradedStatus{Severity: sev, Breaches: []fairnessv1alpha1.Breach{{Metric: "disparateImpact", Severity: sev, Value: 0.5, Threshold: 0.8}}}
	}
	// summary is the part of the incident's status this test is about.
	type summary struct {
		Severity, Highest      fairnessv1alpha1.Severity
		AcknowledgeBy          time.Time
		Channel, LastRun       string
		Occurrences, CleanRuns int32
		Timeline               []fairnessv1alpha1.TimelineEntryType
	}
	summarise := func(st fairnessv1alpha1.BiasIncidentStatus) summary {
		s := summary{Severity: st.Severity, Highest: st.HighestSeverity, AcknowledgeBy: st.AcknowledgeBy.Time, Channel: st.Channel,
			LastRun: st.LastRunID, Occurrences: st.Occurrences, CleanRuns: st.ConsecutiveCleanRuns}
		for _, e := range st.Timeline {
			s.Timeline = append(s.Timeline, e.Type)
		}
		return s
	}
	var st fairnessv1alpha1.BiasIncidentStatus
	steps := []struct {
		run   string
		grade GradedStatus
		at    time.Duration
		want  summary
	}{
		{"g1", breach(fairnessv1alpha1.Severity3), 0, summary{Severity: fairnessv1alpha1.Severity3, Highest: fairnessv1alpha1.Severity3,
			AcknowledgeBy: now.Add(4 * time.Hour), Channel: "#incident-2026-11-27-1000", LastRun: "g1", Occurrences: 1,
			Timeline: []fairnessv1alpha1.TimelineEntryType{fairnessv1alpha1.TimelineOpened}}},
		{"g2", breach(fairnessv1alpha1.Severity1), time.Minute, summary{Severity: fairnessv1alpha1.Severity1,
			Highest: fairnessv1alpha1.Severity1, AcknowledgeBy: now.Add(15 * time.Minute), Channel: "#incident-2026-11-27-1000",
			LastRun: "g2", Occurrences: 2, Timeline: []fairnessv1alpha1.TimelineEntryType{fairnessv1alpha1.TimelineOpened,
				fairnessv1alpha1.TimelineBreachRecorded, fairnessv1alpha1.TimelineSeverityRaised}}},
		{"g3", breach(fairnessv1alpha1.Severity4), 2 * time.Minute, summary{Severity: fairnessv1alpha1.Severity1,
			Highest: fairnessv1alpha1.Severity1, AcknowledgeBy: now.Add(15 * time.Minute), Channel: "#incident-2026-11-27-1000",
			LastRun: "g3", Occurrences: 3, Timeline: []fairnessv1alpha1.TimelineEntryType{fairnessv1alpha1.TimelineOpened,
				fairnessv1alpha1.TimelineBreachRecorded, fairnessv1alpha1.TimelineSeverityRaised, fairnessv1alpha1.TimelineBreachRecorded}}},
		{"g4", GradedStatus{Severity: fairnessv1alpha1.SeverityNone}, 3 * time.Minute, summary{Severity: fairnessv1alpha1.Severity1,
			Highest: fairnessv1alpha1.Severity1, AcknowledgeBy: now.Add(15 * time.Minute), Channel: "#incident-2026-11-27-1000",
			LastRun: "g4", Occurrences: 3, CleanRuns: 1, Timeline: []fairnessv1alpha1.TimelineEntryType{fairnessv1alpha1.TimelineOpened,
				fairnessv1alpha1.TimelineBreachRecorded, fairnessv1alpha1.TimelineSeverityRaised, fairnessv1alpha1.TimelineBreachRecorded,
				fairnessv1alpha1.TimelineCleanRun}}},
	}
	for _, step := range steps {
		RecordRun(&st, step.run, step.grade, now.Add(step.at), nil)
		if diff := cmp.Diff(step.want, summarise(st)); diff != "" {
			t.Fatalf("after run %s (-want +got):\n%s", step.run, diff)
		}
	}
}

// requestRunID is the run id expected for an on-demand request: "r" and the
// first 10 hex digits of the annotation value's SHA-256.
func requestRunID(value string) string {
	sum := sha256.Sum256([]byte(value))
	return "r" + hex.EncodeToString(sum[:])[:10]
}

// TestJoinStatusAndCoverageCondition: the join counts and coverage land in
// status as the report computes them, and the failure reasons of a join are
// the API's.
func TestJoinStatusAndCoverageCondition(t *testing.T) {
	table := fairness.NewTable([]string{"sex"}, 0)
	table.GroupFor("female").Counts = fairness.Counts{TP: 10, TN: 10, UnlabelledPos: 15, UnlabelledNeg: 5}
	table.GroupFor("male").Counts = fairness.Counts{TP: 30, FN: 6, UnlabelledPos: 3, UnlabelledNeg: 1}
	got := JoinStatus(&dataset.JoinCounts{Outcomes: 60, Matched: 56, MatchedOutcomes: 56, Demographics: 80, MissingDemographics: 3}, table)
	want := &fairnessv1alpha1.JoinStatus{Outcomes: 60, Matched: 56, Orphans: 4, Demographics: 80, MissingDemographics: 3,
		Coverage: new(56.0 / 80)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("join status (-want +got):\n%s", diff)
	}
	report := fairness.Evaluate(table, fairness.Options{MaxCoverageGap: 0.2})
	status, reason, msg := CoverageCondition(report.Coverage) // coverage 0.5 and 0.9
	if status != metav1.ConditionTrue || reason != fairnessv1alpha1.ReasonCoverageGap || !strings.Contains(msg, "female and male") {
		t.Fatalf("LabelCoverage %s %s %q", status, reason, msg)
	}
	if status, _, _ := CoverageCondition(fairness.Evaluate(table, fairness.Options{MaxCoverageGap: 0.5}).Coverage); status != metav1.ConditionFalse {
		t.Fatal("a gap of 0.4 warns under a maximum of 0.5")
	}
	for err, want := range map[error]string{&dataset.JoinLimitError{}: fairnessv1alpha1.ReasonJoinTooLarge,
		&dataset.DuplicateIDsError{}: fairnessv1alpha1.ReasonDuplicateIDs} {
		if got := dataset.ReasonOf(err); got != want || !podReasons[got] {
			t.Errorf("%T carries reason %q, want %q, a pod reason", err, got, want)
		}
	}
}

// TestAddTrends: a run whose demographic-parity difference rose from 0.02
// three runs ago to 0.08 now, under its level of 0.1, is graded Sev3 by a
// trend rule of 4 runs and 0.05, and the incident it opens is a Trend one;
// the run's own history entry (a re-grade) and failed runs are not counted.
func TestAddTrends(t *testing.T) {
	thresholds := []fairness.Threshold{{Metric: "demographicParityDifference", Levels: []fairness.Level{{Value: 0.1, Severity: fairness.Sev1}},
		Trend: &fairness.TrendRule{Runs: 4, WorsenedBy: 0.05, Severity: fairness.Sev3}}}
	table := fairness.NewTable([]string{"sex"}, 0)
	table.GroupFor("female").Counts = fairness.Counts{UnlabelledPos: 46, UnlabelledNeg: 54}
	table.GroupFor("male").Counts = fairness.Counts{UnlabelledPos: 54, UnlabelledNeg: 46}
	report := fairness.Evaluate(table, fairness.Options{Thresholds: thresholds})
	record := func(id string, result fairnessv1alpha1.RunResult, v float64) fairnessv1alpha1.RunRecord {
		return fairnessv1alpha1.RunRecord{ID: id, Result: result, Metrics: []fairnessv1alpha1.RunMetric{
			{Name: "demographicParityDifference", Method: "betweenGroups", Attribute: "sex", Value: v}}}
	}
	history := []fairnessv1alpha1.RunRecord{record("s4", fairnessv1alpha1.RunSucceeded, 0.08), record("s3", fairnessv1alpha1.RunSucceeded, 0.06),
		record("s2f", fairnessv1alpha1.RunFailed, 0), record("s2", fairnessv1alpha1.RunSucceeded, 0.04), record("s1", fairnessv1alpha1.RunSucceeded, 0.02)}
	g := StatusFromReport(report, thresholds)
	AddTrends(&g, report, thresholds, history, "s4")
	if g.Severity != fairnessv1alpha1.Severity3 || !g.OnlyTrends() || len(g.Breaches) != 1 || g.Breaches[0].Trend == nil ||
		g.Breaches[0].Trend.From != 0.02 || g.Breaches[0].Trend.Runs != 4 {
		t.Fatalf("graded %s, breaches %+v", g.Severity, g.Breaches)
	}
	thresholds[0].Trend.Runs = 3 // 0.04 two runs back (the failed run not counted): worsened by 0.04 only
	g = StatusFromReport(report, thresholds)
	AddTrends(&g, report, thresholds, history, "s4")
	if g.Severity != fairnessv1alpha1.SeverityNone || len(g.Breaches) != 0 {
		t.Fatalf("with less drift: graded %s, breaches %+v", g.Severity, g.Breaches)
	}
}

// TestProbabilisticGroupsInStatus: an estimated attribute's groups carry
// their weight and effective size into status; a recorded one's do not.
func TestProbabilisticGroupsInStatus(t *testing.T) {
	table := fairness.NewTable([]string{"sex", "race"}, 0)
	table.Weighted = "race"
	shares := fairness.Shares{Units: []int64{fairness.WeightScale / 4, 3 * fairness.WeightScale / 4}}
	for _, sex := range []string{"f", "m"} {
		shares.Groups = []*fairness.Group{table.GroupFor(fairness.JoinKey([]string{sex, "A"})), table.GroupFor(fairness.JoinKey([]string{sex, "B"}))}
		shares.Observe(true, true, true, 0)
	}
	st := StatusFromReport(fairness.Evaluate(table, fairness.Options{}), nil)
	seen := map[string]int{}
	for _, g := range st.Groups {
		seen[g.Attribute]++
		switch {
		case g.Attribute == "sex" && (g.Weight != nil || g.EffectiveSize != nil):
			t.Errorf("recorded group %s has a weight", g.Group)
		case g.Attribute == "race" && g.Group == "A" && (g.Weight == nil || *g.Weight != 0.5 || g.EffectiveSize == nil || *g.EffectiveSize != 2 || g.Count != 2):
			t.Errorf("race A: count %d weight %v effective size %v, want 2 rows weighing 0.5 with size 2", g.Count, g.Weight, g.EffectiveSize)
		}
	}
	if seen["sex"] != 2 || seen["race"] != 2 {
		t.Fatalf("status groups by attribute %v, want 2 of sex and 2 of race", seen)
	}
}

// TestPeriodsInWindowStatus: a window of 72h in buckets of 24h whose newest
// and oldest days had rows: each period's rows and demographic-parity
// difference (by hand: 0.2 and 0.5), newest first; periods a pod left out
// are said to be.
func TestPeriodsInWindowStatus(t *testing.T) {
	eval := biasedEvaluation("ns", "credit")
	eval.Spec.Window = &fairnessv1alpha1.TimeWindow{TimestampColumn: "ts", Lookback: metav1.Duration{Duration: 72 * time.Hour},
		Bucket: &metav1.Duration{Duration: 24 * time.Hour}}
	start := metav1.NewTime(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	day := func(femaleSelected int64) *fairness.Table {
		table := fairness.NewTable([]string{"sex"}, 0)
		table.GroupFor("female").Counts = fairness.Counts{UnlabelledPos: femaleSelected, UnlabelledNeg: 10 - femaleSelected}
		table.GroupFor("male").Counts = fairness.Counts{UnlabelledPos: 10}
		return table
	}
	st := WindowStatus(eval.Spec.Window, &start, &dataset.WindowCounts{InWindow: 40})
	addPeriods(st, eval.Spec, map[int]*fairness.Table{0: day(8), 2: day(5)}, false)
	if len(st.Buckets) != 2 {
		t.Fatalf("%d periods, want the 2 with rows", len(st.Buckets))
	}
	for i, want := range []struct {
		until time.Time
		gap   float64
	}{{start.Time, 0.2}, {start.Add(-48 * time.Hour), 0.5}} {
		b := st.Buckets[i]
		if !b.Until.Time.Equal(want.until) || !b.From.Time.Equal(want.until.Add(-24*time.Hour)) || b.Rows != 20 {
			t.Errorf("period %d: (%s, %s] with %d rows, want until %s and 20 rows", i, b.From, b.Until, b.Rows, want.until)
		}
		if len(b.Metrics) == 0 || b.Metrics[0].Name != "demographicParityDifference" || math.Abs(b.Metrics[0].Value-want.gap) > 1e-12 {
			t.Errorf("period %d metrics %+v, want a demographic-parity difference of %v first", i, b.Metrics, want.gap)
		}
	}
	st = WindowStatus(eval.Spec.Window, &start, &dataset.WindowCounts{InWindow: 40})
	addPeriods(st, eval.Spec, nil, true)
	if !st.BucketsOmitted || len(st.Buckets) != 0 {
		t.Fatalf("omitted periods: %+v", st)
	}
}
