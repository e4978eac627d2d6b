package controller

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/evaluate"
)

// Labels on the Jobs and pods of a run.
const (
	RunLabel        = "fairness.dev/run"
	ManagedByLabel  = "app.kubernetes.io/managed-by"
	managedByValue  = "fairness-operator"
	containerName   = "evaluate"
	dataMountPath   = "/data"
	headersMountDir = "/etc/fairness/headers"
	// nonRootUID is distroless's nonroot user, the image's USER.
	nonRootUID = 65532
)

// maxJobName keeps a Job's name a DNS label with room for the "-<index>"
// an Indexed Job appends for its pods' hostnames (shards are at most 1000).
const maxJobName = 63 - len("-999")

// JobName is the name of a run's Job (and of the incident a run opens): the
// evaluation's name and the run id. A name too long for maxJobName, or one
// with dots (not allowed in a hostname), is shortened and made unique with
// a hash of the full name.
func JobName(evaluation, runID string) string {
	name := evaluation + "-" + runID
	if len(name) <= maxJobName && !strings.Contains(evaluation, ".") {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	prefix := strings.ReplaceAll(evaluation, ".", "-")
	if keep := maxJobName - len(runID) - len("-12345678-"); len(prefix) > keep {
		prefix = prefix[:max(keep, 0)]
	}
	prefix = strings.TrimRight(prefix, "-")
	if prefix == "" {
		return "r" + hex.EncodeToString(sum[:])[:8] + "-" + runID
	}
	return prefix + "-" + hex.EncodeToString(sum[:])[:8] + "-" + runID
}

// EvaluationLabelValue is the value of the fairness.dev/evaluation label for
// an evaluation: its name, or for names over a label value's 63 characters,
// a prefix and a hash of the name. Lists by this label compare the
// evaluation reference too, since prefixes may collide only by hash.
func EvaluationLabelValue(evaluation string) string {
	if len(evaluation) <= 63 {
		return evaluation
	}
	sum := sha256.Sum256([]byte(evaluation))
	return strings.TrimRight(evaluation[:54], "-.") + "-" + hex.EncodeToString(sum[:])[:8]
}

// runConfig is what the evaluation pods of a run are told to do.
func runConfig(eval *fairnessv1alpha1.FairnessEvaluation, runID string, runTime time.Time) evaluate.RunConfig {
	s := eval.Spec
	c := evaluate.RunConfig{RunID: runID, Label: s.Columns.Label, Prediction: s.Columns.Prediction,
		Score: s.Columns.Score, Protected: s.Columns.Protected, Favorable: s.Columns.FavorableLabel,
		NullGroup: s.Columns.NullGroup,
		Shards:    int64(max(s.Shards, 1)), Format: string(s.Source.Format)}
	if s.Mode == fairnessv1alpha1.ModeTrain {
		t := fairnessv1alpha1.TrainSettings{Method: fairnessv1alpha1.DefaultTrainMethod, TestSize: fairnessv1alpha1.DefaultTestSize}
		if s.Train != nil {
			t = *s.Train
		}
		c.Train = &evaluate.TrainRun{Method: string(t.Method), Constraint: string(t.Constraint), Features: t.Features,
			ExcludeProtected: t.ExcludeProtected, TestSize: t.TestSize, RandomState: ptr.Deref(t.RandomState, fairnessv1alpha1.DefaultRandomState)}
		if c.Train.Method == "" {
			c.Train.Method = string(fairnessv1alpha1.DefaultTrainMethod)
		}
		if c.Train.TestSize == 0 {
			c.Train.TestSize = fairnessv1alpha1.DefaultTestSize
		}
		if c.Train.Features == nil && s.Source.Builtin != nil {
			c.Train.Features = dataset.SyntheticFeatures
		}
	}
	data := runSource(s.Source, sourceMounts[0])
	c.Data, c.Inline, c.TimeoutSeconds, c.HeadersDir, c.ObjectStore = data.Data, data.Inline, data.TimeoutSeconds, data.HeadersDir, data.ObjectStore
	c.ByteRange = s.Source.ConfigMap != nil || s.Source.PersistentVolumeClaim != nil
	if b := s.Source.Builtin; b != nil {
		name := string(b.Name)
		if name == "" {
			name = dataset.SyntheticCredit
		}
		c.Data = dataset.BuiltinPrefix + name
		c.Builtin = dataset.SyntheticOptions{Rows: b.Rows, Seed: uint64(ptr.Deref(b.Seed, fairnessv1alpha1.DefaultBuiltinSeed)), //nolint:gosec // a seed
			Disparity: b.Disparity}
	}
	if pp := s.Columns.ProtectedProbabilities; len(pp) > 0 {
		c.Probabilities = probabilities(pp[0])
	}
	if s.Outcomes != nil || s.Demographics != nil {
		c.ID, c.MaxJoinKeys = s.Columns.ID, ptr.Deref(s.MaxJoinKeys, fairnessv1alpha1.DefaultMaxJoinKeys)
	}
	if s.Outcomes != nil {
		c.Outcomes = new(runSource(s.Outcomes.Source, sourceMounts[1]))
	}
	if w := s.Window; w != nil {
		from, until := RunWindow(w, runTime)
		c.Window = &evaluate.RunWindow{Column: w.TimestampColumn, Format: string(w.TimestampFormat), From: from, Until: until,
			Partition: w.Partition}
		if w.Bucket != nil {
			c.Window.Bucket = w.Bucket.Duration
		}
	}
	if s.Demographics != nil {
		c.Demographics = new(runSource(s.Demographics.Source, sourceMounts[2]))
	}
	return c
}

// RunWindow is the window (from, until] of a run that starts at runTime:
// until is the start to the second, as status records it.
func RunWindow(w *fairnessv1alpha1.TimeWindow, runTime time.Time) (from, until time.Time) {
	until = runTime.UTC().Truncate(time.Second)
	return until.Add(-w.Lookback.Duration), until
}

// sourceMount is where a source's volumes are mounted in the pod: the
// predictions', the outcomes' and the demographics'.
type sourceMount struct{ volume, dir, headersVolume, headersDir string }

var sourceMounts = [3]sourceMount{
	{"data", dataMountPath, "headers", headersMountDir},
	{"outcomes", "/data-outcomes", "outcomes-headers", "/etc/fairness/outcomes-headers"},
	{"demographics", "/data-demographics", "demographics-headers", "/etc/fairness/demographics-headers"},
}

// runSource is how the pod reads a source mounted at m.
func runSource(src fairnessv1alpha1.DataSource, m sourceMount) evaluate.RunSource {
	r := evaluate.RunSource{Format: string(src.Format)}
	switch {
	case src.Inline != "":
		r.Data, r.Inline = evaluate.InlineData, src.Inline
	case src.ConfigMap != nil:
		r.Data = path.Join(m.dir, "data.csv")
	case src.PersistentVolumeClaim != nil:
		r.Data = path.Join(m.dir, path.Clean(src.PersistentVolumeClaim.Path))
	case src.URL != nil:
		r.Data, r.TimeoutSeconds = src.URL.URL, src.URL.TimeoutSeconds
		if src.URL.HeadersSecretRef != nil {
			r.HeadersDir = m.headersDir
		}
	case src.ObjectStore != nil:
		o := src.ObjectStore
		r.Data = o.URL
		r.ObjectStore = &evaluate.ObjectStore{Glob: o.Glob, Endpoint: o.Endpoint, Region: o.Region, PathStyle: o.ForcePathStyle}
	}
	return r
}

// BuildJob builds the Job of one run. Pods follow the restricted Pod
// Security Standard, get no service-account token (they never talk to the
// API), and mount their data read-only. defaults are the manager's resources
// for evaluation pods whose spec sets none.
func BuildJob(eval *fairnessv1alpha1.FairnessEvaluation, runID, image string, defaults *corev1.ResourceRequirements,
	runTime time.Time) (*batchv1.Job, error) {
	cfg, err := json.Marshal(runConfig(eval, runID, runTime))
	if err != nil {
		return nil, err
	}
	labels := map[string]string{fairnessv1alpha1.EvaluationLabel: EvaluationLabelValue(eval.Name), RunLabel: runID,
		ManagedByLabel: managedByValue}
	shards := max(eval.Spec.Shards, 1)
	container := podContainer(image, []string{"run", "--termination-log", corev1.TerminationMessagePathDefault,
		"--config", string(cfg)})
	switch {
	case eval.Spec.Resources != nil:
		container.Resources = eval.Spec.Resources.Requirements()
	case defaults != nil:
		container.Resources = *defaults
	}
	pod := restrictedPod()
	for i, src := range dataSources(&eval.Spec) {
		if src != nil {
			addDataVolume(&pod, &container, *src, sourceMounts[i])
		}
	}
	if access := objectStoreIdentity(eval.Spec); access != nil {
		addObjectStoreAccess(&pod, &container, access)
	}
	pod.Containers = []corev1.Container{container}
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: JobName(eval.Name, runID), Namespace: eval.Namespace, Labels: labels},
		Spec: batchv1.JobSpec{
			Parallelism:           new(shards),
			Completions:           new(shards),
			BackoffLimit:          new(backoffLimit(eval.Spec.BackoffLimit)),
			ActiveDeadlineSeconds: ptr.To(max(eval.Spec.ActiveDeadlineSeconds, 1)),
			Template:              corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: pod},
		},
	}
	if shards > 1 {
		job.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	}
	return job, nil
}

