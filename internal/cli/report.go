package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/report"
)

type reportFlags struct {
	clusterFlags
	from, output, format string
}

func newReportCommand(s Streams) *cobra.Command {
	f := &reportFlags{}
	cmd := &cobra.Command{
		Use:   "report (NAME | --from RUN.json)",
		Short: "Write an audit report of an evaluation or a run: one self-contained HTML page, or its JSON evidence",
		Long: "Report renders an evaluation on the cluster (its last run, history and incidents), or the result of\n" +
			"`fairctl evaluate -o json`, as an audit report: summary and severity, provenance, every group's selection\n" +
			"rate and impact ratio with charts, the incident trail and the metrics' definitions.\n" +
			"The page needs nothing from the network and prints on A4.",
		Example: "  kubectl fairness report credit-model -n lending -o report.html\n" +
			"  fairctl evaluate --data preds.csv --protected sex -o json > run.json\n" +
			"  fairctl report --from run.json -o report.html",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			return runReport(cmd, s, f, name)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	fl.StringVar(&f.context, "context", "", "kubeconfig context")
	fl.StringVarP(&f.namespace, "namespace", "n", "", "namespace (default: the context's)")
	fl.StringVar(&f.from, "from", "", "a run's JSON from `fairctl evaluate -o json` (- for stdin)")
	fl.StringVarP(&f.output, "output", "o", "-", "where to write the report (- for stdout)")
	fl.StringVar(&f.format, "format", "html", "html, or json for the machine-readable evidence")
	return cmd
}

func runReport(cmd *cobra.Command, s Streams, f *reportFlags, name string) error {
	if f.format != "html" && f.format != "json" {
		return usageError("--format %q: want html or json", f.format)
	}
	var in report.Input
	switch {
	case name != "" && f.from != "":
		return usageError("give an evaluation's NAME or --from RUN.json, not both")
	case name != "":
		c, ns, err := f.client()
		if err != nil {
			return err
		}
		if in, err = clusterInput(ctxOf(cmd), c, ns, name); err != nil {
			return err
		}
	case f.from != "":
		var err error
		if in, err = readRun(s.In, f.from); err != nil {
			return usageError("%v", err)
		}
	default:
		return usageError("name an evaluation, or give --from with a run's JSON from `fairctl evaluate -o json`")
	}
	ev, err := report.Build(in)
	if err != nil {
		return usageError("%v", err)
	}
	return writeReport(s.Out, f.output, f.format, ev)
}

// readRun reads a run's JSON into the report's input, naming the file and
// the place where it is not a run.
func readRun(stdin io.Reader, path string) (report.Input, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return report.Input{}, err
	}
	var run runFile
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&run); err != nil {
		return report.Input{}, fmt.Errorf("%s: %w", path, jsonErrorAt(data, err))
	}
	if run.isTrainRun() {
		return trainInput(path, &run)
	}
	if run.Report == nil || run.Groups == nil {
		return report.Input{}, fmt.Errorf("%s: not the JSON of `fairctl evaluate -o json` (no groups)", path)
	}
	return runInput(&run.Output), nil
}

// jsonErrorAt adds the line of a syntax or type error.
func jsonErrorAt(data []byte, err error) error {
	var offset int64 = -1
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		offset = se.Offset
	} else if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		offset = te.Offset
	}
	if offset < 0 {
		return err
	}
	return fmt.Errorf("line %d: %w", bytes.Count(data[:min(offset, int64(len(data)))], []byte("\n"))+1, err)
}

func runInput(run *Output) report.Input {
	in := report.Input{Evaluation: "local run", Time: run.EvaluatedAt, Mode: "predictions", Report: run.Report,
		Thresholds: run.Thresholds, Privileged: run.Privileged, MinGroupSize: run.MinGroupSize,
		OperatorVersion: run.Version,
		Source:          report.Source{Description: run.Data, RowsRead: run.Rows + run.BadRows, RowsBad: run.BadRows}}
	if run.Source != nil {
		in.Source.Count, in.Source.Bytes, in.Source.ListHash = run.Source.Objects, run.Source.Bytes, run.Source.ListHash
		for _, o := range run.Source.ObjectList {
			in.Source.Objects = append(in.Source.Objects, report.Object{Name: o.Name, ETag: o.Version, Size: o.Size})
		}
	}
	if run.Join != nil {
		in.MissingDemographics = run.Join.MissingDemographics
	}
	if w := run.Window; w != nil {
		in.Window = windowText(w.From, w.Until, w.InWindow, w.Outside)
		for _, b := range slices.Backward(w.Buckets) {
			values := map[string]float64{}
			for _, m := range b.Metrics {
				values[seriesName(m.Name, m.Method, m.Attribute)] = m.Value
			}
			in.Periods = append(in.Periods, report.PeriodPoint{From: b.From, Until: b.Until, Rows: b.Rows, Metrics: values})
		}
	}
	if in.Report.Severity == "" {
		in.Report.Severity = fairness.SeverityNone
	}
	return in
}

// writeReport writes the page or the evidence to path (- for out).
func writeReport(out io.Writer, path, format string, ev *report.Evidence) error {
	w := out
	var file *os.File
	if path != "-" && path != "" {
		var err error
		if file, err = os.Create(path); err != nil {
			return usageError("%v", err)
		}
		w = file
	}
	buf := bufio.NewWriter(w)
	write := report.WriteHTML
	if format == "json" {
		write = report.WriteJSON
	}
	err := write(buf, ev)
	if err == nil {
		err = buf.Flush()
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// windowText describes a run's time window for the report's provenance.
func windowText(from, until time.Time, in, outside int64) string {
	return fmt.Sprintf("(%s, %s]: %d rows in the window, %d outside it", from.UTC().Format(time.RFC3339),
		until.UTC().Format(time.RFC3339), in, outside)
}
