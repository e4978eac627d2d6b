package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// Defaults of ScanOptions.
const (
	DefaultMaxLineBytes = 1 << 20
	DefaultMaxGroups    = 1000
	DefaultScoreBins    = 10
)

// ScanOptions say which columns play which role and how to treat bad rows.
type ScanOptions struct {
	Label, Prediction, Score string
	Protected                []string
	// Favorable is the label/prediction value meaning the favourable outcome.
	// Empty accepts 1/0 and true/false.
	Favorable string
	// MaxBadRows > 0 skips and counts up to that many bad rows instead of
	// failing on the first one.
	MaxBadRows int64
	// MaxLineBytes bounds one record; 0 means DefaultMaxLineBytes.
	MaxLineBytes int
	// MaxGroups bounds the number of distinct groups; 0 means DefaultMaxGroups.
	MaxGroups int
	// ScoreBins is the histogram resolution when Score is set; 0 means DefaultScoreBins.
	ScoreBins int
	// ShardCount > 1 keeps only rows whose index modulo ShardCount is ShardIndex.
	ShardCount, ShardIndex int64
	// Format is the data's format; empty detects it (see ScanPredictions).
	Format Format
	// Part says the scan reads one byte-range part of the data: a part with
	// no rows is not an error (a small file has more shards than lines);
	// whether the whole holds rows is checked when the parts are merged.
	Part bool
	// NullGroup, when set, is the group value of a protected attribute that
	// is null (Parquet) or null or absent (JSON Lines); empty: such a row is
	// bad. CSV has no null: an empty field is the empty value.
	NullGroup string
	// ID is the application-ID column: of the predictions when Join is
	// set, of the joined side when Into is.
	ID string
	// Join holds the outcomes and/or demographics that the predictions'
	// IDs are joined with: with outcomes, Label must be empty (the label is
	// the outcome's); with demographics, Protected are the attributes the
	// demographics give, not columns of the predictions.
	Join *JoinIndex
	// Into, when set, makes the scan load a joined side (Side) into the
	// index instead of counting predictions: ID and Label for outcomes, ID
	// and Protected for demographics.
	Into *JoinIndex
	Side JoinSide
	// Window, when set, keeps the rows whose timestamp falls in it.
	Window *Window
	// Probabilities, when set, is a protected attribute given as a
	// membership probability per group, read from the predictions; the
	// statistics are then over Protected and it, weighted.
	Probabilities *Probabilities
	// window, when set, selects the Parquet row groups whose middle byte is
	// in a shard's bytes of a multi-object source (see ScanObjects).
	window *byteWindow
}

// ScanResult is the statistics of the rows scanned.
type ScanResult struct {
	Table *fairness.Table
	// Rows counted into the table, and bad rows skipped.
	Rows, BadRows int64
	// FirstBadRow describes the first bad row skipped.
	FirstBadRow string
	// DataVersion is the version of the file a byte-range shard read (an
	// ETag or Last-Modified value), when the source gives one.
	DataVersion string
	// Objects describes the objects of a multi-object source (ScanObjects).
	Objects *ObjectsRead
	// Join counts what the predictions joined, when ScanOptions.Join is set.
	Join *JoinCounts
	// Window counts the rows in and outside ScanOptions.Window.
	Window *WindowCounts
	// Buckets holds the statistics of each period of a window with
	// buckets, newest first (nil for a period with no rows).
	Buckets []*fairness.Table
	// lines is the number of the last line read and firstBad the first bad
	// row skipped: a part's line numbers are moved by the lines of the parts
	// before it when parts are merged (ScanFileParts).
	lines, headerLines int64
	firstBad           *BadRowError
}

// addCounts adds the row counts of another part of the same scan.
func (r *ScanResult) addCounts(o *ScanResult) {
	r.Rows += o.Rows
	r.BadRows += o.BadRows
	if o.Join != nil {
		if r.Join == nil {
			r.Join = &JoinCounts{}
		}
		r.Join.add(o.Join)
	}
	if o.Window != nil {
		if r.Window == nil {
			r.Window = &WindowCounts{}
		}
		r.Window.InWindow += o.Window.InWindow
		r.Window.Outside += o.Window.Outside
	}
	r.addBuckets(o.Buckets)
}

// BadRowError is a row that cannot be used, with its line number (CSV,
// JSON Lines) or row number (Parquet, Unit "row").
type BadRowError struct {
	Line   int64
	Unit   string // "line" when empty
	Reason string
}

