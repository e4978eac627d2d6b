package dataset

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// The columnar path counts Parquet rows straight from arrow's typed arrays:
// each distinct value of a label, prediction or group column is turned into
// text and judged once (a dictionary entry once per batch), instead of
// formatting and parsing every value of every row as the record path does.
// It is written by hand because no library counts confusion matrices over
// arrow arrays; the rules it applies are the scanner's own (s.outcome,
// s.group, s.bad), so its results equal the record path's, which the tests
// compare on the same files.

// maxColumnarAttributes bounds the protected attributes of the group key.
const maxColumnarAttributes = 4

// columnarEligible reports whether a scan can take the columnar path: no
// row-number sharding, a label in the data and no join (the record path
// does those), and a score (if any) that is a double, whose text form
// reads back to the same value.
func columnarEligible(p *parquetRecords, o ScanOptions) bool {
	if o.ShardCount > 1 || len(o.Protected) > maxColumnarAttributes || o.Label == "" || o.ID != "" || o.Join != nil || o.Into != nil || o.Window != nil ||
		o.Probabilities != nil {
		return false
	}
	if o.Score == "" {
		return true
	}
	t, ok := fieldType(p.rr.Schema().Fields(), p.paths[2]) // label, prediction, score, protected...
	return ok && t.ID() == arrow.FLOAT64
}

// fieldType follows a path of field indexes through struct fields.
func fieldType(fields []arrow.Field, path []int) (arrow.DataType, bool) {
	t := fields[path[0]].Type
	for _, child := range path[1:] {
		st, ok := t.(*arrow.StructType)
		if !ok {
			return nil, false
		}
		t = st.Field(child).Type
	}
	return t, true
}

// outcomeCache judges each distinct value of a label or prediction column
// once: 1 favourable, 0 not, -1 not binary.
type outcomeCache struct {
	s     *scanner
	byInt map[int64]int8
	// small holds the codes of 0..len-1 (0 unknown, else code+2): labels
	// are nearly always small integers, and an array beats a map.
	small   [256]int8
	byBool  [2]int8
	scratch []byte
}

func newOutcomeCache(s *scanner) *outcomeCache {
	c := &outcomeCache{s: s, byInt: map[int64]int8{}}
	for i, b := range []bool{false, true} {
		c.byBool[i] = c.judge(strconv.AppendBool(nil, b))
	}
	return c
}

func (c *outcomeCache) judge(b []byte) int8 {
	v, ok := c.s.outcome(b)
	switch {
	case !ok:
		return -1
	case v:
		return 1
	}
	return 0
}

// codes fills out with the outcome of every row of arr (nulls are caught
// before, by the caller).
func (c *outcomeCache) codes(arr arrow.Array, out []int8) []int8 {
	n := arr.Len()
	out = out[:0]
	switch a := arr.(type) {
	case *array.Boolean:
		for i := range n {
			if a.Value(i) {
				out = append(out, c.byBool[1])
			} else {
				out = append(out, c.byBool[0])
			}
		}
	case *array.Int64:
		for _, v := range a.Int64Values() {
			if uint64(v) < uint64(len(c.small)) && c.small[v] != 0 {
				out = append(out, c.small[v]-2)
				continue
			}
			out = append(out, c.intCode(v))
		}
	case *array.Int32:
		for _, v := range a.Int32Values() {
			out = append(out, c.intCode(int64(v)))
		}
	case *array.Dictionary:
		dict := a.Dictionary()
		perEntry := make([]int8, dict.Len())
		for j := range perEntry {
			c.scratch = appendValue(c.scratch[:0], dict, j)
			perEntry[j] = c.judge(c.scratch)
		}
		out = gatherIndexes(a, perEntry, out)
	default:
		for i := range n {
			c.scratch = appendValue(c.scratch[:0], arr, i)
			out = append(out, c.judge(c.scratch))
		}
	}
	return out
}

