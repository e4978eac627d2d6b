package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/evaluate"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// Output is what `fairctl evaluate` prints: the report (its JSON is a stable
// contract) with the data it came from and the thresholds applied.
type Output struct {
	*fairness.Report
	Data       string               `json:"data"`
	Thresholds []fairness.Threshold `json:"thresholds"`
	// Source describes the objects read from an object store.
	Source *SourceOutput `json:"source,omitempty"`
	// Join is what the predictions joined, when outcomes or demographics were.
	Join *JoinOutput `json:"join,omitempty"`
	// Window is the time window evaluated, and the rows in and outside it.
	Window *WindowOutput `json:"window,omitempty"`
	// EvaluatedAt, Version, BadRows, Privileged and MinGroupSize are the
	// run's provenance, which `fairctl report --from` puts in the report.
	EvaluatedAt  time.Time           `json:"evaluatedAt,omitzero"`
	Version      string              `json:"version,omitempty"`
	BadRows      int64               `json:"badRows"`
	Privileged   map[string][]string `json:"privileged,omitempty"`
	MinGroupSize int64               `json:"minGroupSize"`
}

// SourceOutput is what an evaluation read from an object store.
type SourceOutput struct {
	Objects      int                 `json:"objects"`
	Bytes        int64               `json:"bytes"`
	BytesFetched int64               `json:"bytesFetched"`
	ListHash     string              `json:"listHash"`
	ObjectList   []dataset.ObjectRef `json:"objectList,omitempty"`
}

// JoinOutput is what the predictions joined: the outcome rows, the
// predictions whose outcome had arrived, the outcomes no prediction matched,
// and the predictions with no demographics row (left out of the groups).
type JoinOutput struct {
	Outcomes            int64 `json:"outcomes"`
	Matched             int64 `json:"matched"`
	Orphans             int64 `json:"orphans"`
	Demographics        int64 `json:"demographics"`
	MissingDemographics int64 `json:"missingDemographics"`
	BadRows             int64 `json:"badRows"`
}

// WindowOutput is the window (From, Until] a run evaluated.
type WindowOutput struct {
	From           time.Time `json:"from"`
	Until          time.Time `json:"until"`
	InWindow       int64     `json:"inWindow"`
	Outside        int64     `json:"outside"`
	SkippedObjects int64     `json:"skippedObjects,omitempty"`
	// Buckets are the window's periods (--bucket) that had rows, newest
	// first, each with its rows and headline values.
	Buckets []BucketOutput `json:"buckets,omitempty"`
}

// BucketOutput is one period of the window.
type BucketOutput struct {
	From    time.Time      `json:"from"`
	Until   time.Time      `json:"until"`
	Rows    int64          `json:"rows"`
	Metrics []PeriodMetric `json:"metrics"`
}

// PeriodMetric is a headline value of a period.
type PeriodMetric struct {
	Name      string  `json:"name"`
	Method    string  `json:"method"`
	Attribute string  `json:"attribute"`
	Value     float64 `json:"value"`
}

func windowOutput(w *dataset.Window, c *dataset.WindowCounts, periods []evaluate.Period) *WindowOutput {
	if w == nil || c == nil {
		return nil
	}
	out := &WindowOutput{From: w.From.UTC(), Until: w.Until.UTC(), InWindow: c.InWindow, Outside: c.Outside, SkippedObjects: c.SkippedObjects}
	for _, p := range periods {
		b := BucketOutput{From: p.From, Until: p.Until, Rows: p.Rows, Metrics: []PeriodMetric{}}
		for _, m := range p.Metrics {
			b.Metrics = append(b.Metrics, PeriodMetric{Name: m.Name, Method: m.Method, Attribute: m.Attribute, Value: m.Value.V})
		}
		out.Buckets = append(out.Buckets, b)
	}
	return out
}

func joinOutput(j *dataset.JoinCounts) *JoinOutput {
	if j == nil {
		return nil
	}
	return &JoinOutput{Outcomes: j.Outcomes, Matched: j.Matched, Orphans: j.Orphans(), Demographics: j.Demographics,
		MissingDemographics: j.MissingDemographics, BadRows: j.BadRows}
}