func (e *BadRowError) Error() string {
	unit := e.Unit
	if unit == "" {
		unit = "line"
	}
	return fmt.Sprintf("%s %d: %s", unit, e.Line, e.Reason)
}

// ScanPredictions reads a prediction log and counts each row into its
// group's confusion matrix. The format is o.Format, or detected from the
// first bytes (a JSON object: JSON Lines; otherwise CSV with a header row).
// Memory does not grow with the number of rows.
func ScanPredictions(r io.Reader, o ScanOptions) (*ScanResult, error) {
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.MaxGroups <= 0 {
		o.MaxGroups = DefaultMaxGroups
	}
	br := bufio.NewReaderSize(r, o.MaxLineBytes)
	format, err := streamFormat(br, o.Format)
	if err != nil {
		return nil, err
	}
	var recs records
	switch format {
	case FormatJSONLines:
		recs = newJSONLines(br, o.MaxLineBytes, o.columnNames(), o.nullValues())
	default:
		recs = &csvRecords{newLineReader(br, o.MaxLineBytes)}
	}
	return scanRecords(recs, o)
}

// records is what the scanner reads, whatever the format: the column names
// first, then one record at a time with its fields in the order of the
// names. A record can be unusable on its own (a JSON line that does not
// parse); that follows the bad-row policy like a bad value.
type records interface {
	header() ([][]byte, error)
	// next returns io.EOF after the last record.
	next() (fields [][]byte, unusable string, err error)
	// position is the number of the last record read for messages, and
	// what it counts ("line", "row").
	position() (int64, string)
}

// scanRecords is the scan shared by every format.
func scanRecords(recs records, o ScanOptions) (*ScanResult, error) {
	header, err := recs.header()
	if errors.Is(err, io.EOF) && o.Part {
		return &ScanResult{Table: o.newTable()}, nil
	}
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty data: no header row")
	}
	if err != nil {
		return nil, err
	}
	cols, err := locate(header, o)
	if err != nil {
		return nil, err
	}
	s := newScanner(o, cols)
	s.recs = recs
	s.res.headerLines, _ = recs.position()
	if o.Join != nil {
		s.res.Join = &JoinCounts{}
	}
	if o.Window != nil && o.Into == nil {
		s.res.Window = &WindowCounts{}
		if n := o.Window.Buckets(); n > 0 {
			s.res.Buckets = make([]*fairness.Table, n)
			s.bucketGroups = make([]map[*fairness.Group]*fairness.Group, n)
		}
	}
	s.fav = outcomeValues(o.Favorable)
	var index int64 = -1
	for {
		fields, unusable, err := recs.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		index++
		if o.ShardCount > 1 && index%o.ShardCount != o.ShardIndex {
			continue
		}
		reason := unusable
		if reason == "" {
			if reason, err = s.row(fields); err != nil {
				return nil, err
			}
		}
		if reason != "" {
			n, unit := recs.position()
			if err := s.bad(n, unit, reason); err != nil {
				return nil, err
			}
		}
	}
	if index < 0 && !o.Part {
		return nil, errors.New("no data rows after the header")
	}
	if s.res.Rows == 0 && s.res.BadRows > 0 {
		return nil, fmt.Errorf("every row was bad; first: %s", s.res.FirstBadRow)
	}
	s.res.lines, _ = recs.position()
	return s.res, nil
}

// newScanner starts the statistics of a scan.
func newScanner(o ScanOptions, cols columns) *scanner {
	s := &scanner{o: o, cols: cols, res: &ScanResult{Table: o.newTable()}, plain: map[string]*fairness.Group{}}
	s.index = s.res.Table
	s.plainOnly = o.Join == nil && o.Window == nil && o.Probabilities == nil && cols.timestamp < 0 && cols.probabilities == nil
	if o.Probabilities != nil && o.Into == nil {
		// The plain attributes' groups only index the weighted ones.
		s.index = fairness.NewTable(o.Protected, 0)
		s.weighted = map[*fairness.Group][]*fairness.Group{}
	}
	if o.Probabilities != nil {
		s.shares.Units = make([]int64, len(o.Probabilities.Groups))
	}
	return s
}

// scoreBins is the histogram resolution of a scan (0 without scores).
func scoreBins(o ScanOptions) int {
	if o.Score == "" {
		return 0
	}
	if o.ScoreBins <= 0 {
		return DefaultScoreBins
	}
	return o.ScoreBins
}

// csvRecords reads CSV: the first record is the header.
type csvRecords struct{ lr *lineReader }

