package dataset

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

var raceProbabilities = &Probabilities{Attribute: "race", Groups: []ProbabilityGroup{
	{Name: "White", Column: "p_white"}, {Name: "Black", Column: "p_black"}, {Name: "Other", Column: "p_other"}}}

// probabilisticLog is a credit log whose race is three proxy probabilities:
// some rows certain (a zero weight), some summing to a hair off 1 (seven
// decimals). It returns the CSV, the same rows as JSON Lines, and the sum
// of each group's probabilities.
func probabilisticLog(rows int) (csv, jsonl string, weights map[string]float64) {
	rng := rand.New(rand.NewPCG(7, 11))
	var c, j strings.Builder
	c.WriteString("y,p,score,sex,p_white,p_black,p_other\n")
	weights = map[string]float64{}
	for i := range rows {
		probs := [3]float64{rng.Float64(), rng.Float64(), rng.Float64()}
		switch i % 7 {
		case 0:
			probs = [3]float64{0, 1, 0}
		case 1:
			probs[2] = 0
		}
		sum := probs[0] + probs[1] + probs[2]
		text := make([]string, 3)
		for k := range probs {
			probs[k] = math.Round(probs[k]/sum*1e7) / 1e7 // seven decimals, as a proxy file writes them
			text[k] = fmt.Sprintf("%.7f", probs[k])
		}
		weights["White"] += probs[0]
		weights["Black"] += probs[1]
		weights["Other"] += probs[2]
		sex := []string{"f", "m"}[rng.IntN(2)]
		label := fmt.Sprint(rng.IntN(2))
		pred, score := rng.IntN(2), float64(rng.IntN(1000))/1000
		fmt.Fprintf(&c, "%s,%d,%.3f,%s,%s\n", label, pred, score, sex, strings.Join(text, ","))
		line := map[string]any{"p": pred, "score": score, "sex": sex, "p_white": json.Number(text[0]),
			"p_black": json.Number(text[1]), "p_other": json.Number(text[2]), "y": label == "1"}
		b, _ := json.Marshal(line)
		j.Write(append(b, '\n'))
	}
	return c.String(), j.String(), weights
}

var probabilisticScan = ScanOptions{Label: "y", Prediction: "p", Score: "score", Protected: []string{"sex"},
	Probabilities: raceProbabilities, MaxBadRows: 1}

// TestProbabilitiesSumOutToThePlainScan: summed over race, the weighted
// statistics are those of the same log scanned by sex alone, unit for unit
// (histograms too); each race group weighs the sum of its probabilities.
func TestProbabilitiesSumOutToThePlainScan(t *testing.T) {
	t.Parallel()
	data, _, weights := probabilisticLog(3000)
	weighted, err := scan(t, data, probabilisticScan)
	if err != nil {
		t.Fatal(err)
	}
	plainOpts := probabilisticScan
	plainOpts.Probabilities = nil
	plain, err := scan(t, data, plainOpts)
	if err != nil {
		t.Fatal(err)
	}
	if weighted.Rows != 3000 || weighted.Table.Weighted != "race" {
		t.Fatalf("rows %d weighted by %q, want 3000 by race", weighted.Rows, weighted.Table.Weighted)
	}
	if got, want := weighted.Table.Marginal(0), plain.Table.Marginal(0); !reflect.DeepEqual(got, want) {
		t.Fatalf("summed over race, the statistics differ from the plain scan's")
	}
	report := fairness.Evaluate(weighted.Table, fairness.Options{})
	races := 0
	for _, g := range report.Groups {
		if g.Attribute != "race" {
			continue
		}
		races++
		name := g.Attributes["race"]
		// Each row's probabilities (off 1 by up to 1.5e-7) are scaled to add up
		// to exactly 1 and rounded to 1e-9: over 3000 rows, 1e-5 bounds the drift.
		if g.Weight == nil || math.Abs(*g.Weight-weights[name]) > 1e-5 {
			t.Errorf("%s weighs %v, want %v", name, *g.Weight, weights[name])
		}
		// Black has a non-zero weight in every row; White and Other miss
		// the certain rows (every 7th), Other those of case 1 too.
		want := map[string]int64{"White": 3000 - 429, "Black": 3000, "Other": 3000 - 429 - 429}[name]
		if g.Count != want {
			t.Errorf("%s counts %d rows with a weight, want %d", name, g.Count, want)
		}
	}
	if races != 3 {
		t.Fatalf("%d race groups, want White, Black and Other", races)
	}
}

