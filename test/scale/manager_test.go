package scale

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
	"github.com/fairness-operator/fairness-operator/test/localcluster"
)

// managerProc is the operator's manager running as a process, so that its
// memory and its API requests are its own.
type managerProc struct {
	cmd         *exec.Cmd
	metricsAddr string
	// cgroup, when set, holds the manager under a memory limit.
	cgroup *memoryCgroup
}

func startManager(b *testing.B, c *localcluster.Cluster, args ...string) *managerProc {
	b.Helper()
	addr := envtestutil.FreeLoopbackAddr(b)
	args = append([]string{"--metrics-bind-address=" + addr, "--metrics-secure=false", "--health-probe-bind-address=0",
		"--evaluation-image=fairness-operator:scale"}, args...)
	group := newMemoryCgroup(b)
	cmd := exec.Command(filepath.Join(binDir, "manager"), args...)
	env := append(os.Environ(), "KUBECONFIG="+c.Kubeconfig)
	if group != nil {
		cmd = group.command(filepath.Join(binDir, "manager"), args...)
		env = append(env, "GOMEMLIMIT="+group.softLimit())
	}
	cmd.Env = env
	logFile, err := os.Create(filepath.Join(b.TempDir(), "manager.log"))
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	m := &managerProc{cmd: cmd, metricsAddr: addr, cgroup: group}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		_ = logFile.Close()
	})
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, err := m.scrape(); err == nil {
			return m
		}
		if time.Now().After(deadline) {
			b.Fatal("the manager's metrics endpoint did not come up")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// metricsSnapshot is what the benchmarks read from /metrics.
type metricsSnapshot struct {
	families map[string]*familyValues
}

type familyValues struct {
	series int
	sum    float64
	byKey  map[string]float64 // value by "label=value" of one label
}

func (m *managerProc) scrape() (*metricsSnapshot, error) {
	resp, err := http.Get("http://" + m.metricsAddr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	snap := &metricsSnapshot{families: map[string]*familyValues{}}
	for name, f := range fams {
		fv := &familyValues{byKey: map[string]float64{}}
		for _, mt := range f.GetMetric() {
			v := mt.GetCounter().GetValue() + mt.GetGauge().GetValue() + float64(mt.GetHistogram().GetSampleCount())
			fv.series++
			fv.sum += v
			for _, l := range mt.GetLabel() {
				fv.byKey[l.GetName()+"="+l.GetValue()] += v
			}
		}
		snap.families[name] = fv
	}
	return snap, nil
}

func (s *metricsSnapshot) sum(name string) float64 {
	if f, ok := s.families[name]; ok {
		return f.sum
	}
	return 0
}

func (s *metricsSnapshot) by(name, label string) float64 {
	if f, ok := s.families[name]; ok {
		return f.byKey[label]
	}
	return 0
}

// fairnessSeries counts the operator's own series (fairness_*).
func (s *metricsSnapshot) fairnessSeries() int {
	n := 0
	for name, f := range s.families {
		if strings.HasPrefix(name, "fairness_") {
			n += f.series
		}
	}
	return n
}

// peakRSS reads the process's high-water resident memory (VmHWM).
func (m *managerProc) peakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", m.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", m.cmd.Process.Pid)
}