func (c *csvRecords) header() ([][]byte, error) { return c.lr.next() }

func (c *csvRecords) next() ([][]byte, string, error) {
	f, err := c.lr.next()
	return f, "", err
}

func (c *csvRecords) position() (int64, string) { return c.lr.line, "line" }

// nullValues is, per column of columnNames, what a null counts as: the
// NullGroup for protected attributes when set, else nil (a bad row).
func (o ScanOptions) nullValues() [][]byte {
	names := o.columnNames()
	out := make([][]byte, len(names))
	if o.NullGroup == "" {
		return out
	}
	for i := len(names) - len(o.protectedColumns()); i < len(names); i++ {
		out[i] = []byte(o.NullGroup)
	}
	return out
}

// columnNames are the columns a scan reads, in the order locate finds them
// (the protected attributes last, as nullValues expects).
func (o ScanOptions) columnNames() []string {
	var names []string
	for _, n := range []string{o.Label, o.Prediction, o.Score, o.ID, o.timestampColumn()} {
		if n != "" {
			names = append(names, n)
		}
	}
	if o.readsProbabilities() {
		names = append(names, o.Probabilities.columns()...)
	}
	return append(names, o.protectedColumns()...)
}

// timestampColumn is the window's column, read by prediction scans only.
func (o ScanOptions) timestampColumn() string {
	if o.Window == nil || o.Into != nil {
		return ""
	}
	return o.Window.Column
}

// protectedColumns are the protected attributes read from this scan's
// data: none when they come from joined demographics.
func (o ScanOptions) protectedColumns() []string {
	if o.Join.Has(SideDemographics) || o.Side == SideOutcomes {
		return nil
	}
	return o.Protected
}

type columns struct {
	label, prediction, score, id, timestamp int
	protected                               []int
	probabilities                           []int
	width                                   int // fields per record
}

func locate(header [][]byte, o ScanOptions) (columns, error) {
	idx := map[string]int{}
	names := make([]string, len(header))
	for i, h := range header {
		name := strings.TrimSpace(string(h))
		if _, dup := idx[name]; dup {
			return columns{}, fmt.Errorf("header names column %q twice", name)
		}
		idx[name] = i
		names[i] = name
	}
	find := func(role, name string) (int, error) {
		if name == "" {
			return -1, nil
		}
		if i, ok := idx[name]; ok {
			return i, nil
		}
		// A short excerpt: the "header" of a document that is not CSV is its first line, whatever it holds.
		return 0, fmt.Errorf("%s column %q not found in header (columns: %s)", role, name,
			display.Bounded(display.Value(strings.Join(names, ", ")), 200))
	}
	c := columns{width: len(header)}
	var err error
	if err := o.checkRoles(); err != nil {
		return c, err
	}
	for i, p := range o.Protected {
		if strings.TrimSpace(p) == "" {
			return c, fmt.Errorf("protected attribute %d of %d has an empty column name", i+1, len(o.Protected))
		}
	}
	if c.label, err = find("label", o.Label); err != nil {
		return c, err
	}
	if c.prediction, err = find("prediction", o.Prediction); err != nil {
		return c, err
	}
	if c.score, err = find("score", o.Score); err != nil {
		return c, err
	}
	if c.id, err = find("ID", o.ID); err != nil {
		return c, err
	}
	if c.timestamp, err = find("timestamp", o.timestampColumn()); err != nil {
		return c, err
	}
	if o.readsProbabilities() {
		for _, g := range o.Probabilities.Groups {
			i, err := find(fmt.Sprintf("probability (of %s group %s)", o.Probabilities.Attribute, display.Value(g.Name)), g.Column)
			if err != nil {
				return c, err
			}
			c.probabilities = append(c.probabilities, i)
		}
	}
	for _, p := range o.protectedColumns() {
		i, err := find("protected attribute", p)
		if err != nil {
			return c, err
		}
		c.protected = append(c.protected, i)
	}
	return c, nil
}

// checkRoles says which column a scan of its kind misses.
func (o ScanOptions) checkRoles() error {
	switch {
	case o.Into != nil && o.ID == "":
		return fmt.Errorf("no ID column given for the %s", o.Side)
	case o.Side == SideOutcomes && o.Label == "":
		return errors.New("no label column given for the outcomes")
	case o.Side == SideDemographics && len(o.Protected) == 0 && o.Probabilities == nil:
		return errors.New("no protected attribute given for the demographics")
	case o.Into != nil:
		return nil
	case o.Prediction == "":
		return errors.New("no prediction column given")
	case len(o.Protected) == 0 && o.Probabilities == nil:
		return errors.New("no protected attribute given")
	case o.Join != nil && o.ID == "":
		return errors.New("no ID column given to join the predictions with")
	case o.Join.Has(SideOutcomes) && o.Label != "":
		return fmt.Errorf("label column %q given for the predictions and the outcomes: the label is the outcomes'", o.Label)
	}
	return nil
}

