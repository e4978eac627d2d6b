package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fairness-operator/fairness-operator/test/datasets"
)

func TestEvaluateWithNoFlagsPrintsATable(t *testing.T) {
	code, out, errOut := execute("evaluate")
	// The built-in dataset carries a 0.2 disparity by default: a breach.
	if code != ExitBreached || errOut != "" {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	for _, want := range []string{"Data: builtin:synthetic-credit   Rows: 10000", "sex=female", "sex=male", "overall",
		"demographicParityDifference", "disparateImpact", "Severity\nSev2"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := execute("evaluate", "--disparity", "0"); code != ExitOK {
		t.Errorf("fair built-in dataset: exit %d, want 0", code)
	}
	if code, _, _ := execute("evaluate", "--fail-on", "Sev1"); code != ExitOK {
		t.Errorf("--fail-on Sev1 with a Sev2 finding: exit %d, want 0", code)
	}
}

func TestEvaluateJSONContractOnCOMPAS(t *testing.T) {
	path := datasets.Path(t, "predictions", "compas_decile_all.csv")
	code, out, errOut := execute("evaluate", "--data", path, "--label", "y_true", "--prediction", "y_pred",
		"--protected", "race", "-o", "json")
	if code != ExitBreached {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var doc struct {
		Rows   int64 `json:"rows"`
		Groups []struct {
			Attributes            map[string]string `json:"attributes"`
			Count, TP, FP, TN, FN int64
			SelectionRate         *float64 `json:"selectionRate"`
			TruePositiveRate      *float64 `json:"truePositiveRate"`
			FalsePositiveRate     *float64 `json:"falsePositiveRate"`
			FalseNegativeRate     *float64 `json:"falseNegativeRate"`
			TrueNegativeRate      *float64 `json:"trueNegativeRate"`
			Accuracy              *float64 `json:"accuracy"`
		} `json:"groups"`
		Overall  map[string]any   `json:"overall"`
		Metrics  []map[string]any `json:"metrics"`
		Severity string           `json:"severity"`
		Breaches []map[string]any `json:"breaches"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc.Rows != 7214 || len(doc.Groups) != 6 || doc.Severity != "Sev1" || len(doc.Breaches) == 0 {
		t.Fatalf("rows %d groups %d severity %s breaches %d", doc.Rows, len(doc.Groups), doc.Severity, len(doc.Breaches))
	}
	aa := doc.Groups[0]
	if aa.Attributes["race"] != "African-American" || aa.TP != 1369 || aa.FP != 805 || aa.TN != 990 || aa.FN != 532 ||
		aa.Count != 3696 || aa.SelectionRate == nil || aa.Accuracy == nil {
		t.Fatalf("first group %+v", aa)
	}
	for _, key := range []string{"count", "selectionRate", "truePositiveRate"} {
		if _, ok := doc.Overall[key]; !ok {
			t.Errorf("overall lacks %s", key)
		}
	}
	found := false
	for _, m := range doc.Metrics {
		if m["name"] == "demographicParityDifference" && m["method"] == "betweenGroups" && m["attribute"] == "race" {
			found = true
			if v, _ := m["value"].(float64); v < 0.457117595048 || v > 0.457117595049 {
				t.Errorf("demographicParityDifference = %v, want fairlearn's 0.4571175950486295", m["value"])
			}
			if _, ok := m["interval"]; !ok {
				t.Error("demographicParityDifference has no interval")
			}
		}
		if m["value"] == nil && m["undefinedReason"] == nil {
			t.Errorf("metric %v is null without a reason", m)
		}
	}
	if !found {
		t.Fatal("demographicParityDifference not in metrics")
	}
}

func TestEvaluateIsByteIdentical(t *testing.T) {
	_, a, _ := execute("evaluate", "-o", "json", "--protected", "sex", "--protected", "age_group")
	_, b, _ := execute("evaluate", "-o", "json", "--protected", "sex", "--protected", "age_group")
	if a != b || !strings.Contains(a, `"attribute": "sex&age_group"`) {
		t.Fatal("two runs differ, or the intersection is missing")
	}
}

func TestEvaluateFormats(t *testing.T) {
	for format, want := range map[string]string{"yaml": "severity: Sev2", "markdown": "| GROUP | COUNT |", "table": "GROUP"} {
		if _, out, _ := execute("evaluate", "-o", format); !strings.Contains(out, want) {
			t.Errorf("-o %s lacks %q", format, want)
		}
	}
}

func TestEvaluateBadInputExitsTwo(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string { return writeTestFile(t, dir, name, content) }
	good := write("good.csv", "y,p,g\n1,1,a\n0,0,b\n")
	preds := write("preds.csv", "id,p,g\na1,1,x\na2,0,y\na3,1,x\n")
	stamped := write("stamped.csv", "ts,p,g\n2026-11-29T10:00:00Z,1,a\n2026-11-01T00:00:00Z,0,b\n2026-10-01T00:00:00Z,1,b\n")
	badStamp := write("badstamp.csv", "ts,p,g\n2026-11-29T10:00:00Z,1,a\n2026-13-01,0,b\n")
	outcomes := write("outcomes.csv", "id,y\na1,1\na2,0\na3,1\n")
	noID := write("noid.csv", "app,y\na1,1\n")
	dupOutcomes := write("dup.csv", "id,y\na1,1\na2,0\na1,1\na2,1\n")
	dupDemographics := write("dupd.csv", "id,g\na1,x\na2,y\na3,x\na3,y\n")
	join := func(args ...string) []string {
		return append([]string{"--data", preds, "--id", "id", "--prediction", "p", "--protected", "g"}, args...)
	}
	proxies := write("proxies.csv", "y,p,sex,pw,pb\n1,1,f,0.5,0.5\n0,1,m,0.7,0.4\n")
	proxyDemographics := write("proxyd.csv", "id,pw,pb\na1,0.5,0.5\na2,0.9,0.2\na3,1,0\n")
	probs := func(args ...string) []string {
		return append([]string{"--data", proxies, "--label", "y", "--prediction", "p"}, args...)
	}
	badFile := write("thresholds.yaml", "thresholds:\n- metric: vibes\n  levels: [{value: 0.1, severity: Sev1}]\n")
	cases := map[string]struct {
		args    []string
		wantErr string
	}{
		"missing file": {[]string{"--data", filepath.Join(dir, "nope.csv"), "--label", "y", "--prediction", "p", "--protected", "g"},
			"fairctl: opening data: open " + filepath.Join(dir, "nope.csv") + ": no such file or directory\n"},
		"outcomes without label": {[]string{"--data", preds, "--id", "id", "--outcomes", outcomes, "--prediction", "p", "--protected", "g"},
			"fairctl: --outcomes needs --label, the outcomes' label column\n"},
		"id without a side": {[]string{"--data", preds, "--id", "id", "--prediction", "p", "--protected", "g"},
			"fairctl: --id joins with --outcomes or --demographics; give one of them\n"},
		"outcomes without id": {[]string{"--data", preds, "--outcomes", outcomes, "--label", "y", "--prediction", "p", "--protected", "g"},
			"fairctl: --outcomes and --demographics join by --id, the application-ID column; give it\n"},
		"ID column missing in the outcomes": {join("--outcomes", noID, "--label", "y"),
			"fairctl: outcomes " + noID + ": ID column \"id\" not found in header (columns: app, y)\n"},
		"ID column missing in the predictions": {[]string{"--data", good, "--id", "id", "--outcomes", outcomes, "--label", "y",
			"--prediction", "p", "--protected", "g"}, "fairctl: ID column \"id\" not found in header (columns: y, p, g)\n"},
		"duplicate outcome IDs": {join("--outcomes", dupOutcomes, "--label", "y"),
			"fairctl: outcomes " + dupOutcomes + ": the outcomes give 2 duplicate IDs; first: ID \"a1\" (line 4)\n"},
		"duplicate demographics IDs": {join("--demographics", dupDemographics),
			"fairctl: demographics " + dupDemographics + ": the demographics give 1 duplicate IDs; first: ID \"a3\" (line 5)\n"},
		"more IDs than the limit": {join("--outcomes", outcomes, "--label", "y", "--max-join-keys", "2"),
			"fairctl: outcomes " + outcomes + ": the joined outcomes hold more than 2 distinct IDs (about 32 bytes each in memory); " +
				"raise the limit (--max-join-keys, spec.maxJoinKeys) or narrow the source\n"},
		"unreachable outcomes": {join("--outcomes", filepath.Join(dir, "gone.csv"), "--label", "y"),
			"fairctl: outcomes " + filepath.Join(dir, "gone.csv") + ": opening data: open " + filepath.Join(dir, "gone.csv") + ": no such file or directory\n"},
		"window without timestamp": {[]string{"--data", good, "--prediction", "p", "--protected", "g", "--window", "24h"},
			"fairctl: --window, --until and --partition need --timestamp, the decisions' timestamp column\n"},
		"bad window": {[]string{"--data", stamped, "--prediction", "p", "--protected", "g", "--timestamp", "ts", "--window", "-1h"},
			"fairctl: --window \"-1h\": want a positive duration such as 720h\n"},
		"bad until": {[]string{"--data", stamped, "--prediction", "p", "--protected", "g", "--timestamp", "ts", "--window", "24h",
			"--until", "Nov 30"}, "fairctl: --until \"Nov 30\": want an RFC 3339 time such as 2026-11-30T00:00:00Z\n"},
		"bad timestamp format": {[]string{"--data", stamped, "--prediction", "p", "--protected", "g", "--timestamp", "ts", "--window", "24h",
			"--timestamp-format", "epoch"}, "fairctl: --timestamp-format: timestamp format \"epoch\": want rfc3339, unixSeconds or unixMilliseconds\n"},
		"empty window": {[]string{"--data", stamped, "--prediction", "p", "--protected", "g", "--timestamp", "ts", "--window", "24h",
			"--until", "2025-01-01T00:00:00Z"},
			"fairctl: no rows in the window (2024-12-31T00:00:00Z, 2025-01-01T00:00:00Z] of ts: 3 rows fall outside it\n"},
		"unparsable timestamp": {[]string{"--data", badStamp, "--prediction", "p", "--protected", "g", "--timestamp", "ts", "--window", "24h"},
			"fairctl: line 3: timestamp \"2026-13-01\" is not RFC 3339\n"},
		"bucket without a window": {[]string{"--data", stamped, "--prediction", "p", "--protected", "g", "--bucket", "24h"},
			"fairctl: --bucket needs --timestamp and --window\n"},
		"bucket longer than the window": {[]string{"--data", stamped, "--prediction", "p", "--protected", "g", "--timestamp", "ts",
			"--window", "24h", "--bucket", "48h"}, "fairctl: --bucket \"48h\": want a positive duration no longer than --window, such as 24h\n"},
		"too many periods": {[]string{"--data", stamped, "--prediction", "p", "--protected", "g", "--timestamp", "ts",
			"--window", "720h", "--bucket", "1h"}, "fairctl: --bucket 1h cuts --window 720h into 720 periods, more than 31\n"},
		"bad max join keys": {join("--outcomes", outcomes, "--label", "y", "--max-join-keys", "0"),
			"fairctl: --max-join-keys 0: want 1 to 2000000000\n"},
		"missing column": {[]string{"--data", good, "--label", "y", "--prediction", "q", "--protected", "g"},
			"fairctl: prediction column \"q\" not found in header (columns: y, p, g)\n"},
		"bad threshold syntax": {[]string{"--threshold", "dp<0.1"},
			"fairctl: --threshold \"dp<0.1\": want METRIC[/METHOD][@ATTRIBUTE]<=VALUE:SEV (or >= for ratios), for example demographicParityDifference<=0.1:Sev2\n"},
		"ratio with <=": {[]string{"--threshold", "disparateImpact<=0.8:Sev1"},
			"fairctl: --threshold \"disparateImpact<=0.8:Sev1\": disparateImpact is a ratio (smaller is worse): write disparateImpact>=0.8:Sev1\n"},
		"unknown metric":      {[]string{"--threshold", "vibes<=0.1:Sev1"}, "fairctl: --threshold \"vibes<=0.1:Sev1\": unknown metric \"vibes\"\n"},
		"bad severity":        {[]string{"--threshold", "demographicParityDifference<=0.1:Sev9"}, "fairctl: --threshold \"demographicParityDifference<=0.1:Sev9\": severity \"Sev9\" is not one of Sev1, Sev2, Sev3, Sev4\n"},
		"bad thresholds file": {[]string{"--thresholds-file", badFile}, "fairctl: --thresholds-file: " + badFile + ": unknown metric \"vibes\"\n"},
		"bad output":          {[]string{"-o", "xml"}, "fairctl: --output \"xml\": want table, json, yaml or markdown\n"},
		"bad fail-on":         {[]string{"--fail-on", "Sev0"}, "fairctl: --fail-on \"Sev0\": want Sev1, Sev2, Sev3 or Sev4\n"},
		"privileged for undeclared attribute": {[]string{"--privileged", "race=White"},
			"fairctl: --privileged \"race=White\": race is not a --protected attribute\n"},
		"probabilities not summing to 1": {probs("--protected-probabilities", "race=pw:White,pb:Black"),
			"fairctl: line 3: probabilities of race sum to 1.1, not 1 (tolerance 1e-06)\n"},
		"joined probabilities not summing to 1": {[]string{"--data", preds, "--id", "id", "--prediction", "p", "--demographics",
			proxyDemographics, "--protected-probabilities", "race=pw:White,pb:Black"},
			"fairctl: demographics " + proxyDemographics + ": line 3: probabilities of race sum to 1.1, not 1 (tolerance 1e-06)\n"},
		"probability column missing": {probs("--protected-probabilities", "race=pw:White,pa:Asian"),
			"fairctl: probability (of race group Asian) column \"pa\" not found in header (columns: y, p, sex, pw, pb)\n"},
		"probabilities malformed": {probs("--protected-probabilities", "race=pw,pb"),
			"fairctl: --protected-probabilities \"race=pw,pb\": group \"pw\" is not COLUMN:GROUP\n"},
		"probabilistic attribute also plain": {probs("--protected", "race", "--protected-probabilities", "race=pw:White,pb:Black"),
			"fairctl: --protected-probabilities: race is also a --protected attribute\n"},
		"probabilities in train mode": {[]string{"--mode", "train", "--protected-probabilities", "race=pw:White,pb:Black"},
			"fairctl: --protected-probabilities applies to predictions mode: a model trains on recorded attributes\n"},
		"bad probability tolerance": {probs("--protected-probabilities", "race=pw:White,pb:Black", "--probability-tolerance", "1"),
			"fairctl: --probability-tolerance 1: want a value in (0, 1)\n"},
		"bad disparity": {[]string{"--disparity", "2"}, "fairctl: --disparity 2: want a value within [0, 1]\n"},
		"bad format":    {[]string{"--format", "xml"}, "fairctl: --format \"xml\": want csv, jsonl or parquet\n"},
		"train reads csv": {[]string{"--mode", "train", "--format", "jsonl"},
			"fairctl: --format jsonl: train mode reads CSV\n"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := execute(append([]string{"evaluate"}, c.args...)...)
			if code != ExitUsage || errOut != c.wantErr || out != "" {
				t.Fatalf("exit %d stdout %q stderr\n  %q\nwant exit 2 and\n  %q", code, out, errOut, c.wantErr)
			}
		})
	}
}

func TestThresholdsFromFlagsAndFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(file, []byte("thresholds:\n- metric: disparateImpact\n  levels: [{value: 0.9, severity: Sev1}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := execute("evaluate", "--thresholds-file", file, "--threshold", "demographicParityDifference<=0.5:Sev4", "-o", "json")
	var doc struct {
		Severity string `json:"severity"`
		Breaches []struct {
			Metric, Severity string
		} `json:"breaches"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if code != ExitBreached || doc.Severity != "Sev1" || len(doc.Breaches) != 1 || doc.Breaches[0].Metric != "disparateImpact" {
		t.Fatalf("exit %d doc %+v", code, doc)
	}
}

func TestEvaluateReadsStandardInput(t *testing.T) {
	var out, errOut strings.Builder
	// Two rows per group: --min-group-size 0 lets such small groups breach.
	code := Execute([]string{"evaluate", "--data", "-", "--label", "y", "--prediction", "p", "--protected", "g",
		"--min-group-size", "0", "-o", "json"},
		strings.NewReader("y,p,g\n1,1,a\n0,1,a\n1,0,b\n0,0,b\n"), &out, &errOut)
	if code != ExitBreached || !strings.Contains(out.String(), `"rows": 4`) {
		t.Fatalf("exit %d stderr %q out %s", code, errOut.String(), out.String())
	}
}

// The same rows as CSV and as JSON Lines give the same report.
func TestEvaluateJSONLinesLikeCSV(t *testing.T) {
	dir := t.TempDir()
	csvPath, jsonPath := filepath.Join(dir, "p.csv"), filepath.Join(dir, "p.log")
	if err := os.WriteFile(csvPath, []byte("y,p,g\n1,1,a\n0,1,a\n1,0,b\n0,0,b\n1,1,b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	lines := `{"y":1,"out":{"p":true},"g":"a"}
{"y":0,"out":{"p":true},"g":"a"}
{"y":1,"out":{"p":false},"g":"b"}
{"y":0,"out":{"p":false},"g":"b"}
{"y":1,"out":{"p":true},"g":"b"}
`
	if err := os.WriteFile(jsonPath, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	_, fromCSV, _ := execute("evaluate", "--data", csvPath, "--label", "y", "--prediction", "p", "--protected", "g",
		"--min-group-size", "1", "-o", "json")
	for _, format := range []string{"", "jsonl"} {
		_, fromJSON, errOut := execute("evaluate", "--data", jsonPath, "--format", format, "--label", "y",
			"--prediction", "out.p", "--protected", "g", "--min-group-size", "1", "-o", "json")
		if errOut != "" || strings.Replace(fromJSON, jsonPath, csvPath, 1) != fromCSV {
			t.Fatalf("--format %q: stderr %q\n%s\nwant\n%s", format, errOut, fromJSON, fromCSV)
		}
	}
}

// TestJoinedTextOutput: the table output says what a run joined, its label
// coverage, its window, and each group's labelled rows beside its count.
func TestJoinedTextOutput(t *testing.T) {
	dir := t.TempDir()
	preds := writeTestFile(t, dir, "p.csv", "id,ts,p\na1,2026-11-29T00:00:00Z,1\na2,2026-11-29T00:00:00Z,0\na3,2026-11-29T00:00:00Z,1\n"+
		"a4,2026-11-29T00:00:00Z,0\na5,2026-01-01T00:00:00Z,1\n")
	outcomes := writeTestFile(t, dir, "o.csv", "id,y\na1,1\na2,0\na9,1\n")
	demographics := writeTestFile(t, dir, "d.csv", "id,g\na1,x\na2,y\na3,x\n")
	code, out, errOut := execute("evaluate", "--data", preds, "--id", "id", "--outcomes", outcomes, "--demographics", demographics,
		"--label", "y", "--prediction", "p", "--protected", "g", "--timestamp", "ts", "--window", "720h",
		"--until", "2026-11-30T00:00:00Z", "--min-group-size", "0", "--threshold", "demographicParityDifference<=0.9:Sev4")
	for _, want := range []string{
		"Joined: 3 outcomes (2 matched, 1 orphans)   3 demographics (1 predictions without)",
		"Label coverage: 0.6667 overall",
		"Window: (2026-10-31T00:00:00Z, 2026-11-30T00:00:00Z]   4 rows in it, 1 outside",
		"GROUP    COUNT  LABELLED",
		"g=x      2      1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exit %d, output lacks %q:\n%s%s", code, want, out, errOut)
		}
	}
}

// TestProbabilisticGroupsOutput: the JSON contract of a probabilistic
// attribute, by hand. race=White: weights 0.25 (TP), 1 (FP), 0 (row 3 has
// none); count 2 rows with a weight, weight 1.25, Kish's size
// 1.25^2/(0.0625+1) = 1.4706, selection 1.25/1.25; Black: 0.75 (TP),
// 1 (TN): selection 0.75/1.75. The sex groups stay plain.
func TestProbabilisticGroupsOutput(t *testing.T) {
	data := writeTestFile(t, t.TempDir(), "p.csv", "y,p,sex,pw,pb\n1,1,f,0.25,0.75\n0,1,m,1,0\n0,0,f,0,1\n")
	args := []string{"evaluate", "--data", data, "--label", "y", "--prediction", "p", "--protected", "sex",
		"--protected-probabilities", "race=pw:White,pb:Black", "--min-group-size", "0", "--privileged", "race=White",
		"--threshold", "disparateImpact@race>=0.8:Sev2"}
	code, out, errOut := execute(append(args, "-o", "json")...)
	var doc struct {
		Attributes []string `json:"attributes"`
		Groups     []struct {
			Attribute     string            `json:"attribute"`
			Attributes    map[string]string `json:"attributes"`
			Count         int64             `json:"count"`
			Weight        *float64          `json:"weight"`
			EffectiveSize *float64          `json:"effectiveSize"`
			SelectionRate float64           `json:"selectionRate"`
		} `json:"groups"`
		Severity string `json:"severity"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("exit %d: %v\n%s%s", code, err, out, errOut)
	}
	if strings.Join(doc.Attributes, ",") != "sex,race" {
		t.Errorf("attributes %v, want sex then race", doc.Attributes)
	}
	type want struct {
		count                  int64
		weight, size, selected float64
	}
	wants := map[string]want{"race=White": {2, 1.25, 1.25 * 1.25 / 1.0625, 1}, "race=Black": {2, 1.75, 1.75 * 1.75 / 1.5625, 0.75 / 1.75}}
	seen := 0
	for _, g := range doc.Groups {
		key := g.Attribute + "=" + g.Attributes[g.Attribute]
		w, ok := wants[key]
		switch {
		case g.Attribute == "sex" && g.Weight != nil:
			t.Errorf("%s is weighted", key)
		case !ok:
			continue
		case g.Count != w.count || g.Weight == nil || g.EffectiveSize == nil || math.Abs(*g.Weight-w.weight) > 1e-9 ||
			math.Abs(*g.EffectiveSize-w.size) > 1e-9 || math.Abs(g.SelectionRate-w.selected) > 1e-9:
			t.Errorf("%s: count %d weight %v size %v selection %v, want %+v", key, g.Count, g.Weight, g.EffectiveSize, g.SelectionRate, w)
		}
		if ok {
			seen++
		}
	}
	// Disparate impact Black/White = 0.4286 < 0.8.
	if seen != 2 || doc.Severity != "Sev2" {
		t.Errorf("saw %d race groups, severity %s; want both and Sev2", seen, doc.Severity)
	}
	_, text, _ := execute(args...)
	for _, line := range []string{`COUNT +WEIGHT +EFF. SIZE +LABELLED`, `\ssex=f +2 +- +- +2 `, `\srace=White +2 +1\.25 +1\.47 +2 `} {
		if !regexp.MustCompile(line).MatchString(text) {
			t.Errorf("table output lacks %q:\n%s", line, text)
		}
	}
	if strings.Contains(text, "m & race=Black") {
		t.Errorf("a group no row has a weight in is reported:\n%s", text)
	}
}

// TestBucketsInJSON: three days of decisions, women approved less on the
// two older days (a third and a quarter of them refused): each period has
// its rows and its demographic-parity difference, newest first.
func TestBucketsInJSON(t *testing.T) {
	until := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	b.WriteString("ts,p,g\n")
	for i := range 900 {
		day, woman := i/288, i%2 == 1
		approved := !woman || day == 0 || (i/2)%(day+2) != 0
		fmt.Fprintf(&b, "%s,%t,%s\n", until.Add(-time.Duration(i)*5*time.Minute).Format(time.RFC3339), approved,
			map[bool]string{true: "f", false: "m"}[woman])
	}
	data := writeTestFile(t, t.TempDir(), "log.csv", b.String())
	code, out, errOut := execute("evaluate", "--data", data, "--prediction", "p", "--protected", "g", "--timestamp", "ts",
		"--window", "72h", "--bucket", "24h", "--until", until.Format(time.RFC3339), "--min-group-size", "0",
		"--threshold", "demographicParityDifference<=0.5:Sev3", "-o", "json")
	var doc struct {
		Window struct {
			Buckets []struct {
				From, Until time.Time
				Rows        int64
				Metrics     []struct {
					Name, Attribute string
					Value           float64
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("exit %d: %v\n%s%s", code, err, out, errOut)
	}
	// Women on day k are refused when (i/2) % (k+2) == 0: of 144 or so,
	// 1/(k+2), so the gap is 0, 1/3 and 1/4 to within a row.
	want := []struct {
		rows int64
		gap  float64
	}{{289, 0}, {288, 1.0 / 3}, {287, 1.0 / 4}}
	if len(doc.Window.Buckets) != 3 {
		t.Fatalf("%d periods, want 3: %s", len(doc.Window.Buckets), out)
	}
	for k, p := range doc.Window.Buckets {
		if !p.Until.Equal(until.Add(-time.Duration(k)*24*time.Hour)) || p.Rows != want[k].rows {
			t.Errorf("period %d: until %s, %d rows; want %s and %d", k, p.Until, p.Rows, until.Add(-time.Duration(k)*24*time.Hour), want[k].rows)
		}
		if len(p.Metrics) != 1 || p.Metrics[0].Name != "demographicParityDifference" || math.Abs(p.Metrics[0].Value-want[k].gap) > 0.01 {
			t.Errorf("period %d metrics %+v, want a demographic-parity difference of %.3f", k, p.Metrics, want[k].gap)
		}
	}
	// The audit report of the run shows the periods, oldest first.
	evidence := reportOf(t, "--from", writeTestFile(t, t.TempDir(), "run.json", out), "--format", "json")
	var ev struct {
		Periods []struct {
			Until   time.Time
			Rows    int64
			Metrics map[string]float64
		}
	}
	if err := json.Unmarshal(evidence, &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Periods) != 3 || ev.Periods[0].Rows != 287 || !ev.Periods[2].Until.Equal(until) ||
		math.Abs(ev.Periods[0].Metrics["demographicParityDifference (g)"]-0.25) > 0.01 {
		t.Fatalf("report periods %+v, want the three, oldest first", ev.Periods)
	}
}