// podContainer is the container of the operator's pods: /fairctl with
// args, under the restricted Pod Security Standard, its termination
// message the result.
func podContainer(image string, args []string) corev1.Container {
	return corev1.Container{
		Name:                     containerName,
		Image:                    image,
		Command:                  []string{"/fairctl"},
		Args:                     args,
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			ReadOnlyRootFilesystem:   ptr.To(true),
			RunAsNonRoot:             ptr.To(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}
}

// restrictedPod is the pod spec of the operator's pods: never restarted,
// no service-account token (they never talk to the API), non-root.
func restrictedPod() corev1.PodSpec {
	return corev1.PodSpec{
		RestartPolicy:                corev1.RestartPolicyNever,
		AutomountServiceAccountToken: ptr.To(false),
		EnableServiceLinks:           ptr.To(false),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr.To(true),
			RunAsUser:      ptr.To[int64](nonRootUID),
			RunAsGroup:     ptr.To[int64](nonRootUID),
			FSGroup:        ptr.To[int64](nonRootUID), // lets the user read mounted Secret files
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}
}

func addDataVolume(pod *corev1.PodSpec, c *corev1.Container, src fairnessv1alpha1.DataSource, m sourceMount) {
	switch {
	case src.ConfigMap != nil:
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: m.volume, VolumeSource: corev1.VolumeSource{
			ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: src.ConfigMap.Name},
				Items:                []corev1.KeyToPath{{Key: src.ConfigMap.Key, Path: "data.csv"}},
			}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: m.volume, MountPath: m.dir, ReadOnly: true})
	case src.PersistentVolumeClaim != nil:
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: m.volume, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
				ClaimName: src.PersistentVolumeClaim.ClaimName, ReadOnly: true}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: m.volume, MountPath: m.dir, ReadOnly: true})
	case src.URL != nil && src.URL.HeadersSecretRef != nil:
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: m.headersVolume, VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: src.URL.HeadersSecretRef.Name, DefaultMode: ptr.To[int32](0o440)}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: m.headersVolume, MountPath: m.headersDir, ReadOnly: true})
	}
}