func (c *outcomeCache) intCode(v int64) int8 {
	if v >= 0 && v < int64(len(c.small)) {
		if k := c.small[v]; k != 0 {
			return k - 2
		}
		code := c.judge(strconv.AppendInt(nil, v, 10))
		c.small[v] = code + 2
		return code
	}
	code, ok := c.byInt[v]
	if !ok {
		code = c.judge(strconv.AppendInt(nil, v, 10))
		c.byInt[v] = code
	}
	return code
}

// gatherIndexes appends perEntry[index] for each row of a dictionary array,
// reading the index array once by its type (GetValueIndex switches on it
// for every row).
func gatherIndexes[T any](a *array.Dictionary, perEntry []T, out []T) []T {
	switch ix := a.Indices().(type) {
	case *array.Int32:
		for _, i := range ix.Int32Values() {
			out = append(out, perEntry[i])
		}
	case *array.Int16:
		for _, i := range ix.Int16Values() {
			out = append(out, perEntry[i])
		}
	case *array.Int8:
		for _, i := range ix.Int8Values() {
			out = append(out, perEntry[i])
		}
	default:
		for i := range a.Len() {
			out = append(out, perEntry[a.GetValueIndex(i)])
		}
	}
	return out
}

// valueIDs interns the values of a group column: each distinct text gets
// an id, so that a row's group is found by its ids.
type valueIDs struct {
	ids     map[string]int32
	texts   [][]byte
	byInt   map[int64]int32
	scratch []byte
}

func newValueIDs() *valueIDs { return &valueIDs{ids: map[string]int32{}, byInt: map[int64]int32{}} }

func (v *valueIDs) intern(b []byte) int32 {
	if id, ok := v.ids[string(b)]; ok {
		return id
	}
	id := int32(len(v.texts))
	v.texts = append(v.texts, append([]byte(nil), b...))
	v.ids[string(b)] = id
	return id
}

func (v *valueIDs) rowIDs(arr arrow.Array, out []int32) []int32 {
	n := arr.Len()
	out = out[:0]
	switch a := arr.(type) {
	case *array.Dictionary:
		dict := a.Dictionary()
		perEntry := make([]int32, dict.Len())
		for j := range perEntry {
			v.scratch = appendValue(v.scratch[:0], dict, j)
			perEntry[j] = v.intern(v.scratch)
		}
		out = gatherIndexes(a, perEntry, out)
	case *array.Int64:
		for _, x := range a.Int64Values() {
			id, ok := v.byInt[x]
			if !ok {
				id = v.intern(strconv.AppendInt(v.scratch[:0], x, 10))
				v.byInt[x] = id
			}
			out = append(out, id)
		}
	default:
		for i := range n {
			v.scratch = appendValue(v.scratch[:0], arr, i)
			out = append(out, v.intern(v.scratch))
		}
	}
	return out
}

// groupIndex finds a row's group by its value ids: a flat table while the
// ids fit its radix (the usual few values per attribute), a map beyond.
type groupIndex struct {
	n     int
	bits  uint
	flat  []*fairness.Group
	other map[[maxColumnarAttributes]int32]*fairness.Group
}

func newGroupIndex(attributes int) *groupIndex {
	bits := map[int]uint{1: 16, 2: 8, 3: 5, 4: 4}[attributes]
	return &groupIndex{n: attributes, bits: bits, flat: make([]*fairness.Group, 1<<(bits*uint(attributes))),
		other: map[[maxColumnarAttributes]int32]*fairness.Group{}}
}

// slots computes each row's flat-table slot from its ids, -1 where an id
// does not fit the radix.
func (x *groupIndex) slots(ids [][]int32, out []int32) []int32 {
	rows := len(ids[0])
	out = append(out[:0], make([]int32, rows)...)
	limit := int32(1) << x.bits
	for _, col := range ids {
		for r, id := range col {
			if id >= limit || out[r] < 0 {
				out[r] = -1
				continue
			}
			out[r] = out[r]<<x.bits | id
		}
	}
	return out
}

// key is a row's ids, for the map of groups beyond the flat table.
func (x *groupIndex) key(ids [][]int32, r int) [maxColumnarAttributes]int32 {
	var k [maxColumnarAttributes]int32
	for i := range ids {
		k[i] = ids[i][r]
	}
	return k
}

