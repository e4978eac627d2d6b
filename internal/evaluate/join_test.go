package evaluate

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/test/datasets"
)

// adultRow is one row of the Adult predictions with a UUID-like ID.
type adultRow struct{ id, label, pred, score, sex, race string }

func adultRows(t *testing.T) []adultRow {
	t.Helper()
	data, err := os.ReadFile(datasets.Path(t, "predictions", "adult_lr.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []adultRow
	for _, r := range recs[1:] { // row,y_true,y_pred,score,sex,race
		id := fmt.Sprintf("%08x-4c1e-9a2b-%012d", len(rows)*2654435761%(1<<32), len(rows))
		rows = append(rows, adultRow{id, r[1], r[2], r[3], r[4], r[5]})
	}
	return rows
}

// shuffled is a copy of rows in a seeded random order: each side of a join
// lists its IDs in an order of its own.
func shuffled(rows []adultRow, seed uint64) []adultRow {
	out := append([]adultRow(nil), rows...)
	rand.New(rand.NewPCG(seed, 1)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// writeTable writes columns of rows as CSV or, with every column a string,
// as Parquet in row groups of 1,000 (so shards split by row group).
func writeTable(t *testing.T, dir, name, format string, header []string, rows []adultRow, cols func(adultRow) []string) string {
	t.Helper()
	path := filepath.Join(dir, name+"."+format)
	var data []byte
	if format == "csv" {
		var b strings.Builder
		b.WriteString(strings.Join(header, ",") + "\n")
		for _, r := range rows {
			b.WriteString(strings.Join(cols(r), ",") + "\n")
		}
		data = []byte(b.String())
	} else {
		fields := make([]arrow.Field, len(header))
		for i, h := range header {
			fields[i] = arrow.Field{Name: h, Type: arrow.BinaryTypes.String}
		}
		schema := arrow.NewSchema(fields, nil)
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer b.Release()
		for _, r := range rows {
			for i, v := range cols(r) {
				b.Field(i).(*array.StringBuilder).Append(v)
			}
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		tbl := array.NewTableFromRecords(schema, []arrow.RecordBatch{rec})
		defer tbl.Release()
		var buf bytes.Buffer
		props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(1000))
		if err := pqarrow.WriteTable(tbl, &buf, 1000, props, pqarrow.DefaultWriterProps()); err != nil {
			t.Fatal(err)
		}
		data = buf.Bytes()
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// threeFiles writes predictions, outcomes and demographics of rows, each
// in its own order.
func threeFiles(t *testing.T, dir, format string, preds, outcomes, demographics []adultRow) (string, Joined) {
	p := writeTable(t, dir, "predictions", format, []string{"application_id", "approved", "score"}, preds,
		func(r adultRow) []string { return []string{r.id, r.pred, r.score} })
	o := writeTable(t, dir, "outcomes", format, []string{"application_id", "repaid"}, outcomes,
		func(r adultRow) []string { return []string{r.id, r.label} })
	j := Joined{Outcomes: &Side{Source: Source{Data: o}}}
	if demographics != nil {
		d := writeTable(t, dir, "demographics", format, []string{"application_id", "sex", "race"}, demographics,
			func(r adultRow) []string { return []string{r.id, r.sex, r.race} })
		j.Demographics = &Side{Source: Source{Data: d}}
	}
	return p, j
}

var joinScan = dataset.ScanOptions{ID: "application_id", Label: "repaid", Prediction: "approved", Score: "score",
	Protected: []string{"sex", "race"}}

// joinedTable scans the predictions joined with j in shards shards and
// merges them, as the controller merges pods' results.
func joinedTable(t *testing.T, preds string, j Joined, shards int64) (*fairness.Table, dataset.JoinCounts) {
	t.Helper()
	return joinedTableOf(t, preds, j, shards, joinScan)
}

func joinedTableOf(t *testing.T, preds string, j Joined, shards int64, opts dataset.ScanOptions) (*fairness.Table, dataset.JoinCounts) {
	t.Helper()
	var merged *fairness.Table
	var counts dataset.JoinCounts
	for i := range shards {
		scan := opts
		if shards > 1 {
			scan.ShardCount, scan.ShardIndex = shards, i
		}
		res, err := JoinedStatistics(context.Background(), Source{Data: preds, ByteRange: true}, j, scan, nil)
		if err != nil {
			t.Fatalf("shard %d of %d: %v", i, shards, err)
		}
		if merged == nil {
			merged = res.Table
		} else if err := merged.Merge(res.Table); err != nil {
			t.Fatal(err)
		}
		counts.Outcomes, counts.Demographics = res.Join.Outcomes, res.Join.Demographics
		counts.Matched += res.Join.Matched
		counts.MatchedOutcomes += res.Join.MatchedOutcomes
		counts.MissingDemographics += res.Join.MissingDemographics
	}
	return merged, counts
}

// plainTable scans one pre-joined file with no join.
func plainTable(t *testing.T, path string, scan dataset.ScanOptions) *fairness.Table {
	t.Helper()
	scan.ID = ""
	res, err := Statistics(context.Background(), Source{Data: path}, scan, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Table
}

func sameTables(t *testing.T, what string, got, want *fairness.Table) {
	t.Helper()
	if !reflect.DeepEqual(got.Groups, want.Groups) || got.Rows() != want.Rows() {
		for k, g := range want.Groups {
			if o := got.Groups[k]; o == nil || !reflect.DeepEqual(o, g) {
				t.Errorf("%s: group %q = %+v, want %+v", what, k, o, g)
			}
		}
		t.Fatalf("%s: %d groups of %d rows, want %d groups of %d rows", what, len(got.Groups), got.Rows(), len(want.Groups), want.Rows())
	}
}

// TestJoinedEqualsPreJoined: the Adult predictions split into three files
// (predictions, outcomes, demographics, each in its own order) give the
// statistics of the same rows pre-joined into one file, in CSV and in
// Parquet, in one shard and in three (byte ranges for CSV, row groups for
// Parquet).
func TestJoinedEqualsPreJoined(t *testing.T) {
	rows := adultRows(t)
	for _, format := range []string{"csv", "parquet"} {
		dir := t.TempDir()
		preds, j := threeFiles(t, dir, format, shuffled(rows, 1), shuffled(rows, 2), shuffled(rows, 3))
		one := writeTable(t, dir, "prejoined", format, []string{"repaid", "approved", "score", "sex", "race"}, rows,
			func(r adultRow) []string { return []string{r.label, r.pred, r.score, r.sex, r.race} })
		want := plainTable(t, one, joinScan)
		for _, shards := range []int64{1, 3} {
			got, counts := joinedTable(t, preds, j, shards)
			what := fmt.Sprintf("%s, %d shards", format, shards)
			sameTables(t, what, got, want)
			n := int64(len(rows))
			if counts != (dataset.JoinCounts{Outcomes: n, Demographics: n, Matched: n, MatchedOutcomes: n}) {
				t.Fatalf("%s: join counts %+v, want every one of %d rows matched", what, counts, n)
			}
		}
	}
}

// TestPartlyJoined: outcomes have arrived for every third application,
// demographics are missing for every seventh, and 5 outcomes belong to
// applications the log does not hold. The joined statistics equal those of
// two pre-joined files scanned the plain way: the labelled rows with their
// label, and the rest label-free; the missing and orphaned rows are counted.
func TestPartlyJoined(t *testing.T) {
	rows := adultRows(t)
	var outcomes, demographics, labelled, unlabelled []adultRow
	var missing int64
	for i, r := range rows {
		hasOutcome, hasDemographics := i%3 == 0, i%7 != 0
		if hasOutcome {
			outcomes = append(outcomes, r)
		}
		if hasDemographics {
			demographics = append(demographics, r)
		}
		switch {
		case !hasDemographics:
			missing++
		case hasOutcome:
			labelled = append(labelled, r)
		default:
			unlabelled = append(unlabelled, r)
		}
	}
	for i := range 5 {
		outcomes = append(outcomes, adultRow{id: fmt.Sprintf("orphan-%d", i), label: "1"})
	}
	for _, format := range []string{"csv", "parquet"} {
		dir := t.TempDir()
		preds, j := threeFiles(t, dir, format, shuffled(rows, 4), shuffled(outcomes, 5), shuffled(demographics, 6))
		header := []string{"repaid", "approved", "score", "sex", "race"}
		cols := func(r adultRow) []string { return []string{r.label, r.pred, r.score, r.sex, r.race} }
		want := plainTable(t, writeTable(t, dir, "labelled", format, header, labelled, cols), joinScan)
		labelFree := joinScan
		labelFree.Label = ""
		if err := want.Merge(plainTable(t, writeTable(t, dir, "unlabelled", format, header, unlabelled, cols), labelFree)); err != nil {
			t.Fatal(err)
		}
		for _, shards := range []int64{1, 3} {
			got, counts := joinedTable(t, preds, j, shards)
			what := fmt.Sprintf("%s, %d shards", format, shards)
			sameTables(t, what, got, want)
			wantCounts := dataset.JoinCounts{Outcomes: int64(len(outcomes)), Demographics: int64(len(demographics)),
				Matched: int64(len(labelled)) + countMissingWithOutcome(rows), MatchedOutcomes: int64(len(outcomes) - 5),
				MissingDemographics: missing}
			if counts != wantCounts || counts.Orphans() != 5 {
				t.Fatalf("%s: join counts %+v (%d orphans), want %+v (5 orphans)", what, counts, counts.Orphans(), wantCounts)
			}
		}
	}
}

// countMissingWithOutcome is the number of rows of TestPartlyJoined whose
// outcome arrived but whose demographics did not: left out of the groups,
// but their outcomes are matched (they are not orphans).
func countMissingWithOutcome(rows []adultRow) int64 {
	var n int64
	for i := range rows {
		if i%3 == 0 && i%7 == 0 {
			n++
		}
	}
	return n
}

// adultRaces are the Adult data's race values and their probability columns.
var adultRaces = []dataset.ProbabilityGroup{{Name: "White", Column: "p_white"}, {Name: "Black", Column: "p_black"},
	{Name: "Asian-Pac-Islander", Column: "p_api"}, {Name: "Amer-Indian-Eskimo", Column: "p_aie"}, {Name: "Other", Column: "p_other"}}

// raceProxies are BISG-like probabilities of a row's race: most of the
// mass on the recorded race, the rest spread by the row's ID, four decimals
// summing to exactly 1.
func raceProxies(r adultRow, i int) []string {
	out := make([]string, len(adultRaces))
	rest := 10000
	for k, g := range adultRaces {
		if g.Name != r.race {
			share := (i*7 + k*13) % 900
			rest -= share
			out[k] = fmt.Sprintf("%.4f", float64(share)/10000)
		}
	}
	for k, g := range adultRaces {
		if g.Name == r.race || (out[k] == "" && k == len(adultRaces)-1) {
			out[k] = fmt.Sprintf("%.4f", float64(rest)/10000)
		}
	}
	return out
}

// TestEstimatedRaceJoinedEqualsPreJoined: race as proxy probabilities in
// the demographics (with sex), joined by ID, gives the weighted statistics
// of the same rows pre-joined into one file, CSV and Parquet, one shard and
// three.
func TestEstimatedRaceJoinedEqualsPreJoined(t *testing.T) {
	rows := adultRows(t)
	proxies := map[string][]string{}
	for i, r := range rows {
		proxies[r.id] = raceProxies(r, i)
	}
	columns := []string{"sex"}
	for _, g := range adultRaces {
		columns = append(columns, g.Column)
	}
	scan := joinScan
	scan.Protected = []string{"sex"}
	scan.Probabilities = &dataset.Probabilities{Attribute: "race", Groups: adultRaces}
	for _, format := range []string{"csv", "parquet"} {
		dir := t.TempDir()
		preds, j := threeFiles(t, dir, format, shuffled(rows, 7), shuffled(rows, 8), nil)
		j.Demographics = &Side{Source: Source{Data: writeTable(t, dir, "proxies", format, append([]string{"application_id"}, columns...),
			shuffled(rows, 9), func(r adultRow) []string { return append([]string{r.id, r.sex}, proxies[r.id]...) })}}
		one := writeTable(t, dir, "prejoined", format, append([]string{"repaid", "approved", "score"}, columns...), rows,
			func(r adultRow) []string { return append([]string{r.label, r.pred, r.score, r.sex}, proxies[r.id]...) })
		want := plainTable(t, one, scan)
		if want.Weighted != "race" || len(want.Groups) < 8 {
			t.Fatalf("the pre-joined table is weighted by %q with %d groups", want.Weighted, len(want.Groups))
		}
		for _, shards := range []int64{1, 3} {
			got, counts := joinedTableOf(t, preds, j, shards, scan)
			sameTables(t, fmt.Sprintf("%s, %d shards", format, shards), got, want)
			if counts.Demographics != int64(len(rows)) || counts.MissingDemographics != 0 {
				t.Fatalf("join counts %+v", counts)
			}
		}
	}
}
