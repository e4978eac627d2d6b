package localcluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The real node's fixed names and addresses. kubelet and containerd 1.6 use
// some host-wide paths and ports, so one real node runs per machine at a
// time (realNodeLock).
const (
	// nodeBridge is an empty bridge holding the node's address: the kubelet
	// refuses a loopback node IP, and dummy links are not supported here.
	nodeBridge = "fairnode0"
	// NodeIP is the node's InternalIP. The API server and the servers tests
	// run for pods listen on it; pods reach it through their gateway.
	nodeIP = "10.200.0.1"
	// podBridge and podCIDR are the CNI bridge network of pods.
	podBridge    = "fairpods0"
	podCIDR      = "10.201.0.0/24"
	cgroupRoot   = "fairness-node"
	realNodeLock = "/run/fairness-real-node.lock"
	kubeletPort  = 20250
	sandboxImage = "local.test/pause:v1"
)

// startRealNode brings up containerd (with the images), the CNI bridge,
// kube-proxy and a kubelet registered as NodeName, and waits for the Node
// to be Ready.
func (c *Cluster) startRealNode(ctx context.Context, assets string) error {
	state := c.nodeState()
	for _, d := range []string{"containerd", "cni/net.d", "cni/ipam", "kubelet/root", "kubelet/pki",
		"kubelet/pod-logs", "runc-root"} {
		if err := os.MkdirAll(filepath.Join(state, d), 0o750); err != nil {
			return err
		}
	}
	if err := c.writeNodeConfigs(state); err != nil {
		return err
	}
	sock := filepath.Join(state, "containerd", "containerd.sock")
	c.containerdSock = sock
	containerdConfig := filepath.Join(state, "containerd.toml")
	if err := c.startProcess("containerd", "containerd.log", "--config", containerdConfig); err != nil {
		return err
	}
	if err := waitFor(ctx, 30*time.Second, "containerd's socket", func() bool {
		return exec.Command("ctr", "-a", sock, "version").Run() == nil
	}); err != nil {
		return err
	}
	for _, image := range c.opts.Images {
		if out, err := c.ctr("images", "import", "--no-unpack=false", image); err != nil {
			return fmt.Errorf("importing %s: %v: %s", image, err, out)
		}
	}
	kubeletConfig, err := c.pki.kubeconfig("node", c.apiURL)
	if err != nil {
		return err
	}
	if err := c.startProcess(filepath.Join(assets, "kubelet"), "kubelet.log",
		"--config="+filepath.Join(state, "kubelet.yaml"), "--kubeconfig="+kubeletConfig,
		"--root-dir="+filepath.Join(state, "kubelet", "root"), "--cert-dir="+filepath.Join(state, "kubelet", "pki"),
		"--hostname-override="+NodeName, "--node-ip="+nodeIP, "--v=1"); err != nil {
		return err
	}

	proxyConfig, err := c.pki.kubeconfig("kube-proxy", c.apiURL)
	if err != nil {
		return err
	}
	if err := c.startProcess(filepath.Join(assets, "kube-proxy"), "kube-proxy.log",
		"--kubeconfig="+proxyConfig, "--hostname-override="+NodeName, "--proxy-mode=iptables",
		"--cluster-cidr="+podCIDR, "--conntrack-max-per-core=0", "--metrics-bind-address=127.0.0.1:20249",
		"--healthz-bind-address=127.0.0.1:20256", "--iptables-sync-period=5s"); err != nil {
		return err
	}
	if err := c.waitNodeReady(ctx, 2*time.Minute); err != nil {
		return err
	}
	return c.startBystander(ctx)
}

// BystanderNode is a second, simulated and unschedulable node of a cluster
// with a real node. With a single node, a dead kubelet puts the node
// lifecycle controller into its full-disruption mode, in which it marks no
// pod not ready (it assumes the control plane, not the node, is cut off); a
// real cluster has more nodes, and the bystander is that: it only renews its
// lease, and no pod is scheduled to it.
const BystanderNode = "local-bystander"

