package e2e

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/objectstore"
	"github.com/fairness-operator/fairness-operator/test/s3server"
)

// TestReportsKeptInObjectStorage: an evaluation with spec.report keeps its
// run's audit report in a real S3 server: a Job of the run writes RUN.html
// and RUN.json with the keys of the destination's Secret, status names
// them, and they are the report of the run (its severity, its groups).
func TestReportsKeptInObjectStorage(t *testing.T) {
	ctx := context.Background()
	srv := s3server.Start(t, cluster.HostIP)
	srv.CreateBucket(t, "audit")
	ns := namespace(t, "reports")
	createKeys(t, ns, "audit-writer", srv.AccessKey, srv.SecretKey)
	e := evaluation(ns, "kept", 1, 0.3)
	e.Spec.Report = &fairnessv1alpha1.ReportSettings{Destination: fairnessv1alpha1.ReportDestination{
		ObjectStore: fairnessv1alpha1.ObjectStoreSource{URL: "s3://audit/credit-model/", Endpoint: srv.Endpoint,
			CredentialsSecretRef: &fairnessv1alpha1.LocalObjectReference{Name: "audit-writer"}}}}
	if err := k8s().Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	waitForResult(t, e, fairnessv1alpha1.RunSucceeded, 3*time.Minute)
	deadline := time.Now().Add(2 * time.Minute)
	for e.Status.LastRun.Report == nil || e.Status.LastRun.Report.Result == fairnessv1alpha1.ReportPending {
		if time.Now().After(deadline) {
			t.Fatalf("the report is still not written: %+v", e.Status.LastRun.Report)
		}
		time.Sleep(time.Second)
		if err := k8s().Get(ctx, client.ObjectKeyFromObject(e), e); err != nil {
			t.Fatal(err)
		}
	}
	run := e.Status.LastRun.ID
	want := []string{"s3://audit/credit-model/" + run + ".json", "s3://audit/credit-model/" + run + ".html"}
	if r := e.Status.LastRun.Report; r.Result != fairnessv1alpha1.ReportWritten || strings.Join(r.Objects, " ") != strings.Join(want, " ") {
		t.Fatalf("report status %+v, want %v written", r, want)
	}
	if h := e.Status.History; len(h) == 0 || h[0].ID != run || strings.Join(h[0].ReportObjects, " ") != strings.Join(want, " ") {
		t.Fatalf("history %+v, want the run's entry to name its report", h)
	}

	srv.SetEnv(t)
	store, err := objectstore.Open(ctx, "s3://audit/credit-model/", objectstore.Options{Endpoint: srv.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = store.Close() }()
	objs, err := store.List(ctx, "")
	if err != nil || len(objs) != 2 {
		t.Fatalf("objects %v, %v; want the two", objs, err)
	}
	read := func(o objectstore.Object) []byte {
		rc, err := o.NewRangeReader(ctx, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = rc.Close() }()
		data, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	var evidence struct {
		SchemaVersion string `json:"schemaVersion"`
		Summary       struct {
			RunID    string `json:"runID"`
			Severity string `json:"severity"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(read(objs[1]), &evidence); err != nil { // key order: .html, .json
		t.Fatal(err)
	}
	if evidence.SchemaVersion == "" || evidence.Summary.RunID != run || evidence.Summary.Severity != string(e.Status.Severity) {
		t.Fatalf("evidence %+v, want run %s at %s", evidence, run, e.Status.Severity)
	}
	if page := string(read(objs[0])); !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, "<svg") {
		t.Fatalf("the page is not a report with charts: %.200s", page)
	}
}
