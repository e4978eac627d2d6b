package localcluster

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// realNodeRecord names the state folder of the real node that holds (or
// last held) the lock, so the next one can clean up after a test binary that
// was killed before its Stop ran.
const realNodeRecord = "/run/fairness-real-node.record"

// recordRealNode writes the state folder. Its processes need no record:
// every one of them names the folder on its command line.
func (c *Cluster) recordRealNode() {
	_ = os.WriteFile(realNodeRecord, []byte(c.opts.Dir+"\n"), 0o600)
}

// cleanStaleRealNode undoes what a previous real node left behind: its
// processes, mounts, network namespaces, cgroups, bridges and kube-proxy's
// rules.
func cleanStaleRealNode(log io.Writer, kubeProxy string) {
	raw, err := os.ReadFile(realNodeRecord)
	dir := strings.TrimSpace(string(raw))
	if err != nil || dir == "" {
		cleanHost(log, "", kubeProxy)
		return
	}
	if n := killProcessesNaming(dir); n > 0 {
		fmt.Fprintf(log, "real node: killed %d processes left by a previous run in %s\n", n, dir)
	}
	cleanHost(log, dir, kubeProxy)
}

// killProcessesNaming kills every process whose command line names the
// state folder (the components, and the containerd shims, whose containers
// die with them), except this process and its parent.
func killProcessesNaming(state string) int {
	killed := 0
	for pid, argv := range processes() {
		if pid == os.Getpid() || pid == os.Getppid() || !strings.Contains(strings.Join(argv, " "), state) {
			continue
		}
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			killed++
		}
	}
	return killed
}

// cleanHost removes the host-wide traces of a node whose state folder was
// dir ("" when unknown): lazily unmounts everything under it and the CNI
// network namespaces, removes the pod cgroups depth first, deletes the
// bridges, and has kube-proxy remove its iptables rules.
func cleanHost(log io.Writer, dir, kubeProxy string) {
	var mounts []string
	if f, err := os.Open("/proc/self/mountinfo"); err == nil {
		s := bufio.NewScanner(f)
		for s.Scan() {
			fields := strings.Fields(s.Text())
			if len(fields) < 5 {
				continue
			}
			mp := fields[4]
			if (dir != "" && strings.HasPrefix(mp, dir+"/")) || strings.HasPrefix(mp, "/run/netns/cni-") {
				mounts = append(mounts, mp)
			}
		}
		_ = f.Close()
	}
	// Deepest first, so a parent is not held busy by a child.
	slices.SortFunc(mounts, func(a, b string) int { return len(b) - len(a) })
	for _, mp := range mounts {
		if err := syscall.Unmount(mp, syscall.MNT_DETACH); err != nil && log != nil {
			fmt.Fprintf(log, "real node: unmounting %s: %v\n", mp, err)
		}
	}
	if netns, _ := filepath.Glob("/run/netns/cni-*"); len(netns) > 0 {
		for _, n := range netns {
			_ = os.Remove(n)
		}
	}
	hierarchies, _ := filepath.Glob("/sys/fs/cgroup/*")
	for _, h := range hierarchies {
		removeCgroupTree(filepath.Join(h, cgroupRoot))
	}
	for _, link := range []string{podBridge, nodeBridge} {
		_ = exec.Command("ip", "link", "del", link).Run() // absent: nothing to do
	}
	if kubeProxy != "" {
		_ = exec.Command(kubeProxy, "--cleanup").Run()
	}
	removeKubeletChains()
}

// removeKubeletChains removes the iptables chains the kubelet adds (its
// localnet firewall, its canaries and its hint), in IPv4 and IPv6.
func removeKubeletChains() {
	const filter = "filter"
	for _, tool := range []string{"iptables", "ip6tables"} {
		for _, rule := range [][]string{
			{"-t", filter, "-D", "INPUT", "-j", "KUBE-FIREWALL"},
			{"-t", filter, "-D", "OUTPUT", "-j", "KUBE-FIREWALL"},
			{"-t", filter, "-F", "KUBE-FIREWALL"}, {"-t", filter, "-X", "KUBE-FIREWALL"},
		} {
			_ = exec.Command(tool, rule...).Run() // absent: nothing to do
		}
		for _, table := range []string{filter, "nat", "mangle"} {
			_ = exec.Command(tool, "-t", table, "-F", "KUBE-KUBELET-CANARY").Run()
			_ = exec.Command(tool, "-t", table, "-X", "KUBE-KUBELET-CANARY").Run()
		}
		_ = exec.Command(tool, "-t", "mangle", "-X", "KUBE-IPTABLES-HINT").Run()
	}
}

// removeCgroupTree removes a cgroup folder and its children, depth first;
// a cgroup whose last task just exited may need a moment.
func removeCgroupTree(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() {
			removeCgroupTree(filepath.Join(dir, e.Name()))
		}
	}
	for range 20 {
		if err := syscall.Rmdir(dir); err == nil || os.IsNotExist(err) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stopContainers kills every task and removes every container of the
// kubelet's namespace, with containerd still running.
func (c *Cluster) stopContainers() {
	out, err := c.ctr("tasks", "ls", "-q")
	if err == nil {
		for id := range strings.FieldsSeq(string(out)) {
			_, _ = c.ctr("tasks", "kill", "-s", "SIGKILL", id)
			_, _ = c.ctr("tasks", "delete", "-f", id)
		}
	}
	if out, err := c.ctr("containers", "ls", "-q"); err == nil {
		for id := range strings.FieldsSeq(string(out)) {
			_, _ = c.ctr("containers", "rm", id)
		}
	}
}
