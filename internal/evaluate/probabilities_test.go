package evaluate

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

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
	run := func(shards int64) []*Result {
		var out []*Result
		for i := range shards {
			enc, err := RunShard(context.Background(), config(shards), i)
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
