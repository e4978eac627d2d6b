package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// evaluateJSON runs `fairctl evaluate -o json` on rows and returns its output.
func evaluateJSON(t *testing.T, csv string) []byte {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Execute([]string{"evaluate", "--data", "-", "--label", "y", "--prediction", "p", "--protected", "g",
		"--privileged", "g=a", "--min-group-size", "1", "--max-bad-rows", "5", "-o", "json"}, strings.NewReader(csv), &out, &errOut)
	if code != ExitOK && code != ExitBreached {
		t.Fatalf("evaluate exited %d: %s", code, errOut.String())
	}
	return out.Bytes()
}

func TestReportFromARun(t *testing.T) {
	// Group a: 4 rows, 3 selected; group b: 4 rows, 1 selected; one bad row.
	csv := "y,p,g\n1,1,a\n0,1,a\n1,1,a\n0,0,a\n1,1,b\n0,0,b\n1,0,b\n0,0,b\nx,1,b\n"
	dir := t.TempDir()
	run := writeTestFile(t, dir, "run.json", string(evaluateJSON(t, csv)))
	out := reportOf(t, "--from", run, "--format", "json")
	var ev struct {
		SchemaVersion string `json:"schemaVersion"`
		Provenance    struct {
			Rows   int64 `json:"rows"`
			Source struct {
				Description string `json:"description"`
				RowsRead    int64  `json:"rowsRead"`
				RowsBad     int64  `json:"rowsBad"`
			} `json:"source"`
		} `json:"provenance"`
		Attributes []struct {
			Groups []struct {
				Group                 string   `json:"group"`
				ImpactRatio           *float64 `json:"impactRatio"`
				PrivilegedImpactRatio *float64 `json:"privilegedImpactRatio"`
			} `json:"groups"`
		} `json:"attributes"`
	}
	if err := json.Unmarshal(out, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.SchemaVersion == "" || ev.Provenance.Rows != 8 || ev.Provenance.Source.RowsRead != 9 ||
		ev.Provenance.Source.RowsBad != 1 || ev.Provenance.Source.Description != "-" {
		t.Fatalf("provenance %+v", ev.Provenance)
	}
	g := ev.Attributes[0].Groups
	if len(g) != 2 || g[1].Group != "b" || g[1].ImpactRatio == nil || *g[1].ImpactRatio != 1.0/3 ||
		g[1].PrivilegedImpactRatio == nil || *g[1].PrivilegedImpactRatio != 1.0/3 {
		t.Fatalf("groups %+v: want b's impact ratio 0.25/0.75 = 1/3 against a", g)
	}

	page := filepath.Join(dir, "report.html")
	reportOf(t, "--from", run, "-o", page)
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(html, []byte("<!DOCTYPE html>")) || !bytes.Contains(html, []byte("<svg")) {
		t.Fatalf("the page is not an HTML report with charts: %.200s", html)
	}
}

func TestReportRefusesWhatIsNotARun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string { return writeTestFile(t, dir, name, content) }
	cases := map[string]struct {
		args []string
		want string
	}{
		"nothing named": {[]string{"report"}, "name an evaluation, or give --from"},
		"both":          {[]string{"report", "x", "--from", "y"}, "not both"},
		"missing file":  {[]string{"report", "--from", filepath.Join(dir, "none.json")}, "none.json: no such file"},
		"bad JSON":      {[]string{"report", "--from", write("bad.json", "{\n\"rows\": 1,\n\"groups\": [}\n")}, "bad.json: line 3"},
		"wrong type":    {[]string{"report", "--from", write("type.json", `{"rows": "many"}`)}, "type.json: line 1"},
		"not a run":     {[]string{"report", "--from", write("other.json", `{"kind": "Pod"}`)}, "other.json: not the JSON of"},
		"train without groups": {[]string{"report", "--from", write("train.json", `{"methods": [{"model": {"method": "x"}}]}`)},
			"train.json: a method without its groups"},
		"unknown format": {[]string{"report", "--from", "x", "--format", "pdf"}, `--format "pdf": want html or json`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Execute(tc.args, strings.NewReader(""), &out, &errOut)
			lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
			if code != ExitUsage || len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and one line containing %q", code, errOut.String(), tc.want)
			}
		})
	}
}

