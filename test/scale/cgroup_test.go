package scale

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

// memoryCgroup is a cgroup v1 memory controller group that holds the
// manager as its container would: a hard limit (the OOM killer acts at
// it) and the soft limit (GOMEMLIMIT) the manager sets itself inside a
// container, where memlimit reads the limit from its own cgroup. A host
// process sees the root's limit file instead, so the bench sets it.
type memoryCgroup struct {
	dir   string
	limit int64
}

// memoryCgroupRoot is where cgroup v1 mounts the memory controller.
const memoryCgroupRoot = "/sys/fs/cgroup/memory"

// newMemoryCgroup creates the group for FAIRNESS_SCALE_MANAGER_MEMORY (a
// quantity such as 256Mi), or returns nil when the variable is unset.
func newMemoryCgroup(b *testing.B) *memoryCgroup {
	b.Helper()
	spec := os.Getenv("FAIRNESS_SCALE_MANAGER_MEMORY")
	if spec == "" {
		return nil
	}
	q, err := resource.ParseQuantity(spec)
	if err != nil || q.Value() <= 0 {
		b.Fatalf("FAIRNESS_SCALE_MANAGER_MEMORY=%q: want a quantity such as 256Mi", spec)
	}
	if _, err := os.Stat(filepath.Join(memoryCgroupRoot, "memory.limit_in_bytes")); err != nil {
		b.Fatalf("FAIRNESS_SCALE_MANAGER_MEMORY needs the cgroup v1 memory controller at %s: %v", memoryCgroupRoot, err)
	}
	g := &memoryCgroup{dir: filepath.Join(memoryCgroupRoot, fmt.Sprintf("fairness-scale-%d", os.Getpid())), limit: q.Value()}
	if err := os.Mkdir(g.dir, 0o755); err != nil {
		b.Fatal(err)
	}
	// Registered first, so it runs after the manager's own clean-up.
	b.Cleanup(func() {
		if err := os.Remove(g.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			b.Errorf("removing the manager's cgroup: %v", err)
		}
	})
	if err := g.write("memory.limit_in_bytes", strconv.FormatInt(g.limit, 10)); err != nil {
		b.Fatal(err)
	}
	return g
}

// command runs name in the group from its first instruction: a shell
// joins the group and then becomes the manager (exec), so every page the
// manager touches is charged to the group (a process moved in later
// would leave its earlier pages charged outside).
func (g *memoryCgroup) command(name string, args ...string) *exec.Cmd {
	script := `echo $$ > "$0" && exec "$@"`
	return exec.Command("/bin/sh", append([]string{"-c", script, filepath.Join(g.dir, "cgroup.procs"), name}, args...)...)
}

// softLimit is the GOMEMLIMIT the manager sets in a container: 90% of the
// limit (internal/memlimit).
func (g *memoryCgroup) softLimit() string { return strconv.FormatInt(g.limit/10*9, 10) }

func (g *memoryCgroup) write(file, value string) error {
	return os.WriteFile(filepath.Join(g.dir, file), []byte(value), 0o644)
}

func (g *memoryCgroup) read(file string) (int64, error) {
	data, err := os.ReadFile(filepath.Join(g.dir, file))
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
}

// peak is the group's high-water memory (resident and page cache, as the
// OOM killer counts it), and whether the OOM killer acted.
func (g *memoryCgroup) peak() (int64, bool, error) {
	peak, err := g.read("memory.max_usage_in_bytes")
	if err != nil {
		return 0, false, err
	}
	control, err := os.ReadFile(filepath.Join(g.dir, "memory.oom_control"))
	if err != nil {
		return 0, false, err
	}
	for line := range strings.Lines(string(control)) {
		if count, ok := strings.CutPrefix(strings.TrimSpace(line), "oom_kill "); ok {
			return peak, count != "0", nil
		}
	}
	return peak, false, fmt.Errorf("no oom_kill count in %s/memory.oom_control", g.dir)
}
