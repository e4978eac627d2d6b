// Package report turns a run's results into audit evidence: one document
// with a schema version (JSON) and a self-contained HTML page with inline
// SVG charts that prints. It imports nothing from Kubernetes: the CLI reads
// its input from a local run's JSON, the kubectl plugin from the cluster.
package report

import (
	"time"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// Input is everything a report is made from.
type Input struct {
	Evaluation string
	Namespace  string
	RunID      string
	Time       time.Time
	// Mode is predictions or train.
	Mode   string
	Report *fairness.Report
	Source Source
	// Thresholds are the thresholds in force for the run.
	Thresholds []fairness.Threshold
	// Privileged maps an attribute to its privileged values, when declared.
	Privileged   map[string][]string
	MinGroupSize int64
	// OperatorVersion and SpecHash say what produced the run, and from which spec.
	OperatorVersion string
	SpecHash        string
	// Window is the time window of the data, when one was set.
	Window string
	// MissingDemographics counts the predictions with no demographics row
	// (joined by ID): in no group, they are each attribute's unknown category.
	MissingDemographics int64
	// History is earlier runs, oldest first; the trend chart draws it.
	History []HistoryPoint
	// Periods are the run's window cut into periods (spec.window.bucket,
	// --bucket), oldest first: how the disparity moved inside the window.
	Periods []PeriodPoint
	// Methods are train mode's candidate models, one per method.
	Methods []Method
	// Incidents are the incidents the evaluation opened, with their trail.
	Incidents []Incident
}

// Source is where the run's rows came from and what became of them.
type Source struct {
	// Description is the source as a person would name it: a URL without
	// its query, an object-store prefix, a ConfigMap key, a file.
	Description string `json:"description"`
	RowsRead    int64  `json:"rowsRead"`
	RowsSkipped int64  `json:"rowsSkipped"`
	RowsBad     int64  `json:"rowsBad"`
	// Objects are the objects read (a bounded list), with ListHash over all.
	Objects  []Object `json:"objects,omitempty"`
	Count    int      `json:"objectCount,omitempty"`
	Bytes    int64    `json:"bytes,omitempty"`
	ListHash string   `json:"listHash,omitempty"`
}

// Object is one object read, identified by its ETag or content hash.
type Object struct {
	Name string `json:"name"`
	ETag string `json:"etag,omitempty"`
	Size int64  `json:"size"`
}

// HistoryPoint is one earlier run's headline figures.
type HistoryPoint struct {
	RunID    string             `json:"runID,omitempty"`
	Time     time.Time          `json:"time"`
	Severity fairness.Severity  `json:"severity"`
	Metrics  map[string]float64 `json:"metrics"`
}

// PeriodPoint is one period of the run's window: its rows and headline
// values, named as the history's.
type PeriodPoint struct {
	From    time.Time          `json:"from"`
	Until   time.Time          `json:"until"`
	Rows    int64              `json:"rows"`
	Metrics map[string]float64 `json:"metrics"`
}

// Method is one train-mode candidate: its accuracy and disparity on the
// held-out rows (a less discriminatory alternative has the smaller
// disparity at a similar accuracy).
type Method struct {
	Name                        string  `json:"name"`
	Accuracy                    float64 `json:"accuracy"`
	DemographicParityDifference float64 `json:"demographicParityDifference"`
}

// Incident is an incident the evaluation opened.
type Incident struct {
	Name          string            `json:"name"`
	Severity      fairness.Severity `json:"severity"`
	State         string            `json:"state"`
	OpenedAt      time.Time         `json:"openedAt"`
	Trail         []IncidentEvent   `json:"trail,omitempty"`
	Notifications []Notification    `json:"notifications,omitempty"`
}

// IncidentEvent is one change of an incident's state, by whom, with a note.
type IncidentEvent struct {
	Time  time.Time `json:"time"`
	State string    `json:"state"`
	By    string    `json:"by,omitempty"`
	Note  string    `json:"note,omitempty"`
}

// Notification is one notification sent about an incident.
type Notification struct {
	Target string    `json:"target"`
	Time   time.Time `json:"time"`
	Result string    `json:"result"`
}
