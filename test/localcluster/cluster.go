// Package localcluster runs a small but real Kubernetes control plane on this
// machine for the end-to-end tests and `make demo`: etcd and kube-apiserver
// (through envtest), kube-controller-manager (Job, garbage-collector,
// TTL and pod-GC controllers) and kube-scheduler as processes, plus a node
// agent.
//
// The node agent is TEST INFRASTRUCTURE, not a kubelet: there is no
// container runtime on these machines, so it registers one Node and runs the
// containers of pods bound to it as local processes of the fairctl binary,
// mapping the container's mount paths and termination-message path onto a
// per-pod folder, and writes pod status the way the kubelet does. Everything
// else (Job controller backoff and indexed completion, scheduling, garbage
// collection) is the real Kubernetes code.
package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

// Options configure the cluster.
type Options struct {
	// Dir holds the kubeconfig, component logs and pod folders.
	Dir string
	// Fairctl is the fairctl binary that pods' /fairctl runs as.
	Fairctl string
	// Manager, when set, is the manager binary that pods' /manager runs as
	// (for the Helm chart's Deployment), with the cluster's admin kubeconfig
	// standing in for the in-cluster service-account credentials.
	Manager string
	// Log receives progress lines (nil: discarded).
	Log io.Writer
	// FastRunner replaces running containers (see NodeAgent.FastRunner).
	FastRunner func(pod *corev1.Pod) (code int32, message string)
}

// Cluster is a running local control plane with one node.
type Cluster struct {
	Env        *envtest.Environment
	Config     *rest.Config
	Client     client.Client
	Scheme     *runtime.Scheme
	Kubeconfig string
	procs      []*exec.Cmd
	agent      *NodeAgent
	cancel     context.CancelFunc
	opts       Options
}

// Start brings the cluster up.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
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
	assets, err := envtestutil.AssetsDir()
	if err != nil {
		return nil, err
	}
	for _, bin := range []string{"kube-controller-manager", "kube-scheduler"} {
		if _, err := os.Stat(filepath.Join(assets, bin)); err != nil {
			return nil, fmt.Errorf("%s not found in %s: run `make controlplane`", bin, assets)
		}
	}
	fmt.Fprintln(opts.Log, "starting etcd and kube-apiserver")
	env, cfg, err := envtestutil.Start()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Env: env, Config: cfg, Scheme: scheme, opts: opts}
	ok := false
	defer func() {
		if !ok {
			c.Stop()
		}
	}()
	if c.Kubeconfig, err = envtestutil.WriteKubeconfig(env, opts.Dir); err != nil {
		return nil, err
	}
	if c.Client, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return nil, err
	}
	fmt.Fprintln(opts.Log, "starting kube-controller-manager and kube-scheduler")
	if err := c.startProcess(filepath.Join(assets, "kube-controller-manager"), "kube-controller-manager.log",
		"--kubeconfig="+c.Kubeconfig, "--leader-elect=false", "--use-service-account-credentials=false", "--secure-port=0",
		"--controllers=job-controller,garbage-collector-controller,ttl-after-finished-controller,"+
			"pod-garbage-collector-controller,serviceaccount-controller,"+
			"deployment-controller,replicaset-controller,node-lifecycle-controller",
		"--node-monitor-period=2s", "--node-monitor-grace-period=10s",
		"--kube-api-qps=200", "--kube-api-burst=400", "--concurrent-job-syncs=10"); err != nil {
		return nil, err
	}
	if err := c.startProcess(filepath.Join(assets, "kube-scheduler"), "kube-scheduler.log",
		"--kubeconfig="+c.Kubeconfig, "--leader-elect=false", "--secure-port=0",
		"--kube-api-qps=200", "--kube-api-burst=400"); err != nil {
		return nil, err
	}
	agentCtx, cancel := context.WithCancel(ctx)
	c.cancel = cancel
	c.agent = &NodeAgent{Client: c.Client, NodeName: "local-node", Fairctl: opts.Fairctl, Manager: opts.Manager,
		Kubeconfig: c.Kubeconfig, Dir: filepath.Join(opts.Dir, "pods"), Log: opts.Log, FastRunner: opts.FastRunner}
	fmt.Fprintln(opts.Log, "registering node local-node")
	if err := c.agent.Register(agentCtx); err != nil {
		return nil, err
	}
	go c.agent.Run(agentCtx)
	ok = true
	return c, nil
}

func (c *Cluster) startProcess(bin, logName string, args ...string) error {
	logFile, err := os.Create(filepath.Join(c.opts.Dir, logName))
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", filepath.Base(bin), err)
	}
	c.procs = append(c.procs, cmd)
	return nil
}

// SignalPod sends sig to a running pod's container process.
func (c *Cluster) SignalPod(uid types.UID, sig syscall.Signal) error { return c.agent.Signal(uid, sig) }

// PeakRSS is the peak resident memory of a finished pod's container (bytes).
func (c *Cluster) PeakRSS(pod string) int64 { return c.agent.PeakRSS(pod) }

// VanishNode plays the node dying: the agent stops, its container processes
// die, and nothing reports their pods' status or the node's heartbeat.
func (c *Cluster) VanishNode() {
	c.agent.Vanish()
	c.cancel()
}

// ReviveNode brings the node agent back (a replaced node with the same name).
func (c *Cluster) ReviveNode(ctx context.Context) error {
	c.agent.gone.Store(false)
	agentCtx, cancel := context.WithCancel(ctx)
	c.cancel = cancel
	if err := c.agent.Register(agentCtx); err != nil {
		return err
	}
	go c.agent.Run(agentCtx)
	return nil
}

// Stop stops every component.
func (c *Cluster) Stop() {
	if c.cancel != nil {
		c.cancel()
	}
	if c.agent != nil {
		c.agent.KillAll()
	}
	for _, p := range c.procs {
		_ = p.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() {
			_ = p.Wait() // exit status of a component we stop: not interesting
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = p.Process.Kill()
			<-done
		}
	}
	if c.Env != nil {
		if err := c.Env.Stop(); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(c.opts.Log, "stopping the API server:", err)
		}
	}
}
