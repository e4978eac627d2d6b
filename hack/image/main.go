// Command image assembles an OCI image from static binaries with
// go-containerregistry, without Docker and without pulling a base image, and
// writes it as a tarball that `ctr images import` and `kind load
// image-archive` accept. `make image` builds the operator's image (the
// metadata of the Dockerfile's final stage, its files from bin/) and the
// pause image a real node's pod sandboxes need.
//
//	go run ./hack/image --dockerfile Dockerfile --file /manager=bin/manager --file /fairctl=bin/fairctl \
//	  --tag IMG --out bin/image.tar
//	go run ./hack/image --file /pause=bin/pause --user 65535:65535 --entrypoint /pause \
//	  --tag local.test/pause:v1 --out bin/pause.tar
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

type fileFlags []string

func (f *fileFlags) String() string     { return strings.Join(*f, ",") }
func (f *fileFlags) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	var files fileFlags
	flag.Var(&files, "file", "DEST=SOURCE: put the local file SOURCE at DEST in the image (repeatable)")
	dockerfile := flag.String("dockerfile", "",
		"take labels, user, entrypoint and working dir from this Dockerfile's final stage")
	version := flag.String("version", "dev", "the Dockerfile's ${VERSION}")
	user := flag.String("user", "", "USER (without --dockerfile)")
	entrypoint := flag.String("entrypoint", "", "entrypoint, one path (without --dockerfile)")
	caBundle := flag.String("ca-bundle", "/etc/ssl/certs/ca-certificates.crt",
		"CA certificates for /etc/ssl/certs (empty: none)")
	tag := flag.String("tag", "", "image reference to write in the tarball")
	out := flag.String("out", "", "tarball to write")
	flag.Parse()
	if err := run(files, *dockerfile, *version, *user, *entrypoint, *caBundle, *tag, *out); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(files []string, dockerfile, version, user, entrypoint, caBundle, tag, out string) error {
	if tag == "" || out == "" {
		return fmt.Errorf("--tag and --out are required")
	}
	spec := Spec{Files: map[string]string{}, CABundle: caBundle}
	for _, f := range files {
		dest, src, ok := strings.Cut(f, "=")
		if !ok || !strings.HasPrefix(dest, "/") {
			return fmt.Errorf("--file %q: want /DEST=SOURCE", f)
		}
		spec.Files[dest] = src
	}
	if dockerfile != "" {
		stage, err := readFinalStage(dockerfile, version)
		if err != nil {
			return err
		}
		for _, dest := range stage.Copies {
			if _, ok := spec.Files[dest]; !ok {
				return fmt.Errorf("%s copies %s into the image: give it with --file %s=PATH", dockerfile, dest, dest)
			}
		}
		spec.Labels, spec.User = stage.Labels, stage.User
		spec.Entrypoint, spec.WorkingDir = stage.Entrypoint, stage.WorkingDir
	} else {
		spec.User, spec.WorkingDir = user, "/"
		if entrypoint != "" {
			spec.Entrypoint = []string{entrypoint}
		}
	}
	digest, err := Write(spec, tag, out)
	if err != nil {
		return err
	}
	fmt.Printf("%s %s %s\n", out, tag, digest)
	return nil
}
