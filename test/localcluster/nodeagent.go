package localcluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// maxTerminationMessage is what the kubelet keeps of a termination message.
const maxTerminationMessage = 4096

// NodeAgent is a SIMULATED kubelet (test infrastructure, see the package
// comment): it plays the kubelet of one Node for pods whose only container
// runs /fairctl or /manager, as local processes. It stays for what one real
// node cannot hold (the controller-at-scale benchmark's thousands of pods),
// for machines without root, and as the real node's cordoned bystander.
type NodeAgent struct {
	Client client.Client
	// Config is what the agent watches its pods with.
	Config   *rest.Config
	NodeName string
	// Fairctl is the local binary that a container's /fairctl maps to.
	Fairctl string
	// Manager is the local binary that a container's /manager maps to; it
	// gets Kubeconfig instead of in-cluster credentials.
	Manager, Kubeconfig string
	// Dir holds one folder per pod: its volumes and termination message.
	Dir string
	Log io.Writer

	mu      sync.Mutex
	running map[types.UID]*exec.Cmd
	// FastRunner, when set, stands in for running the container: it returns
	// the exit code and termination message at once (the scale benchmarks'
	// fake fast runner; Jobs, pods and scheduling stay real).
	FastRunner func(pod *corev1.Pod) (code int32, message string)
	// gone: the node died (Vanish); nothing is reported any more.
	gone atomic.Bool
	// peakRSS is each finished container's peak resident set (bytes), by pod name.
	peakMu  sync.Mutex
	peakRSS map[string]int64
}

// PeakRSS is the peak resident memory of a finished pod's container.
func (a *NodeAgent) PeakRSS(pod string) int64 {
	a.peakMu.Lock()
	defer a.peakMu.Unlock()
	return a.peakRSS[pod]
}

// Register creates the Node, reports it Ready with capacity, and removes the
// not-ready taint that admission adds (no node-lifecycle controller runs).
func (a *NodeAgent) Register(ctx context.Context) error {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: a.NodeName,
		Labels: map[string]string{"kubernetes.io/hostname": a.NodeName, "kubernetes.io/os": "linux"}}}
	if err := a.Client.Create(ctx, node); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	capacity := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("64"),
		corev1.ResourceMemory: resource.MustParse("256Gi"), corev1.ResourcePods: resource.MustParse("10000")}
	// The node controllers write the new Node too (taints, annotations):
	// report the status on the latest version.
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := a.Client.Get(ctx, client.ObjectKeyFromObject(node), node); err != nil {
			return err
		}
		node.Status = corev1.NodeStatus{Capacity: capacity, Allocatable: capacity,
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "LocalAgentReady",
				LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}}
		return a.Client.Status().Update(ctx, node)
	}); err != nil {
		return fmt.Errorf("reporting node status: %w", err)
	}
	// Admission and the node lifecycle controller taint a node that is not
	// (yet, or no longer) ready; a ready agent clears them, retrying on conflict.
	for attempt := 0; ; attempt++ {
		if err := a.Client.Get(ctx, client.ObjectKeyFromObject(node), node); err != nil {
			return err
		}
		if len(node.Spec.Taints) == 0 {
			break
		}
		node.Spec.Taints = nil
		err := a.Client.Update(ctx, node)
		if err == nil {
			break
		}
		if !apierrors.IsConflict(err) || attempt == 10 {
			return fmt.Errorf("removing the node's taints: %w", err)
		}
	}
	return nil
}

// Run starts pods bound to the node and finishes deleted ones until ctx ends.
func (a *NodeAgent) Run(ctx context.Context) {
	a.mu.Lock()
	a.running = map[types.UID]*exec.Cmd{}
	a.mu.Unlock()
	// Pods in a final phase need nothing more from a kubelet (the API
	// server deletes them at once), so they are not listed or watched.
	selector := fields.AndSelectors(
		fields.OneTermEqualSelector("spec.nodeName", a.NodeName),
		fields.OneTermNotEqualSelector("status.phase", string(corev1.PodSucceeded)),
		fields.OneTermNotEqualSelector("status.phase", string(corev1.PodFailed)))
	pods, err := a.podSource(ctx, selector)
	if err != nil {
		fmt.Fprintf(a.Log, "node agent %s: watching pods: %v\n", a.NodeName, err)
		return
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if n%10 == 0 {
			a.heartbeat(ctx)
		}
		for _, pod := range pods() {
			a.sync(ctx, pod)
		}
	}
}

