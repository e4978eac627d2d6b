package evaluate

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// ResultPrefix starts every encoded result; its suffix is the schema version.
const ResultPrefix = "fairness.dev/result/v1 "

// MaxTerminationMessage is what Kubernetes keeps of a container's
// termination message.
const MaxTerminationMessage = 4096

// Result is what one evaluation pod reports: the sufficient statistics of its
// shard of one run.
type Result struct {
	RunID      string   `json:"run"`
	Shard      int64    `json:"shard"`
	Shards     int64    `json:"shards"`
	Rows       int64    `json:"rows"`
	BadRows    int64    `json:"bad,omitempty"`
	Attributes []string `json:"attrs"`
	ScoreBins  int      `json:"bins,omitempty"`
	// Weighted is the probabilistic attribute, when one is (fairness.Table.Weighted).
	Weighted string  `json:"wattr,omitempty"`
	Groups   []group `json:"groups"`
	// DataVersion is the version of the file the shard read (see
	// dataset.ScanResult), so the shards of a run are checked to agree.
	DataVersion string `json:"ver,omitempty"`
	// Objects describes an object-store source: the listing (every shard
	// saw the same, by DataVersion) and what this shard fetched.
	Objects *ResultObjects `json:"obj,omitempty"`
	// Join is what the shard's predictions joined.
	Join *ResultJoin `json:"join,omitempty"`
	// Window counts the shard's rows in and outside the time window.
	Window *dataset.WindowCounts `json:"win,omitempty"`
	// Buckets holds the statistics of each period of a window with a
	// bucket that had rows (groups as Groups: same attributes); when they
	// do not fit the termination message they are left out and
	// BucketsOmitted says so: they are for reports, the run stands without.
	Buckets        []resultBucket `json:"bk,omitempty"`
	BucketsOmitted bool           `json:"bko,omitempty"`
}

// resultBucket is one period's statistics (period 0 is the newest).
type resultBucket struct {
	Period int     `json:"i"`
	Groups []group `json:"g"`
}

// MergeWindows adds up the shards' window counts (nil without a window).
func MergeWindows(results []*Result) *dataset.WindowCounts {
	var out *dataset.WindowCounts
	for _, r := range results {
		if r.Window != nil {
			if out == nil {
				out = &dataset.WindowCounts{}
			}
			out.InWindow += r.Window.InWindow
			out.Outside += r.Window.Outside
			out.SkippedObjects = r.Window.SkippedObjects // every shard lists, and skips, the same objects
		}
	}
	return out
}

// ResultJoin is the compact form of dataset.JoinCounts: the sides' rows
// (the same in every shard), and this shard's matches and missing rows.
type ResultJoin struct {
	Outcomes            int64 `json:"o"`
	Demographics        int64 `json:"d,omitempty"`
	Matched             int64 `json:"m"`
	MatchedOutcomes     int64 `json:"mo"`
	MissingDemographics int64 `json:"md,omitempty"`
	BadRows             int64 `json:"b,omitempty"`
}

// JoinOf packs what a scan joined.
func JoinOf(j *dataset.JoinCounts) *ResultJoin {
	if j == nil {
		return nil
	}
	return &ResultJoin{Outcomes: j.Outcomes, Demographics: j.Demographics, Matched: j.Matched,
		MatchedOutcomes: j.MatchedOutcomes, MissingDemographics: j.MissingDemographics, BadRows: j.BadRows}
}

// MergeJoins adds up the shards' joins (nil when the run joined nothing).
// Each shard loaded the whole of each side, so their rows are taken once;
// distinct outcomes matched add up exactly when each application ID is
// predicted once.
func MergeJoins(results []*Result) *dataset.JoinCounts {
	var out *dataset.JoinCounts
	for _, r := range results {
		if r.Join == nil {
			continue
		}
		if out == nil {
			out = &dataset.JoinCounts{Outcomes: r.Join.Outcomes, Demographics: r.Join.Demographics, BadRows: r.Join.BadRows}
		}
		out.Matched += r.Join.Matched
		out.MatchedOutcomes += r.Join.MatchedOutcomes
		out.MissingDemographics += r.Join.MissingDemographics
	}
	return out
}

