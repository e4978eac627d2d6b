package dataset

import (
	"fmt"
	"hash/maphash"
	"math/bits"
	"sync/atomic"
)

// JoinSide says which side of a join a scan loads into a JoinIndex.
type JoinSide int

// The sides of a join: outcomes (ID and label) and demographics (ID and
// the protected attributes).
const (
	SideNone JoinSide = iota
	SideOutcomes
	SideDemographics
)

func (s JoinSide) String() string {
	switch s {
	case SideOutcomes:
		return "outcomes"
	case SideDemographics:
		return "demographics"
	}
	return "predictions"
}

// DefaultMaxJoinKeys bounds the IDs a JoinIndex holds: about 34 bytes
// each (see JoinIndex), so the default is about 680 MB.
const DefaultMaxJoinKeys = 20_000_000

// JoinBytesPerKey is the measured memory of one ID in a JoinIndex (Go's
// map at its average load plus the per-entry arrays; docs/benchmarks.md).
const JoinBytesPerKey = 34

// idKey is an application ID as 96 bits of two seeded hashes. Holding the
// hash instead of the ID keeps an ID at a fixed 12 bytes whatever its
// length (a UUID is 36): with n IDs the chance that two different ones
// share a key is about n²/2⁹⁷, 6·10⁻¹⁶ for ten million.
type idKey [3]uint32

// JoinIndex is the in-memory side of a join by application ID: per ID, its
// outcome (label) and its demographic group. Predictions stream past it;
// it is loaded whole by every shard (Load* scans), then read concurrently
// by the scan's parts (Lookup) and marked where a prediction matched.
//
// It is written by hand, over Go's map, because the joined side is the
// memory of the run: an entry is a 12-byte key and a 4-byte ordinal in
// the map, one byte of label and four of group in arrays, one bit of match.
type JoinIndex struct {
	maxKeys    int64
	seeds      [2]maphash.Seed
	ordinals   map[idKey]uint32
	labels     []int8  // per entry: -1 no outcome, 0 unfavourable, 1 favourable
	groups     []int32 // per entry: -1 no demographics, else an index into values
	matched    []uint64
	values     [][][]byte // a demographic group's raw attribute values
	valueIndex map[string]int32

	// Attributes are the protected attributes the demographics give.
	Attributes []string
	// Outcomes and Demographics are the rows loaded of each side.
	Outcomes, Demographics int64
	// BadRows are the rows of the sides skipped under the bad-row policy
	// (each side has the predictions' budget), and FirstBadRow the first.
	BadRows        int64
	FirstBadRow    string
	loaded         [3]bool
	duplicates     [3]int64
	firstDuplicate [3]string
}

// NewJoinIndex makes an empty index of at most maxKeys IDs (0: the default).
func NewJoinIndex(maxKeys int64) *JoinIndex {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxJoinKeys
	}
	return &JoinIndex{maxKeys: maxKeys, seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		ordinals: map[idKey]uint32{}, valueIndex: map[string]int32{}}
}

// Has reports whether a side has been loaded.
func (x *JoinIndex) Has(side JoinSide) bool { return x != nil && x.loaded[side] }

func (x *JoinIndex) key(id []byte) idKey {
	a, b := maphash.Bytes(x.seeds[0], id), maphash.Bytes(x.seeds[1], id)
	return idKey{uint32(a), uint32(a >> 32), uint32(b)}
}

// JoinLimitError is a joined side with more IDs than the limit.
type JoinLimitError struct {
	Side JoinSide
	Max  int64
}

// ReasonCode is the status reason of a join over its key limit.
func (e *JoinLimitError) ReasonCode() string { return "JoinTooLarge" }

func (e *JoinLimitError) Error() string {
	return fmt.Sprintf("the joined %s hold more than %d distinct IDs (about %d bytes each in memory); "+
		"raise the limit (--max-join-keys, spec.maxJoinKeys) or narrow the source", e.Side, e.Max, JoinBytesPerKey)
}

// entry finds or adds the entry of an ID.
func (x *JoinIndex) entry(id []byte, side JoinSide) (uint32, error) {
	k := x.key(id)
	if o, ok := x.ordinals[k]; ok {
		return o, nil
	}
	if int64(len(x.ordinals)) >= x.maxKeys {
		return 0, &JoinLimitError{Side: side, Max: x.maxKeys}
	}
	o := uint32(len(x.labels))
	x.ordinals[k] = o
	x.labels = append(x.labels, -1)
	x.groups = append(x.groups, -1)
	if o%64 == 0 {
		x.matched = append(x.matched, 0)
	}
	return o, nil
}

// addOutcome records one outcome row; a second row for an ID is counted
// as a duplicate (the load fails at its end, naming the first).
func (x *JoinIndex) addOutcome(id []byte, label bool, where func() string) error {
	o, err := x.entry(id, SideOutcomes)
	if err != nil {
		return err
	}
	if x.labels[o] >= 0 {
		x.duplicate(SideOutcomes, id, where)
		return nil
	}
	x.labels[o] = 0
	if label {
		x.labels[o] = 1
	}
	x.Outcomes++
	return nil
}

