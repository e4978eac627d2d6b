package report

import (
	"slices"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// Definition is one metric in a sentence, with its formula.
type Definition struct {
	Metric   string `json:"metric"`
	Sentence string `json:"sentence"`
	Formula  string `json:"formula"`
}

// catalogue is every term the report can use, in the order it lists them.
// TP, FP, TN, FN count the rows by label and prediction; SR is the
// selection rate, u and p the unprivileged and privileged rows.
var catalogue = []Definition{
	{"selectionRate", "The share of a group's rows with a favourable decision.", "SR = (TP + FP) / n"},
	{"impactRatio", "A group's selection rate divided by the most-selected group's (or the privileged group's); " +
		"under 0.8 fails the four-fifths rule.", "IR_g = SR_g / SR_ref"},
	{"truePositiveRate", "The share of rows with a favourable outcome that the model also favoured.", "TPR = TP / (TP + FN)"},
	{"falsePositiveRate", "The share of rows with an unfavourable outcome that the model favoured.", "FPR = FP / (FP + TN)"},
	{"demographicParityDifference", "The largest gap in selection rate between two groups.", "max_g SR_g − min_g SR_g"},
	{"demographicParityRatio", "The smallest selection rate divided by the largest.", "min_g SR_g / max_g SR_g"},
	{"equalOpportunityDifference", "The largest gap in true positive rate between two groups (against the " +
		"privileged group: TPR_u − TPR_p).", "max_g TPR_g − min_g TPR_g"},
	{"equalOpportunityRatio", "The smallest true positive rate divided by the largest.", "min_g TPR_g / max_g TPR_g"},
	{"equalizedOddsDifference", "The larger of the true positive rate gap and the false positive rate gap.",
		"max(ΔTPR, ΔFPR)"},
	{"equalizedOddsRatio", "The smaller of the true positive rate ratio and the false positive rate ratio.",
		"min(TPR ratio, FPR ratio)"},
	{"errorRateDifference", "The largest gap in error rate between two groups.", "max_g ERR_g − min_g ERR_g, ERR = (FP + FN) / n"},
	{"errorRateRatio", "The smallest error rate divided by the largest.", "min_g ERR_g / max_g ERR_g"},
	{"falsePositiveRateDifference", "The largest gap in false positive rate between two groups.", "max_g FPR_g − min_g FPR_g"},
	{"falsePositiveRateRatio", "The smallest false positive rate divided by the largest.", "min_g FPR_g / max_g FPR_g"},
	{"falseNegativeRateDifference", "The largest gap in false negative rate between two groups.",
		"max_g FNR_g − min_g FNR_g, FNR = FN / (TP + FN)"},
	{"falseNegativeRateRatio", "The smallest false negative rate divided by the largest.", "min_g FNR_g / max_g FNR_g"},
	{"positivePredictiveValueDifference", "The largest gap in precision between two groups.",
		"max_g PPV_g − min_g PPV_g, PPV = TP / (TP + FP)"},
	{"positivePredictiveValueRatio", "The smallest precision divided by the largest.", "min_g PPV_g / max_g PPV_g"},
	{"statisticalParityDifference", "The unprivileged rows' selection rate minus the privileged rows'.", "SR_u − SR_p"},
	{"disparateImpact", "The unprivileged rows' selection rate divided by the privileged rows'; under 0.8 fails " +
		"the four-fifths rule.", "SR_u / SR_p"},
	{"averageOddsDifference", "The mean of the false and true positive rate gaps, unprivileged minus privileged.",
		"½[(FPR_u − FPR_p) + (TPR_u − TPR_p)]"},
	{"averageAbsoluteOddsDifference", "The mean of the absolute false and true positive rate gaps.",
		"½[|FPR_u − FPR_p| + |TPR_u − TPR_p|]"},
	{"generalizedEntropyIndex", "How unequally the benefit b = ŷ − y + 1 is spread over all rows (α = 2).",
		"[Σ (b_i/μ)² − n] / (2n), μ = mean benefit"},
	{"theilIndex", "The generalized entropy index with α = 1.", "Σ (b_i/μ) ln(b_i/μ) / n"},
	{"betweenGroupGeneralizedEntropy", "The generalized entropy index with each row's benefit replaced by its " +
		"group's mean benefit.", "GE₂ over group means"},
}

// tableTerms are the per-group columns every report shows.
var tableTerms = map[string]bool{"selectionRate": true, "impactRatio": true, "truePositiveRate": true,
	"falsePositiveRate": true}

// definitions lists the per-group columns and every metric the run
// reported, in catalogue order; a metric the catalogue lacks is listed with
// a pointer to the metrics reference rather than left out.
func definitions(r *fairness.Report) []Definition {
	used := map[string]bool{}
	for _, m := range r.Metrics {
		used[m.Name] = true
	}
	var out []Definition
	for _, d := range catalogue {
		if tableTerms[d.Metric] || used[d.Metric] {
			out = append(out, d)
			delete(used, d.Metric)
		}
	}
	var rest []string
	for name := range used {
		rest = append(rest, name)
	}
	slices.Sort(rest)
	for _, name := range rest {
		out = append(out, Definition{Metric: name, Sentence: "Defined in the operator's metrics reference (docs/metrics.md)."})
	}
	return out
}
