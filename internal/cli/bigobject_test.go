package cli

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/fairness-operator/fairness-operator/test/s3server"
)

// TestMain lets the test binary run as fairctl (FAIRCTL_TEST_MAIN=1), so
// that a test can measure fairctl as its own process.
func TestMain(m *testing.M) {
	if os.Getenv("FAIRCTL_TEST_MAIN") == "1" {
		os.Exit(Execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// bigObjectBytes is the size of the object the flat-memory test reads.
const bigObjectBytes = 2 << 30

// A 2 GiB object in S3 is evaluated with flat memory: the peak resident
// memory of the fairctl process stays under 128 MiB, as for a small one.
// (A memory bound, not a time bound: memory does not depend on the load.)
func TestAnObjectOf2GiBIsReadWithFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: writes and reads a 2 GiB object")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "big.csv")
	rows := writeRepeatedCSV(t, path, bigObjectBytes)
	srv := s3server.Start(t, "127.0.0.1")
	srv.CreateBucket(t, "logs")
	srv.PutFile(t, "logs", "big/part-0.csv", path)
	if err := os.Remove(path); err != nil { // the server keeps its own copy
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "evaluate", "--data", "s3://logs/big/", "--label", "y", "--prediction", "p",
		"--protected", "g", "-o", "json", "--fail-on", "Sev1")
	cmd.Env = append(append(os.Environ(), srv.Env()...), "FAIRCTL_TEST_MAIN=1")
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() == ExitBreached {
		err = nil // the rows breach the default thresholds; what counts here is memory
	}
	if err != nil {
		t.Fatalf("fairctl: %v\n%s", err, lastLine(string(out)))
	}
	if !strings.Contains(string(out), fmt.Sprintf(`"rows": %d`, rows)) {
		t.Fatalf("want %d rows: %s", rows, lastLine(string(out)))
	}
	peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
	t.Logf("evaluated %d bytes (%d rows) with a peak RSS of %d MiB", int64(bigObjectBytes), rows, peak>>20)
	if peak > 128<<20 {
		t.Fatalf("peak RSS %d MiB reading a 2 GiB object; want under 128 MiB", peak>>20)
	}
}

// repeatedLine is one row; the file is its repetitions after the header.
const repeatedLine = "1,1,group-a\n0,0,group-a\n1,0,group-b\n0,1,group-b\n1,1,group-b\n0,0,group-a\n"

// writeRepeatedCSV writes about size bytes and returns the rows written.
func writeRepeatedCSV(t *testing.T, path string, size int) int64 {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	_, _ = w.WriteString("y,p,g\n")
	reps := (1 << 20) / len(repeatedLine)
	block := strings.Repeat(repeatedLine, reps)
	var rows int64
	for written := 0; written+len(block) <= size; written += len(block) {
		_, _ = w.WriteString(block)
		rows += int64(reps * strings.Count(repeatedLine, "\n"))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
