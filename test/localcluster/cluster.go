// Package localcluster runs a small but real Kubernetes cluster on this
// machine for the end-to-end and fault tests and `make demo`: etcd,
// kube-apiserver (its own certificate authority, Node and RBAC
// authorization, signed ServiceAccount tokens), kube-controller-manager and
// kube-scheduler as processes, and one node of one of two kinds:
//
//   - NodeReal: a real kubelet with containerd, runc and a CNI bridge, plus
//     kube-proxy, so pods run in containers from images imported into
//     containerd and reach the API server through its Service. It needs root
//     and containerd, runc and the CNI plugins (hack/install-node-packages.sh).
//     One real node runs per machine at a time (a lock).
//   - NodeProcess: a SIMULATED kubelet, the node agent (test infrastructure):
//     it runs a pod's only container as a local process of the fairctl or
//     manager binary and writes pod status the way the kubelet does. It stays
//     for what one real node cannot hold (the controller-at-scale benchmark's
//     thousands of pods) and for machines without root.
//
// Everything else (Job controller backoff and indexed completion,
// scheduling, garbage collection, node lifecycle) is the real Kubernetes code.
package localcluster

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

// NodeName is the name of the cluster's one node.
const NodeName = "local-node"

// NodeKind chooses what plays the node.
type NodeKind string

const (
	// NodeProcess is the simulated kubelet (see the package comment).
	NodeProcess NodeKind = "process"
	// NodeReal is a real kubelet with containerd and runc.
	NodeReal NodeKind = "real"
)

// Options configure the cluster.
type Options struct {
	// Dir holds the certificates, kubeconfigs, component logs and node state.
	Dir string
	// Node is what plays the node (default NodeProcess).
	Node NodeKind
	// Images are image tarballs imported into the real node's containerd
	// (the pause image among them).
	Images []string
	// ChartInstallsCRDs leaves the CRDs to `helm install` of the chart.
	ChartInstallsCRDs bool
	// Fairctl is the fairctl binary that the simulated node runs for /fairctl.
	Fairctl string
	// Manager, when set, is the manager binary that the simulated node runs
	// for /manager, with the admin kubeconfig standing in for in-cluster
	// credentials.
	Manager string
	// Log receives progress lines (nil: discarded).
	Log io.Writer
	// FastRunner replaces running containers on the simulated node (see
	// NodeAgent.FastRunner).
	FastRunner func(pod *corev1.Pod) (code int32, message string)
}

// Cluster is a running local cluster with one node.
type Cluster struct {
	Config     *rest.Config
	Client     client.Client
	Scheme     *runtime.Scheme
	Kubeconfig string
	// HostIP is the host address that pods reach: servers a test runs for
	// pods (data sources, notification receivers) listen on it.
	HostIP string
	Node   NodeKind

	pki            *pki
	etcdURL        string
	apiURL         string
	procs          []*process
	containerdSock string
	assets         string
	nodeLock       *os.File
	agent          *NodeAgent
	cancel         context.CancelFunc
	opts           Options
}

type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

