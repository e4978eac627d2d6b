package dataset

import (
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// countInBucket counts a row, as the run's table counted it, in its
// period's table too. g is the row's group of the run's table, or with
// Probabilities its plain group (the row's shares name the weighted ones).
func (s *scanner) countInBucket(k int, g *fairness.Group, label, labelled, pred bool, score float64) {
	if s.res.Buckets[k] == nil {
		s.res.Buckets[k] = s.o.newTable()
		s.bucketGroups[k] = map[*fairness.Group]*fairness.Group{}
	}
	if s.weighted == nil {
		observe(s.bucketGroup(k, g), label, labelled, pred, score)
		return
	}
	s.bucketShares.Units = s.shares.Units
	s.bucketShares.Groups = s.bucketShares.Groups[:0]
	for i, wg := range s.shares.Groups {
		var bg *fairness.Group
		if s.shares.Units[i] != 0 { // a group of no weight stays out of the period's table
			bg = s.bucketGroup(k, wg)
		}
		s.bucketShares.Groups = append(s.bucketShares.Groups, bg)
	}
	s.bucketShares.Observe(label, labelled, pred, score)
}

// bucketGroup is period k's group of a group of the run's table. The
// periods' groups are a subset of the run's, so MaxGroups holds for them.
func (s *scanner) bucketGroup(k int, g *fairness.Group) *fairness.Group {
	if bg, ok := s.bucketGroups[k][g]; ok {
		return bg
	}
	bg := s.res.Buckets[k].GroupFor(fairness.JoinKey(g.Key))
	s.bucketGroups[k][g] = bg
	return bg
}

// addBuckets adds another part's period statistics (same window: same
// periods, same attributes).
func (r *ScanResult) addBuckets(buckets []*fairness.Table) {
	for k, t := range buckets {
		if t == nil {
			continue
		}
		if r.Buckets == nil {
			r.Buckets = make([]*fairness.Table, len(buckets))
		}
		if r.Buckets[k] == nil {
			r.Buckets[k] = t
			continue
		}
		_ = r.Buckets[k].Merge(t) // the same attributes, bins and weighting by construction
	}
}
