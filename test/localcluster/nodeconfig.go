package localcluster

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeNodeConfigs writes containerd's, the CNI network's and the kubelet's
// configuration under state. The settings that differ from their defaults
// are each needed on these machines (see ../shared/REAL-NODE.md): root lacks
// CAP_SYS_RESOURCE (restrict_oom_score_adj), cgroup v1 (failCgroupV1), no
// registry (a local sandbox image, no image garbage collection).
func (c *Cluster) writeNodeConfigs(state string) error {
	containerd := fmt.Sprintf(`version = 2
root = %[1]q
state = %[2]q
[grpc]
  address = %[3]q
[ttrpc]
  address = %[4]q
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %[5]q
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "/usr/sbin/runc"
        Root = %[6]q
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = %[7]q
`, filepath.Join(state, "containerd", "root"), filepath.Join(state, "containerd", "state"),
		filepath.Join(state, "containerd", "containerd.sock"), filepath.Join(state, "containerd", "containerd.sock.ttrpc"),
		sandboxImage, filepath.Join(state, "runc-root"), filepath.Join(state, "cni", "net.d"))
	// No default route, no masquerading: pods have routes only to the node's
	// address (the API server, the tests' servers) and the Service range
	// (which kube-proxy sends to the node), so nothing leaves the machine.
	cni := fmt.Sprintf(`{
  "cniVersion": "0.4.0",
  "name": "fairness-pods",
  "plugins": [{
    "type": "bridge",
    "bridge": %q,
    "isGateway": true,
    "ipMasq": false,
    "hairpinMode": false,
    "ipam": {"type": "host-local", "ranges": [[{"subnet": %q}]], "dataDir": %q,
             "routes": [{"dst": "%s/32"}, {"dst": %q}]}
  }]
}
`, podBridge, podCIDR, filepath.Join(state, "cni", "ipam"), nodeIP, serviceCIDR)
	kubelet := fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /%s
containerRuntimeEndpoint: unix://%s
podLogsDir: %s
address: %s
port: %d
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 20248
authentication: {anonymous: {enabled: false}, webhook: {enabled: false}, x509: {clientCAFile: %s}}
authorization: {mode: AlwaysAllow}
failSwapOn: false
imageGCHighThresholdPercent: 100
evictionHard: {memory.available: "100Mi", nodefs.available: "1%%", imagefs.available: "1%%"}
nodeLeaseDurationSeconds: 10
nodeStatusUpdateFrequency: 2s
syncFrequency: 5s
maxPods: 250
serializeImagePulls: false
`, cgroupRoot, filepath.Join(state, "containerd", "containerd.sock"), filepath.Join(state, "kubelet", "pod-logs"),
		nodeIP, kubeletPort, c.pki.path("ca.crt"))
	for name, text := range map[string]string{
		"containerd.toml":                     containerd,
		"cni/net.d/10-fairness-pods.conflist": cni,
		"kubelet.yaml":                        kubelet,
	} {
		if err := os.WriteFile(filepath.Join(state, name), []byte(text), 0o600); err != nil {
			return err
		}
	}
	return nil
}