// ResultObjects is the compact form of dataset.ObjectsRead: the listing's
// count, bytes and hash, the bytes this shard fetched, and (from shard 0
// only, within the termination message) the first objects' names.
type ResultObjects struct {
	Count   int         `json:"n"`
	Bytes   int64       `json:"b"`
	Fetched int64       `json:"f"`
	Hash    string      `json:"h"`
	Listed  [][3]string `json:"o,omitempty"` // name, version, size
}

// ObjectsOf packs what a scan says about its objects; shard 0 names them.
func ObjectsOf(o *dataset.ObjectsRead, shard int64) *ResultObjects {
	if o == nil {
		return nil
	}
	r := &ResultObjects{Count: o.Count, Bytes: o.Bytes, Fetched: o.Fetched, Hash: o.Hash}
	if shard == 0 {
		for _, l := range o.Listed {
			r.Listed = append(r.Listed, [3]string{l.Name, l.Version, strconv.FormatInt(l.Size, 10)})
		}
	}
	return r
}

// SourceRead is what a run read from an object store, over all shards.
type SourceRead struct {
	Objects, Bytes, Fetched int64
	Hash                    string
	Listed                  []dataset.ObjectRef
}

// MergeObjects adds up the shards' object reports (nil when the source is
// not an object store). The listing is checked equal by MergeResults.
func MergeObjects(results []*Result) *SourceRead {
	var out *SourceRead
	for _, r := range results {
		if r.Objects == nil {
			continue
		}
		if out == nil {
			out = &SourceRead{Objects: int64(r.Objects.Count), Bytes: r.Objects.Bytes, Hash: r.Objects.Hash}
		}
		out.Fetched += r.Objects.Fetched
		if len(r.Objects.Listed) > 0 && out.Listed == nil {
			for _, l := range r.Objects.Listed {
				size, _ := strconv.ParseInt(l[2], 10, 64)
				out.Listed = append(out.Listed, dataset.ObjectRef{Name: l[0], Version: l[1], Size: size})
			}
		}
	}
	return out
}

// group is one group, compactly: key values, [tp fp tn fn] (then the
// unlabelled favourable and unfavourable predictions, when there are any),
// and histogram arrays when scores are present. A weighted group adds its
// sums of weights and of squared weights, six cells each.
type group struct {
	Key     []string `json:"k"`
	Counts  []int64  `json:"c"`
	Pos     []int64  `json:"p,omitempty"`
	Neg     []int64  `json:"n,omitempty"`
	Sum     []int64  `json:"s,omitempty"`
	Weights []int64  `json:"w,omitempty"`
	Squares []int64  `json:"q,omitempty"`
}

func cells(c fairness.Counts) []int64 {
	return []int64{c.TP, c.FP, c.TN, c.FN, c.UnlabelledPos, c.UnlabelledNeg}
}

// countsOf unpacks four or six cells, refusing negative ones.
func countsOf(key []string, cs []int64, what string) (fairness.Counts, error) {
	if len(cs) != 4 && len(cs) != 6 {
		return fairness.Counts{}, fmt.Errorf("group %q has %d %s, want 4 or 6", key, len(cs), what)
	}
	for _, n := range cs {
		if n < 0 {
			return fairness.Counts{}, fmt.Errorf("group %q has a negative count", key)
		}
	}
	c := fairness.Counts{TP: cs[0], FP: cs[1], TN: cs[2], FN: cs[3]}
	if len(cs) == 6 {
		c.UnlabelledPos, c.UnlabelledNeg = cs[4], cs[5]
	}
	return c, nil
}

// NewResult packs a table.
func NewResult(runID string, shard, shards, rows, bad int64, t *fairness.Table) *Result {
	return &Result{RunID: runID, Shard: shard, Shards: shards, Rows: rows, BadRows: bad,
		Attributes: t.Attributes, ScoreBins: t.ScoreBins, Weighted: t.Weighted, Groups: packGroups(t)}
}

