package evaluate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/learn"
)

// RunConfig is what an evaluation pod is told to do. The controller writes
// it as the --config argument of `fairctl run`; it never holds secrets
// (URL headers are read from HeadersDir, a mounted Secret).
type RunConfig struct {
	RunID string `json:"runID"`
	// Data is a file path inside the pod, an http(s) URL, or builtin:<name>.
	Data string `json:"data"`
	// Inline is the CSV itself when the data is inline (Data is then "inline").
	Inline  string                   `json:"inline,omitempty"`
	Builtin dataset.SyntheticOptions `json:"builtin,omitempty"`
	// HeadersDir holds one file per HTTP header (a mounted Secret).
	HeadersDir     string   `json:"headersDir,omitempty"`
	TimeoutSeconds int32    `json:"timeoutSeconds,omitempty"`
	Label          string   `json:"label"`
	Prediction     string   `json:"prediction"`
	Score          string   `json:"score,omitempty"`
	Protected      []string `json:"protected"`
	Favorable      string   `json:"favorable,omitempty"`
	// NullGroup is the group value of a null protected value (ScanOptions.NullGroup).
	NullGroup string `json:"nullGroup,omitempty"`
	Shards    int64  `json:"shards"`
	// ByteRange shards a plain file by byte range; otherwise rows are
	// dealt out by row number modulo Shards.
	ByteRange bool `json:"byteRange,omitempty"`
	MaxGroups int  `json:"maxGroups,omitempty"`
	// Format is csv, jsonl or parquet; empty detects it from the data.
	Format string `json:"format,omitempty"`
	// ObjectStore configures an object-store source (Data is its URL).
	ObjectStore *ObjectStore `json:"objectStore,omitempty"`
	// Train, when set, trains a model and reports its test split (train mode).
	Train *TrainRun `json:"train,omitempty"`
	// ID, Outcomes and Demographics join the predictions by ID.
	ID           string     `json:"id,omitempty"`
	Outcomes     *RunSource `json:"outcomes,omitempty"`
	Demographics *RunSource `json:"demographics,omitempty"`
	MaxJoinKeys  int64      `json:"maxJoinKeys,omitempty"`
	// Window keeps the rows in a time window.
	Window *RunWindow `json:"window,omitempty"`
	// Probabilities is a protected attribute given as membership
	// probabilities, read from the predictions.
	Probabilities *dataset.Probabilities `json:"probabilities,omitempty"`
}

// RunWindow is the window (From, Until] of a run: the controller fixes it
// from the run's start, so every shard and retry reads the same rows.
type RunWindow struct {
	Column    string    `json:"column"`
	Format    string    `json:"format,omitempty"`
	Partition string    `json:"partition,omitempty"`
	From      time.Time `json:"from"`
	Until     time.Time `json:"until"`
	// Bucket, when set, also keeps each period's statistics.
	Bucket time.Duration `json:"bucket,omitempty"`
}

// RunSource is a joined side as the pod reads it: a path, URL or
// object-store prefix (or inline CSV), as RunConfig's own data.
type RunSource struct {
	Data           string       `json:"data"`
	Inline         string       `json:"inline,omitempty"`
	Format         string       `json:"format,omitempty"`
	HeadersDir     string       `json:"headersDir,omitempty"`
	TimeoutSeconds int32        `json:"timeoutSeconds,omitempty"`
	ObjectStore    *ObjectStore `json:"objectStore,omitempty"`
}