// outcomeValues lists the spellings of favourable and unfavourable outcomes.
// outcomeValues is the favourable value of a custom --favorable (every
// other non-empty value is unfavourable), or nil for the binary rule of
// ParseBinary.
func outcomeValues(favorable string) (fav []byte) {
	if v, binary := ParseBinary(favorable); favorable == "" || binary && v {
		return nil // the favourable value is 1/true: the binary rule applies
	}
	return []byte(favorable)
}

type scanner struct {
	o    ScanOptions
	cols columns
	res  *ScanResult
	fav  []byte // a custom favourable value; nil: the binary rule
	key  []byte
	// plain holds the groups whose values are all plain (display.Key leaves
	// them as they are), by their raw bytes: the fast path of a row. Other
	// rows escape each value and look the group up in the table.
	plain map[string]*fairness.Group
	// plainOnly: rows take plainRow (no join, window or estimated groups).
	plainOnly bool
	// joined holds the table's groups by demographic group of the Join.
	joined []*fairness.Group
	recs   records
	vals   [][]byte
	// index is the table the groups of the plain attributes are found in:
	// the result's, or with Probabilities one that only indexes weighted,
	// the groups of the probabilistic attribute of each plain group.
	index    *fairness.Table
	weighted map[*fairness.Group][]*fairness.Group
	shares   fairness.Shares
	probs    []float64
	// bucketGroups maps the run's groups to each period's.
	bucketGroups []map[*fairness.Group]*fairness.Group
	bucketShares fairness.Shares
}

func (s *scanner) outcome(b []byte) (bool, bool) {
	if s.fav != nil {
		return bytes.Equal(b, s.fav), len(b) > 0
	}
	if len(b) == 1 { // the common 0/1 case, kept inline: this runs twice a row
		switch b[0] {
		case '1':
			return true, true
		case '0':
			return false, true
		}
	}
	return parseBinaryBytes(b)
}

func (s *scanner) describeOutcome() string {
	if s.fav != nil {
		return fmt.Sprintf("the favourable value %q or another non-empty value", s.o.Favorable)
	}
	return "0/1 or true/false"
}

// values parses a row's label (when the data has one), prediction and
// score, or says why the row is bad.
func (s *scanner) values(f [][]byte) (label, labelled, pred bool, score float64, reason string) {
	c := &s.cols
	labelled = c.label >= 0
	if labelled {
		var ok bool
		if label, ok = s.outcome(f[c.label]); !ok {
			return false, false, false, 0, fmt.Sprintf("label %s is not binary (want %s)", quoteField(f[c.label]), s.describeOutcome())
		}
	}
	pred, ok := s.outcome(f[c.prediction])
	if !ok {
		return false, false, false, 0, fmt.Sprintf("prediction %s is not binary (want %s)", quoteField(f[c.prediction]), s.describeOutcome())
	}
	if c.score >= 0 {
		b := f[c.score]
		var err error
		if len(b) > 0 {
			score, err = parseFloat(b)
		}
		if len(b) == 0 || err != nil || math.IsNaN(score) || score < 0 || score > 1 {
			return false, false, false, 0, fmt.Sprintf("score %s is not a number in [0, 1]", quoteField(b))
		}
	}
	return label, labelled, pred, score, ""
}

// plainRow is row for the common scan: no join, window, estimated
// groups or loading. Kept apart from row, whose other cases made the whole
// 10M-row run about a tenth slower on one core.
func (s *scanner) plainRow(f [][]byte) (string, error) {
	label, labelled, pred, score, reason := s.values(f)
	if reason != "" {
		return reason, nil
	}
	g := s.plainGroup(f)
	if g == nil {
		var err error
		if g, err = s.group(s.protectedValues(f)); err != nil {
			return "", err
		}
	}
	s.res.Rows++
	observe(g, label, labelled, pred, score)
	return "", nil
}