// dataSources are the spec's predictions, outcomes and demographics
// sources, in sourceMounts' order; nil for a side not joined.
func dataSources(spec *fairnessv1alpha1.FairnessEvaluationSpec) [3]*fairnessv1alpha1.DataSource {
	out := [3]*fairnessv1alpha1.DataSource{&spec.Source}
	if spec.Outcomes != nil {
		out[1] = &spec.Outcomes.Source
	}
	if spec.Demographics != nil {
		out[2] = &spec.Demographics.Source
	}
	return out
}

// objectStoreIdentity is the object store whose settings give the pods
// their identity: the one of source, outcomes, demographics and
// report.destination that sets credentials, a web identity or a
// ServiceAccount (the schema allows one), else the first object store.
func objectStoreIdentity(spec fairnessv1alpha1.FairnessEvaluationSpec) *fairnessv1alpha1.ObjectStoreSource {
	var stores []*fairnessv1alpha1.ObjectStoreSource
	for _, src := range dataSources(&spec) {
		if src != nil {
			stores = append(stores, src.ObjectStore)
		}
	}
	if spec.Report != nil {
		stores = append(stores, &spec.Report.Destination.ObjectStore)
	}
	var first *fairnessv1alpha1.ObjectStoreSource
	for _, o := range stores {
		if o != nil && hasObjectStoreAccess(o) {
			return o
		}
		if first == nil {
			first = o
		}
	}
	return first
}

// hasObjectStoreAccess reports whether an object store sets the pod's
// identity (credentials, web identity or a ServiceAccount).
func hasObjectStoreAccess(o *fairnessv1alpha1.ObjectStoreSource) bool {
	return o.CredentialsSecretRef != nil || o.WebIdentity != nil || o.ServiceAccountName != ""
}

// backoffLimit is the spec's pod retry limit, the schema default when unset.
func backoffLimit(limit *int32) int32 {
	return ptr.Deref(limit, fairnessv1alpha1.DefaultBackoffLimit)
}

// probabilities is an estimated attribute as the pods read it.
func probabilities(a fairnessv1alpha1.ProbabilisticAttribute) *dataset.Probabilities {
	p := &dataset.Probabilities{Attribute: a.Attribute, Tolerance: a.Tolerance}
	if p.Tolerance == 0 {
		p.Tolerance = fairnessv1alpha1.DefaultProbabilityTolerance
	}
	for _, g := range a.Groups {
		p.Groups = append(p.Groups, dataset.ProbabilityGroup{Name: g.Name, Column: g.Column})
	}
	return p
}
