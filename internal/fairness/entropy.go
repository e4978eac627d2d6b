package fairness

import (
	"fmt"
	"math"
)

// Individual-fairness indices of AIF360, computed from counts: the benefit
// b = prediction - label + 1 of a row is 0 for a false negative, 1 for a
// correct prediction and 2 for a false positive, so the sums over rows
// collapse to three terms.

// benefitMean is the mean benefit μ of the rows counted.
func benefitMean(c Counts) float64 {
	return float64(c.TP+c.TN+2*c.FP) / float64(c.Labelled())
}

// GeneralizedEntropy is the generalized entropy index of the benefits with
// parameter alpha; alpha 1 is the Theil index.
func GeneralizedEntropy(c Counts, alpha float64) Value {
	n := float64(c.Labelled())
	if n == 0 {
		return Undef(noRowsOrNoLabels(c))
	}
	mu := benefitMean(c)
	if mu == 0 {
		return Undef("every prediction is a false negative: mean benefit is 0")
	}
	ones, twos := float64(c.TP+c.TN), float64(c.FP)
	switch alpha {
	case 1:
		return Defined((ones*(1/mu)*math.Log(1/mu) + twos*(2/mu)*math.Log(2/mu)) / n)
	case 0:
		if c.FN > 0 {
			return Undef("alpha 0 is undefined with false negatives (log of a zero benefit)")
		}
		return Defined(-(ones*math.Log(1/mu) + twos*math.Log(2/mu)) / n)
	}
	zeros := float64(c.FN) * math.Pow(0, alpha)
	sum := ones*math.Pow(1/mu, alpha) + twos*math.Pow(2/mu, alpha) + zeros - n
	return Defined(sum / (n * alpha * (alpha - 1)))
}

// BetweenGroupEntropy is the generalized entropy index (alpha 2) of the
// benefits after replacing each row's benefit with its group's mean: the
// part of the inequality that lies between the groups.
func BetweenGroupEntropy(groups []NamedCounts) Value {
	var all Counts
	for _, g := range groups {
		all.Add(g.Counts)
	}
	n := float64(all.Labelled())
	if n == 0 {
		return Undef(noRowsOrNoLabels(all))
	}
	mu := benefitMean(all)
	if mu == 0 {
		return Undef("every prediction is a false negative: mean benefit is 0")
	}
	const alpha = 2.0
	sum := 0.0
	for _, g := range groups {
		if g.Counts.Labelled() == 0 {
			continue
		}
		r := benefitMean(g.Counts) / mu
		sum += float64(g.Counts.Labelled()) * (math.Pow(r, alpha) - 1)
	}
	return Defined(sum / (n * alpha * (alpha - 1)))
}

// noRowsOrNoLabels says why benefits cannot be averaged: the benefit of a
// row needs its outcome.
func noRowsOrNoLabels(c Counts) string {
	if c.N() > 0 {
		return UndefinedNoLabels
	}
	return undefinedNoRows
}

// populationMetrics are the indices over all rows.
func populationMetrics(overall Counts) []Metric {
	mk := func(name string, v Value) Metric {
		m := Metric{Name: name, Method: MethodPopulation}
		m.setValue(v)
		return m
	}
	return []Metric{
		mk("generalizedEntropyIndex", GeneralizedEntropy(overall, 2)),
		mk("theilIndex", GeneralizedEntropy(overall, 1)),
	}
}

// betweenGroupMetric is BetweenGroupEntropy as a Metric of an attribute.
func betweenGroupMetric(attribute string, groups []NamedCounts) Metric {
	m := Metric{Name: "betweenGroupGeneralizedEntropy", Method: MethodBetweenGroups, Attribute: attribute}
	if len(groups) < 2 {
		m.setValue(Undef(fmt.Sprintf("fewer than two groups of %s", attribute)))
		return m
	}
	m.setValue(BetweenGroupEntropy(groups))
	return m
}
