package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileFlagsExitTwo covers the issue #19 inputs that used to pass,
// panic or exhaust memory: each now exits 2 with one line naming the flag
// or threshold, and prints no report.
func TestHostileFlagsExitTwo(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.csv")
	if err := os.WriteFile(data, []byte("y,p,g\n1,1,a\n0,1,a\n1,0,b\n0,0,b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	csv := []string{"--data", data, "--label", "y", "--prediction", "p", "--protected", "g", "--min-group-size", "0"}
	cases := map[string]struct {
		args    []string
		wantErr string
	}{
		"threshold on an attribute that is not protected": {append(csv, "--threshold", "demographicParityDifference@nosuch<=0.001:Sev1"),
			`threshold on demographicParityDifference names attribute "nosuch", which is not a --protected attribute or their intersection "g"`},
		"threshold attribute with spaces": {append(csv, "--threshold", "demographicParityDifference@ g <=0.001:Sev1"),
			`names attribute " g "`},
		"population method on a group metric": {append(csv, "--threshold", "demographicParityDifference/population<=0.001:Sev1"),
			"demographicParityDifference is not computed with method population (it is with: betweenGroups, toOverall)"},
		"disparate impact without a privileged group": {append(csv, "--threshold", "disparateImpact>=0.8:Sev1"),
			"disparateImpact compares with a privileged group: give --privileged ATTR=VALUE for a --protected attribute"},
		"empty protected column name": {[]string{"--protected", ""}, `--protected "": want a column name`},
		"protected column twice":      {[]string{"--protected", "sex", "--protected", "sex"}, `--protected "sex" is given twice`},
		// Each of these exhausted memory or panicked.
		"a billion score bins":      {[]string{"--score-bins", "1000000000"}, "--score-bins 1000000000: want 1 to 10000"},
		"huge line buffer":          {[]string{"--max-line-bytes", "9223372036854775807"}, "--max-line-bytes 9223372036854775807: want 64 to 67108864"},
		"one-byte lines":            {[]string{"--max-line-bytes", "1"}, "--max-line-bytes 1: want 64 to"},
		"negative line bytes":       {[]string{"--max-line-bytes", "-5"}, "--max-line-bytes -5: want 64 to"},
		"thresholds from /dev/zero": {[]string{"--thresholds-file", "/dev/zero"}, "/dev/zero: larger than 1048576 bytes"},
		"two million groups":        {[]string{"--max-groups", "2000000"}, "--max-groups 2000000: want 1 to 100000"},
		"negative bad rows":         {[]string{"--max-bad-rows", "-1"}, "--max-bad-rows -1: want 0 or more"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := execute(append([]string{"evaluate"}, c.args...)...)
			if code != ExitUsage || out != "" || !strings.Contains(errOut, c.wantErr) || strings.Count(errOut, "\n") != 1 {
				t.Fatalf("exit %d stdout %q stderr %q; want exit 2, no report and one line containing %q", code, out, errOut, c.wantErr)
			}
		})
	}
}

// TestUndefinedThresholdExitsTwo: a threshold whose metric is undefined on
// the data is reported (the report is printed) and exits 2, never 0.
func TestUndefinedThresholdExitsTwo(t *testing.T) {
	data := filepath.Join(t.TempDir(), "d.csv")
	// Group b has no positive labels: its true positive rate is undefined.
	if err := os.WriteFile(data, []byte("y,p,g\n1,1,a\n0,1,a\n0,1,b\n0,0,b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := execute("evaluate", "--data", data, "--label", "y", "--prediction", "p", "--protected", "g",
		"--min-group-size", "0", "--threshold", "equalOpportunityDifference<=0.5:Sev1")
	if code != ExitUsage || !strings.Contains(out, "Not evaluated\nMetricUndefined: equalOpportunityDifference (betweenGroups) on g is undefined") ||
		!strings.HasPrefix(errOut, "fairctl: 1 threshold(s) not evaluated: equalOpportunityDifference") {
		t.Fatalf("exit %d\nstdout %s\nstderr %q", code, out, errOut)
	}
	if strings.Contains(out, " ok\n") {
		t.Fatalf("an undefined metric is graded ok:\n%s", out)
	}
}

// TestBlankPeopleFieldsExitTwo: an acknowledgement by "   " or a blank note
// is refused before the cluster is contacted (the schema refuses them too).
func TestBlankPeopleFieldsExitTwo(t *testing.T) {
	for _, args := range [][]string{{"ack", "x", "--by", "   "}, {"resolve", "x", "--note", " \t "}, {"mitigate", "x", "--by", ""}} {
		code, out, errOut := execute(append([]string{"incident"}, args...)...)
		if code != ExitUsage || out != "" || !strings.Contains(errOut, "needs --") {
			t.Errorf("%v: exit %d stdout %q stderr %q", args, code, out, errOut)
		}
	}
}

// TestReportsNeverShowURLSecrets: a successful report of data fetched from a
// URL with a password and a token names the URL without them (before, the
// table and the JSON printed it whole).
func TestReportsNeverShowURLSecrets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("y,p,g\n1,1,a\n0,0,a\n1,1,b\n0,0,b\n"))
	}))
	defer srv.Close()
	url := strings.Replace(srv.URL, "http://", "http://admin:hunter2@", 1) + "/x.csv?token=SECRETTOKEN"
	for _, format := range []string{"table", "json", "markdown"} {
		code, out, errOut := execute("evaluate", "--data", url, "--label", "y", "--prediction", "p", "--protected", "g",
			"--min-group-size", "0", "--threshold", "demographicParityDifference<=0.9:Sev4", "-o", format)
		if code != ExitOK || !strings.Contains(out, "token=REDACTED") {
			t.Fatalf("-o %s: exit %d stderr %q\n%s", format, code, errOut, out)
		}
		for _, secret := range []string{"hunter2", "SECRETTOKEN", "admin"} {
			if strings.Contains(out+errOut, secret) {
				t.Errorf("-o %s shows %q:\n%s", format, secret, out)
			}
		}
	}
}
