package dataset

import (
	"fmt"
	"hash/maphash"
	"math/bits"
	"strconv"
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

// DefaultMaxJoinKeys bounds the IDs a JoinIndex holds: with JoinBytesPerKey
// each, about 640 MB.
const DefaultMaxJoinKeys = 20_000_000

// JoinBytesPerKey is the memory of one ID in a JoinIndex: a 16-byte slot
// at 35-70% load, and a bit of the match bitset; while the table doubles,
// the old one is held too (docs/benchmarks.md has the measured peak).
// Demographics with membership probabilities add 4 bytes an ID and 4 a
// group of the estimated attribute.
const JoinBytesPerKey = 32

// JoinIndex is the in-memory side of a join by application ID: per ID, its
// outcome (label) and its demographic group. Predictions stream past it;
// it is loaded whole by every shard (scans with ScanOptions.Into), then
// read concurrently by the scan's parts (lookup) and marked where a
// prediction matched.
//
// It is a hash table written by hand (open addressing, linear probing,
// 16 bytes a slot) rather than a Go map because the joined side is the
// memory and the time of the run: an ID is held as 96 bits of two seeded
// hashes (a UUID is 36 bytes; with n IDs the chance that two share a key
// is about n²/2⁹⁶, 10⁻¹⁵ for ten million) next to its label and group in
// one slot, so that a lookup costs one cache miss, where a map of IDs to
// entries costs two or more and over twice the bytes.
type JoinIndex struct {
	maxKeys    int64
	seeds      [2]maphash.Seed
	slots      []joinSlot
	used       int64
	matched    []uint64   // one bit a slot, set atomically by the scan's parts
	values     [][][]byte // a demographic group's raw attribute values
	valueIndex map[string]int32
	scratch    []byte
	// With membership probabilities in the demographics, a slot's group
	// bits are the row's index in rowGroup (its plain group) and in units
	// (its weight units per group of the estimated attribute, stride
	// weightedGroups): weights are not shared between rows, as groups are.
	weightedGroups int
	rowGroup       []int32
	units          []uint32

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

// joinSlot is one ID: its key (k[0] is never 0 in a used slot) and its
// entry: bits 0-1 the outcome (0 none, 1 unfavourable, 2 favourable),
// bit 2 set when it has demographics, bits 3 and up the group.
type joinSlot struct {
	k [3]uint32
	v uint32
}

const (
	slotOutcomeMask = 3
	slotHasGroup    = 4
	slotGroupShift  = 3
	minJoinSlots    = 1 << 10
)

// NewJoinIndex makes an empty index of at most maxKeys IDs (0: the default).
func NewJoinIndex(maxKeys int64) *JoinIndex {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxJoinKeys
	}
	return &JoinIndex{maxKeys: maxKeys, seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		slots: make([]joinSlot, minJoinSlots), valueIndex: map[string]int32{}}
}

// Has reports whether a side has been loaded.
func (x *JoinIndex) Has(side JoinSide) bool { return x != nil && x.loaded[side] }

func (x *JoinIndex) key(id []byte) [3]uint32 {
	a, b := maphash.Bytes(x.seeds[0], id), maphash.Bytes(x.seeds[1], id)
	return [3]uint32{uint32(a) | 1, uint32(a >> 32), uint32(b)}
}

// find is the slot of a key, or of the empty slot where it would go.
func (x *JoinIndex) find(k [3]uint32) int {
	mask := len(x.slots) - 1
	for i := int(k[1]) & mask; ; i = (i + 1) & mask {
		if s := &x.slots[i]; s.k == k || s.k[0] == 0 {
			return i
		}
	}
}

// grow doubles the table once it is 70% full.
func (x *JoinIndex) grow() {
	old := x.slots
	x.slots = make([]joinSlot, 2*len(old))
	for _, s := range old {
		if s.k[0] != 0 {
			x.slots[x.find(s.k)] = s
		}
	}
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

// entry finds or adds the slot of an ID.
func (x *JoinIndex) entry(id []byte, side JoinSide) (*joinSlot, error) {
	k := x.key(id)
	i := x.find(k)
	if x.slots[i].k == k {
		return &x.slots[i], nil
	}
	if x.used >= x.maxKeys {
		return nil, &JoinLimitError{Side: side, Max: x.maxKeys}
	}
	if 10*(x.used+1) > 7*int64(len(x.slots)) {
		x.grow()
		i = x.find(k)
	}
	x.used++
	x.slots[i].k = k
	return &x.slots[i], nil
}

// addOutcome records one outcome row; a second row for an ID is counted
// as a duplicate (the load fails at its end, naming the first).
func (x *JoinIndex) addOutcome(id []byte, label bool, at positioner) error {
	s, err := x.entry(id, SideOutcomes)
	if err != nil {
		return err
	}
	if s.v&slotOutcomeMask != 0 {
		x.duplicate(SideOutcomes, id, at)
		return nil
	}
	s.v |= 1
	if label {
		s.v++
	}
	x.Outcomes++
	return nil
}

// maxWeightedRows bounds the demographics rows with membership weights:
// a row's index lives in a slot's group bits.
const maxWeightedRows = 1 << (32 - slotGroupShift)

// addDemographics records one demographics row; units are its weight units
// per group of an estimated attribute (nil without one).
func (x *JoinIndex) addDemographics(id []byte, values [][]byte, units []int64, maxGroups int, at positioner) error {
	s, err := x.entry(id, SideDemographics)
	if err != nil {
		return err
	}
	if s.v&slotHasGroup != 0 {
		x.duplicate(SideDemographics, id, at)
		return nil
	}
	g, err := x.internGroup(values, maxGroups)
	if err != nil {
		return err
	}
	if units != nil {
		if len(x.rowGroup) >= maxWeightedRows {
			return &JoinLimitError{Side: SideDemographics, Max: maxWeightedRows}
		}
		x.weightedGroups = len(units)
		for _, u := range units {
			x.units = append(x.units, uint32(u)) //nolint:gosec // at most WeightScale, 1e9
		}
		x.rowGroup = append(x.rowGroup, g)
		g = int32(len(x.rowGroup) - 1)
	}
	s.v |= slotHasGroup | uint32(g)<<slotGroupShift
	x.Demographics++
	return nil
}

// internGroup is the index of a demographic group's values, added on first sight.
func (x *JoinIndex) internGroup(values [][]byte, maxGroups int) (int32, error) {
	x.scratch = joinRaw(x.scratch[:0], values)
	g, ok := x.valueIndex[string(x.scratch)]
	if !ok {
		if len(x.values) >= maxGroups {
			return 0, tooManyGroupsError{maxGroups}
		}
		g = int32(len(x.values))
		copied := make([][]byte, len(values))
		for i, v := range values {
			copied[i] = append([]byte(nil), v...)
		}
		x.values = append(x.values, copied)
		x.valueIndex[string(x.scratch)] = g
	}
	return g, nil
}

// weighted reports whether the demographics carry membership weights.
func (x *JoinIndex) weighted() bool { return x.weightedGroups > 0 }

// rowWeights is a weighted demographics row's plain group and its weight
// units, copied into units.
func (x *JoinIndex) rowWeights(row int32, units []int64) int32 {
	k := x.weightedGroups
	for i, u := range x.units[int(row)*k : int(row)*k+k] {
		units[i] = int64(u)
	}
	return x.rowGroup[row]
}

// positioner says where a scan is, for messages.
type positioner interface{ position() (int64, string) }

// joinRaw appends values with a length prefix each, so no two different
// lists of values give the same bytes.
func joinRaw(b []byte, values [][]byte) []byte {
	for _, v := range values {
		b = strconv.AppendInt(b, int64(len(v)), 10)
		b = append(b, ':')
		b = append(b, v...)
	}
	return b
}

func (x *JoinIndex) duplicate(side JoinSide, id []byte, at positioner) {
	if x.duplicates[side] == 0 {
		n, unit := at.position()
		x.firstDuplicate[side] = fmt.Sprintf("ID %s (%s %d)", quoteField(id), unit, n)
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
	x.matched = make([]uint64, (len(x.slots)+63)/64) // the table no longer grows
	return nil
}

// joined is what the index says of one prediction's ID.
type joined struct {
	label int8  // -1: no outcome
	group int32 // -1: no demographics
	slot  int
}

// lookup finds an ID; safe for concurrent use with other lookups and marks.
func (x *JoinIndex) lookup(id []byte) joined {
	i := x.find(x.key(id))
	v := x.slots[i].v
	j := joined{label: int8(v&slotOutcomeMask) - 1, group: -1, slot: i}
	if v&slotHasGroup != 0 {
		j.group = int32(v >> slotGroupShift)
	}
	return j
}

// markMatched records that a prediction matched the outcome of a slot.
func (x *JoinIndex) markMatched(slot int) {
	if x.matched == nil {
		panic("dataset: markMatched before Finish") // the scan's parts share the bitset; it is made once
	}
	atomic.OrUint64(&x.matched[slot/64], 1<<(slot%64))
}

// MatchedOutcomes is the number of distinct outcomes some prediction
// matched; the rest are orphans.
func (x *JoinIndex) MatchedOutcomes() int64 {
	var n int64
	for _, w := range x.matched {
		n += int64(bits.OnesCount64(w))
	}
	return n
}

// Keys is the number of distinct IDs held.
func (x *JoinIndex) Keys() int { return int(x.used) }

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
