package dataset

import (
	"testing"
	"time"
)

// TestPartitionSkipsOtherPeriods: objects named by a period wholly outside
// (from, until] are skipped, those that overlap it are read, and names the
// template does not match are read.
func TestPartitionSkipsOtherPeriods(t *testing.T) {
	from, until := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		template, name string
		outside        bool
	}{
		{"dt={{.Date}}", "dt=2026-11-15/part-0.parquet", false},
		{"dt={{.Date}}", "logs/dt=2026-11-01/part-0.parquet", false}, // the day overlaps (from is noon)
		{"dt={{.Date}}", "dt=2026-10-31/part-0.parquet", true},
		{"dt={{.Date}}", "dt=2026-11-30/part-0.parquet", false}, // until, midnight, is in the window
		{"dt={{.Date}}", "dt=2026-12-01/part-0.parquet", true},
		{"dt={{.Date}}", "misc/readme.csv", false},
		{"dt={{.Date}}", "xdt=2026-10-31/part-0.parquet", false}, // not the segment
		{"dt={{.Date}}", "dt=2026-13-01/part-0.parquet", false},
		{"year={{.Year}}/month={{.Month}}", "year=2026/month=10/a.csv", true},
		{"year={{.Year}}/month={{.Month}}", "year=2026/month=11/a.csv", false},
		{"{{.Year}}/{{.Month}}/{{.Day}}/{{.Hour}}", "2026/11/01/11/a.jsonl", true},
		{"{{.Year}}/{{.Month}}/{{.Day}}/{{.Hour}}", "2026/11/01/12/a.jsonl", false},
	}
	for _, c := range cases {
		p, err := ParsePartition(c.template)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Outside(c.name, from, until); got != c.outside {
			t.Errorf("%s on %s: outside %v, want %v", c.template, c.name, got, c.outside)
		}
	}
	for _, bad := range []string{"dt={{.Week}}", "dt=", "dt={{.Date"} {
		if _, err := ParsePartition(bad); err == nil {
			t.Errorf("template %q accepted", bad)
		}
	}
}
