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
