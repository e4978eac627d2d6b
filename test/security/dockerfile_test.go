package security

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

var pinned = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)

// Every base image of the Dockerfile is pinned by digest: FROM lines name
// either a pinned image or a build stage/ARG whose default is pinned.
func TestDockerfileBaseImagesArePinned(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(envtestutil.RepoRoot(), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	args, stages := map[string]string{}, map[string]bool{}
	froms := 0
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && f[0] == "ARG" && strings.Contains(f[1], "="):
			name, val, _ := strings.Cut(f[1], "=")
			args[name] = val
		case len(f) >= 2 && f[0] == "FROM":
			froms++
			img := f[1]
			if strings.HasPrefix(img, "--platform") && len(f) >= 3 {
				img = f[2]
			}
			if m := regexp.MustCompile(`^\$\{?(\w+)\}?$`).FindStringSubmatch(img); m != nil {
				img = args[m[1]]
			}
			if !stages[img] && !pinned.MatchString(img) {
				t.Errorf("base image %q is not pinned by digest (line %q)", img, line)
			}
			if len(f) >= 4 && strings.EqualFold(f[len(f)-2], "AS") {
				stages[f[len(f)-1]] = true
			}
		}
	}
	if froms < 2 {
		t.Fatalf("found %d FROM lines, want the builder and the runtime stage", froms)
	}
}