// podSource starts a watch of the agent's unfinished pods, as a kubelet has,
// and returns what reads its store on each tick. A list on every tick would
// serialise every unfinished pod (thousands in the scale benchmark) five
// times a second; the watch costs the API server one event per change.
func (a *NodeAgent) podSource(ctx context.Context, selector fields.Selector) (func() []*corev1.Pod, error) {
	clientset, err := kubernetes.NewForConfig(a.Config)
	if err != nil {
		return nil, err
	}
	watch := cache.NewFilteredListWatchFromClient(clientset.CoreV1().RESTClient(), "pods", metav1.NamespaceAll,
		func(o *metav1.ListOptions) { o.FieldSelector = selector.String() })
	store, informer := cache.NewInformerWithOptions(cache.InformerOptions{
		ListerWatcher: watch, ObjectType: &corev1.Pod{}, Handler: cache.ResourceEventHandlerFuncs{}})
	go informer.RunWithContext(ctx)
	return func() []*corev1.Pod {
		if !informer.HasSynced() {
			return nil
		}
		var pods []*corev1.Pod
		for _, obj := range store.List() {
			// sync may write the pod back: keep the store's copy intact.
			pods = append(pods, obj.(*corev1.Pod).DeepCopy())
		}
		return pods
	}, nil
}

func (a *NodeAgent) sync(ctx context.Context, pod *corev1.Pod) {
	a.mu.Lock()
	cmd, started := a.running[pod.UID]
	a.mu.Unlock()
	if pod.DeletionTimestamp != nil {
		if started && cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
		// Confirm the deletion, as the kubelet does once containers are gone.
		_ = a.Client.Delete(ctx, pod, client.GracePeriodSeconds(0))
		return
	}
	if started || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return
	}
	a.start(ctx, pod)
}

// start runs the pod's container as a local process.
func (a *NodeAgent) start(ctx context.Context, pod *corev1.Pod) {
	if a.FastRunner != nil {
		a.mu.Lock()
		a.running[pod.UID] = &exec.Cmd{}
		a.mu.Unlock()
		go func() {
			code, msg := a.FastRunner(pod)
			reason := map[bool]string{true: "Completed", false: "Error"}[code == 0]
			a.finish(context.Background(), pod, code, reason, msg)
		}()
		return
	}
	dir := filepath.Join(a.Dir, string(pod.UID))
	c := pod.Spec.Containers[0]
	if err := os.MkdirAll(dir, 0o750); err != nil {
		a.finish(ctx, pod, 128, "ContainerCannotRun", err.Error())
		return
	}
	mapping, err := a.prepareVolumes(ctx, pod, dir)
	if err != nil {
		a.finish(ctx, pod, 128, "ContainerCannotRun", err.Error())
		return
	}
	termLog := filepath.Join(dir, "termination-log")
	mapping = append(mapping, [2]string{c.TerminationMessagePath, termLog})
	bin := ""
	env := []string{"HOME=" + dir, "PATH=/usr/bin:/bin"}
	switch {
	case len(c.Command) == 1 && c.Command[0] == "/fairctl":
		bin = a.Fairctl
	case len(c.Command) == 1 && c.Command[0] == "/manager" && a.Manager != "":
		bin = a.Manager
		env = append(env, "KUBECONFIG="+a.Kubeconfig)
	default:
		a.finish(ctx, pod, 127, "ContainerCannotRun",
			fmt.Sprintf("node agent runs only /fairctl and /manager, not %v", c.Command))
		return
	}
	args := make([]string, len(c.Args))
	for i, arg := range c.Args {
		args[i] = remap(arg, mapping)
	}
	cmd := exec.Command(bin, args...) //nolint:gosec // test infrastructure running the project's own binaries
	cmd.Dir = dir
	cmd.Env = env
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			v = fieldValue(pod, e.ValueFrom.FieldRef.FieldPath)
		}
		cmd.Env = append(cmd.Env, e.Name+"="+remap(v, mapping))
	}
	logs, err := os.Create(filepath.Join(dir, "container.log"))
	if err != nil {
		a.finish(ctx, pod, 128, "ContainerCannotRun", err.Error())
		return
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		a.finish(ctx, pod, 127, "ContainerCannotRun", err.Error())
		return
	}
	a.mu.Lock()
	a.running[pod.UID] = cmd
	a.mu.Unlock()
	var oomKilled atomic.Bool
	if limit, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		go enforceMemoryLimit(cmd.Process.Pid, limit.Value(), &oomKilled)
	}
	now := metav1.Now()
	ready := c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil
	pod.Status = runningStatus(pod, now, ready)
	_ = a.Client.Status().Update(ctx, pod)
	if !ready {
		go a.probe(ctx, pod, now)
	}
	go func() {
		err := cmd.Wait()
		_ = logs.Close()
		code := int32(0)
		if ee, ok := err.(*exec.ExitError); ok {
			code = int32(ee.ExitCode()) //nolint:gosec // exit codes fit
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				code = 128 + int32(ws.Signal()) // as container runtimes report a signal
			}
		} else if err != nil {
			code = 128
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			a.peakMu.Lock()
			if a.peakRSS == nil {
				a.peakRSS = map[string]int64{}
			}
			a.peakRSS[pod.Name] = ru.Maxrss * 1024
			a.peakMu.Unlock()
		}
		msg, _ := os.ReadFile(termLog)
		if len(msg) > maxTerminationMessage {
			msg = msg[:maxTerminationMessage]
		}
		reason := "Completed"
		switch {
		case oomKilled.Load():
			code, reason = 137, "OOMKilled"
		case code != 0:
			reason = "Error"
		}
		fmt.Fprintf(a.Log, "node agent: pod %s/%s exited %d\n", pod.Namespace, pod.Name, code)
		a.finish(context.Background(), pod, code, reason, string(msg))
	}()
}