// AddBuckets packs the statistics of a window's periods.
func (r *Result) AddBuckets(buckets []*fairness.Table) {
	for k, t := range buckets {
		if t != nil {
			r.Buckets = append(r.Buckets, resultBucket{Period: k, Groups: packGroups(t)})
		}
	}
}

func packGroups(t *fairness.Table) []group {
	var out []group
	for _, k := range sortedKeys(t) {
		g := t.Groups[k]
		c := g.Counts
		pg := group{Key: g.Key, Counts: []int64{c.TP, c.FP, c.TN, c.FN}}
		if c.UnlabelledPos != 0 || c.UnlabelledNeg != 0 {
			pg.Counts = append(pg.Counts, c.UnlabelledPos, c.UnlabelledNeg)
		}
		if g.Scores != nil {
			pg.Pos, pg.Neg, pg.Sum = g.Scores.Pos, g.Scores.Neg, g.Scores.ScoreSum
		}
		if g.Weights != nil {
			pg.Weights, pg.Squares = cells(g.Weights.Sum), cells(g.Weights.Squares)
		}
		out = append(out, pg)
	}
	return out
}

// Table unpacks the statistics, checking their shape.
func (r *Result) Table() (*fairness.Table, error) {
	if r.Weighted != "" && !slices.Contains(r.Attributes, r.Weighted) {
		return nil, fmt.Errorf("weighted attribute %q is not one of the attributes %v", r.Weighted, r.Attributes)
	}
	return r.unpack(r.Groups)
}

// BucketTables unpacks the periods' statistics, by period.
func (r *Result) BucketTables() (map[int]*fairness.Table, error) {
	out := map[int]*fairness.Table{}
	for _, b := range r.Buckets {
		if b.Period < 0 || b.Period >= dataset.MaxBuckets {
			return nil, fmt.Errorf("period %d is not one of the %d a window has at most", b.Period, dataset.MaxBuckets)
		}
		if _, dup := out[b.Period]; dup {
			return nil, fmt.Errorf("period %d appears twice", b.Period)
		}
		t, err := r.unpack(b.Groups)
		if err != nil {
			return nil, fmt.Errorf("period %d: %w", b.Period, err)
		}
		out[b.Period] = t
	}
	return out, nil
}

func (r *Result) unpack(groups []group) (*fairness.Table, error) {
	t := fairness.NewTable(r.Attributes, r.ScoreBins)
	t.Weighted = r.Weighted
	for _, g := range groups {
		if len(g.Key) != len(r.Attributes) {
			return nil, fmt.Errorf("group %q has %d values for %d attributes", g.Key, len(g.Key), len(r.Attributes))
		}
		counts, err := countsOf(g.Key, g.Counts, "counts")
		if err != nil {
			return nil, err
		}
		key := fairness.JoinKey(g.Key)
		if _, dup := t.Groups[key]; dup {
			return nil, fmt.Errorf("group %q appears twice", g.Key)
		}
		tg := t.GroupFor(key)
		tg.Counts = counts
		if r.Weighted != "" {
			if tg.Weights.Sum, err = countsOf(g.Key, g.Weights, "sums of weights"); err != nil {
				return nil, err
			}
			if tg.Weights.Squares, err = countsOf(g.Key, g.Squares, "sums of squared weights"); err != nil {
				return nil, err
			}
		}
		if r.ScoreBins > 0 {
			if len(g.Pos) != r.ScoreBins || len(g.Neg) != r.ScoreBins || len(g.Sum) != r.ScoreBins {
				return nil, fmt.Errorf("group %q has a histogram of the wrong size", g.Key)
			}
			tg.Scores.Pos, tg.Scores.Neg, tg.Scores.ScoreSum = g.Pos, g.Neg, g.Sum
		}
	}
	return t, nil
}

