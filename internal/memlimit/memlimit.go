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

// Where a container's memory limit is: cgroup v2, then v1 (nodes that
// still mount the v1 hierarchy, as these machines do).
const (
	CgroupV2File = "/sys/fs/cgroup/memory.max"
	CgroupV1File = "/sys/fs/cgroup/memory/memory.limit_in_bytes"
)

// Files are the places FromCgroups reads, in order.
var Files = []string{CgroupV2File, CgroupV1File}

// unlimitedV1 is where cgroup v1's "no limit" starts: it writes the largest
// page-aligned int64 rather than a word.
const unlimitedV1 = 1 << 62

// FromCgroups returns the soft limit from the first of paths that exists.
func FromCgroups(paths ...string) (limit int64, ok bool, err error) {
	for _, p := range paths {
		if _, statErr := os.Stat(p); statErr == nil {
			return FromCgroup(p)
		}
	}
	return 0, false, nil
}

// Fraction of the container limit given to the Go heap: the rest is
// stacks, the runtime and what the kernel counts besides.
const Fraction = 0.9

// FromCgroup reads a cgroup v2 memory.max or v1 memory.limit_in_bytes file
// and returns the soft limit for the Go runtime, Fraction of it; ok is
// false when the file is absent or says there is no limit ("max" in v2, a
// number near the largest int64 in v1).
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
	if bytes >= unlimitedV1 {
		return 0, false, nil
	}
	return int64(float64(bytes) * Fraction), true, nil
}
