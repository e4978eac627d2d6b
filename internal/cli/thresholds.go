package cli

import (
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// thresholdPattern is NAME[/METHOD][@ATTRIBUTE](<=|>=)VALUE:SEVERITY, for
// example demographicParityDifference<=0.1:Sev2 or disparateImpact@race>=0.8:Sev1.
var thresholdPattern = regexp.MustCompile(`^([A-Za-z]+)(?:/([A-Za-z]+))?(?:@([^<>=]+))?(<=|>=)([0-9.eE+-]+):([A-Za-z0-9]+)$`)

// knownMetrics are the metric names thresholds may grade.
var knownMetrics = map[string]bool{}

func init() {
	for _, fam := range []string{"demographicParity", "equalizedOdds", "equalOpportunity", "errorRate",
		"falsePositiveRate", "falseNegativeRate", "positivePredictiveValue"} {
		knownMetrics[fam+"Difference"] = true
		knownMetrics[fam+"Ratio"] = true
	}
	for _, m := range []string{"statisticalParityDifference", "disparateImpact", "averageOddsDifference",
		"averageAbsoluteOddsDifference", "generalizedEntropyIndex", "theilIndex", "betweenGroupGeneralizedEntropy"} {
		knownMetrics[m] = true
	}
}

// parseThreshold parses one --threshold flag.
func parseThreshold(s string) (fairness.Threshold, error) {
	m := thresholdPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return fairness.Threshold{}, fmt.Errorf("--threshold %q: want METRIC[/METHOD][@ATTRIBUTE]<=VALUE:SEV (or >= for ratios), "+
			"for example demographicParityDifference<=0.1:Sev2", s)
	}
	name, method, attr, op, num, sev := m[1], m[2], m[3], m[4], m[5], m[6]
	t := fairness.Threshold{Metric: name, Method: method, Attribute: attr}
	value, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return t, fmt.Errorf("--threshold %q: %q is not a number", s, num)
	}
	severity, ok := fairness.ParseSeverity(sev)
	if !ok || severity == fairness.SeverityNone {
		return t, fmt.Errorf("--threshold %q: severity %q is not one of Sev1, Sev2, Sev3, Sev4", s, sev)
	}
	t.Levels = []fairness.Level{{Value: value, Severity: severity}}
	if err := checkThreshold(t); err != nil {
		return t, fmt.Errorf("--threshold %q: %w", s, err)
	}
	ratio := strings.HasSuffix(name, "Ratio") || name == "disparateImpact"
	if ratio && op != ">=" {
		return t, fmt.Errorf("--threshold %q: %s is a ratio (smaller is worse): write %s>=%s:%s", s, name, name, num, sev)
	}
	if !ratio && op != "<=" {
		return t, fmt.Errorf("--threshold %q: %s grows with disparity: write %s<=%s:%s", s, name, name, num, sev)
	}
	return t, nil
}

// checkThreshold applies the rules the CRD schema enforces.
func checkThreshold(t fairness.Threshold) error {
	if !knownMetrics[t.Metric] {
		return fmt.Errorf("unknown metric %q", t.Metric)
	}
	switch t.Method {
	case "", fairness.MethodBetweenGroups, fairness.MethodToOverall, fairness.MethodPrivileged, fairness.MethodPopulation:
	default:
		return fmt.Errorf("unknown method %q (want betweenGroups, toOverall or privileged)", t.Method)
	}
	if t.Method != "" && !slices.Contains(fairness.MethodsOf(t.Metric), t.Method) {
		return fmt.Errorf("%s is not computed with method %s (it is with: %s)", t.Metric, t.Method,
			strings.Join(fairness.MethodsOf(t.Metric), ", "))
	}
	if len(t.Levels) == 0 {
		return fmt.Errorf("threshold on %s has no levels", t.Metric)
	}
	entropy := strings.Contains(t.Metric, "Entropy") || t.Metric == "theilIndex"
	for _, l := range t.Levels {
		if math.IsNaN(l.Value) || l.Value < 0 || math.IsInf(l.Value, 1) || (!entropy && l.Value > 1) {
			return fmt.Errorf("threshold %v for %s is outside [0, 1]", l.Value, t.Metric)
		}
		if l.Severity.Rank() > 4 {
			return fmt.Errorf("severity %q is not one of Sev1, Sev2, Sev3, Sev4", l.Severity)
		}
	}
	return nil
}