// Start brings the cluster up; on error everything started is stopped.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Node == "" {
		opts.Node = NodeProcess
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	opts.Dir = dir
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, err
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := fairnessv1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	assets, err := envtestutil.AssetsDir()
	if err != nil {
		return nil, err
	}
	need := []string{"kube-controller-manager", "kube-scheduler"}
	if opts.Node == NodeReal {
		need = append(need, "kubelet", "kube-proxy")
	}
	for _, bin := range need {
		if _, err := os.Stat(filepath.Join(assets, bin)); err != nil {
			return nil, fmt.Errorf("%s not found in %s: run `make controlplane`", bin, assets)
		}
	}
	c := &Cluster{Scheme: scheme, Node: opts.Node, HostIP: loopback, assets: assets, opts: opts}
	ok := false
	defer func() {
		if !ok {
			c.Stop()
		}
	}()
	if opts.Node == NodeReal {
		if err := CanRunRealNode(); err != nil {
			return nil, err
		}
		fmt.Fprintln(opts.Log, "real node: waiting for the machine's real-node lock")
		if c.nodeLock, err = lockRealNode(); err != nil {
			return nil, err
		}
		cleanStaleRealNode(opts.Log, filepath.Join(assets, "kube-proxy"))
		c.recordRealNode()
		if err := prepareHostNetwork(); err != nil {
			return nil, err
		}
		c.HostIP = nodeIP
	}
	if c.pki, err = newPKI(filepath.Join(opts.Dir, "pki")); err != nil {
		return nil, err
	}
	fmt.Fprintln(opts.Log, "starting etcd and kube-apiserver")
	if err := c.startControlPlane(ctx, assets, c.HostIP, opts.Node == NodeReal); err != nil {
		return nil, err
	}
	if c.Client, err = client.New(c.Config, client.Options{Scheme: scheme}); err != nil {
		return nil, err
	}
	fmt.Fprintln(opts.Log, "starting kube-controller-manager and kube-scheduler")
	if err := c.startComponents(assets); err != nil {
		return nil, err
	}
	if opts.Node == NodeReal {
		fmt.Fprintln(opts.Log, "starting the real node: containerd, kubelet, kube-proxy")
		if err := c.startRealNode(ctx, assets); err != nil {
			return nil, err
		}
	} else {
		agentCtx, cancel := context.WithCancel(ctx)
		c.cancel = cancel
		c.agent = &NodeAgent{Client: c.Client, Config: c.Config, NodeName: NodeName,
			Fairctl: opts.Fairctl, Manager: opts.Manager,
			Kubeconfig: c.Kubeconfig, Dir: filepath.Join(opts.Dir, "pods"), Log: opts.Log, FastRunner: opts.FastRunner}
		fmt.Fprintln(opts.Log, "registering node", NodeName, "(simulated kubelet)")
		if err := c.agent.Register(agentCtx); err != nil {
			return nil, err
		}
		go c.agent.Run(agentCtx)
	}
	ok = true
	return c, nil
}

// Listen opens a TCP listener on a free port of HostIP, for a server that
// pods (and the host) reach.
func (c *Cluster) Listen() (net.Listener, error) {
	return net.Listen("tcp", net.JoinHostPort(c.HostIP, "0"))
}

// CanRunRealNode says why this machine cannot run a real node (nil: it can).
func CanRunRealNode() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("a real node needs root")
	}
	for _, bin := range []string{"containerd", "ctr", "runc", "ip", "iptables",
		"/usr/lib/cni/bridge", "/usr/lib/cni/host-local"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("a real node needs %s: run hack/install-node-packages.sh as root", bin)
		}
	}
	return nil
}

func (c *Cluster) startComponents(assets string) error {
	kcm, err := c.pki.kubeconfig("controller-manager", c.apiURL)
	if err != nil {
		return err
	}
	sched, err := c.pki.kubeconfig("scheduler", c.apiURL)
	if err != nil {
		return err
	}
	if err := c.startProcess(filepath.Join(assets, "kube-controller-manager"), "kube-controller-manager.log",
		"--kubeconfig="+kcm, "--leader-elect=false", "--use-service-account-credentials=false", "--secure-port=0",
		"--controllers=job-controller,garbage-collector-controller,ttl-after-finished-controller,"+
			"pod-garbage-collector-controller,serviceaccount-controller,root-ca-certificate-publisher-controller,"+
			"deployment-controller,replicaset-controller,node-lifecycle-controller,taint-eviction-controller,"+
			"endpointslice-controller,disruption-controller",
		"--service-account-private-key-file="+c.pki.path("sa.key"), "--root-ca-file="+c.pki.path("ca.crt"),
		"--node-monitor-period=2s", "--node-monitor-grace-period=10s",
		"--kube-api-qps=200", "--kube-api-burst=400", "--concurrent-job-syncs=10"); err != nil {
		return err
	}
	return c.startProcess(filepath.Join(assets, "kube-scheduler"), "kube-scheduler.log",
		"--kubeconfig="+sched, "--leader-elect=false", "--secure-port=0",
		"--kube-api-qps=200", "--kube-api-burst=400")
}

