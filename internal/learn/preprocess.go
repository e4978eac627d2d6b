package learn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
)

// MissingPolicy says what to do with an empty feature value.
type MissingPolicy string

const (
	// MissingError refuses data with missing feature values (the default).
	MissingError MissingPolicy = "error"
	// MissingImpute fills numeric features with the training mean and gives
	// categorical features a "(missing)" category.
	MissingImpute MissingPolicy = "impute"
)

// Spec says how to turn a table into a learning problem.
type Spec struct {
	Label string
	// Favorable is the label value meaning the favourable outcome; empty
	// accepts 1/0 and true/false.
	Favorable string
	// Features lists the feature columns; empty means every column except the label.
	Features []string
	// Protected are the protected attributes; their joined values form the
	// groups that mitigation methods work on.
	Protected        []string
	ExcludeProtected bool
	Missing          MissingPolicy
}

// Design is an encoded learning problem: features standardised with
// training statistics, categorical features one-hot encoded with categories
// from the whole table (as pandas.get_dummies does). X is stored by rows,
// sparse: one-hot blocks are mostly zeros, and skipping them makes fitting
// several times faster.
type Design struct {
	Names []string
	P     int
	Rows  int
	// Row i's non-zero features are Col[Ptr[i]:Ptr[i+1]] with values Val[...].
	Ptr   []int
	Col   []int32
	Val   []float64
	Y     []float64
	Group []string
}

// dot is row i of X times beta.
func (d *Design) dot(i int, beta []float64) float64 {
	s := 0.0
	for k := d.Ptr[i]; k < d.Ptr[i+1]; k++ {
		s += d.Val[k] * beta[d.Col[k]]
	}
	return s
}

// Subset returns the rows idx of the design.
func (d *Design) Subset(idx []int) *Design {
	s := &Design{Names: d.Names, P: d.P, Rows: len(idx), Ptr: make([]int, 1, len(idx)+1),
		Y: make([]float64, len(idx)), Group: make([]string, len(idx))}
	for k, i := range idx {
		s.Col = append(s.Col, d.Col[d.Ptr[i]:d.Ptr[i+1]]...)
		s.Val = append(s.Val, d.Val[d.Ptr[i]:d.Ptr[i+1]]...)
		s.Ptr = append(s.Ptr, len(s.Col))
		s.Y[k], s.Group[k] = d.Y[i], d.Group[i]
	}
	return s
}

type column struct {
	name       string
	idx        int
	numeric    bool
	categories []string
	mean, std  float64
}

