package main

import (
	"archive/tar"
	"bytes"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// buildBinaries builds the two binaries the Dockerfile copies.
func buildBinaries(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"/manager": filepath.Join(dir, "manager"), "/fairctl": filepath.Join(dir, "fairctl")}
	for pkg, out := range map[string]string{"./cmd/main.go": files["/manager"], "./cmd/fairctl": files["/fairctl"]} {
		build := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
		build.Dir, build.Env = filepath.Join("..", ".."), append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return files
}

// layerFiles reads the image's single layer: path -> header.
func layerFiles(t *testing.T, path string) (map[string]*tar.Header, map[string][]byte) {
	t.Helper()
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers %d, %v", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	headers, contents := map[string]*tar.Header{}, map[string][]byte{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := "/" + strings.TrimSuffix(h.Name, "/")
		headers[p] = h
		if contents[p], err = io.ReadAll(tr); err != nil {
			t.Fatal(err)
		}
	}
	return headers, contents
}

func TestOperatorImageMatchesTheDockerfile(t *testing.T) {
	stage, err := readFinalStage(filepath.Join("..", "..", "Dockerfile"), "v9.9.9")
	if err != nil {
		t.Fatal(err)
	}
	if stage.User != "65532:65532" || !slices.Equal(stage.Entrypoint, []string{"/manager"}) ||
		stage.Labels["org.opencontainers.image.version"] != "v9.9.9" || stage.Labels["org.opencontainers.image.source"] == "" {
		t.Fatalf("Dockerfile final stage read as %+v", stage)
	}
	files := buildBinaries(t)
	if got := slices.Sorted(maps.Keys(files)); !slices.Equal(got, slices.Sorted(slices.Values(stage.Copies))) {
		t.Fatalf("the Dockerfile copies %v, the test builds %v", stage.Copies, got)
	}
	spec := Spec{Files: files, CABundle: "/etc/ssl/certs/ca-certificates.crt", Labels: stage.Labels, User: stage.User,
		Entrypoint: stage.Entrypoint, WorkingDir: stage.WorkingDir}
	dir := t.TempDir()
	first, second := filepath.Join(dir, "a.tar"), filepath.Join(dir, "b.tar")
	d1, err := Write(spec, "local.test/fairness-operator:test", first)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Write(spec, "local.test/fairness-operator:test", second)
	if err != nil {
		t.Fatal(err)
	}
	if d1 != d2 {
		t.Fatalf("two builds from the same binaries: digests %s and %s", d1, d2)
	}
	if a, b := mustRead(t, first), mustRead(t, second); !bytes.Equal(a, b) {
		t.Fatal("two builds from the same binaries wrote different tarballs")
	}

	img, err := tarball.ImageFromPath(first, nil)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != "65532:65532" || !slices.Equal(cf.Config.Entrypoint, []string{"/manager"}) || len(cf.Config.Cmd) != 0 ||
		!maps.Equal(cf.Config.Labels, stage.Labels) || cf.OS != "linux" {
		t.Fatalf("image config %+v", cf.Config)
	}
	headers, contents := layerFiles(t, first)
	for _, bin := range []string{"/manager", "/fairctl"} {
		h := headers[bin]
		if h == nil || h.Mode&0o111 == 0 || !bytes.Equal(contents[bin], mustRead(t, files[bin])) {
			t.Fatalf("%s missing, not executable or not the built binary: %+v", bin, h)
		}
	}
	for p := range headers {
		if strings.HasPrefix(p, "/bin") || strings.HasPrefix(p, "/usr") || strings.HasPrefix(p, "/sbin") {
			t.Fatalf("the image has %s: no shell or system tools belong in it", p)
		}
	}
	if !strings.Contains(string(contents["/etc/passwd"]), "nonroot:x:65532:65532:") {
		t.Fatalf("/etc/passwd does not name user 65532: %q", contents["/etc/passwd"])
	}
	if h := headers["/tmp"]; h == nil || h.Mode&0o1777 != 0o1777 {
		t.Fatalf("/tmp: %+v", h)
	}
	if len(contents[caPath]) == 0 {
		t.Fatal("no CA certificates: HTTPS notifications and sources would fail")
	}
}

func TestFinalStageRefusesWhatItCannotReproduce(t *testing.T) {
	for name, text := range map[string]string{
		"run in final stage": "FROM a AS b\nRUN make\nFROM c\nRUN apk add curl\nENTRYPOINT [\"/x\"]\n",
		"shell entrypoint":   "FROM c\nENTRYPOINT /x\n",
		"before FROM":        "USER 1\nFROM c\n",
		"bad label":          "FROM c\nLABEL a=b\n",
		"no FROM":            "ARG X=1\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "Dockerfile")
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			if stage, err := readFinalStage(path, "v1"); err == nil {
				t.Fatalf("accepted as %+v", stage)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "Dockerfile")
	if err := os.WriteFile(path, []byte("FROM a AS b\nRUN make\nFROM c\nLABEL x=\"1\" \\\n  y=\"${VERSION}\"\nUSER 7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stage, err := readFinalStage(path, "v2")
	if err != nil || stage.Labels["y"] != "v2" || stage.Labels["x"] != "1" || stage.User != "7" {
		t.Fatalf("stage %+v, %v", stage, err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