// row counts one record. It returns why the row is bad (or ""), and an
// error only for problems that end the scan whatever the bad-row policy.
func (s *scanner) row(f [][]byte) (string, error) {
	c := &s.cols
	if len(f) != c.width {
		return fmt.Sprintf("%d fields, header has %d", len(f), c.width), nil
	}
	if s.o.Into != nil {
		return s.load(f)
	}
	if s.plainOnly {
		return s.plainRow(f)
	}
	bucket := -1
	if c.timestamp >= 0 {
		in, k, reason := s.o.Window.inWindow(f[c.timestamp])
		if reason != "" {
			return reason, nil
		}
		if !in {
			s.res.Window.Outside++
			return "", nil
		}
		s.res.Window.InWindow++
		if s.res.Buckets != nil {
			bucket = k
		}
	}
	label, labelled, pred, score, reason := s.values(f)
	if reason != "" {
		return reason, nil
	}
	if c.probabilities != nil {
		if reason := s.probabilities(f); reason != "" {
			return reason, nil
		}
	}
	var g *fairness.Group
	if s.o.Join != nil {
		var reason string
		var err error
		if g, label, labelled, reason, err = s.joinRow(f, label, labelled); g == nil || reason != "" || err != nil {
			return reason, err
		}
	} else if g = s.plainGroup(f); g == nil {
		var err error
		if g, err = s.group(s.protectedValues(f)); err != nil {
			return "", err
		}
	}
	s.res.Rows++
	if s.o.Probabilities != nil {
		if err := s.sharesOf(g); err != nil {
			return "", err
		}
		s.shares.Observe(label, labelled, pred, score)
	} else {
		observe(g, label, labelled, pred, score)
	}
	if bucket >= 0 {
		s.countInBucket(bucket, g, label, labelled, pred, score)
	}
	return "", nil
}

// observe counts a row in a plain group. Scores are histogrammed by
// outcome: an unlabelled row has none.
func observe(g *fairness.Group, label, labelled, pred bool, score float64) {
	if !labelled {
		g.Counts.ObserveUnlabelled(pred)
		return
	}
	g.Counts.Observe(label, pred)
	if g.Scores != nil {
		g.Scores.Observe(score, label)
	}
}

// plainGroup is the fast path of a row's group: nil when the row's values
// are not yet known plain (see scanner.plain).
func (s *scanner) plainGroup(f [][]byte) *fairness.Group {
	c := &s.cols
	if len(c.protected) == 1 {
		return s.plain[string(f[c.protected[0]])]
	}
	s.key = s.key[:0]
	for i, p := range c.protected {
		if i > 0 {
			s.key = append(s.key, 0x1f)
		}
		s.key = append(s.key, f[p]...)
	}
	return s.plain[string(s.key)]
}

// protectedValues are a row's protected values, in a slice the next row
// reuses.
func (s *scanner) protectedValues(f [][]byte) [][]byte {
	s.vals = s.vals[:0]
	for _, p := range s.cols.protected {
		s.vals = append(s.vals, f[p])
	}
	return s.vals
}

// joinRow joins a prediction with its outcome and demographics by ID. A nil
// group with no reason is a prediction left out of the group statistics:
// its ID has no demographics (counted as missing).
// rowLabel and rowLabelled are the row's own label, which row has parsed;
// joined outcomes replace it.
func (s *scanner) joinRow(f [][]byte, rowLabel, rowLabelled bool) (g *fairness.Group, label, labelled bool, reason string, err error) {
	label, labelled = rowLabel, rowLabelled
	id := f[s.cols.id]
	if len(id) == 0 {
		return nil, false, false, "empty ID", nil
	}
	j := s.o.Join.lookup(id)
	if s.o.Join.Has(SideOutcomes) {
		labelled = j.label >= 0
		label = j.label == 1
		if labelled { // matched whether or not the demographics let the row into a group
			s.res.Join.Matched++
			s.o.Join.markMatched(j.slot)
		}
	}
	if s.o.Join.Has(SideDemographics) {
		if j.group < 0 {
			s.res.Join.MissingDemographics++
			return nil, false, false, "", nil
		}
		group := j.group
		if s.o.Join.weighted() { // the row's weights come with its demographics
			group = s.o.Join.rowWeights(j.group, s.shares.Units)
		}
		if g, err = s.joinedGroup(group); err != nil {
			return nil, false, false, "", err
		}
	} else if g = s.plainGroup(f); g == nil {
		if g, err = s.group(s.protectedValues(f)); err != nil {
			return nil, false, false, "", err
		}
	}
	return g, label, labelled, "", nil
}

