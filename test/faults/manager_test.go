package faults

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/fairness-operator/fairness-operator/internal/faultpoint"
)

// managerProc is one manager replica running as a process.
type managerProc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startManager runs the manager for one namespace. faultPoint, when set,
// makes it kill itself there.
func startManager(t *testing.T, ns, faultPoint string, extraArgs ...string) *managerProc {
	t.Helper()
	args := append([]string{"--watch-namespaces=" + ns, "--metrics-bind-address=0", "--health-probe-bind-address=0",
		"--evaluation-image=fairness-operator:faults"}, extraArgs...)
	cmd := exec.Command(manager, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+cluster.Kubeconfig)
	if faultPoint != "" {
		cmd.Env = append(cmd.Env, faultpoint.EnvVar+"="+faultPoint)
	}
	logFile, err := os.OpenFile(filepath.Join(workDir, "manager-"+ns+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &managerProc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		_ = logFile.Close()
		close(p.done)
	}()
	t.Cleanup(p.stop)
	return p
}

// killed reports whether the process died of SIGKILL.
func (p *managerProc) killed() bool {
	var ee *exec.ExitError
	if !errors.As(p.err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// waitForDeath waits for the manager to kill itself at its fault point.
func (p *managerProc) waitForDeath(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("the manager did not reach its fault point within %v", timeout)
	}
	if !p.killed() {
		t.Fatalf("the manager exited without being killed: %v", p.err)
	}
}

// kill sends SIGKILL and waits for the process to go.
func (p *managerProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// stop asks the manager to stop and waits (SIGKILL after 10s).
func (p *managerProc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.kill()
	}
}
