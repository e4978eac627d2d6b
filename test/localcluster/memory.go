package localcluster

import (
	"bytes"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// enforceMemoryLimit plays the kernel's cgroup memory limit for a container
// process: when its resident set exceeds limit bytes, the process is killed
// with SIGKILL and the pod reported OOMKilled (exit code 137).
func enforceMemoryLimit(pid int, limit int64, killed *atomic.Bool) {
	for {
		rss, ok := residentBytes(pid)
		if !ok {
			return // the process has exited
		}
		if rss > limit {
			killed.Store(true)
			_ = syscall.Kill(pid, syscall.SIGKILL)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// residentBytes reads VmRSS from /proc/<pid>/status.
func residentBytes(pid int) (int64, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(data) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			fields := bytes.Fields(rest)
			if len(fields) == 0 {
				return 0, true
			}
			kb, err := strconv.ParseInt(string(fields[0]), 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, true // a zombie has no VmRSS line
}
