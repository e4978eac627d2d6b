package dataset

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

func TestBucketRanges(t *testing.T) {
	until := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	w := &Window{From: until.Add(-50 * time.Hour), Until: until, Bucket: 24 * time.Hour}
	if w.Buckets() != 3 {
		t.Fatalf("%d periods in 50h of 24h, want 3", w.Buckets())
	}
	for k, want := range [][2]time.Time{{until.Add(-24 * time.Hour), until}, {until.Add(-48 * time.Hour), until.Add(-24 * time.Hour)},
		{until.Add(-50 * time.Hour), until.Add(-48 * time.Hour)}} {
		if from, to := w.BucketRange(k); !from.Equal(want[0]) || !to.Equal(want[1]) {
			t.Errorf("period %d = (%s, %s], want (%s, %s]", k, from, to, want[0], want[1])
		}
	}
	for _, c := range []struct {
		at   time.Time
		want int
	}{{until, 0}, {until.Add(-time.Nanosecond), 0}, {until.Add(-24 * time.Hour), 0}, {until.Add(-24*time.Hour - time.Second), 1},
		{until.Add(-49 * time.Hour), 2}} {
		if got := w.bucketOf(c.at); got != c.want {
			t.Errorf("%s is in period %d, want %d", c.at, got, c.want)
		}
	}
	if (&Window{From: w.From, Until: until}).Buckets() != 0 {
		t.Error("a window without a bucket has periods")
	}
}

// bucketedLog: three days of decisions, a different approval pattern each
// day, and rows before the window.
func bucketedLog(until time.Time) string {
	var b strings.Builder
	b.WriteString("ts,y,p,g,pa,pb\n")
	for i := range 900 {
		at := until.Add(-time.Duration(i) * 5 * time.Minute) // 75 hours back
		day := i / 288
		approved := (i+day)%(day+2) == 0
		fmt.Fprintf(&b, "%s,%d,%t,%s,%g,%g\n", at.Format(time.RFC3339), i%2, approved, []string{"a", "b"}[i%3%2],
			float64(i%5)/4, 1-float64(i%5)/4)
	}
	return b.String()
}

// TestBucketsAddUpToTheWindow: the periods' statistics add up to the
// window's, each period holds the rows of its day, and parts of a file give
// the periods of one reader, plain and with estimated groups.
func TestBucketsAddUpToTheWindow(t *testing.T) {
	until := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	data := bucketedLog(until)
	path := writeTemp(t, []byte(data))
	window := &Window{Column: "ts", Format: TimestampRFC3339, From: until.Add(-72 * time.Hour), Until: until, Bucket: 24 * time.Hour}
	plain := ScanOptions{Label: "y", Prediction: "p", Protected: []string{"g"}, Window: window}
	weighted := plain
	weighted.Probabilities = &Probabilities{Attribute: "race", Groups: []ProbabilityGroup{{Name: "A", Column: "pa"}, {Name: "B", Column: "pb"}}}
	for name, o := range map[string]ScanOptions{"plain": plain, "estimated groups": weighted} {
		t.Run(name, func(t *testing.T) {
			res, err := sequentialScan(t, path, o)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Buckets) != 3 {
				t.Fatalf("%d periods, want 3", len(res.Buckets))
			}
			sum := o.newTable()
			for k, b := range res.Buckets {
				// Rows 0..288 are in (until-24h, until], and so on; 864 rows in all.
				want := int64(288)
				if k == 0 {
					want = 289
				} else if k == 2 {
					want = 287
				}
				if got := b.Rows(); got != want {
					t.Errorf("period %d has %d rows, want %d", k, got, want)
				}
				if err := sum.Merge(b); err != nil {
					t.Fatal(err)
				}
			}
			if !reflect.DeepEqual(sum, res.Table) {
				t.Error("the periods do not add up to the window's statistics")
			}
			got, err := ScanFileParts(path, 0, 1, 4, o)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Buckets, res.Buckets) {
				t.Error("4 parts give other periods than one reader")
			}
		})
	}
}

// TestBucketsOfAWeightedRowLeaveOutZeroWeights: a row certain of its group
// makes no empty group in its period.
func TestBucketsOfAWeightedRowLeaveOutZeroWeights(t *testing.T) {
	until := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	o := ScanOptions{Prediction: "p", Window: &Window{Column: "ts", From: until.Add(-48 * time.Hour), Until: until, Bucket: 24 * time.Hour},
		Probabilities: &Probabilities{Attribute: "race", Groups: []ProbabilityGroup{{Name: "A", Column: "pa"}, {Name: "B", Column: "pb"}}}}
	res, err := scan(t, "ts,p,pa,pb\n2026-11-29T12:00:00Z,1,1,0\n2026-11-28T12:00:00Z,1,0.5,0.5\n", o)
	if err != nil {
		t.Fatal(err)
	}
	if g := res.Buckets[0].Groups; len(g) != 1 || g["A"] == nil || g["A"].Weights.Sum.UnlabelledPos != fairness.WeightScale {
		t.Fatalf("period 0 groups %v, want A alone with the whole row", keysOf(g))
	}
	if len(res.Buckets[1].Groups) != 2 {
		t.Fatalf("period 1 groups %v, want A and B", keysOf(res.Buckets[1].Groups))
	}
}