// Encode builds the design of every row of f, standardising numeric
// features with the statistics of the rows in train.
func Encode(f *dataset.Frame, spec Spec, train []int) (*Design, error) {
	li := f.Col(spec.Label)
	if li < 0 {
		return nil, fmt.Errorf("label column %q not found (columns: %s)", spec.Label, strings.Join(f.Columns, ", "))
	}
	y, err := labels(f, li, spec.Favorable)
	if err != nil {
		return nil, err
	}
	feats, err := featureColumns(f, spec)
	if err != nil {
		return nil, err
	}
	var cols []column
	for _, name := range feats {
		c, err := describe(f, name, train, spec.Missing)
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	// Numeric columns first, then dummies: pandas.get_dummies' order.
	slices.SortStableFunc(cols, func(a, b column) int {
		switch {
		case a.numeric == b.numeric:
			return 0
		case a.numeric:
			return -1
		}
		return 1
	})
	d := &Design{Y: y, Rows: len(f.Rows)}
	for _, c := range cols {
		if c.numeric {
			d.Names = append(d.Names, c.name)
		} else {
			for _, cat := range c.categories {
				d.Names = append(d.Names, c.name+"_"+cat)
			}
		}
	}
	d.P = len(d.Names)
	d.Ptr = make([]int, 1, d.Rows+1)
	// Every column gives each row one entry (a value or a category's 1).
	d.Col, d.Val = make([]int32, 0, d.Rows*len(cols)), make([]float64, 0, d.Rows*len(cols))
	for _, row := range f.Rows {
		k := 0
		for _, c := range cols {
			v := row[c.idx]
			if c.numeric {
				x := c.mean // imputed when missing
				if v != "" {
					x, _ = strconv.ParseFloat(v, 64)
				}
				d.Col = append(d.Col, int32(k)) //nolint:gosec // feature counts are small
				d.Val = append(d.Val, (x-c.mean)/c.std)
				k++
				continue
			}
			if v == "" {
				v = "(missing)"
			}
			j, _ := slices.BinarySearch(c.categories, v)
			d.Col = append(d.Col, int32(k+j)) //nolint:gosec // feature counts are small
			d.Val = append(d.Val, 1)
			k += len(c.categories)
		}
		d.Ptr = append(d.Ptr, len(d.Col))
	}
	d.Group = groups(f, spec.Protected)
	return d, nil
}

func labels(f *dataset.Frame, li int, favorable string) ([]float64, error) {
	y := make([]float64, len(f.Rows))
	distinct := map[string]bool{}
	custom := favorable != ""
	if v, binary := dataset.ParseBinary(favorable); binary && v {
		custom = false // 1/true is the binary rule's favourable value
	}
	for i, row := range f.Rows {
		v := row[li]
		switch one, binary := dataset.ParseBinary(v); {
		case custom:
			distinct[v] = true
			if v == favorable {
				y[i] = 1
			}
		case binary:
			distinct[fmt.Sprint(one)] = true
			if one {
				y[i] = 1
			}
		default:
			return nil, fmt.Errorf("line %d: label %q is not binary (want 0/1 or true/false, or set the favourable value)", f.Lines[i], v)
		}
		if len(distinct) > 2 {
			return nil, fmt.Errorf("label column %q is not binary: it has more than two values", f.Columns[li])
		}
	}
	if len(distinct) < 2 {
		return nil, fmt.Errorf("label column %q has a single value: nothing to learn", f.Columns[li])
	}
	return y, nil
}

func featureColumns(f *dataset.Frame, spec Spec) ([]string, error) {
	feats := spec.Features
	if len(feats) == 0 {
		for _, c := range f.Columns {
			if c != spec.Label {
				feats = append(feats, c)
			}
		}
	}
	var out []string
	for _, c := range feats {
		if f.Col(c) < 0 {
			return nil, fmt.Errorf("feature column %q not found (columns: %s)", c, strings.Join(f.Columns, ", "))
		}
		if c == spec.Label {
			return nil, fmt.Errorf("the label %q cannot be a feature", c)
		}
		if spec.ExcludeProtected && slices.Contains(spec.Protected, c) {
			continue
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no feature columns left")
	}
	return out, nil
}

// describe decides whether a column is numeric (every non-empty value parses
// as a finite number) and computes its encoding.
func describe(f *dataset.Frame, name string, train []int, missing MissingPolicy) (column, error) {
	c := column{name: name, idx: f.Col(name), numeric: true}
	cats := map[string]bool{}
	for i, row := range f.Rows {
		v := row[c.idx]
		if v == "" {
			if missing != MissingImpute {
				return c, fmt.Errorf("line %d: feature %q is missing (set the missing-value policy to impute to fill it)", f.Lines[i], name)
			}
			cats["(missing)"] = true
			continue
		}
		cats[v] = true
		if c.numeric {
			if x, err := strconv.ParseFloat(v, 64); err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				c.numeric = false
			}
		}
	}
	if !c.numeric {
		for v := range cats {
			c.categories = append(c.categories, v)
		}
		slices.Sort(c.categories)
		if len(c.categories) < 2 {
			return c, fmt.Errorf("feature %q is constant (%q in every row)", name, c.categories[0])
		}
		return c, nil
	}
	var sum, sq float64
	var n int
	for _, i := range train {
		if v := f.Rows[i][c.idx]; v != "" {
			x, _ := strconv.ParseFloat(v, 64)
			sum += x
			n++
		}
	}
	if n == 0 {
		return c, fmt.Errorf("feature %q has no values in the training rows", name)
	}
	c.mean = sum / float64(n)
	for _, i := range train {
		if v := f.Rows[i][c.idx]; v != "" {
			x, _ := strconv.ParseFloat(v, 64)
			sq += (x - c.mean) * (x - c.mean)
		}
	}
	c.std = math.Sqrt(sq / float64(n)) // population deviation, as StandardScaler
	if c.std == 0 {
		return c, fmt.Errorf("feature %q is constant in the training rows", name)
	}
	return c, nil
}

func groups(f *dataset.Frame, protected []string) []string {
	g := make([]string, len(f.Rows))
	idx := make([]int, 0, len(protected))
	for _, p := range protected {
		if i := f.Col(p); i >= 0 {
			idx = append(idx, i)
		}
	}
	vals := make([]string, len(idx))
	for r, row := range f.Rows {
		for k, i := range idx {
			vals[k] = row[i]
		}
		g[r] = strings.Join(vals, "&")
	}
	return g
}

// Split deals row indexes 0..n-1 into a training and a test split, shuffled
// with seed. Without stratification it is scikit-learn's
// train_test_split(test_size, random_state=seed, shuffle=True) row for row:
// the same MT19937 permutation, the test split its first ceil(testSize*n)
// entries. With stratify, each label keeps its proportion in both splits
// (seeded, but not scikit-learn's StratifiedShuffleSplit).
func Split(n int, y []float64, testSize float64, seed int64, stratify bool) (train, test []int, err error) {
	if testSize <= 0 || testSize >= 1 {
		return nil, nil, fmt.Errorf("test size %v must be within (0, 1)", testSize)
	}
	nTest := int(math.Ceil(testSize * float64(n)))
	if nTest < 1 || nTest >= n {
		return nil, nil, fmt.Errorf("test size %v of %d rows leaves an empty split", testSize, n)
	}
	if seed < 0 || seed > math.MaxUint32 {
		return nil, nil, fmt.Errorf("random state %d must be within 0..%d", seed, uint32(math.MaxUint32))
	}
	if !stratify {
		perm := newMT19937(uint32(seed)).permutation(n)
		test, train = perm[:nTest], perm[nTest:]
	} else {
		rng := rand.New(rand.NewPCG(uint64(seed), 0x73706c6974)) //nolint:gosec // reproducible shuffles, not secrets
		var classes [2][]int
		for i := range n {
			c := 0
			if y[i] == 1 {
				c = 1
			}
			classes[c] = append(classes[c], i)
		}
		pos := int(math.Round(float64(nTest) * float64(len(classes[1])) / float64(n)))
		for c, want := range []int{nTest - pos, pos} {
			rng.Shuffle(len(classes[c]), func(i, j int) { classes[c][i], classes[c][j] = classes[c][j], classes[c][i] })
			test = append(test, classes[c][:want]...)
			train = append(train, classes[c][want:]...)
		}
	}
	slices.Sort(train)
	slices.Sort(test)
	return train, test, nil
}
