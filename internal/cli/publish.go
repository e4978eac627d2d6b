package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/fairness-operator/fairness-operator/internal/controller"
	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/objectstore"
	"github.com/fairness-operator/fairness-operator/internal/report"
)

type publishFlags struct {
	input, to, terminationLog string
	endpoint, region          string
	forcePathStyle            bool
}

// newPublishReportCommand is the entrypoint of report pods: it renders the
// report of an evaluation's last run and writes RUN.html and RUN.json under
// an object-store prefix, never over an object that is there.
func newPublishReportCommand(s Streams) *cobra.Command {
	f := &publishFlags{}
	cmd := &cobra.Command{
		Use:    "publish-report",
		Short:  "Write the audit report of an evaluation's last run to object storage (the entrypoint of report pods)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			objects, err := publishReport(ctxOf(cmd), f, cmd.Flags().Changed("force-path-style"))
			out := controller.ReportOutcome{Objects: objects}
			if err != nil {
				out = controller.ReportOutcome{Error: display.Bounded(display.RedactURLs(err.Error()), maxErrorMessage)}
			}
			msg, _ := json.Marshal(out)
			if f.terminationLog != "" {
				if werr := os.WriteFile(f.terminationLog, msg, 0o644); werr != nil { //nolint:gosec // read by the kubelet
					fmt.Fprintf(s.Err, "fairctl: writing %s: %v\n", f.terminationLog, werr)
				}
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(s.Out, string(msg))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.input, "input", "", "the report's input (JSON), written by the controller")
	fl.StringVar(&f.to, "to", "", "object-store prefix: s3://, gs:// or azblob://bucket/prefix")
	fl.StringVar(&f.endpoint, "endpoint", "", "s3://: an S3-compatible store's URL")
	fl.StringVar(&f.region, "region", "", "s3://: the bucket's region")
	fl.BoolVar(&f.forcePathStyle, "force-path-style", false, "s3://: address buckets as endpoint/bucket")
	fl.StringVar(&f.terminationLog, "termination-log", "", "file the objects written, or the error, are written to")
	return cmd
}

// publishReport renders the input's report and writes its page and its
// evidence; it returns their URLs.
func publishReport(ctx context.Context, f *publishFlags, pathStyleSet bool) ([]string, error) {
	data, err := os.ReadFile(f.input)
	if err != nil {
		return nil, err
	}
	var in controller.ReportJobInput
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, fmt.Errorf("%s: %w", f.input, jsonErrorAt(data, err))
	}
	input, err := evaluationInput(&in.Evaluation, in.Incidents)
	if err != nil {
		return nil, err
	}
	ev, err := report.Build(input)
	if err != nil {
		return nil, err
	}
	var page, evidence bytes.Buffer
	if err := report.WriteHTML(&page, ev); err != nil {
		return nil, err
	}
	if err := report.WriteJSON(&evidence, ev); err != nil {
		return nil, err
	}
	opts := objectstore.Options{Endpoint: f.endpoint, Region: f.region}
	if pathStyleSet {
		opts.PathStyle = &f.forcePathStyle
	}
	store, err := objectstore.Open(ctx, f.to, opts)
	if err != nil {
		return nil, err
	}
	defer func() { _ = store.Close() }()
	run := in.Evaluation.Status.LastRun.ID // evaluationInput checked there is a last run
	var written []string
	for _, o := range []struct {
		name, contentType string
		data              []byte
	}{{run + ".json", "application/json", evidence.Bytes()}, {run + ".html", "text/html; charset=utf-8", page.Bytes()}} {
		url, err := store.Create(ctx, o.name, o.contentType, o.data)
		if err != nil {
			return written, err
		}
		written = append(written, url)
	}
	return written, nil
}