// joinedGroup is the table's group of a demographic group of the index.
func (s *scanner) joinedGroup(id int32) (*fairness.Group, error) {
	if int(id) < len(s.joined) && s.joined[id] != nil {
		return s.joined[id], nil
	}
	g, err := s.group(s.o.Join.values[id])
	if err != nil {
		return nil, err
	}
	for int(id) >= len(s.joined) {
		s.joined = append(s.joined, nil)
	}
	s.joined[id] = g
	return g, nil
}

// load adds one row of a joined side to the index.
func (s *scanner) load(f [][]byte) (string, error) {
	id := f[s.cols.id]
	if len(id) == 0 {
		return "empty ID", nil
	}
	switch s.o.Side {
	case SideOutcomes:
		label, ok := s.outcome(f[s.cols.label])
		if !ok {
			return fmt.Sprintf("label %s is not binary (want %s)", quoteField(f[s.cols.label]), s.describeOutcome()), nil
		}
		if err := s.o.Into.addOutcome(id, label, s.recs); err != nil {
			return "", err
		}
	case SideDemographics:
		var units []int64
		if s.cols.probabilities != nil {
			if reason := s.probabilities(f); reason != "" {
				return reason, nil
			}
			units = s.shares.Units
		}
		if err := s.o.Into.addDemographics(id, s.protectedValues(f), units, s.o.MaxGroups, s.recs); err != nil {
			return "", err
		}
	}
	s.res.Rows++
	return "", nil
}

// tooManyGroupsError is fatal whatever the bad-row policy: it means a column
// that is not a protected attribute (an id, a free-text field) was given as one.
type tooManyGroupsError struct{ max int }

func (e tooManyGroupsError) Error() string {
	return fmt.Sprintf("more than %d distinct groups: is every protected attribute a categorical column? "+
		"(raise the limit with --max-groups)", e.max)
}

func (s *scanner) bad(line int64, unit, reason string) error {
	e := &BadRowError{Line: line, Unit: unit, Reason: reason}
	if s.res.BadRows >= s.o.MaxBadRows {
		if s.o.MaxBadRows > 0 {
			return fmt.Errorf("more than %d bad rows; last: %w", s.o.MaxBadRows, e)
		}
		return e
	}
	if s.res.BadRows == 0 {
		s.res.FirstBadRow, s.res.firstBad = e.Error(), e
	}
	s.res.BadRows++
	return nil
}

// quoteField quotes a value for an error message, shortened and escaped so
// that hostile data cannot forge log lines.
func quoteField(b []byte) string {
	const max = 40
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseFloat parses a score. Plain decimals of up to 15 digits (the common
// case, such as 0.7341) take Clinger's fast path: an exact integer divided by
// an exact power of ten is correctly rounded, so the result equals
// strconv.ParseFloat's. Anything else goes to strconv.ParseFloat.
func parseFloat(b []byte) (float64, error) {
	var mant uint64
	digits, frac, seenDot := 0, 0, false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + uint64(c-'0')
			digits++
			if seenDot {
				frac++
			}
		case c == '.' && !seenDot:
			seenDot = true
		default:
			digits = 99 // signs, exponents, NaN, Inf: the slow path
		}
	}
	if digits == 0 || digits > 15 {
		return parseDecimal(unsafe.String(&b[0], len(b)))
	}
	return float64(mant) / pow10[frac], nil
}

// parseDecimal is strconv.ParseFloat for decimal notation only: Go also
// reads hexadecimal floats (0x1p-3), underscores and "Inf", which no
// prediction log means as a score.
func parseDecimal(s string) (float64, error) {
	if strings.ContainsAny(s, "xXpP_") || strings.ContainsAny(s, "iInN") {
		return 0, fmt.Errorf("%q is not a decimal number", s)
	}
	return strconv.ParseFloat(s, 64)
}

// group finds or creates the group of a row the fast path missed, from
// its protected values. Each value is escaped on its own (display.Key), so
// that a value holding the separator byte, or a backslash, cannot merge
// with another group.
func (s *scanner) group(values [][]byte) (*fairness.Group, error) {
	vals := make([]string, len(values))
	plain := true
	for i, v := range values {
		vals[i] = display.Key(string(v))
		plain = plain && vals[i] == string(v)
	}
	key := fairness.JoinKey(vals)
	t := s.index
	g := t.Groups[key]
	if g == nil {
		if len(t.Groups) >= s.o.MaxGroups {
			return nil, tooManyGroupsError{s.o.MaxGroups}
		}
		g = t.GroupFor(key)
	}
	if plain {
		s.plain[key] = g
	}
	return g, nil
}