// TestProbabilitiesOnEveryCoreAndShard: parts, row shards and JSON Lines
// give the statistics of one CSV reader.
func TestProbabilitiesOnEveryCoreAndShard(t *testing.T) {
	t.Parallel()
	data, jsonl, _ := probabilisticLog(2000)
	path := writeTemp(t, []byte(data))
	want, err := sequentialScan(t, path, probabilisticScan)
	if err != nil {
		t.Fatal(err)
	}
	for _, parts := range []int{2, 5} {
		got, err := ScanFileParts(path, 0, 1, parts, probabilisticScan)
		if err != nil {
			t.Fatal(err)
		}
		if diff := sameResult(got, want); diff != "" {
			t.Errorf("%d parts: %s", parts, diff)
		}
	}
	merged := &ScanResult{Table: probabilisticScan.newTable()}
	for i := range int64(3) {
		o := probabilisticScan
		o.ShardCount, o.ShardIndex = 3, i
		part, err := scan(t, data, o)
		if err != nil {
			t.Fatal(err)
		}
		if err := merged.Table.Merge(part.Table); err != nil {
			t.Fatal(err)
		}
		merged.Rows += part.Rows
	}
	if diff := sameResult(merged, want); diff != "" {
		t.Errorf("three row shards: %s", diff)
	}
	fromJSON, err := scan(t, jsonl, probabilisticScan)
	if err != nil {
		t.Fatal(err)
	}
	if diff := sameResult(fromJSON, want); diff != "" {
		t.Errorf("JSON Lines: %s", diff)
	}
}

// TestProbabilitiesAlone: with no other protected attribute, the groups are
// race's alone; an unlabelled row counts its prediction.
func TestProbabilitiesAlone(t *testing.T) {
	o := ScanOptions{Prediction: "p", Probabilities: &Probabilities{Attribute: "race",
		Groups: []ProbabilityGroup{{Name: "A", Column: "pa"}, {Name: "B", Column: "pb"}}}}
	res, err := scan(t, "p,pa,pb\n1,0.25,0.75\n0,1,0\n", o)
	if err != nil {
		t.Fatal(err)
	}
	a, b := res.Table.Groups["A"], res.Table.Groups["B"]
	if a == nil || b == nil || len(res.Table.Groups) != 2 {
		t.Fatalf("groups %v, want A and B", keysOf(res.Table.Groups))
	}
	if a.Weights.Sum.UnlabelledPos != fairness.WeightScale/4 || a.Weights.Sum.UnlabelledNeg != fairness.WeightScale ||
		b.Weights.Sum.UnlabelledPos != 3*fairness.WeightScale/4 || b.Counts.N() != 1 {
		t.Fatalf("A %+v B %+v (rows %+v)", a.Weights.Sum, b.Weights.Sum, b.Counts)
	}
}

func TestProbabilitiesBadInput(t *testing.T) {
	header := "y,p,sex,p_white,p_black,p_other\n"
	strict := probabilisticScan
	strict.Score, strict.MaxBadRows = "", 0
	cases := []struct {
		name, data string
		o          ScanOptions
		want       string
	}{
		{"sum over 1", header + "1,1,f,0.5,0.5,0.1\n", strict, "line 2: probabilities of race sum to 1.1, not 1 (tolerance 1e-06)"},
		{"sum just outside the tolerance", header + "1,1,f,0.5,0.4999,0.0\n", strict, "sum to 0.9999, not 1"},
		{"a millionth off is within the tolerance, in decimal", header + "1,1,f,0.500001,0.5,0\n1,1,f,0.5,0.5,0.000002\n",
			strict, "line 3: probabilities of race sum to 1.000002"},
		{"negative", header + "1,1,f,-0.5,1.5,0\n", strict,
			`line 2: probability "-0.5" of race group White (column p_white) is not a number in [0, 1]`},
		{"empty", header + "1,1,f,,1,0\n", strict, `probability "" of race group White (column p_white)`},
		{"not a number", header + "1,1,f,0.5,NaN,0.5\n", strict, `probability "NaN" of race group Black`},
		{"column missing", "y,p,sex,p_white,p_black\n1,1,f,0.5,0.5\n", strict,
			`probability (of race group Other) column "p_other" not found in header`},
		{"a looser tolerance lets the row in, a bad one after it is named", header + "1,1,f,0.5,0.4999,0\n1,1,f,2,0,0\n",
			func() ScanOptions {
				o := strict
				p := *o.Probabilities
				p.Tolerance = 1e-3
				o.Probabilities = &p
				return o
			}(), `line 3: probability "2" of race group White`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := scan(t, c.data, c.o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to say %q", err, c.want)
			}
		})
	}
}

func TestParseProbabilities(t *testing.T) {
	p, err := ParseProbabilities("race=p_white:White, p_black:Black,p_api:Asian or Pacific Islander")
	if err != nil {
		t.Fatal(err)
	}
	want := &Probabilities{Attribute: "race", Groups: []ProbabilityGroup{{"White", "p_white"}, {"Black", "p_black"},
		{"Asian or Pacific Islander", "p_api"}}}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("%+v, want %+v", p, want)
	}
	for in, msg := range map[string]string{
		"race":                 "want ATTRIBUTE=COLUMN:GROUP",
		"race=p_white":         `group "p_white" is not COLUMN:GROUP`,
		"race=p_white:White":   "has 1 group(s), want at least 2",
		"race=a:White,b:White": `names group "White" twice`,
		"race=a:White,a:Black": `reads column "a" twice`,
		"=a:White,b:Black":     "want ATTRIBUTE=",
		"race=a:White,:Black":  "is not COLUMN:GROUP",
	} {
		if _, err := ParseProbabilities(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: error %v, want %q", in, err, msg)
		}
	}
}