// finish writes the terminated container state and the pod phase.
func (a *NodeAgent) finish(ctx context.Context, pod *corev1.Pod, code int32, reason, msg string) {
	if a.gone.Load() {
		return
	}
	// Like the kubelet, keep trying while the API server is away (for up to
	// two minutes: it restarts in the fault-injection suite).
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		var cur corev1.Pod
		if err := a.Client.Get(ctx, client.ObjectKeyFromObject(pod), &cur); err != nil {
			if apierrors.IsNotFound(err) || ctx.Err() != nil {
				return
			}
			time.Sleep(250 * time.Millisecond)
			continue
		}
		phase := corev1.PodSucceeded
		if code != 0 {
			phase = corev1.PodFailed
		}
		now := metav1.Now()
		start := cur.Status.StartTime
		if start == nil {
			start = &now
		}
		c := cur.Spec.Containers[0]
		cur.Status = corev1.PodStatus{Phase: phase, StartTime: start, HostIP: "127.0.0.1", PodIP: "127.0.0.1",
			ContainerStatuses: []corev1.ContainerStatus{{Name: c.Name, Image: c.Image, Started: new(false),
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason,
					Message: msg, StartedAt: *start, FinishedAt: now}}}}}
		err := a.Client.Status().Update(ctx, &cur)
		if err == nil || apierrors.IsNotFound(err) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// prepareVolumes writes ConfigMap and Secret volumes into the pod folder and
// returns container path -> host path mappings. PersistentVolumeClaims are
// expected as folders named after the claim under Dir/../volumes.
func (a *NodeAgent) prepareVolumes(ctx context.Context, pod *corev1.Pod, dir string) ([][2]string, error) {
	var mapping [][2]string
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		vols[v.Name] = v
	}
	for _, m := range pod.Spec.Containers[0].VolumeMounts {
		v := vols[m.Name]
		host := filepath.Join(dir, "volumes", m.Name)
		if err := os.MkdirAll(host, 0o750); err != nil {
			return nil, err
		}
		switch {
		case v.ConfigMap != nil:
			var cm corev1.ConfigMap
			if err := a.Client.Get(ctx, client.ObjectKey{Namespace: pod.Namespace, Name: v.ConfigMap.Name}, &cm); err != nil {
				return nil, fmt.Errorf("configmap %q: %w", v.ConfigMap.Name, err)
			}
			for _, item := range v.ConfigMap.Items {
				data := []byte(cm.Data[item.Key])
				if b, ok := cm.BinaryData[item.Key]; ok {
					data = b
				}
				if err := os.WriteFile(filepath.Join(host, item.Path), data, 0o640); err != nil {
					return nil, err
				}
			}
		case v.Secret != nil:
			var s corev1.Secret
			if err := a.Client.Get(ctx, client.ObjectKey{Namespace: pod.Namespace, Name: v.Secret.SecretName}, &s); err != nil {
				return nil, fmt.Errorf("secret %q: %w", v.Secret.SecretName, err)
			}
			for k, val := range s.Data {
				if err := os.WriteFile(filepath.Join(host, k), val, 0o600); err != nil {
					return nil, err
				}
			}
		case v.PersistentVolumeClaim != nil:
			host = filepath.Join(a.Dir, "..", "volumes", v.PersistentVolumeClaim.ClaimName)
		}
		mapping = append(mapping, [2]string{m.MountPath, host})
	}
	return mapping, nil
}