func (c *Cluster) startProcess(bin, logName string, args ...string) error {
	logFile, err := os.Create(filepath.Join(c.opts.Dir, logName))
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return fmt.Errorf("starting %s: %w", filepath.Base(bin), err)
	}
	p := &process{name: filepath.Base(bin), cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait() // the exit status of a component is in its log
		_ = logFile.Close()
		close(p.done)
	}()
	c.procs = append(c.procs, p)
	return nil
}

// stop ends one process: SIGTERM, then SIGKILL after grace.
func (p *process) stop(grace time.Duration) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (c *Cluster) proc(name string) *process {
	for _, p := range slices.Backward(c.procs) {
		if p.name == name {
			return p
		}
	}
	return nil
}

// SignalContainer sends sig to the process of a running pod's (only)
// container: on a real node the container's init process, by its host PID.
func (c *Cluster) SignalContainer(pod *corev1.Pod, sig syscall.Signal) error {
	if c.Node != NodeReal {
		return c.agent.Signal(pod.UID, sig)
	}
	if len(pod.Status.ContainerStatuses) == 0 {
		return fmt.Errorf("pod %s has no container status", pod.Name)
	}
	pid, err := c.ContainerPID(pod.Status.ContainerStatuses[0].ContainerID)
	if err != nil {
		return err
	}
	return syscall.Kill(pid, sig)
}

// PeakRSS is the peak resident memory of a finished pod's container
// (bytes), as the simulated node measures it.
func (c *Cluster) PeakRSS(pod string) int64 { return c.agent.PeakRSS(pod) }

// VanishNode plays the node dying. On a real node the kubelet is killed
// (SIGKILL): containers keep running, but nothing reports their status or
// the node's heartbeat, and the node lifecycle controller marks it. On the
// simulated node the agent stops and its processes die.
func (c *Cluster) VanishNode() error {
	if c.Node == NodeReal {
		p := c.proc("kubelet")
		if p == nil {
			return fmt.Errorf("no kubelet running")
		}
		_ = p.cmd.Process.Kill()
		<-p.done
		return nil
	}
	c.agent.Vanish()
	c.cancel()
	return nil
}

// ReviveNode brings the node back with the same name: the kubelet restarts
// with the same command line (it finds its containers again), or a new
// agent registers.
func (c *Cluster) ReviveNode(ctx context.Context) error {
	if c.Node == NodeReal {
		old := c.proc("kubelet")
		if old == nil {
			return fmt.Errorf("the kubelet never ran")
		}
		logName := fmt.Sprintf("kubelet-%d.log", time.Now().UnixNano())
		if err := c.startProcess(old.cmd.Path, logName, old.cmd.Args[1:]...); err != nil {
			return err
		}
		return c.waitNodeReady(ctx, time.Minute)
	}
	c.agent.gone.Store(false)
	agentCtx, cancel := context.WithCancel(ctx)
	c.cancel = cancel
	if err := c.agent.Register(agentCtx); err != nil {
		return err
	}
	go c.agent.Run(agentCtx)
	return nil
}

// Stop stops every component, each by its own PID, in the reverse order
// of start: the node first (kubelet, its containers, containerd), then the
// control plane, then etcd; a real node's host-wide traces are removed.
func (c *Cluster) Stop() {
	if c.cancel != nil {
		c.cancel()
	}
	if c.agent != nil {
		c.agent.KillAll()
	}
	if c.Node == NodeReal {
		for _, name := range []string{"kube-proxy", "kubelet"} {
			if p := c.proc(name); p != nil {
				p.stop(10 * time.Second)
			}
		}
		if c.containerdSock != "" {
			c.stopContainers()
		}
		if p := c.proc("containerd"); p != nil {
			p.stop(10 * time.Second)
		}
	}
	for _, p := range slices.Backward(c.procs) {
		p.stop(10 * time.Second)
	}
	if c.Node == NodeReal && c.nodeLock != nil {
		killProcessesNaming(c.opts.Dir)
		cleanHost(c.opts.Log, c.opts.Dir, filepath.Join(c.assets, "kube-proxy"))
		_ = os.Remove(realNodeRecord)
		_ = c.nodeLock.Close()
		c.nodeLock = nil
	}
}
