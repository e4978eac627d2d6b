package evaluate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/display"
)

// Joined says where the sides joined with the predictions by application
// ID are: outcomes (the ID and the label, which arrives months after the
// decision) and demographics (the ID and the protected attributes, kept
// apart from the model's log). Either may be nil.
type Joined struct {
	Outcomes, Demographics *Side
	// MaxKeys bounds the distinct IDs held in memory (0: the default).
	MaxKeys int64
}

// Side is one joined source: any source kind, any format.
type Side struct {
	Source Source
	Format dataset.Format
	// Inline is the side's CSV itself, when the manifest holds it.
	Inline string
}

// Any reports whether some side is joined.
func (j Joined) Any() bool { return j.Outcomes != nil || j.Demographics != nil }

// JoinedStatistics scans the predictions joined with the sides of j by
// scan.ID: the sides are loaded whole into memory (every shard loads them),
// the predictions stream past them. With outcomes, scan.Label names the
// outcomes' label column; with demographics, scan.Protected their columns.
func JoinedStatistics(ctx context.Context, src Source, j Joined, scan dataset.ScanOptions, stdin io.Reader) (*dataset.ScanResult, error) {
	res, err := joinedStatistics(ctx, src, j, scan, stdin)
	if err != nil || scan.Window == nil || scan.ShardCount > 1 {
		return res, err // a shard's window may be empty; the merged run's may not
	}
	if res.Window == nil || res.Window.InWindow == 0 {
		e := &dataset.NoDataError{Window: *scan.Window}
		if res.Window != nil {
			e.Outside, e.SkippedObjects = res.Window.Outside, res.Window.SkippedObjects
		}
		return nil, e
	}
	return res, nil
}

func joinedStatistics(ctx context.Context, src Source, j Joined, scan dataset.ScanOptions, stdin io.Reader) (*dataset.ScanResult, error) {
	if !j.Any() {
		return Statistics(ctx, src, scan, stdin)
	}
	if scan.ID == "" {
		return nil, errors.New("joining outcomes or demographics needs the ID column of the predictions")
	}
	index := dataset.NewJoinIndex(j.MaxKeys)
	sides := []struct {
		side *Side
		kind dataset.JoinSide
	}{{j.Outcomes, dataset.SideOutcomes}, {j.Demographics, dataset.SideDemographics}}
	for _, s := range sides {
		if s.side == nil {
			continue
		}
		if err := loadSide(ctx, index, s.side, s.kind, scan); err != nil {
			return nil, err
		}
	}
	scan.Join = index
	if index.Has(dataset.SideOutcomes) {
		scan.Label = ""
	}
	res, err := Statistics(ctx, src, scan, stdin)
	if err != nil {
		return nil, err
	}
	if res.Join == nil {
		res.Join = &dataset.JoinCounts{}
	}
	res.Join.Outcomes, res.Join.Demographics = index.Outcomes, index.Demographics
	res.Join.BadRows, res.Join.FirstBadRow = index.BadRows, index.FirstBadRow
	res.Join.MatchedOutcomes = index.MatchedOutcomes()
	if res.Rows == 0 && res.BadRows == 0 && res.Join.MissingDemographics > 0 && scan.ShardCount <= 1 && !scan.Part {
		return nil, fmt.Errorf("none of the %d predictions has a demographics row: are the IDs the same in both?",
			res.Join.MissingDemographics)
	}
	return res, nil
}

// loadSide reads one joined side into the index, whole and in order.
func loadSide(ctx context.Context, index *dataset.JoinIndex, s *Side, kind dataset.JoinSide, scan dataset.ScanOptions) error {
	load := dataset.ScanOptions{ID: scan.ID, // no Window: a side is loaded whole, its timestamps are not the decisions'
		Favorable: scan.Favorable, MaxBadRows: scan.MaxBadRows,
		MaxLineBytes: scan.MaxLineBytes, MaxGroups: scan.MaxGroups, Format: s.Format, NullGroup: scan.NullGroup,
		Into: index, Side: kind}
	switch kind {
	case dataset.SideOutcomes:
		load.Label = scan.Label
	case dataset.SideDemographics:
		load.Protected, load.Probabilities = scan.Protected, scan.Probabilities
	}
	src, stdin := s.Source, io.Reader(nil)
	if s.Inline != "" {
		src.Data, stdin = "-", strings.NewReader(s.Inline)
	}
	res, err := Statistics(ctx, src, load, stdin)
	if err == nil {
		err = index.Finish(kind)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", kind, display.RedactURL(s.Source.Data), reasoned(err))
	}
	index.BadRows += res.BadRows
	if index.FirstBadRow == "" && res.FirstBadRow != "" {
		index.FirstBadRow = fmt.Sprintf("%s: %s", kind, res.FirstBadRow)
	}
	return nil
}

// reasoned gives a joined side's error a status reason: its own (duplicate
// IDs, the key limit, the store's) or InvalidData, so that an unreadable
// side fails the run with a reason and never leaves it silently label-free.
func reasoned(err error) error {
	if dataset.ReasonOf(err) != "" {
		return err
	}
	return &dataset.DataError{Err: err}
}
