package localcluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

// Built is what BuildImages made: the static binaries and the image
// tarballs a real node imports.
type Built struct {
	Fairctl, Manager string
	// Images are the operator image and the pause image, as tarballs.
	Images []string
}

// PauseImage is the pod-sandbox image a real node runs (hack/pause).
const PauseImage = sandboxImage

// BuildImages builds fairctl, the manager (with the given build tags) and
// the pause program as static binaries in dir, and the operator image
// (tagged tag, the same way `make image` does) and the pause image.
func BuildImages(dir, tag string, managerTags ...string) (Built, error) {
	b := Built{Fairctl: filepath.Join(dir, "fairctl"), Manager: filepath.Join(dir, "manager")}
	pause := filepath.Join(dir, "pause")
	tags := strings.Join(managerTags, ",")
	builds := [][]string{
		{"-o", b.Fairctl, "./cmd/fairctl"},
		{"-tags", tags, "-o", b.Manager, "./cmd/main.go"},
		{"-o", pause, "./hack/pause"},
	}
	for _, args := range builds {
		if err := goCommand(append([]string{"build", "-trimpath", "-ldflags", "-s -w"}, args...)...); err != nil {
			return Built{}, err
		}
	}
	operator, pauseTar := filepath.Join(dir, "image.tar"), filepath.Join(dir, "pause.tar")
	if err := goCommand("run", "./hack/image", "--dockerfile", "Dockerfile", "--version", "e2e",
		"--file", "/manager="+b.Manager, "--file", "/fairctl="+b.Fairctl, "--tag", tag, "--out", operator); err != nil {
		return Built{}, err
	}
	if err := goCommand("run", "./hack/image", "--file", "/pause="+pause, "--user", "65535:65535",
		"--entrypoint", "/pause", "--ca-bundle", "", "--tag", PauseImage, "--out", pauseTar); err != nil {
		return Built{}, err
	}
	b.Images = []string{operator, pauseTar}
	return b, nil
}

func goCommand(args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Dir = envtestutil.RepoRoot()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %v: %v\n%s", args, err, out)
	}
	return nil
}