// side is the joined side a RunSource says.
func (r *RunSource) side() (*Side, error) {
	if r == nil {
		return nil, nil
	}
	format, err := dataset.ParseFormat(r.Format)
	if err != nil {
		return nil, fmt.Errorf("bad run configuration: %w", err)
	}
	s := &Side{Source: Source{Data: r.Data, Fetch: dataset.FetchOptions{Timeout: time.Duration(r.TimeoutSeconds) * time.Second}},
		Format: format, Inline: r.Inline}
	if r.ObjectStore != nil {
		s.Source.Objects = *r.ObjectStore
	}
	if r.HeadersDir != "" {
		if s.Source.Fetch.Header, err = readHeaders(r.HeadersDir); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// joined is the run's joins.
func (c *RunConfig) joined() (Joined, error) {
	j := Joined{MaxKeys: c.MaxJoinKeys}
	var err error
	if j.Outcomes, err = c.Outcomes.side(); err != nil {
		return j, err
	}
	j.Demographics, err = c.Demographics.side()
	return j, err
}

// TrainRun is the train-mode part of a run.
type TrainRun struct {
	Method           string   `json:"method"`
	Constraint       string   `json:"constraint,omitempty"`
	Features         []string `json:"features,omitempty"`
	ExcludeProtected bool     `json:"excludeProtected,omitempty"`
	TestSize         float64  `json:"testSize"`
	RandomState      int64    `json:"randomState"`
}

// InlineData is RunConfig.Data for inline CSV.
const InlineData = "inline"

// ParseRunConfig decodes and checks a RunConfig.
func ParseRunConfig(s string) (*RunConfig, error) {
	var c RunConfig
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("bad run configuration: %w", err)
	}
	if c.RunID == "" || c.Data == "" || c.Shards < 1 {
		return nil, fmt.Errorf("bad run configuration: runID, data and shards are required")
	}
	return &c, nil
}

// RunShard evaluates shard index of a run and returns its encoded result.
// The result must fit a termination message; if it does not, the error says so.
func RunShard(ctx context.Context, c *RunConfig, index int64) (string, error) {
	if index < 0 || index >= c.Shards {
		return "", fmt.Errorf("shard index %d is outside 0..%d", index, c.Shards-1)
	}
	src := Source{Data: c.Data, Builtin: c.Builtin, ByteRange: c.ByteRange,
		Fetch: dataset.FetchOptions{Timeout: time.Duration(c.TimeoutSeconds) * time.Second}}
	if c.ObjectStore != nil {
		src.Objects = *c.ObjectStore
	}
	if c.HeadersDir != "" {
		h, err := readHeaders(c.HeadersDir)
		if err != nil {
			return "", err
		}
		src.Fetch.Header = h
	}
	format, err := dataset.ParseFormat(c.Format)
	if err != nil {
		return "", fmt.Errorf("bad run configuration: %w", err)
	}
	scan := dataset.ScanOptions{Label: c.Label, Prediction: c.Prediction, Score: c.Score, Protected: c.Protected,
		Favorable: c.Favorable, MaxGroups: c.MaxGroups, Format: format, NullGroup: c.NullGroup, ID: c.ID,
		Probabilities: c.Probabilities}
	joined, err := c.joined()
	if err != nil {
		return "", err
	}
	if w := c.Window; w != nil {
		format, err := dataset.ParseTimestampFormat(w.Format)
		if err != nil {
			return "", fmt.Errorf("bad run configuration: %w", err)
		}
		scan.Window = &dataset.Window{Column: w.Column, Format: format, From: w.From, Until: w.Until, Bucket: w.Bucket}
		if w.Partition != "" {
			if scan.Window.Partition, err = dataset.ParsePartition(w.Partition); err != nil {
				return "", fmt.Errorf("bad run configuration: %w", err)
			}
		}
	}
	if c.Shards > 1 {
		scan.ShardCount, scan.ShardIndex = c.Shards, index
		if src.IsBuiltin() {
			// Each shard generates the whole dataset and keeps its rows; the
			// generator is cheap next to a real read.
			src.ByteRange = false
		}
	}
	var stdin io.Reader
	if c.Data == InlineData {
		src.Data, stdin = "-", strings.NewReader(c.Inline)
	}
	var table *fairness.Table
	var rows, bad int64
	var version string
	var objects *dataset.ObjectsRead
	var join *dataset.JoinCounts
	var window *dataset.WindowCounts
	var buckets []*fairness.Table
	if c.Train != nil {
		tc := TrainConfig{Label: c.Label, Favorable: c.Favorable, Protected: c.Protected, Features: c.Train.Features,
			ExcludeProtected: c.Train.ExcludeProtected, TestSize: c.Train.TestSize, RandomState: c.Train.RandomState,
			Methods: []learn.Method{learn.Method(c.Train.Method)}, Constraint: learn.Constraint(c.Train.Constraint)}
		reports, err := Train(ctx, src, tc, fairness.Options{}, stdin)
		if err != nil {
			return "", err
		}
		table, rows = reports[0].Table, reports[0].Rows
	} else {
		res, err := JoinedStatistics(ctx, src, joined, scan, stdin)
		if err != nil {
			return "", err
		}
		table, rows, bad, version, objects, join, window = res.Table, res.Rows, res.BadRows, res.DataVersion, res.Objects, res.Join, res.Window
		buckets = res.Buckets
	}
	result := NewResult(c.RunID, index, c.Shards, rows, bad, table)
	result.DataVersion = version
	result.Objects = ObjectsOf(objects, index)
	result.Join = JoinOf(join)
	result.Window = window
	result.AddBuckets(buckets)
	enc, err := result.Encode()
	// The object names are a courtesy: fewer of them rather than no result.
	for err == nil && len(enc) > MaxTerminationMessage && result.Objects != nil && len(result.Objects.Listed) > 0 {
		result.Objects.Listed = result.Objects.Listed[:len(result.Objects.Listed)/2]
		enc, err = result.Encode()
	}
	// So are the periods' statistics: the run stands without them.
	if err == nil && len(enc) > MaxTerminationMessage && len(result.Buckets) > 0 {
		result.Buckets, result.BucketsOmitted = nil, true
		enc, err = result.Encode()
	}
	if err != nil {
		return "", err
	}
	if len(enc) > MaxTerminationMessage {
		return "", &TooLargeError{Size: len(enc), Groups: len(table.Groups)}
	}
	return enc, nil
}

// TooLargeError is a result that cannot fit a termination message.
type TooLargeError struct{ Size, Groups int }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("ResultTooLarge: the result of %d groups encodes to %d bytes, more than the %d a termination message keeps; "+
		"use fewer or coarser protected attributes", e.Groups, e.Size, MaxTerminationMessage)
}

func readHeaders(dir string) (http.Header, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading URL headers: %w", err)
	}
	h := http.Header{}
	for _, e := range entries {
		// Secret volumes hold ..data symlinks and dot-dirs; headers are plain names.
		if strings.HasPrefix(e.Name(), ".") || e.IsDir() {
			continue
		}
		v, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("reading URL header %s: %w", e.Name(), err)
		}
		h.Set(e.Name(), strings.TrimSpace(string(v)))
	}
	return h, nil
}
