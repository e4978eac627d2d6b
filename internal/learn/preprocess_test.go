package learn

import (
	"slices"
	"strings"
	"testing"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
)

func frame(t *testing.T, csv string) *dataset.Frame {
	t.Helper()
	f, err := dataset.ReadFrame(strings.NewReader(csv), 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestEncodeBadInput(t *testing.T) {
	all := []int{0, 1, 2, 3}
	cases := map[string]struct {
		csv     string
		spec    Spec
		wantErr string
	}{
		"label not binary": {"y,a\n0,1\n1,2\n2,3\n0,4\n", Spec{Label: "y"},
			`line 4: label "2" is not binary (want 0/1 or true/false, or set the favourable value)`},
		"label with three values and a favourable value": {"y,a\ngood,1\nbad,2\nugly,3\nbad,4\n", Spec{Label: "y", Favorable: "good"},
			`label column "y" is not binary: it has more than two values`},
		"single label value": {"y,a\n1,1\n1,2\n1,3\n1,4\n", Spec{Label: "y"}, `label column "y" has a single value: nothing to learn`},
		"constant numeric":   {"y,a,b\n0,1,5\n1,2,5\n0,3,5\n1,4,5\n", Spec{Label: "y"}, `feature "b" is constant in the training rows`},
		"constant category":  {"y,a,b\n0,1,x\n1,2,x\n0,3,x\n1,4,x\n", Spec{Label: "y"}, `feature "b" is constant ("x" in every row)`},
		"missing value":      {"y,a,b\n0,1,x\n1,,y\n0,3,x\n1,4,y\n", Spec{Label: "y"}, `line 3: feature "a" is missing (set the missing-value policy to impute to fill it)`},
		"unknown feature":    {"y,a\n0,1\n1,2\n0,3\n1,4\n", Spec{Label: "y", Features: []string{"z"}}, `feature column "z" not found (columns: y, a)`},
		"unknown label":      {"y,a\n0,1\n1,2\n0,3\n1,4\n", Spec{Label: "q"}, `label column "q" not found (columns: y, a)`},
		"no features left": {"y,a\n0,1\n1,2\n0,3\n1,4\n", Spec{Label: "y", Protected: []string{"a"}, ExcludeProtected: true},
			"no feature columns left"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Encode(frame(t, c.csv), c.spec, all)
			if err == nil || err.Error() != c.wantErr {
				t.Fatalf("error %v, want %q", err, c.wantErr)
			}
		})
	}
}

func TestEncodeImputesAndOneHots(t *testing.T) {
	f := frame(t, "y,a,b\n0,1,x\n1,,y\n0,3,\n1,4,y\n")
	d, err := Encode(f, Spec{Label: "y", Missing: MissingImpute}, []int{0, 1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	want := "a b_(missing) b_x b_y"
	if got := strings.Join(d.Names, " "); got != want {
		t.Fatalf("names %q, want %q", got, want)
	}
	// Row 1's missing a is imputed with the training mean: standardised 0.
	if d.Val[d.Ptr[1]] != 0 {
		t.Fatalf("imputed value %v, want 0", d.Val[d.Ptr[1]])
	}
}

func TestSplitIsSeededAndSized(t *testing.T) {
	a, b, err := Split(101, nil, 0.3, 7, false)
	if err != nil {
		t.Fatal(err)
	}
	c, _, _ := Split(101, nil, 0.3, 7, false)
	if len(b) != 31 || len(a) != 70 || !slices.Equal(a, c) {
		t.Fatalf("train %d test %d, or not reproducible", len(a), len(b))
	}
	y := make([]float64, 100)
	for i := range 30 {
		y[i] = 1
	}
	_, test, err := Split(100, y, 0.2, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	pos := 0
	for _, i := range test {
		pos += int(y[i])
	}
	if len(test) != 20 || pos != 6 {
		t.Fatalf("stratified test split has %d rows, %d positive; want 20 and 6", len(test), pos)
	}
	for _, bad := range []float64{0, 1, -0.5} {
		if _, _, err := Split(10, nil, bad, 1, false); err == nil {
			t.Errorf("test size %v accepted", bad)
		}
	}
}

func TestReweighingWeights(t *testing.T) {
	// Group a: 3 rows (2 positive), group b: 1 row (negative); P(y=1) = 0.5.
	w := ReweighingWeights([]string{"a", "a", "a", "b"}, []float64{1, 1, 0, 0})
	// W(a,1) = (3/4)(2/4)/(2/4) = 0.75; W(a,0) = (3/4)(2/4)/(1/4) = 1.5; W(b,0) = (1/4)(2/4)/(1/4) = 0.5.
	want := []float64{0.75, 0.75, 1.5, 0.5}
	for i := range w {
		if w[i] != want[i] {
			t.Fatalf("weights %v, want %v", w, want)
		}
	}
}
