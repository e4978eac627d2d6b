package memlimit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFromCgroup(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		content *string // nil: no file (not in a cgroup)
		want    int64
		wantOK  bool
		wantErr string
	}{
		{"256Mi", new("268435456\n"), 241591910, true, ""},
		{"no limit", new("max\n"), 0, false, ""},
		{"no limit, cgroup v1", new("9223372036854771712\n"), 0, false, ""},
		{"not in a cgroup", nil, 0, false, ""},
		{"garbage", new("lots\n"), 0, false, `"lots" is not a memory limit`},
		{"zero", new("0\n"), 0, false, `"0" is not a memory limit`},
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "memory.max")
		if c.content != nil {
			if err := os.WriteFile(path, []byte(*c.content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		got, ok, err := FromCgroup(path)
		if got != c.want || ok != c.wantOK || (c.wantErr == "") != (err == nil) ||
			(err != nil && !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%s: (%d, %v, %v), want (%d, %v, error containing %q)", c.name, got, ok, err, c.want, c.wantOK, c.wantErr)
		}
	}
}

// TestFromCgroupsReadsTheFirstThatExists: v2's file wins; without it, v1's
// is read; with neither there is no limit.
func TestFromCgroupsReadsTheFirstThatExists(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v2, v1 := filepath.Join(dir, "memory.max"), filepath.Join(dir, "memory.limit_in_bytes")
	if got, ok, err := FromCgroups(v2, v1); got != 0 || ok || err != nil {
		t.Fatalf("neither file: (%d, %v, %v)", got, ok, err)
	}
	if err := os.WriteFile(v1, []byte("268435456\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := FromCgroups(v2, v1); got != 241591910 || !ok || err != nil {
		t.Fatalf("v1 only: (%d, %v, %v)", got, ok, err)
	}
	if err := os.WriteFile(v2, []byte("max\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := FromCgroups(v2, v1); got != 0 || ok || err != nil {
		t.Fatalf("v2 says no limit: (%d, %v, %v)", got, ok, err)
	}
}