// Encode writes the result as prefix + base64(gzip(JSON)).
func (r *Result) Encode() (string, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(data); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return ResultPrefix + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// ErrNotAResult means the text is not an encoded result (for example an
// error message written by a failing pod).
var ErrNotAResult = errors.New("not an evaluation result")

// maxDecodedResult bounds decompression, so a forged message cannot be a gzip bomb.
const maxDecodedResult = 8 << 20

// DecodeResult parses an encoded result.
func DecodeResult(s string) (*Result, error) {
	body, ok := strings.CutPrefix(s, ResultPrefix)
	if !ok {
		if rest, versioned := strings.CutPrefix(s, "fairness.dev/result/"); versioned {
			v, _, _ := strings.Cut(rest, " ")
			return nil, fmt.Errorf("result schema version %q is not supported (want v1)", v)
		}
		return nil, ErrNotAResult
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(body))
	if err != nil {
		return nil, fmt.Errorf("result is not valid base64 (truncated?): %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("result is not valid gzip (truncated?): %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, maxDecodedResult+1))
	if err != nil {
		return nil, fmt.Errorf("result does not decompress (truncated?): %w", err)
	}
	if len(data) > maxDecodedResult {
		return nil, errors.New("result decompresses to more than 8 MiB")
	}
	var r Result
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("result is not valid JSON: %w", err)
	}
	return &r, nil
}

// ErrDataChanged means the shards of a run read different versions of the
// data (a file or listing changed during the run).
var ErrDataChanged = errors.New("the data changed during the run")

// MergeResults checks that results are the shards 0..shards-1 of run runID
// and adds their statistics.
func MergeResults(runID string, shards int64, results []*Result) (*fairness.Table, int64, error) {
	if int64(len(results)) != shards {
		return nil, 0, fmt.Errorf("%d results for %d shards", len(results), shards)
	}
	seen := make([]bool, shards)
	var merged *fairness.Table
	var rows, bad int64
	version, versionShard := "", int64(0)
	for _, r := range results {
		if r.DataVersion != "" && version == "" {
			version, versionShard = r.DataVersion, r.Shard
		}
		if r.DataVersion != "" && r.DataVersion != version {
			return nil, 0, fmt.Errorf("%w: shard %d read version %s, shard %d version %s; run again",
				ErrDataChanged, versionShard, version, r.Shard, r.DataVersion)
		}
		switch {
		case r.RunID != runID:
			return nil, 0, fmt.Errorf("result belongs to run %q, not %q", r.RunID, runID)
		case r.Shards != shards || r.Shard < 0 || r.Shard >= shards:
			return nil, 0, fmt.Errorf("result is shard %d of %d, want one of %d", r.Shard, r.Shards, shards)
		case seen[r.Shard]:
			return nil, 0, fmt.Errorf("shard %d reported twice", r.Shard)
		}
		seen[r.Shard] = true
		t, err := r.Table()
		if err != nil {
			return nil, 0, fmt.Errorf("shard %d: %w", r.Shard, err)
		}
		if merged == nil {
			merged = t
		} else if err := merged.Merge(t); err != nil {
			return nil, 0, fmt.Errorf("shard %d: %w", r.Shard, err)
		}
		rows += r.Rows
		bad += r.BadRows
	}
	if rows == 0 && bad == 0 {
		// Shards that read byte ranges accept an empty part; the whole must hold rows.
		return nil, 0, fmt.Errorf("no data rows: the %d shards found none", shards)
	}
	return merged, rows, nil
}

// MergeBuckets adds up the shards' period statistics, by period (nil when
// the run has none); omitted says a shard had to leave its periods out, so
// the periods are not reported.
func MergeBuckets(results []*Result) (buckets map[int]*fairness.Table, omitted bool, err error) {
	for _, r := range results {
		if r.BucketsOmitted {
			return nil, true, nil
		}
		tables, err := r.BucketTables()
		if err != nil {
			return nil, false, fmt.Errorf("shard %d: %w", r.Shard, err)
		}
		for k, t := range tables {
			if buckets == nil {
				buckets = map[int]*fairness.Table{}
			}
			if buckets[k] == nil {
				buckets[k] = t
			} else if err := buckets[k].Merge(t); err != nil {
				return nil, false, fmt.Errorf("shard %d, period %d: %w", r.Shard, k, err)
			}
		}
	}
	return buckets, false, nil
}
