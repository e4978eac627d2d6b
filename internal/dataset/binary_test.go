package dataset

import (
	"strings"
	"testing"
)

// TestParseBinaryIsOneRule: the values a credit team's exports hold for a
// binary column are all read by one documented rule (before, 1.00, " 1"
// and tRuE were refused while 1.0 and TRUE were accepted).
func TestParseBinaryIsOneRule(t *testing.T) {
	cases := map[string]struct{ value, ok bool }{
		"1": {true, true}, "0": {false, true}, "1.0": {true, true}, "1.00": {true, true}, "0.000": {false, true},
		" 1": {true, true}, "0 ": {false, true}, "\t1\t": {true, true}, "true": {true, true}, "TRUE": {true, true},
		"tRuE": {true, true}, "False": {false, true}, " false ": {false, true}, "1.": {true, true},
		"": {false, false}, "2": {false, false}, "0.5": {false, false}, "1.01": {false, false}, "yes": {false, false},
		"01": {false, false}, "-1": {false, false}, ".0": {false, false}, "trueish": {false, false}, "1e0": {false, false},
	}
	for in, want := range cases {
		v, ok := ParseBinary(in)
		if v != want.value || ok != want.ok {
			t.Errorf("ParseBinary(%q) = %v, %v; want %v, %v", in, v, ok, want.value, want.ok)
		}
		// The scanner's fast path agrees on every case.
		if v2, ok2 := parseBinaryBytes([]byte(in)); v2 != v || ok2 != ok {
			t.Errorf("parseBinaryBytes(%q) = %v, %v; ParseBinary gives %v, %v", in, v2, ok2, v, ok)
		}
	}
	res, err := ScanPredictions(strings.NewReader("y,p,g\n1.00, 1,a\ntRuE,0.0,b\n"), predCols)
	if err != nil || res.Rows != 2 {
		t.Fatalf("rows %v, err %v", res, err)
	}
}

func FuzzParseBinaryBytes(f *testing.F) {
	for _, s := range []string{"1", "0.00", " true", "x", "1.0000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ParseBinary(s)
		if v2, ok2 := parseBinaryBytes([]byte(s)); v2 != v || ok2 != ok {
			t.Fatalf("%q: fast path %v, %v; rule %v, %v", s, v2, ok2, v, ok)
		}
	})
}
