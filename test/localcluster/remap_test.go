package localcluster

import "testing"

func TestRemap(t *testing.T) {
	m := [][2]string{{"/data", "/host/pod/volumes/data"}, {"/dev/termination-log", "/host/pod/termination-log"}}
	cases := map[string]string{
		`{"data":"/data/data.csv"}`: `{"data":"/host/pod/volumes/data/data.csv"}`,
		"/dev/termination-log":      "/host/pod/termination-log",
		"/database/x":               "/database/x",
		"--path=/data":              "--path=/host/pod/volumes/data",
	}
	for in, want := range cases {
		if got := remap(in, m); got != want {
			t.Errorf("remap(%q) = %q, want %q", in, got, want)
		}
	}
}