func sourceOutput(o *dataset.ObjectsRead) *SourceOutput {
	if o == nil {
		return nil
	}
	return &SourceOutput{Objects: o.Count, Bytes: o.Bytes, BytesFetched: o.Fetched, ListHash: o.Hash, ObjectList: o.Listed}
}

type format string

const (
	formatTable    format = "table"
	formatJSON     format = "json"
	formatYAML     format = "yaml"
	formatMarkdown format = "markdown"
)

func parseFormat(s string) (format, error) {
	switch f := format(s); f {
	case formatTable, formatJSON, formatYAML, formatMarkdown:
		return f, nil
	}
	return "", usageError("--output %q: want table, json, yaml or markdown", s)
}

func render(w io.Writer, f format, o *Output) error {
	switch f {
	case formatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(o)
	case formatYAML:
		data, err := json.Marshal(o)
		if err != nil {
			return err
		}
		y, err := yaml.JSONToYAML(data)
		if err != nil {
			return err
		}
		_, err = w.Write(y)
		return err
	}
	return renderText(w, o, f == formatMarkdown)
}

// textTable writes aligned columns, or a Markdown table.
type textTable struct {
	w        io.Writer
	tw       *tabwriter.Writer
	markdown bool
	rows     int
}

func newTextTable(w io.Writer, markdown bool) *textTable {
	return &textTable{w: w, tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0), markdown: markdown}
}

