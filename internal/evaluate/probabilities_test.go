package evaluate

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
)

// TestProbabilisticShardsMergeToTheWholeRun: weighted statistics survive
// the pods' encoding and add up across row shards to the one-shard run.
func TestProbabilisticShardsMergeToTheWholeRun(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("y,p,sex,p_a,p_b\n")
	for i := range 600 {
		pa := float64(i%11) / 10
		if pa > 1 {
			pa = 0.35
		}
		fmt.Fprintf(&csv, "%d,%d,%s,%g,%g\n", i%2, i/3%2, []string{"f", "m"}[i%3%2], pa, 1-pa)
	}
	config := func(shards int64) *RunConfig {
		return &RunConfig{RunID: "r1", Data: "inline", Inline: csv.String(), Shards: shards, Label: "y", Prediction: "p",
			Protected: []string{"sex"}, Probabilities: &dataset.Probabilities{Attribute: "race",
				Groups: []dataset.ProbabilityGroup{{Name: "A", Column: "p_a"}, {Name: "B", Column: "p_b"}}}}
	}
	run := func(shards int64) []*Result { return runShards(t, config(shards)) }
	whole, rows, err := MergeResults("r1", 1, run(1))
	if err != nil || rows != 600 {
		t.Fatalf("rows %d err %v", rows, err)
	}
	if whole.Weighted != "race" || whole.Groups["f\x1fA"] == nil || whole.Groups["f\x1fA"].Weights == nil {
		t.Fatalf("the decoded table is not weighted by race: %q", whole.Weighted)
	}
	sharded, _, err := MergeResults("r1", 3, run(3))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(whole, sharded) {
		t.Fatal("3 shards differ from the whole run")
	}
	bad := run(1)[0]
	bad.Groups[0].Squares = bad.Groups[0].Squares[:3]
	if _, err := bad.Table(); err == nil || !strings.Contains(err.Error(), "3 sums of squared weights") {
		t.Fatalf("a short weighted group decoded: %v", err)
	}
}

// TestPeriodsSurviveShardsAndOverflow: the periods' statistics of three
// row shards merge to the one-pod run's; a run whose periods do not fit a
// termination message keeps its result and says they were left out.
func TestPeriodsSurviveShardsAndOverflow(t *testing.T) {
	until := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	var csv strings.Builder
	csv.WriteString("ts,p,g,h\n")
	for i := range 500 {
		// h: 250 hard-to-compress values.
		fmt.Fprintf(&csv, "%s,%d,%s,%08x\n", until.Add(-time.Duration(i)*10*time.Minute).Format(time.RFC3339), i%3%2,
			[]string{"a", "b"}[i%2], uint32(i%250)*2654435761)
	}
	config := func(shards int64, groups string) *RunConfig {
		return &RunConfig{RunID: "r1", Data: "inline", Inline: csv.String(), Shards: shards, Prediction: "p", Protected: []string{groups},
			Window: &RunWindow{Column: "ts", From: until.Add(-72 * time.Hour), Until: until, Bucket: 6 * time.Hour}}
	}
	run := func(c *RunConfig) []*Result { return runShards(t, c) }
	whole, omitted, err := MergeBuckets(run(config(1, "g")))
	if err != nil || omitted || len(whole) != 12 {
		t.Fatalf("%d periods (omitted %v, %v), want 12: 500 rows every 10 minutes span 83 hours, 72 in the window", len(whole), omitted, err)
	}
	sharded, _, err := MergeBuckets(run(config(3, "g")))
	if err != nil || !reflect.DeepEqual(whole, sharded) {
		t.Fatalf("3 shards give other periods (%v)", err)
	}
	// 250 such groups fit a termination message, not again in the periods.
	wide := run(config(1, "h"))
	if !wide[0].BucketsOmitted || len(wide[0].Buckets) != 0 || len(wide[0].Groups) == 0 {
		t.Fatalf("periods omitted %v (%d kept), groups %d", wide[0].BucketsOmitted, len(wide[0].Buckets), len(wide[0].Groups))
	}
	if _, omitted, _ := MergeBuckets(wide); !omitted {
		t.Fatal("the merge does not say the periods were left out")
	}
}

// runShards runs every shard of c as its pod would and decodes the results.
func runShards(t *testing.T, c *RunConfig) []*Result {
	t.Helper()
	var out []*Result
	for i := range c.Shards {
		enc, err := RunShard(context.Background(), c, i)
		if err != nil {
			t.Fatal(err)
		}
		r, err := DecodeResult(enc)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}
