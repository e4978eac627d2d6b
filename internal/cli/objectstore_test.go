package cli

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/fairness-operator/fairness-operator/test/datasets"
	"github.com/fairness-operator/fairness-operator/test/s3server"
)

// fairctl evaluate --data s3://... reads the objects under a prefix from a
// real S3 server with the keys of the standard AWS_* variables, and reports
// what the CSV file of the same rows gives.
func TestEvaluateObjectsInS3(t *testing.T) {
	path := datasets.Path(t, "predictions", "adult_lr.csv")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := s3server.Start(t, "127.0.0.1")
	srv.SetEnv(t)
	srv.CreateBucket(t, "logs")
	lines := strings.SplitAfter(string(data), "\n")
	header, rows := lines[0], lines[1:]
	third := len(rows) / 3
	parts := []string{strings.Join(rows[:third], ""), strings.Join(rows[third:2*third], ""), strings.Join(rows[2*third:], "")}
	for i, p := range parts {
		srv.Put(t, "logs", "adult/dt=2026-11-0"+string(rune('1'+i))+"/part-0.csv", []byte(header+p))
	}
	srv.Put(t, "logs", "adult/dt=2026-11-01/_SUCCESS", nil)
	columns := []string{"--label", "y_true", "--prediction", "y_pred", "--score", "score", "--protected", "sex",
		"--protected", "race", "-o", "json", "--fail-on", "Sev1"}
	_, want, _ := execute(append([]string{"evaluate", "--data", path}, columns...)...)
	code, got, errOut := execute(append([]string{"evaluate", "--data", "s3://logs/adult/", "--glob", "dt=*/part-*.csv"},
		columns...)...)
	if code == ExitUsage {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var w, g map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	if !reflect.DeepEqual(w["groups"], g["groups"]) || !reflect.DeepEqual(w["metrics"], g["metrics"]) {
		t.Fatalf("the objects' report differs from the file's")
	}
	src, _ := g["source"].(map[string]any)
	if src["objects"] != float64(3) || !strings.HasPrefix(src["listHash"].(string), "sha256:") ||
		len(src["objectList"].([]any)) != 3 {
		t.Errorf("source %v", src)
	}

	failures := []struct {
		name    string
		args    []string
		env     map[string]string
		mention string
	}{
		{"wrong keys", []string{"--data", "s3://logs/adult/"}, map[string]string{"AWS_SECRET_ACCESS_KEY": "wrong-secret"},
			"s3://logs/adult/: access denied"},
		{"no bucket", []string{"--data", "s3://missing/adult/"}, nil, "s3://missing/adult/: not found"},
		{"no match", []string{"--data", "s3://logs/adult/", "--glob", "*.parquet"}, nil, `no object matching glob "*.parquet"`},
		{"endpoint for gs", []string{"--data", "gs://logs/adult/", "--endpoint", "http://127.0.0.1:1"}, nil,
			"--endpoint, --region and --force-path-style apply to s3:// data"},
		{"glob for a file", []string{"--data", path, "--glob", "*.csv"}, nil, "--glob, --endpoint, --region and --force-path-style apply to"},
		{"train mode", []string{"--data", "s3://logs/adult/", "--mode", "train"}, nil, "--mode train reads one CSV file"},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			for k, v := range f.env {
				t.Setenv(k, v)
			}
			code, _, errOut := execute(append(append([]string{"evaluate"}, f.args...), "--label", "y_true", "--prediction", "y_pred",
				"--protected", "sex")...)
			if code != ExitUsage || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, f.mention) {
				t.Fatalf("exit %d, stderr %q; want exit %d and one line with %q", code, errOut, ExitUsage, f.mention)
			}
			if strings.Contains(errOut, srv.SecretKey) || strings.Contains(errOut, "wrong-secret") {
				t.Errorf("stderr shows a secret: %s", errOut)
			}
		})
	}
}

// TestPartitionSkipsObjectsInS3: with a window of 2026-11-02 and the
// template dt={{.Date}}, the object of 2026-11-01 is not read at all (it is
// not even CSV: reading it would fail the run); the others are read and
// their rows counted in or outside the window; a window no object's period
// meets is NoData, naming the objects skipped.
func TestPartitionSkipsObjectsInS3(t *testing.T) {
	srv := s3server.Start(t, "127.0.0.1")
	srv.SetEnv(t)
	srv.CreateBucket(t, "decisions")
	srv.Put(t, "decisions", "log/dt=2026-11-01/part-0.csv", []byte("not,a\nlog,at,all\n"))
	srv.Put(t, "decisions", "log/dt=2026-11-02/part-0.csv",
		[]byte("ts,p,g\n2026-11-02T08:00:00Z,1,a\n2026-11-02T09:00:00Z,0,b\n2026-11-02T10:00:00Z,1,b\n"))
	srv.Put(t, "decisions", "log/dt=2026-11-03/part-0.csv",
		[]byte("ts,p,g\n2026-11-03T00:00:00Z,1,a\n2026-11-03T07:00:00Z,0,a\n"))
	args := []string{"evaluate", "--data", "s3://decisions/log/", "--prediction", "p", "--protected", "g", "--timestamp", "ts",
		"--window", "24h", "--partition", "dt={{.Date}}", "--min-group-size", "0", "-o", "json"}
	code, out, errOut := execute(append(args, "--until", "2026-11-03T00:00:00Z")...)
	if code == ExitUsage {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Rows   int64        `json:"rows"`
		Window WindowOutput `json:"window"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Rows != 4 || got.Window.InWindow != 4 || got.Window.Outside != 1 || got.Window.SkippedObjects != 1 {
		t.Fatalf("rows %d, window %+v; want 4 in, 1 outside, 1 object skipped", got.Rows, got.Window)
	}
	code, _, errOut = execute(append(args, "--until", "2026-12-31T00:00:00Z")...)
	if code != ExitUsage || !strings.Contains(errOut, "the partition template left 3 objects of other periods unread") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
