package fairness

// Rate names a per-group rate.
type Rate string

// The per-group rates, with their JSON names.
const (
	BaseRate          Rate = "baseRate"
	SelectionRate     Rate = "selectionRate"
	Accuracy          Rate = "accuracy"
	TruePositiveRate  Rate = "truePositiveRate"
	FalsePositiveRate Rate = "falsePositiveRate"
	TrueNegativeRate  Rate = "trueNegativeRate"
	FalseNegativeRate Rate = "falseNegativeRate"
	PositivePredValue Rate = "positivePredictiveValue"
	NegativePredValue Rate = "negativePredictiveValue"
	FalseDiscovery    Rate = "falseDiscoveryRate"
	FalseOmission     Rate = "falseOmissionRate"
	ErrorRate         Rate = "errorRate"
)

// AllRates lists the confusion-count rates in report order.
var AllRates = []Rate{BaseRate, SelectionRate, Accuracy, TruePositiveRate, FalsePositiveRate, TrueNegativeRate,
	FalseNegativeRate, PositivePredValue, NegativePredValue, FalseDiscovery, FalseOmission, ErrorRate}

// fraction is a rate as numerator and denominator counts.
type fraction struct {
	num, den int64
	reason   string // why the rate is undefined when den == 0
}

// undefinedNoRows is why a rate of a group with no rows is undefined.
const undefinedNoRows = "no rows"

// UndefinedNoLabels is why a label-based rate or metric is undefined when
// no row has an outcome: it is not computed, and a threshold on it is not
// evaluated (NotEvaluatedNoLabels), whatever zero-division rule applies.
const UndefinedNoLabels = "no labels: no row has an outcome"

// NeedsLabels reports whether a rate is computed from outcomes: every rate
// but the selection rate.
func (r Rate) NeedsLabels() bool { return r != SelectionRate }

// Fraction returns the counts a rate is computed from: the selection rate
// over every prediction, the others over the labelled rows.
func (c Counts) fraction(r Rate) fraction {
	if r.NeedsLabels() && c.Labelled() == 0 && c.N() > 0 {
		return fraction{0, 0, UndefinedNoLabels}
	}
	n := c.Labelled()
	pos, neg := c.TP+c.FN, c.FP+c.TN
	predPos, predNeg := c.TP+c.FP, c.TN+c.FN
	switch r {
	case BaseRate:
		return fraction{pos, n, undefinedNoRows}
	case SelectionRate:
		return fraction{c.Selected(), c.N(), undefinedNoRows}
	case Accuracy:
		return fraction{c.TP + c.TN, n, undefinedNoRows}
	case ErrorRate:
		return fraction{c.FP + c.FN, n, undefinedNoRows}
	case TruePositiveRate:
		return fraction{c.TP, pos, "no favourable labels"}
	case FalseNegativeRate:
		return fraction{c.FN, pos, "no favourable labels"}
	case FalsePositiveRate:
		return fraction{c.FP, neg, "no unfavourable labels"}
	case TrueNegativeRate:
		return fraction{c.TN, neg, "no unfavourable labels"}
	case PositivePredValue:
		return fraction{c.TP, predPos, "no favourable predictions"}
	case FalseDiscovery:
		return fraction{c.FP, predPos, "no favourable predictions"}
	case NegativePredValue:
		return fraction{c.TN, predNeg, "no unfavourable predictions"}
	case FalseOmission:
		return fraction{c.FN, predNeg, "no unfavourable predictions"}
	}
	return fraction{0, 0, "unknown rate " + string(r)}
}

// Rate computes one rate; zeroDivision reports 0 instead of undefined for a
// zero denominator (scikit-learn's zero_division=0).
func (c Counts) Rate(r Rate, zeroDivision bool) Value {
	f := c.fraction(r)
	if f.reason == UndefinedNoLabels {
		return Undef(UndefinedNoLabels) // not a zero division: there is nothing to divide
	}
	return ratio(f.num, f.den, f.reason, zeroDivision)
}