// columnarScan is the state of one columnar scan.
type columnarScan struct {
	p        *parquetRecords
	s        *scanner
	outcomes *outcomeCache
	values   []*valueIDs
	groups   *groupIndex
	// tallies[slot] counts the rows of the group in groups.flat[slot] by
	// label*2+prediction; they are added to the groups at the end. Rows whose
	// ids do not fit the flat table are counted on their group directly.
	tallies       [][4]int64
	fields        [][]byte
	labels, preds []int8
	slots         []int32
	ids           [][]int32
}

// scanParquetColumnar counts the record batches of p with the scanner's
// rules, a batch at a time. whole: p reads all of the shard's rows, so a
// scan with no good rows is an error here rather than at the merge.
func scanParquetColumnar(p *parquetRecords, o ScanOptions, whole bool) (*ScanResult, error) {
	header, _ := p.header()
	cols, err := locate(header, o)
	if err != nil {
		return nil, err
	}
	s := newScanner(o, cols)
	s.fav = outcomeValues(o.Favorable)
	c := &columnarScan{p: p, s: s, outcomes: newOutcomeCache(s), groups: newGroupIndex(len(cols.protected)),
		fields: make([][]byte, cols.width), ids: make([][]int32, len(cols.protected))}
	c.tallies = make([][4]int64, len(c.groups.flat))
	for range cols.protected {
		c.values = append(c.values, newValueIDs())
	}
	for p.rr.Next() {
		p.batch = p.rr.RecordBatch()
		err := p.bind()
		if err == nil {
			err = c.batch()
		}
		p.batch = nil
		if err != nil {
			return nil, err
		}
	}
	if err := p.rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading row group %d (after row %d): %w", p.groupAt(p.rowNum), p.rowNum, err)
	}
	for slot, t := range c.tallies {
		if g := c.groups.flat[slot]; g != nil {
			g.Counts.Add(fairness.Counts{TN: t[0], FP: t[1], FN: t[2], TP: t[3]})
		}
	}
	if whole {
		return s.res, checkScanned(s.res, p.rowNum, o)
	}
	return s.res, nil
}

// batch counts the rows of the current batch, in order.
func (c *columnarScan) batch() error {
	p, s, cols := c.p, c.s, &c.s.cols
	c.labels = c.outcomes.codes(p.cols[cols.label], c.labels)
	c.preds = c.outcomes.codes(p.cols[cols.prediction], c.preds)
	var scores *array.Float64
	if cols.score >= 0 {
		scores = p.cols[cols.score].(*array.Float64)
	}
	for i, col := range cols.protected {
		c.ids[i] = c.values[i].rowIDs(p.cols[col], c.ids[i])
		if arr := p.cols[col]; arr.NullN() > 0 && p.nullAs[col] != nil {
			null := c.values[i].intern(p.nullAs[col])
			for r := range arr.Len() {
				if arr.IsNull(r) {
					c.ids[i][r] = null
				}
			}
		}
	}
	c.slots = c.groups.slots(c.ids, c.slots)
	nulls := false
	for _, arr := range p.cols {
		nulls = nulls || arr.NullN() > 0
	}
	base := p.rowNum
	defer func() { p.rowNum = base + p.batch.NumRows() }()
	for r := range int(p.batch.NumRows()) {
		label, pred := c.labels[r], c.preds[r]
		score := 0.0
		if scores != nil {
			score = scores.Value(r)
		}
		if nulls || label < 0 || pred < 0 || scores != nil && (math.IsNaN(score) || score < 0 || score > 1) {
			if reason := p.badReason(s, r, label, pred); reason != "" {
				if err := s.bad(base+int64(r)+1, "row", reason); err != nil {
					return err
				}
				continue
			}
		}
		g, err := c.group(r)
		if err != nil {
			return err
		}
		if slot := c.slots[r]; slot >= 0 {
			c.tallies[slot][label<<1|pred]++
		} else {
			g.Counts.Observe(label == 1, pred == 1)
		}
		if g.Scores != nil {
			g.Scores.Observe(score, label == 1)
		}
		s.res.Rows++
	}
	return nil
}