// checkApplicable refuses a threshold that cannot be graded on these
// columns, as the CRD's CEL rules do: an attribute that is neither a
// protected attribute nor their intersection, or a comparison with a
// privileged group that is not declared.
func checkApplicable(t fairness.Threshold, protected []string, privileged map[string][]string) error {
	intersection := strings.Join(protected, fairness.IntersectionSeparator)
	if t.Attribute != "" && !slices.Contains(protected, t.Attribute) && t.Attribute != intersection {
		return fmt.Errorf("threshold on %s names attribute %q, which is not a --protected attribute or their intersection %q",
			t.Metric, t.Attribute, intersection)
	}
	method := t.Method
	if method == "" {
		method = fairness.DefaultMethod(t.Metric)
	}
	if method != fairness.MethodPrivileged {
		return nil
	}
	need := protected
	if t.Attribute != "" {
		need = strings.Split(t.Attribute, fairness.IntersectionSeparator)
	}
	for _, a := range need {
		if len(privileged[a]) > 0 {
			if t.Attribute == "" {
				return nil // graded for the attributes that have privileged values
			}
			continue
		}
		if t.Attribute != "" {
			return fmt.Errorf("%s compares with a privileged group: give --privileged %s=VALUE", t.Metric, a)
		}
	}
	if t.Attribute == "" {
		return fmt.Errorf("%s compares with a privileged group: give --privileged ATTR=VALUE for a --protected attribute", t.Metric)
	}
	return nil
}

// mergeThresholds folds thresholds on the same metric, method and attribute
// into one with several levels.
func mergeThresholds(ts []fairness.Threshold) []fairness.Threshold {
	var out []fairness.Threshold
	index := map[string]int{}
	for _, t := range ts {
		k := t.Metric + "/" + t.Method + "@" + t.Attribute
		if i, ok := index[k]; ok {
			out[i].Levels = append(out[i].Levels, t.Levels...)
			continue
		}
		index[k] = len(out)
		out = append(out, t)
	}
	return out
}

// readThresholdsFile reads thresholds in the shape of a FairnessEvaluation's
// spec.thresholds (YAML or JSON).
func readThresholdsFile(path string) ([]fairness.Threshold, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, maxThresholdsFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxThresholdsFile {
		return nil, fmt.Errorf("%s: larger than %d bytes: is it a thresholds file?", path, maxThresholdsFile)
	}
	ts, err := parseThresholdsDoc(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ts, nil
}

// parseThresholdsDoc parses {thresholds: [...]} or a bare list, and checks
// each threshold as the CRD schema would.
func parseThresholdsDoc(data []byte) ([]fairness.Threshold, error) {
	var doc struct {
		Thresholds []fairness.Threshold `json:"thresholds"`
	}
	if err := yaml.UnmarshalStrict(data, &doc); err != nil {
		var list []fairness.Threshold
		if err2 := yaml.UnmarshalStrict(data, &list); err2 != nil {
			return nil, err
		}
		doc.Thresholds = list
	}
	for _, t := range doc.Thresholds {
		if err := checkThreshold(t); err != nil {
			return nil, err
		}
	}
	return doc.Thresholds, nil
}

// defaultThresholds apply when none are given: common demographic-parity
// and equalized-odds limits, and the four-fifths rule when a privileged
// group is declared (it compares with one).
func defaultThresholds(havePrivileged, haveLabels bool) []fairness.Threshold {
	ts := []fairness.Threshold{
		{Metric: "demographicParityDifference", Levels: []fairness.Level{{Value: 0.2, Severity: fairness.Sev1},
			{Value: 0.1, Severity: fairness.Sev2}, {Value: 0.05, Severity: fairness.Sev3}}},
	}
	if haveLabels { // a label-free run computes no equalized odds: a default would only be "not evaluated"
		ts = append(ts, fairness.Threshold{Metric: "equalizedOddsDifference", Levels: []fairness.Level{{Value: 0.2, Severity: fairness.Sev2},
			{Value: 0.1, Severity: fairness.Sev3}}})
	}
	if havePrivileged {
		ts = append(ts, fairness.Threshold{Metric: "disparateImpact", Levels: []fairness.Level{{Value: 0.8, Severity: fairness.Sev2}}})
	}
	return ts
}
