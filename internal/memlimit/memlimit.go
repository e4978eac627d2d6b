// Package memlimit derives the Go runtime's soft memory limit from the
// container's: without one, the garbage collector lets the heap grow to
// twice what is live, and a manager whose live heap is half its container
// limit is OOM-killed although it would fit.
package memlimit

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// CgroupV2File is where a container's memory limit is, under cgroup v2.
const CgroupV2File = "/sys/fs/cgroup/memory.max"

// Fraction of the container limit given to the Go heap: the rest is
// stacks, the runtime and what the kernel counts besides.
const Fraction = 0.9

// FromCgroup reads a cgroup v2 memory.max file and returns the soft limit
// for the Go runtime, Fraction of it; ok is false when the file is absent
// or says "max" (no limit).
func FromCgroup(path string) (limit int64, ok bool, err error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	text := strings.TrimSpace(string(data))
	if text == "max" {
		return 0, false, nil
	}
	bytes, err := strconv.ParseInt(text, 10, 64)
	if err != nil || bytes <= 0 {
		return 0, false, fmt.Errorf("%s: %q is not a memory limit", path, text)
	}
	return int64(float64(bytes) * Fraction), true, nil
}
