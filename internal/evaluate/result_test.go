package evaluate

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

func runConfig(shards int64) *RunConfig {
	return &RunConfig{RunID: "r1", Data: "builtin:synthetic-credit", Shards: shards,
		Builtin: dataset.SyntheticOptions{Rows: 20000, Seed: 3, Disparity: 0.2},
		Label:   "repaid", Prediction: "approved", Score: "score", Protected: []string{"sex", "age_group"}}
}

func TestShardsMergeToTheWholeRun(t *testing.T) {
	ctx := context.Background()
	whole, err := RunShard(ctx, runConfig(1), 0)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := DecodeResult(whole)
	wt, rows, err := MergeResults("r1", 1, []*Result{w})
	if err != nil || rows != 20000 {
		t.Fatalf("rows %d err %v", rows, err)
	}
	var parts []*Result
	for i := range int64(4) {
		enc, err := RunShard(ctx, runConfig(4), i)
		if err != nil {
			t.Fatal(err)
		}
		if len(enc) > MaxTerminationMessage {
			t.Fatalf("shard result is %d bytes", len(enc))
		}
		r, err := DecodeResult(enc)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, r)
	}
	mt, rows, err := MergeResults("r1", 4, parts)
	if err != nil || rows != 20000 {
		t.Fatalf("rows %d err %v", rows, err)
	}
	a, _ := json.Marshal(fairness.Evaluate(wt, fairness.Options{}))
	b, _ := json.Marshal(fairness.Evaluate(mt, fairness.Options{}))
	if string(a) != string(b) {
		t.Fatal("4 shards differ from the whole run")
	}
}

func TestDecodeRejectsBadResults(t *testing.T) {
	good, err := RunShard(context.Background(), runConfig(2), 1)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		msg     string
		wantErr string
	}{
		"an error message": {"opening data: no such file", ErrNotAResult.Error()},
		"truncated":        {good[:len(good)/2], "truncated"},
		"wrong version":    {"fairness.dev/result/v9 abc", `result schema version "v9" is not supported (want v1)`},
		"not base64":       {ResultPrefix + "!!!", "result is not valid base64"},
		"not gzip":         {ResultPrefix + "aGVsbG8=", "result is not valid gzip"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeResult(c.msg)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want %q", err, c.wantErr)
			}
		})
	}
	r, _ := DecodeResult(good)
	mergeCases := map[string]struct {
		runID   string
		shards  int64
		results []*Result
		wantErr string
	}{
		"replayed from another run": {"r2", 2, []*Result{r, r}, `result belongs to run "r1", not "r2"`},
		"missing shard":             {"r1", 2, []*Result{r}, "1 results for 2 shards"},
		"duplicate shard":           {"r1", 2, []*Result{r, r}, "shard 1 reported twice"},
		"wrong shard count":         {"r1", 3, []*Result{r, r, r}, "result is shard 1 of 2, want one of 3"},
	}
	for name, c := range mergeCases {
		t.Run(name, func(t *testing.T) {
			_, _, err := MergeResults(c.runID, c.shards, c.results)
			if err == nil || err.Error() != c.wantErr {
				t.Fatalf("error %v, want %q", err, c.wantErr)
			}
		})
	}
}

func TestOversizedResultFailsClearly(t *testing.T) {
	c := runConfig(1)
	c.Protected = []string{"income"} // hundreds of distinct values
	_, err := RunShard(context.Background(), c, 0)
	var tooLarge *TooLargeError
	if !errors.As(err, &tooLarge) || !strings.HasPrefix(err.Error(), "ResultTooLarge: the result of") {
		t.Fatalf("error %v, want ResultTooLarge", err)
	}
}

func FuzzDecodeResult(f *testing.F) {
	good, _ := RunShard(context.Background(), runConfig(1), 0)
	f.Add(good)
	f.Add(ResultPrefix + "H4sIAAAAAAAA/w==")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := DecodeResult(s)
		if err != nil {
			return
		}
		_, _ = r.Table()
		_, _, _ = MergeResults(r.RunID, r.Shards, []*Result{r})
	})
}

// A small file split by byte range into more shards than it has lines:
// the shards that get no line succeed with no rows, and the merge counts
// every row once. A file with no data rows at all still fails, at the merge.
func TestEmptyByteRangeShardsAreNotErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for name, c := range map[string]struct {
		data    string
		rows    int64
		wantErr string
	}{
		"three rows, eight shards": {"y,p,g\n1,1,a\n0,1,b\n1,0,a\n", 3, ""},
		"header only":              {"y,p,g\n", 0, "no data rows: the 8 shards found none"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".csv")
			if err := os.WriteFile(path, []byte(c.data), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := &RunConfig{RunID: "r1", Data: path, Shards: 8, ByteRange: true, Label: "y", Prediction: "p", Protected: []string{"g"}}
			var parts []*Result
			for i := range int64(8) {
				enc, err := RunShard(ctx, cfg, i)
				if err != nil {
					t.Fatalf("shard %d: %v", i, err)
				}
				r, err := DecodeResult(enc)
				if err != nil {
					t.Fatal(err)
				}
				parts = append(parts, r)
			}
			_, rows, err := MergeResults("r1", 8, parts)
			if c.wantErr != "" {
				if err == nil || err.Error() != c.wantErr {
					t.Fatalf("merge: %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || rows != c.rows {
				t.Fatalf("merge: %d rows, %v; want %d", rows, err, c.rows)
			}
		})
	}
}
