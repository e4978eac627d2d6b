package localcluster

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// realNodeRecord names the state folder and the processes of the real node
// that holds (or last held) the lock, so the next one can clean up after a
// test binary that was killed before its Stop ran.
const realNodeRecord = "/run/fairness-real-node.record"

// recordRealNode writes the state folder and the PIDs started so far.
func (c *Cluster) recordRealNode() {
	var b strings.Builder
	fmt.Fprintln(&b, c.opts.Dir)
	for _, p := range c.procs {
		fmt.Fprintln(&b, p.cmd.Process.Pid)
	}
	_ = os.WriteFile(realNodeRecord, []byte(b.String()), 0o600)
}

// cleanStaleRealNode undoes what a previous real node left behind: its
// processes (only those whose command line names its folder), mounts,
// network namespaces, cgroups, bridges and kube-proxy's rules.
func cleanStaleRealNode(log io.Writer, kubeProxy string) {
	raw, err := os.ReadFile(realNodeRecord)
	if err == nil {
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
		dir := lines[0]
		for _, l := range lines[1:] {
			pid, err := strconv.Atoi(l)
			if err != nil {
				continue
			}
			cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			if err == nil && strings.Contains(string(cmdline), dir) {
				fmt.Fprintf(log, "real node: killing process %d left by a previous run\n", pid)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		killContainerProcesses(dir)
		cleanHost(log, dir, kubeProxy)
	} else {
		cleanHost(log, "", kubeProxy)
	}
}

// killContainerProcesses kills the containerd shims serving state (their
// containers die with them).
func killContainerProcesses(state string) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), "containerd-shim") && strings.Contains(string(cmdline), state) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
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