// group finds row r's group, creating it (by the scanner's rules) when new.
func (c *columnarScan) group(r int) (*fairness.Group, error) {
	slot := c.slots[r]
	var g *fairness.Group
	if slot >= 0 {
		g = c.groups.flat[slot]
	} else {
		g = c.groups.other[c.groups.key(c.ids, r)]
	}
	if g != nil {
		return g, nil
	}
	for i, col := range c.s.cols.protected {
		c.fields[col] = c.values[i].texts[c.ids[i][r]]
	}
	g, err := c.s.group(c.s.protectedValues(c.fields))
	if err != nil {
		return nil, err
	}
	if slot >= 0 {
		c.groups.flat[slot] = g
	} else {
		c.groups.other[c.groups.key(c.ids, r)] = g
	}
	return g, nil
}

// badReason says why row r of the current batch is bad, in the record
// path's order (a null, the label, the prediction, the score); "" when it
// is good.
func (p *parquetRecords) badReason(s *scanner, r int, label, pred int8) string {
	for c, arr := range p.cols {
		if arr.IsNull(r) && p.nullAs[c] == nil {
			return fmt.Sprintf("%q is null", p.names[c])
		}
	}
	var scratch []byte
	c := s.cols
	switch {
	case label < 0:
		scratch = appendValue(scratch, p.cols[c.label], r)
		return fmt.Sprintf("label %s is not binary (want %s)", quoteField(scratch), s.describeOutcome())
	case pred < 0:
		scratch = appendValue(scratch, p.cols[c.prediction], r)
		return fmt.Sprintf("prediction %s is not binary (want %s)", quoteField(scratch), s.describeOutcome())
	case c.score >= 0:
		if v := p.cols[c.score].(*array.Float64).Value(r); math.IsNaN(v) || v < 0 || v > 1 {
			scratch = appendValue(scratch, p.cols[c.score], r)
			return fmt.Sprintf("score %s is not a number in [0, 1]", quoteField(scratch))
		}
	}
	return ""
}

// checkScanned fails a whole scan that found no rows, or only bad ones.
func checkScanned(res *ScanResult, read int64, o ScanOptions) error {
	if read == 0 && !o.Part {
		return errors.New("no data rows after the header")
	}
	if res.Rows == 0 && res.BadRows > 0 {
		return fmt.Errorf("every row was bad; first: %s", res.FirstBadRow)
	}
	return nil
}

// errRescan asks for one reader over all row groups: a parallel scan failed
// or ran out of bad-row budget, and the error must name the row one reader
// would have stopped at.
var errRescan = errors.New("scan again with one reader")

// scanParquetParallel scans runs of row groups on all cores and adds their
// statistics in order, as one reader would have counted them (the first
// bad row is the earliest run's). Any error, or more bad rows than the
// budget, is errRescan: errors are rare, and one reader then reports them
// exactly as it always does.
func scanParquetParallel(recs []*parquetRecords, o ScanOptions) (*ScanResult, error) {
	results := make([]*ScanResult, len(recs))
	errs := make([]error, len(recs))
	var wg sync.WaitGroup
	for i, r := range recs {
		wg.Go(func() { results[i], errs[i] = scanParquetColumnar(r, o, false) })
	}
	wg.Wait()
	var merged *ScanResult
	for i, res := range results {
		if errs[i] != nil {
			return nil, errRescan
		}
		if merged == nil {
			merged = res
			continue
		}
		if err := merged.Table.Merge(res.Table); err != nil {
			return nil, err
		}
		merged.addCounts(res)
		if merged.FirstBadRow == "" {
			merged.FirstBadRow = res.FirstBadRow
		}
	}
	maxGroups := o.MaxGroups
	if maxGroups <= 0 {
		maxGroups = DefaultMaxGroups
	}
	if len(merged.Table.Groups) > maxGroups || merged.BadRows > o.MaxBadRows {
		return nil, errRescan
	}
	last := recs[len(recs)-1]
	return merged, checkScanned(merged, last.rowNum, o)
}
