package localcluster

import (
	"bytes"
	"fmt"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RestartAPIServer kills kube-apiserver (SIGKILL: its graceful shutdown
// drains watches for longer than a test wants) and starts it again with the same command line, certificates and
// etcd, so clients reconnect to the same address with the same credentials.
func (c *Cluster) RestartAPIServer(down time.Duration) error {
	u, err := url.Parse(c.Config.Host)
	if err != nil {
		return err
	}
	return c.restart("kube-apiserver", "--secure-port="+u.Port(), syscall.SIGKILL, down)
}

// RestartEtcd kills etcd (SIGKILL: it is simply gone), waits, and starts it
// again on the same data directory.
func (c *Cluster) RestartEtcd(down time.Duration) error {
	return c.restart("etcd", "--listen-client-urls="+c.etcdURL, syscall.SIGKILL, down)
}

// restart finds the process of bin whose command line has arg, stops it
// with sig, waits down, and runs the same command line again.
func (c *Cluster) restart(bin, arg string, sig syscall.Signal, down time.Duration) error {
	pid, argv, err := findProcess(bin, arg)
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return err
	}
	for start := time.Now(); processAlive(pid); {
		if time.Since(start) > 30*time.Second {
			return fmt.Errorf("%s (pid %d) did not stop", bin, pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(down)
	logName := fmt.Sprintf("%s-restarted-%d.log", bin, time.Now().UnixNano())
	return c.startProcess(argv[0], logName, argv[1:]...)
}

// findProcess scans /proc for bin with arg on its command line.
func findProcess(bin, arg string) (int, []string, error) {
	for pid, argv := range processes() {
		if filepath.Base(argv[0]) == bin && slices.Contains(argv[1:], arg) {
			return pid, argv, nil
		}
	}
	return 0, nil, fmt.Errorf("no %s process with %s", bin, arg)
}

// processes yields the PID and command line of every process in /proc
// (kernel threads, with empty command lines, are left out).
func processes() iter.Seq2[int, []string] {
	return func(yield func(int, []string) bool) {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err != nil || len(raw) == 0 {
				continue
			}
			if !yield(pid, strings.Split(string(bytes.TrimRight(raw, "\x00")), "\x00")) {
				return
			}
		}
	}
}

// processAlive: the process exists and is not a zombie.
func processAlive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}
