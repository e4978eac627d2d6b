package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/controller"
	"github.com/fairness-operator/fairness-operator/internal/evaluate"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/test/s3server"
)

// TestPublishReport: a report pod's command renders an evaluation's last
// run and writes RUN.json and RUN.html to a real S3 server, saying so in
// its termination log; run again, it finds them there and refuses to
// overwrite them, with the reason and the object in the log.
func TestPublishReport(t *testing.T) {
	srv := s3server.Start(t, "127.0.0.1")
	srv.SetEnv(t)
	srv.CreateBucket(t, "audit")
	table := fairness.NewTable([]string{"sex"}, 0)
	table.GroupFor("female").Counts = fairness.Counts{TP: 30, FP: 5, TN: 50, FN: 15}
	table.GroupFor("male").Counts = fairness.Counts{TP: 60, FP: 10, TN: 20, FN: 10}
	stats, err := evaluate.NewResult("g7", 0, 1, 200, 0, table).Encode()
	if err != nil {
		t.Fatal(err)
	}
	eval := fairnessv1alpha1.FairnessEvaluation{}
	eval.Name, eval.Namespace = "credit", "lending"
	eval.Spec.Mode = fairnessv1alpha1.ModePredictions
	eval.Spec.Columns = fairnessv1alpha1.ColumnMapping{Label: "y", Prediction: "p", Protected: []string{"sex"}}
	eval.Status.LastRun = &fairnessv1alpha1.RunStatus{ID: "g7", Result: fairnessv1alpha1.RunSucceeded, Statistics: stats}
	data, err := json.Marshal(controller.ReportJobInput{Evaluation: eval})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	input, log := filepath.Join(dir, "input.json"), filepath.Join(dir, "termination-log")
	if err := os.WriteFile(input, data, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"publish-report", "--input", input, "--to", "s3://audit/credit/", "--termination-log", log}
	outcome := func() controller.ReportOutcome {
		t.Helper()
		var out controller.ReportOutcome
		msg, _ := os.ReadFile(log)
		if err := json.Unmarshal(msg, &out); err != nil {
			t.Fatalf("termination log %q: %v", msg, err)
		}
		return out
	}
	if code, _, errOut := execute(args...); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if out := outcome(); strings.Join(out.Objects, " ") != "s3://audit/credit/g7.json s3://audit/credit/g7.html" {
		t.Fatalf("objects %v", out.Objects)
	}
	code, _, _ := execute(args...)
	if out := outcome(); code == ExitOK || !strings.Contains(out.Error, "s3://audit/credit/g7.json: an object of that name is already there") {
		t.Fatalf("second publish: exit %d, %+v", code, out)
	}
	if err := os.WriteFile(input, []byte(`{"evaluation": {"status": 3}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := execute(args...); code == ExitOK || !strings.Contains(outcome().Error, "input.json: ") {
		t.Fatalf("a bad input: exit %d, %+v", code, outcome())
	}
}
