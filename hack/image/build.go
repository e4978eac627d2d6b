package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"slices"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Spec is what goes into an image.
type Spec struct {
	// Files maps a path in the image to a local file (copied mode 0755).
	Files map[string]string
	// CABundle is a local PEM file placed at caPath ("" for none).
	CABundle   string
	Labels     map[string]string
	User       string
	Entrypoint []string
	WorkingDir string
}

const caPath = "/etc/ssl/certs/ca-certificates.crt"

// The files a distroless static base brings that the binaries rely on: the
// numeric nonroot user named in /etc/passwd, a writable /tmp, a home folder.
const (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n" +
		"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group = "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n"
)

// epoch is every entry's modification time, so equal inputs give equal bytes.
var epoch = time.Unix(0, 0).UTC()

// Build assembles the image: one layer, OCI media types, no history that
// varies between builds.
func Build(spec Spec) (v1.Image, error) {
	layerBytes, err := layerTar(spec)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerBytes)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Config = v1.Config{Entrypoint: spec.Entrypoint, User: spec.User, WorkingDir: spec.WorkingDir, Labels: spec.Labels,
		Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}
	if spec.CABundle != "" {
		cf.Config.Env = append(cf.Config.Env, "SSL_CERT_FILE="+caPath)
	}
	return mutate.ConfigFile(img, cf)
}

// Write builds the image and writes it as a tarball tagged tag; it returns
// the manifest digest.
func Write(spec Spec, tag, out string) (v1.Hash, error) {
	ref, err := name.NewTag(tag)
	if err != nil {
		return v1.Hash{}, err
	}
	img, err := Build(spec)
	if err != nil {
		return v1.Hash{}, err
	}
	tmp := out + ".tmp"
	if err := tarball.WriteToFile(tmp, ref, img); err != nil {
		return v1.Hash{}, err
	}
	if err := os.Rename(tmp, out); err != nil {
		return v1.Hash{}, err
	}
	return img.Digest()
}

type entry struct {
	mode    int64
	uid     int
	content []byte
	dir     bool
}

func layerTar(spec Spec) ([]byte, error) {
	entries := map[string]entry{
		"/etc/passwd":   {mode: 0o644, content: []byte(passwd)},
		"/etc/group":    {mode: 0o644, content: []byte(group)},
		"/tmp":          {mode: 0o1777, dir: true},
		"/home/nonroot": {mode: 0o700, uid: 65532, dir: true},
	}
	if spec.CABundle != "" {
		pem, err := os.ReadFile(spec.CABundle)
		if err != nil {
			return nil, fmt.Errorf("CA bundle: %w", err)
		}
		entries[caPath] = entry{mode: 0o644, content: pem}
	}
	for dest, src := range spec.Files {
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, err
		}
		entries[path.Clean(dest)] = entry{mode: 0o755, content: data}
	}
	// Parent folders of everything, owned by root.
	for p := range entries {
		for dir := path.Dir(p); dir != "/"; dir = path.Dir(dir) {
			if _, ok := entries[dir]; !ok {
				entries[dir] = entry{mode: 0o755, dir: true}
			}
		}
	}
	names := make([]string, 0, len(entries))
	for p := range entries {
		names = append(names, p)
	}
	slices.Sort(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range names {
		e := entries[p]
		h := &tar.Header{Name: p[1:], Mode: e.mode, Uid: e.uid, Gid: e.uid, ModTime: epoch, Format: tar.FormatPAX}
		if e.dir {
			h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.content))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.content); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
