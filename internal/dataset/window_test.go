package dataset

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestWindowKeepsItsRows: rows in (from, until] are counted, the others
// counted as outside, by hand; the start is excluded and the end included,
// whatever the timestamp format.
func TestWindowKeepsItsRows(t *testing.T) {
	from, until := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	stamps := []time.Time{from, from.Add(time.Millisecond), until, until.Add(time.Second), from.Add(-time.Hour), until.Add(-time.Hour)}
	const wantIn, wantOut = 3, 3 // from+1ms, until, until-1h in; from, until+1s, from-1h out
	write := map[TimestampFormat]func(time.Time) string{
		TimestampRFC3339:     func(t time.Time) string { return t.Format(time.RFC3339Nano) },
		TimestampUnixSeconds: func(t time.Time) string { return itoa(t.Unix()) },
		TimestampUnixMillis:  func(t time.Time) string { return itoa(t.UnixMilli()) },
	}
	for format, text := range write {
		t.Run(string(format), func(t *testing.T) {
			var b strings.Builder
			b.WriteString("ts,p,g\n")
			for i, s := range stamps {
				b.WriteString(text(s) + "," + itoa(int64(i%2)) + ",a\n")
			}
			res, err := ScanPredictions(strings.NewReader(b.String()), ScanOptions{Prediction: "p", Protected: []string{"g"},
				Window: &Window{Column: "ts", Format: format, From: from, Until: until}})
			if err != nil {
				t.Fatal(err)
			}
			in, out := int64(wantIn), int64(wantOut)
			if format == TimestampUnixSeconds {
				in, out = 2, 4 // from+1ms is from in whole seconds: outside
			}
			if res.Window.InWindow != in || res.Window.Outside != out || res.Rows != in {
				t.Fatalf("window %+v rows %d, want %d in and %d outside", res.Window, res.Rows, in, out)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestWindowBadTimestamps: a timestamp that does not parse is a bad row,
// named with its line; beyond the bad-row limit the scan fails.
func TestWindowBadTimestamps(t *testing.T) {
	w := &Window{Column: "ts", Format: TimestampRFC3339, From: time.Unix(0, 0), Until: time.Now()}
	data := "ts,p,g\n2026-11-29T10:00:00Z,1,a\nyesterday,1,a\n2026-11-29,0,a\n"
	_, err := ScanPredictions(strings.NewReader(data), ScanOptions{Prediction: "p", Protected: []string{"g"}, Window: w})
	if err == nil || err.Error() != `line 3: timestamp "yesterday" is not RFC 3339` {
		t.Fatalf("error %v", err)
	}
	res, err := ScanPredictions(strings.NewReader(data), ScanOptions{Prediction: "p", Protected: []string{"g"}, Window: w, MaxBadRows: 2})
	if err != nil || res.BadRows != 2 || res.Rows != 1 {
		t.Fatalf("with a budget of 2: %+v, %v", res, err)
	}
	_, err = ScanPredictions(strings.NewReader(data), ScanOptions{Prediction: "p", Protected: []string{"g"}, Window: w, MaxBadRows: 1})
	if err == nil || !strings.Contains(err.Error(), "more than 1 bad rows") {
		t.Fatalf("over a budget of 1: %v", err)
	}
	unix := &Window{Column: "ts", Format: TimestampUnixMillis, From: time.Unix(0, 0), Until: time.Now()}
	_, err = ScanPredictions(strings.NewReader("ts,p,g\n1.5e12,1,a\n"), ScanOptions{Prediction: "p", Protected: []string{"g"}, Window: unix})
	if err == nil || err.Error() != `line 2: timestamp "1.5e12" is not Unix milliseconds` {
		t.Fatalf("unix: %v", err)
	}
}

// TestWindowOnEveryCore: a file scanned in parts at once counts the rows in
// and outside the window as one reader does.
func TestWindowOnEveryCore(t *testing.T) {
	until := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	b.WriteString("ts,p,g\n")
	for i := range 20000 {
		b.WriteString(until.Add(-time.Duration(i) * time.Hour).Format(time.RFC3339))
		b.WriteString("," + itoa(int64(i%2)) + ",g" + itoa(int64(i%3)) + "\n")
	}
	o := ScanOptions{Prediction: "p", Protected: []string{"g"},
		Window: &Window{Column: "ts", Format: TimestampRFC3339, From: until.Add(-720 * time.Hour), Until: until}}
	want, err := ScanPredictions(strings.NewReader(b.String()), o)
	if err != nil {
		t.Fatal(err)
	}
	if want.Window.InWindow != 720 || want.Window.Outside != 20000-720 {
		t.Fatalf("one reader: %+v", want.Window)
	}
	path := writeTemp(t, []byte(b.String()))
	for _, parts := range []int{2, 3, 8} {
		got, err := ScanFileParts(path, 0, 1, parts, o)
		if err != nil {
			t.Fatal(err)
		}
		if diff := sameResult(got, want); diff != "" || *got.Window != *want.Window {
			t.Fatalf("%d parts: %s; window %+v, want %+v", parts, diff, got.Window, want.Window)
		}
	}
}