// remap rewrites container paths to host paths, as bind mounts would: a
// mount path is replaced where a path starts with it (at the start of the
// string or after a quote, '=' or space) and it ends there or at a '/'.
func remap(s string, mapping [][2]string) string {
	for _, m := range mapping {
		re := regexp.MustCompile(`(^|["=\s])` + regexp.QuoteMeta(m[0]) + `(/|"|\s|$)`)
		s = re.ReplaceAllString(s, "${1}"+strings.ReplaceAll(m[1], "$", "$$")+"${2}")
	}
	return s
}

// fieldValue resolves the downward-API field paths Jobs use.
func fieldValue(pod *corev1.Pod, path string) string {
	const ann, lab = "metadata.annotations['", "metadata.labels['"
	switch {
	case strings.HasPrefix(path, ann):
		return pod.Annotations[strings.TrimSuffix(strings.TrimPrefix(path, ann), "']")]
	case strings.HasPrefix(path, lab):
		return pod.Labels[strings.TrimSuffix(strings.TrimPrefix(path, lab), "']")]
	case path == "metadata.name":
		return pod.Name
	case path == "metadata.namespace":
		return pod.Namespace
	}
	return ""
}

// heartbeat renews the node's Lease, as the kubelet does, so that the node
// lifecycle controller sees the node alive (and not once it vanishes).
func (a *NodeAgent) heartbeat(ctx context.Context) {
	now := metav1.NowMicro()
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: corev1.NamespaceNodeLease, Name: a.NodeName}}
	err := a.Client.Get(ctx, client.ObjectKeyFromObject(lease), lease)
	if apierrors.IsNotFound(err) {
		lease.Spec = coordinationv1.LeaseSpec{HolderIdentity: &a.NodeName, LeaseDurationSeconds: new(int32(40)),
			RenewTime: &now}
		_ = a.Client.Create(ctx, lease)
		return
	}
	if err == nil {
		lease.Spec.RenewTime = &now
		_ = a.Client.Update(ctx, lease)
	}
}

// Vanish plays a node that died: its containers die with it and nothing is
// reported any more (no pod status, no heartbeat). Cancel Run's context too.
func (a *NodeAgent) Vanish() {
	a.gone.Store(true)
	a.KillAll()
}

// Signal sends sig to the container process of a pod (a crash from outside).
func (a *NodeAgent) Signal(uid types.UID, sig syscall.Signal) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	cmd, ok := a.running[uid]
	if !ok || cmd.Process == nil {
		return fmt.Errorf("no container process for pod %s", uid)
	}
	return cmd.Process.Signal(sig)
}

// KillAll stops every running container process.
func (a *NodeAgent) KillAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, cmd := range a.running {
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
	}
}

// runningStatus is the status of a pod whose container runs.
func runningStatus(pod *corev1.Pod, started metav1.Time, ready bool) corev1.PodStatus {
	c := pod.Spec.Containers[0]
	cond := corev1.ConditionFalse
	if ready {
		cond = corev1.ConditionTrue
	}
	return corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &started, HostIP: "127.0.0.1", PodIP: "127.0.0.1",
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.ContainersReady, Status: cond, LastTransitionTime: metav1.Now()},
			{Type: corev1.PodReady, Status: cond, LastTransitionTime: metav1.Now()}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: c.Name, Image: c.Image, Ready: ready, Started: new(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}}}}
}

// probe runs the container's HTTP readiness probe against the local process
// (it listens on the host's loopback) and reports the pod Ready once it passes.
func (a *NodeAgent) probe(ctx context.Context, pod *corev1.Pod, started metav1.Time) {
	h := pod.Spec.Containers[0].ReadinessProbe.HTTPGet
	port := h.Port.IntValue()
	if port == 0 {
		for _, p := range pod.Spec.Containers[0].Ports {
			if p.Name == h.Port.String() {
				port = int(p.ContainerPort)
			}
		}
	}
	url := fmt.Sprintf("http://127.0.0.1:%d%s", port, h.Path)
	httpClient := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(300 * time.Millisecond):
		}
		resp, err := httpClient.Get(url)
		if err != nil {
			continue
		}
		_ = resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			continue
		}
		var cur corev1.Pod
		if err := a.Client.Get(ctx, client.ObjectKeyFromObject(pod), &cur); err != nil {
			return
		}
		cur.Status = runningStatus(&cur, started, true)
		if err := a.Client.Status().Update(ctx, &cur); err == nil {
			fmt.Fprintf(a.Log, "node agent: pod %s/%s is ready\n", pod.Namespace, pod.Name)
			return
		}
	}
}