// writeTestFile writes content to dir/name and returns the path.
func writeTestFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A `--method all` comparison becomes a train-mode report whose methods
// chart places every method at the accuracy and disparity evaluate printed.
func TestReportOfTrainModeComparesMethods(t *testing.T) {
	code, comparison, errOut := execute("evaluate", "--mode", "train", "--method", "all", "-o", "json")
	if code != ExitOK {
		t.Fatalf("evaluate exited %d: %s", code, errOut)
	}
	var cmp struct {
		Best    string `json:"best"`
		Methods []struct {
			Model struct {
				Method   string  `json:"method"`
				Accuracy float64 `json:"accuracy"`
			} `json:"model"`
			Metrics []struct {
				Name   string   `json:"name"`
				Method string   `json:"method"`
				Value  *float64 `json:"value"`
			} `json:"metrics"`
		} `json:"methods"`
	}
	if err := json.Unmarshal([]byte(comparison), &cmp); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	run := writeTestFile(t, dir, "all.json", comparison)
	out := reportOf(t, "--from", run, "--format", "json")
	var ev struct {
		Summary struct {
			Mode string    `json:"mode"`
			Time time.Time `json:"time"`
		} `json:"summary"`
		Provenance struct {
			Source struct {
				Description string `json:"description"`
			} `json:"source"`
		} `json:"provenance"`
		Methods []struct {
			Name                        string  `json:"name"`
			Accuracy                    float64 `json:"accuracy"`
			DemographicParityDifference float64 `json:"demographicParityDifference"`
		} `json:"methods"`
	}
	if err := json.Unmarshal(out, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Summary.Mode != "train" || ev.Summary.Time.IsZero() || cmp.Best == "" ||
		!strings.Contains(ev.Provenance.Source.Description, "groups of method "+cmp.Best) {
		t.Fatalf("summary %+v, source %q; want train mode, a time, and the groups of %q", ev.Summary,
			ev.Provenance.Source.Description, cmp.Best)
	}
	if len(ev.Methods) != len(cmp.Methods) || len(ev.Methods) != 4 {
		t.Fatalf("methods %+v, want the comparison's 4", ev.Methods)
	}
	for i, m := range cmp.Methods {
		var dp *float64
		for _, x := range m.Metrics {
			if x.Name == "demographicParityDifference" && x.Method == "betweenGroups" {
				dp = x.Value
			}
		}
		got := ev.Methods[i]
		if dp == nil || got.Name != m.Model.Method || got.Accuracy != m.Model.Accuracy || got.DemographicParityDifference != *dp {
			t.Fatalf("method %d in the report %+v; evaluate printed %s accuracy %v, DP difference %v", i, got,
				m.Model.Method, m.Model.Accuracy, dp)
		}
	}

	page := filepath.Join(dir, "all.html")
	reportOf(t, "--from", run, "-o", page)
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	chart := string(html)
	if i := strings.Index(chart, `<figure class="chart methods">`); i >= 0 {
		chart = chart[i:]
	} else {
		t.Fatal("the page has no methods chart")
	}
	chart = chart[:strings.Index(chart, "</figure>")]
	for _, m := range cmp.Methods {
		if !strings.Contains(chart, ">"+m.Model.Method+"<") {
			t.Errorf("the methods chart does not label %s", m.Model.Method)
		}
	}
}

// One trained method's JSON reports as train mode with that one method.
func TestReportOfOneTrainedMethod(t *testing.T) {
	code, single, errOut := execute("evaluate", "--mode", "train", "--method", "reweighing", "-o", "json")
	if code != ExitOK && code != ExitBreached {
		t.Fatalf("evaluate exited %d: %s", code, errOut)
	}
	run := writeTestFile(t, t.TempDir(), "one.json", single)
	out := reportOf(t, "--from", run, "--format", "json")
	var ev struct {
		Summary struct {
			Mode string `json:"mode"`
		} `json:"summary"`
		Methods []struct {
			Name string `json:"name"`
		} `json:"methods"`
	}
	if err := json.Unmarshal(out, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Summary.Mode != "train" || len(ev.Methods) != 1 || ev.Methods[0].Name != "reweighing" {
		t.Fatalf("evidence %+v, want train mode with reweighing alone", ev)
	}
}

// reportOf runs `fairctl report ARGS...`, which must succeed, and returns
// what it wrote to standard output.
func reportOf(t *testing.T, args ...string) []byte {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := Execute(append([]string{"report"}, args...), nil, &out, &errOut); code != ExitOK {
		t.Fatalf("report %v exited %d: %s", args, code, errOut.String())
	}
	return out.Bytes()
}