// addDemographics records one demographics row.
func (x *JoinIndex) addDemographics(id []byte, values [][]byte, maxGroups int, where func() string) error {
	o, err := x.entry(id, SideDemographics)
	if err != nil {
		return err
	}
	if x.groups[o] >= 0 {
		x.duplicate(SideDemographics, id, where)
		return nil
	}
	key := string(joinRaw(values))
	g, ok := x.valueIndex[key]
	if !ok {
		if len(x.values) >= maxGroups {
			return tooManyGroupsError{maxGroups}
		}
		g = int32(len(x.values))
		copied := make([][]byte, len(values))
		for i, v := range values {
			copied[i] = append([]byte(nil), v...)
		}
		x.values = append(x.values, copied)
		x.valueIndex[key] = g
	}
	x.groups[o] = g
	x.Demographics++
	return nil
}

// joinRaw joins values with a length prefix each, so no two different
// lists of values give the same bytes.
func joinRaw(values [][]byte) []byte {
	var b []byte
	for _, v := range values {
		b = fmt.Appendf(b, "%d:", len(v))
		b = append(b, v...)
	}
	return b
}

func (x *JoinIndex) duplicate(side JoinSide, id []byte, where func() string) {
	if x.duplicates[side] == 0 {
		x.firstDuplicate[side] = fmt.Sprintf("ID %s (%s)", quoteField(id), where())
	}
	x.duplicates[side]++
}

// DuplicateIDsError is a joined side that gives an ID twice or more: the
// join would have to pick one of the rows.
type DuplicateIDsError struct {
	Side  JoinSide
	Count int64
	First string
}

// ReasonCode is the status reason of duplicate IDs.
func (e *DuplicateIDsError) ReasonCode() string { return "DuplicateIDs" }

func (e *DuplicateIDsError) Error() string {
	return fmt.Sprintf("the %s give %d duplicate IDs; first: %s", e.Side, e.Count, e.First)
}

// Finish marks a side loaded, or fails when it gave duplicate IDs.
func (x *JoinIndex) Finish(side JoinSide) error {
	if x.duplicates[side] > 0 {
		return &DuplicateIDsError{Side: side, Count: x.duplicates[side], First: x.firstDuplicate[side]}
	}
	x.loaded[side] = true
	return nil
}

// joined is what the index says of one prediction's ID.
type joined struct {
	found   bool
	label   int8  // -1: no outcome
	group   int32 // -1: no demographics
	ordinal uint32
}

// lookup finds an ID; safe for concurrent use with other lookups and marks.
func (x *JoinIndex) lookup(id []byte) joined {
	o, ok := x.ordinals[x.key(id)]
	if !ok {
		return joined{label: -1, group: -1}
	}
	return joined{found: true, label: x.labels[o], group: x.groups[o], ordinal: o}
}

// markMatched records that a prediction matched the outcome of an entry.
func (x *JoinIndex) markMatched(o uint32) {
	atomic.OrUint64(&x.matched[o/64], 1<<(o%64))
}

// MatchedOutcomes is the number of distinct outcomes some prediction
// matched; the rest are orphans.
func (x *JoinIndex) MatchedOutcomes() int64 {
	var n int64
	for w, bitsSet := range x.matched {
		for bitsSet != 0 {
			b := bits.TrailingZeros64(bitsSet)
			bitsSet &= bitsSet - 1
			if x.labels[w*64+b] >= 0 {
				n++
			}
		}
	}
	return n
}

// Keys is the number of distinct IDs held.
func (x *JoinIndex) Keys() int { return len(x.ordinals) }

// JoinCounts is what a scan joined: the rows of each side loaded, the
// predictions whose outcome had arrived, the distinct outcomes matched
// (within the scan: a sharded run adds them up, which is exact when each
// application ID is predicted once), and predictions with no demographics.
type JoinCounts struct {
	Outcomes            int64 `json:"outcomes"`
	Demographics        int64 `json:"demographics,omitempty"`
	Matched             int64 `json:"matched"`
	MatchedOutcomes     int64 `json:"matchedOutcomes"`
	MissingDemographics int64 `json:"missingDemographics"`
	// BadRows are the joined sides' rows skipped as bad; FirstBadRow names
	// the first (side, line or row, reason).
	BadRows     int64  `json:"badRows,omitempty"`
	FirstBadRow string `json:"firstBadRow,omitempty"`
}

// Orphans is the number of outcomes no prediction matched.
func (j JoinCounts) Orphans() int64 { return j.Outcomes - j.MatchedOutcomes }

// add adds the per-scan counts of another part of the same run.
func (j *JoinCounts) add(o *JoinCounts) {
	if o == nil {
		return
	}
	j.Outcomes, j.Demographics = o.Outcomes, o.Demographics
	j.Matched += o.Matched
	j.MissingDemographics += o.MissingDemographics
}