func (t *textTable) row(cells ...string) {
	if t.markdown {
		for i, c := range cells {
			cells[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		fmt.Fprintf(t.w, "| %s |\n", strings.Join(cells, " | "))
		if t.rows == 0 {
			fmt.Fprintf(t.w, "|%s\n", strings.Repeat("---|", len(cells)))
		}
	} else {
		fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
	}
	t.rows++
}

func (t *textTable) flush() { _ = t.tw.Flush() }

func num(v fairness.Value) string {
	if !v.OK() {
		return "undefined"
	}
	return strconv.FormatFloat(v.V, 'f', 4, 64)
}

func interval(iv *fairness.Interval) string {
	if iv == nil {
		return "-"
	}
	return fmt.Sprintf("[%.4f, %.4f]", iv.Lower, iv.Upper)
}

func groupLabel(g fairness.GroupReport, attrs []string) string {
	if len(g.Attributes) == 0 {
		return "overall"
	}
	var parts []string
	for _, a := range attrs {
		if v, ok := g.Attributes[a]; ok {
			parts = append(parts, a+"="+strconv.Quote(v)[1:len(strconv.Quote(v))-1])
		}
	}
	return strings.Join(parts, " & ")
}

func renderText(w io.Writer, o *Output, markdown bool) error {
	r := o.Report
	heading := func(s string) {
		if markdown {
			fmt.Fprintf(w, "\n### %s\n\n", s)
		} else {
			fmt.Fprintf(w, "\n%s\n", s)
		}
	}
	fmt.Fprintf(w, "Data: %s   Rows: %d   Protected: %s\n", o.Data, r.Rows, strings.Join(r.Attributes, ", "))
	if o.Source != nil {
		fmt.Fprintf(w, "Objects: %d (%d bytes, %d fetched)   Listing: %s\n", o.Source.Objects, o.Source.Bytes,
			o.Source.BytesFetched, o.Source.ListHash)
	}
	if j := o.Join; j != nil {
		fmt.Fprintf(w, "Joined: %d outcomes (%d matched, %d orphans)   %d demographics (%d predictions without)\n",
			j.Outcomes, j.Matched, j.Orphans, j.Demographics, j.MissingDemographics)
	}
	if c := r.Coverage; c != nil {
		fmt.Fprintf(w, "Label coverage: %.4f overall; groups differ by up to %.4f (%s: %s to %s)\n", c.Overall, c.Gap,
			c.Attribute, c.Lowest, c.Highest)
	}
	if wo := o.Window; wo != nil {
		fmt.Fprintf(w, "Window: (%s, %s]   %d rows in it, %d outside\n", wo.From.Format(time.RFC3339), wo.Until.Format(time.RFC3339),
			wo.InWindow, wo.Outside)
		for _, b := range wo.Buckets {
			values := make([]string, len(b.Metrics))
			for i, m := range b.Metrics {
				values[i] = fmt.Sprintf("%s@%s %.4f", m.Name, m.Attribute, m.Value)
			}
			fmt.Fprintf(w, "  (%s, %s]  %d rows  %s\n", b.From.Format(time.RFC3339), b.Until.Format(time.RFC3339), b.Rows,
				strings.Join(values, "  "))
		}
	}

	heading("Groups")
	t := newTextTable(w, markdown)
	groups := append(append([]fairness.GroupReport(nil), r.Groups...), r.Overall)
	weighted := slices.ContainsFunc(groups, func(g fairness.GroupReport) bool { return g.Weight != nil })
	header := []string{"GROUP", "COUNT", "LABELLED", "BASE RATE", "SELECTION", "SELECTION 95% CI", "TPR", "FPR", "PPV", "ACCURACY", "NOTE"}
	if weighted { // probabilistic groups: count rows with a weight, rates are weighted
		header = slices.Insert(header, 2, "WEIGHT", "EFF. SIZE")
	}
	t.row(header...)
	for _, g := range groups {
		note := ""
		if g.BelowMinGroupSize {
			note = "below min group size"
		}
		cells := []string{groupLabel(g, r.Attributes), strconv.FormatInt(g.Count, 10), strconv.FormatInt(g.Labelled, 10),
			num(g.BaseRate), num(g.SelectionRate), interval(g.SelectionRateInterval), num(g.TruePositiveRate),
			num(g.FalsePositiveRate), num(g.PositivePredictiveValue), num(g.Accuracy), note}
		if weighted {
			cells = slices.Insert(cells, 2, optionalNumber(g.Weight), optionalNumber(g.EffectiveSize))
		}
		t.row(cells...)
	}
	t.flush()

	heading("Metrics")
	breachOf := map[string]fairness.Breach{}
	for _, b := range r.Breaches {
		breachOf[b.Key()] = b
	}
	t = newTextTable(w, markdown)
	t.row("METRIC", "ATTRIBUTE", "METHOD", "VALUE", "95% CI", "GRADE")
	for _, m := range r.Metrics {
		if !fairness.Summarised(m, o.Thresholds) {
			continue
		}
		grade := ""
		if b, ok := breachOf[m.Key()]; ok && m.Agg != fairness.AggMean {
			grade = fmt.Sprintf("%s (threshold %g)", b.Severity, b.Threshold)
		} else if m.Value.OK() && gradedBy(o.Thresholds, m) {
			grade = "ok"
		}
		value := num(m.Value)
		if !m.Value.OK() {
			value = "undefined: " + m.UndefinedReason
		}
		attr := m.Attribute
		if attr == "" {
			attr = "-"
		}
		t.row(m.Name, attr, m.Method, value, interval(m.Interval), grade)
	}
	t.flush()

	heading("Severity")
	fmt.Fprintf(w, "%s", r.Severity)
	if n := len(r.Breaches); n > 0 {
		worst := r.Breaches[0]
		fmt.Fprintf(w, ": %d threshold(s) breached; worst %s on %s = %.4f (threshold %g)", n, worst.Metric,
			worst.Attribute, worst.Value, worst.Threshold)
	}
	fmt.Fprintln(w)
	if len(r.NotEvaluated) > 0 {
		heading("Not evaluated")
		for _, ne := range r.NotEvaluated {
			fmt.Fprintf(w, "%s: %s\n", ne.Reason, display.Value(ne.Message))
		}
	}
	return nil
}

// gradedBy tells whether some threshold grades metric m (same metric,
// method and attribute), so that "ok" is shown only where a check ran.
func gradedBy(ts []fairness.Threshold, m fairness.Metric) bool {
	for _, t := range ts {
		method := t.Method
		if method == "" {
			method = fairness.DefaultMethod(t.Metric)
		}
		if t.Metric == m.Name && method == m.Method && (t.Attribute == "" || t.Attribute == m.Attribute) {
			return true
		}
	}
	return false
}

// optionalNumber shows a figure that only some groups have.
func optionalNumber(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}
