package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fairness-operator/fairness-operator/test/datasets"
)

func TestTrainOnBuiltinDataset(t *testing.T) {
	code, out, errOut := execute("evaluate", "--mode", "train", "--method", "baseline", "--test-size", "0.3", "--random-state", "42", "-o", "json")
	if code != ExitOK || errOut != "" {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	var doc struct {
		Rows  int64 `json:"rows"`
		Model struct {
			Method              string
			Accuracy            float64
			TrainRows, TestRows int
			Converged           bool
			Features            []string
		} `json:"model"`
		Groups []map[string]any `json:"groups"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Model.Method != "baseline" || doc.Model.TestRows != 3000 || doc.Model.TrainRows != 7000 || doc.Rows != 3000 ||
		!doc.Model.Converged || doc.Model.Accuracy < 0.6 || strings.Contains(strings.Join(doc.Model.Features, ","), "score") {
		t.Fatalf("model %+v rows %d", doc.Model, doc.Rows)
	}
	// The same seed gives the same output (fitSeconds aside, which is a timing).
	_, again, _ := execute("evaluate", "--mode", "train", "--method", "baseline", "--test-size", "0.3", "--random-state", "42", "-o", "json")
	if withoutTimings(out) != withoutTimings(again) {
		t.Fatal("two runs with the same seed differ")
	}
}

func withoutTimings(s string) string {
	var keep []string
	for l := range strings.SplitSeq(s, "\n") {
		if !strings.Contains(l, `"fitSeconds"`) && !strings.Contains(l, `"evaluatedAt"`) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func TestTrainAllMethodsOnAdult(t *testing.T) {
	adult := datasets.Path(t, "adult.csv")
	code, out, errOut := execute("evaluate", "--mode", "train", "--method", "all", "--data", adult, "--label", "income_gt_50k",
		"--protected", "sex", "--threshold", "demographicParityDifference<=0.03:Sev2", "-o", "json")
	if code != ExitOK || errOut != "" {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	var cmp struct {
		Best    string `json:"best"`
		Methods []struct {
			Severity string `json:"severity"`
			Model    struct {
				Method   string
				Accuracy float64
				LeftOut  []string
			} `json:"model"`
		} `json:"methods"`
	}
	if err := json.Unmarshal([]byte(out), &cmp); err != nil {
		t.Fatal(err)
	}
	if len(cmp.Methods) != 4 || cmp.Methods[0].Model.LeftOut[0] != "income-per-year" {
		t.Fatalf("comparison %+v", cmp)
	}
	// postprocess and expgrad meet DP <= 0.03; expgrad is the more accurate on this split.
	if cmp.Best != "expgrad" {
		t.Fatalf("best %q, want expgrad; methods %+v", cmp.Best, cmp.Methods)
	}
	code, table, _ := execute("evaluate", "--mode", "train", "--method", "all", "--data", adult, "--label", "income_gt_50k",
		"--protected", "sex", "--threshold", "demographicParityDifference<=0.03:Sev2")
	if code != ExitOK || !strings.Contains(table, "expgrad (demographicParity)") || !strings.Contains(table, "<- most accurate meeting all thresholds") {
		t.Fatalf("table output:\n%s", table)
	}
}

func TestTrainBadInput(t *testing.T) {
	cases := map[string]struct {
		args    []string
		wantErr string
	}{
		"unknown method": {[]string{"--method", "magic"}, `fairctl: --method "magic": want baseline, reweighing, postprocess, expgrad or all` + "\n"},
		"unknown constraint": {[]string{"--method", "expgrad", "--constraint", "vibes"},
			`fairctl: --constraint "vibes": want demographicParity, equalizedOdds, truePositiveRateParity or errorRateParity` + "\n"},
		"postprocess with error-rate parity": {[]string{"--method", "postprocess", "--constraint", "errorRateParity"},
			"fairctl: --constraint errorRateParity: postprocess supports demographicParity and equalizedOdds\n"},
		"bad test size":     {[]string{"--test-size", "1.5"}, "fairctl: --test-size 1.5: want a value within (0, 1)\n"},
		"unknown feature":   {[]string{"--features", "sex,shoe_size"}, "fairctl: feature column \"shoe_size\" not found (columns: sex, age_group, income, credit_amount, duration_months, repaid, score, approved)\n"},
		"unknown protected": {[]string{"--protected", "race"}, "fairctl: protected attribute column \"race\" not found (columns: sex, age_group, income, credit_amount, duration_months, repaid, score, approved)\n"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			code, _, errOut := execute(append([]string{"evaluate", "--mode", "train"}, c.args...)...)
			if code != ExitUsage || errOut != c.wantErr {
				t.Fatalf("exit %d stderr\n  %q\nwant\n  %q", code, errOut, c.wantErr)
			}
		})
	}
}
