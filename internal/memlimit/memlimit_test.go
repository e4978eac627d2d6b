package memlimit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFromCgroup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, path string
		want       int64
		wantOK     bool
		wantErr    string
	}{
		{"256Mi", write("limit", "268435456\n"), 241591910, true, ""},
		{"no limit", write("max", "max\n"), 0, false, ""},
		{"not in a cgroup", filepath.Join(dir, "absent"), 0, false, ""},
		{"garbage", write("bad", "lots\n"), 0, false, `"lots" is not a memory limit`},
		{"zero", write("zero", "0\n"), 0, false, `"0" is not a memory limit`},
	}
	for _, c := range cases {
		got, ok, err := FromCgroup(c.path)
		if got != c.want || ok != c.wantOK || (c.wantErr == "") != (err == nil) ||
			(err != nil && !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%s: (%d, %v, %v), want (%d, %v, error containing %q)", c.name, got, ok, err, c.want, c.wantOK, c.wantErr)
		}
	}
}
