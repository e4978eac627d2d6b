package report

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/incident"
)

// SchemaVersion names the evidence document's shape; it changes when a
// field changes meaning or goes away.
const SchemaVersion = "fairness.dev/audit-report/v1"

// SmallGroupShare is the share of rows under which a group is flagged as
// small (NYC Local Law 144 audits may leave out categories under 2%, and
// must say so).
const SmallGroupShare = 0.02

// FourFifths is the adverse impact ratio under which US fair-lending and
// employment reviews look for disparate impact.
const FourFifths = 0.8

// Evidence is the report's content, in the order the page shows it.
type Evidence struct {
	SchemaVersion string           `json:"schemaVersion"`
	Summary       Summary          `json:"summary"`
	Provenance    Provenance       `json:"provenance"`
	Attributes    []AttributeTable `json:"attributes"`
	History       []HistoryPoint   `json:"history,omitempty"`
	Periods       []PeriodPoint    `json:"periods,omitempty"`
	Methods       []Method         `json:"methods,omitempty"`
	Incidents     []Incident       `json:"incidents"`
	Definitions   []Definition     `json:"definitions"`
}

// Summary is what was found and what it means.
type Summary struct {
	Evaluation   string                  `json:"evaluation"`
	Namespace    string                  `json:"namespace,omitempty"`
	RunID        string                  `json:"runID,omitempty"`
	Time         time.Time               `json:"time"`
	Mode         string                  `json:"mode"`
	Severity     fairness.Severity       `json:"severity"`
	Breaches     []BreachRow             `json:"breaches"`
	NotEvaluated []fairness.NotEvaluated `json:"notEvaluated,omitempty"`
	// Scale is the runbook's severity scale, the current severity marked.
	Scale []ScaleRow `json:"scale"`
}

// BreachRow is a crossed threshold with the interval and reference group
// of the metric behind it.
type BreachRow struct {
	fairness.Breach
	Interval  *fairness.Interval `json:"interval,omitempty"`
	Reference string             `json:"reference,omitempty"`
}

// ScaleRow is one severity of the runbook's scale.
type ScaleRow struct {
	Severity      fairness.Severity `json:"severity"`
	Meaning       string            `json:"meaning"`
	RespondWithin string            `json:"respondWithin"`
	Current       bool              `json:"current,omitempty"`
}

// Provenance says which data and which settings produced the run.
type Provenance struct {
	Source          Source               `json:"source"`
	Rows            int64                `json:"rows"`
	Window          string               `json:"window,omitempty"`
	OperatorVersion string               `json:"operatorVersion,omitempty"`
	SpecHash        string               `json:"specHash,omitempty"`
	Thresholds      []fairness.Threshold `json:"thresholds"`
	MinGroupSize    int64                `json:"minGroupSize"`
}

// scaleMeanings are the runbook's words for each severity.
var scaleMeanings = []struct {
	sev     fairness.Severity
	meaning string
}{
	{fairness.Sev1, "critical: bias beyond regulatory thresholds in a production model"},
	{fairness.Sev2, "high: large disparity, or monitoring blind (evaluations keep failing)"},
	{fairness.Sev3, "medium: moderate disparity"},
	{fairness.Sev4, "low: small or cosmetic"},
}

// Build assembles the evidence; it fails only when there is no run result.
func Build(in Input) (*Evidence, error) {
	if in.Report == nil {
		return nil, errors.New("the run has no result to report")
	}
	r := in.Report
	ev := &Evidence{
		SchemaVersion: SchemaVersion,
		Summary: Summary{Evaluation: display.Value(in.Evaluation), Namespace: display.Value(in.Namespace),
			RunID: display.Value(in.RunID), Time: in.Time, Mode: cmp.Or(in.Mode, "predictions"),
			Severity: r.Severity, Breaches: breachRows(r), NotEvaluated: r.NotEvaluated, Scale: scale(r.Severity)},
		Provenance: Provenance{Source: in.Source, Rows: r.Rows, Window: in.Window, OperatorVersion: in.OperatorVersion,
			SpecHash: in.SpecHash, Thresholds: in.Thresholds, MinGroupSize: in.MinGroupSize},
		Attributes:  attributeTables(r, in.Privileged, in.MissingDemographics),
		History:     in.History,
		Periods:     in.Periods,
		Methods:     in.Methods,
		Incidents:   shownIncidents(in.Incidents),
		Definitions: definitions(r),
	}
	if ev.Summary.Breaches == nil {
		ev.Summary.Breaches = []BreachRow{}
	}
	if ev.Provenance.Thresholds == nil {
		ev.Provenance.Thresholds = []fairness.Threshold{}
	}
	return ev, nil
}

func scale(current fairness.Severity) []ScaleRow {
	rows := make([]ScaleRow, 0, len(scaleMeanings))
	for _, s := range scaleMeanings {
		rows = append(rows, ScaleRow{Severity: s.sev, Meaning: s.meaning,
			RespondWithin: humanDuration(incident.DefaultDeadlines[s.sev]), Current: s.sev == current})
	}
	return rows
}

// humanDuration writes the scale's deadlines as the runbook does.
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	default:
		return plural(int(d/time.Hour), "hour")
	}
}

func plural(n int, unit string) string {
	s := strconv.Itoa(n) + " " + unit
	if n != 1 {
		s += "s"
	}
	return s
}

// breachRows pairs each breach with its metric's interval and reference.
func breachRows(r *fairness.Report) []BreachRow {
	rows := make([]BreachRow, 0, len(r.Breaches))
	for _, b := range r.Breaches {
		row := BreachRow{Breach: b}
		for _, m := range r.Metrics {
			if m.Key() == b.Key() && m.Agg == b.Agg {
				row.Interval, row.Reference = m.Interval, m.Reference
				break
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// shownIncidents orders incidents by opening and each trail by time, with
// people's words shown as display writes them (no control characters).
func shownIncidents(in []Incident) []Incident {
	out := make([]Incident, len(in))
	for i, inc := range in {
		inc.Name, inc.State = display.Value(inc.Name), display.Value(inc.State)
		inc.Trail = slices.Clone(inc.Trail)
		for j, e := range inc.Trail {
			inc.Trail[j].State, inc.Trail[j].By, inc.Trail[j].Note = display.Value(e.State), display.Value(e.By),
				display.Message(e.Note)
		}
		slices.SortStableFunc(inc.Trail, func(a, b IncidentEvent) int { return a.Time.Compare(b.Time) })
		inc.Notifications = slices.Clone(inc.Notifications)
		for j, n := range inc.Notifications {
			inc.Notifications[j].Target, inc.Notifications[j].Result = display.Value(n.Target), display.Value(n.Result)
		}
		out[i] = inc
	}
	slices.SortStableFunc(out, func(a, b Incident) int { return a.OpenedAt.Compare(b.OpenedAt) })
	return out
}