func (c *Cluster) startBystander(ctx context.Context) error {
	agentCtx, cancel := context.WithCancel(ctx)
	c.cancel = cancel
	c.agent = &NodeAgent{Client: c.Client, Config: c.Config, NodeName: BystanderNode,
		Dir: filepath.Join(c.opts.Dir, "bystander"),
		Log: c.opts.Log}
	if err := c.agent.Register(agentCtx); err != nil {
		return err
	}
	var node corev1.Node
	if err := c.Client.Get(ctx, client.ObjectKey{Name: BystanderNode}, &node); err != nil {
		return err
	}
	// A patch, not an update: the node controllers write the node too, and
	// an update racing them failed the suite's start with a conflict.
	before := node.DeepCopy()
	node.Spec.Unschedulable = true
	if err := c.Client.Patch(ctx, &node, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("cordoning the bystander node: %w", err)
	}
	go c.agent.Run(agentCtx)
	return nil
}

func (c *Cluster) nodeState() string { return filepath.Join(c.opts.Dir, "node") }

// ctr runs containerd's client against the node's containerd, in the
// namespace the kubelet's pods live in.
func (c *Cluster) ctr(args ...string) ([]byte, error) {
	return exec.Command("ctr", append([]string{"-a", c.containerdSock, "-n", "k8s.io"}, args...)...).CombinedOutput()
}

func (c *Cluster) waitNodeReady(ctx context.Context, timeout time.Duration) error {
	what := "node " + NodeName + " Ready (log: " + filepath.Join(c.opts.Dir, "kubelet.log") + ")"
	return waitFor(ctx, timeout, what, func() bool {
		var node corev1.Node
		if err := c.Client.Get(ctx, client.ObjectKey{Name: NodeName}, &node); err != nil {
			return false
		}
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				return cond.Status == corev1.ConditionTrue
			}
		}
		return false
	})
}

// prepareHostNetwork creates the node's bridge and address and the cgroup
// root the kubelet puts pods under (in every cgroup v1 hierarchy).
func prepareHostNetwork() error {
	for _, args := range [][]string{
		{"link", "add", nodeBridge, "type", "bridge"},
		{"addr", "add", nodeIP + "/32", "dev", nodeBridge},
		{"link", "set", nodeBridge, "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	hierarchies, err := filepath.Glob("/sys/fs/cgroup/*")
	if err != nil {
		return err
	}
	for _, h := range hierarchies {
		if filepath.Base(h) == "unified" {
			continue
		}
		if err := os.MkdirAll(filepath.Join(h, cgroupRoot), 0o755); err != nil {
			return err
		}
		if filepath.Base(h) == "cpuset" {
			// A new cpuset is empty; without CPUs and memory nodes no task can join it.
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				v, err := os.ReadFile(filepath.Join(h, f))
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(h, cgroupRoot, f), v, 0o644); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func waitFor(ctx context.Context, timeout time.Duration, what string, done func() bool) error {
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			return fmt.Errorf("waited %v for %s", timeout, what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

// lockRealNode takes the machine-wide real-node lock, waiting for another
// holder to finish.
func lockRealNode() (*os.File, error) {
	f, err := os.OpenFile(realNodeLock, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("locking %s: %w", realNodeLock, err)
	}
	return f, nil
}

// ContainerPID is the host PID of a running container's process, from
// containerd (id as in a pod's containerStatuses, with or without the
// containerd:// prefix).
func (c *Cluster) ContainerPID(id string) (int, error) {
	if c.Node != NodeReal {
		return 0, fmt.Errorf("containers run only on a real node")
	}
	id = strings.TrimPrefix(id, "containerd://")
	out, err := c.ctr("tasks", "ls")
	if err != nil {
		return 0, fmt.Errorf("ctr tasks ls: %v: %s", err, out)
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == id {
			return strconv.Atoi(f[1])
		}
	}
	return 0, fmt.Errorf("container %s has no running task", id)
}
