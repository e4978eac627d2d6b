package fairness

import (
	"fmt"
	"math"
	"strings"
)

// privilegedMetrics computes AIF360's directional metrics of the
// unprivileged groups (pooled) against the privileged ones (pooled).
func privilegedMetrics(attribute string, groups []NamedCounts, privileged func([]string) bool, zeroDiv bool) []Metric {
	var priv, unpriv Counts
	var privSq, unprivSq *Counts // pooled squared weights of probabilistic groups
	var privNames []string
	for _, g := range groups {
		if privileged(g.Key) {
			priv.Add(g.Counts)
			privSq = addSquares(privSq, g.Squares)
			privNames = append(privNames, g.Name)
		} else {
			unpriv.Add(g.Counts)
			unprivSq = addSquares(unprivSq, g.Squares)
		}
	}
	base := Metric{Method: MethodPrivileged, Attribute: attribute, Group: "unprivileged", Reference: strings.Join(privNames, "|")}
	mk := func(name string, v Value, iv *Interval) Metric {
		m := base
		m.Name = name
		m.setValue(v)
		m.Interval = iv
		return m
	}
	names := []string{"statisticalParityDifference", "disparateImpact", "equalOpportunityDifference",
		"averageOddsDifference", "averageAbsoluteOddsDifference", "errorRateDifference", "errorRateRatio"}
	var missing string
	switch {
	case priv.N() == 0:
		missing = "no rows in the privileged group"
	case unpriv.N() == 0:
		missing = "no rows outside the privileged group"
	}
	if missing != "" {
		out := make([]Metric, len(names))
		for i, n := range names {
			out[i] = mk(n, Undef(missing), nil)
		}
		return out
	}
	rate := func(c Counts, r Rate) Value { return c.Rate(r, zeroDiv) }
	diff := func(r Rate) (Value, *Interval) {
		u, p := rate(unpriv, r), rate(priv, r)
		if !u.OK() {
			return Undef(fmt.Sprintf("%s undefined for the unprivileged group: %s", r, u.Undefined)), nil
		}
		if !p.OK() {
			return Undef(fmt.Sprintf("%s undefined for the privileged group: %s", r, p.Undefined)), nil
		}
		iv, _ := differenceInterval(unpriv, unprivSq, priv, privSq, r)
		return Defined(u.V - p.V), iv
	}
	quotient := func(r Rate) Value {
		u, p := rate(unpriv, r), rate(priv, r)
		switch {
		case !u.OK():
			return Undef(fmt.Sprintf("%s undefined for the unprivileged group: %s", r, u.Undefined))
		case !p.OK():
			return Undef(fmt.Sprintf("%s undefined for the privileged group: %s", r, p.Undefined))
		case p.V == 0:
			return Undef(fmt.Sprintf("%s is 0 in the privileged group", r))
		}
		return Defined(u.V / p.V)
	}
	spd, spdIv := diff(SelectionRate)
	eod, eodIv := diff(TruePositiveRate)
	fprD, _ := diff(FalsePositiveRate)
	tprD := eod
	aod, aaod := Undef(tprD.Undefined+fprD.Undefined), Undef(tprD.Undefined+fprD.Undefined)
	if tprD.OK() && fprD.OK() {
		aod = Defined((fprD.V + tprD.V) / 2)
		aaod = Defined((math.Abs(fprD.V) + math.Abs(tprD.V)) / 2)
	}
	erd, erdIv := diff(ErrorRate)
	return []Metric{
		mk(names[0], spd, spdIv),
		mk(names[1], quotient(SelectionRate), nil),
		mk(names[2], eod, eodIv),
		mk(names[3], aod, nil),
		mk(names[4], aaod, nil),
		mk(names[5], erd, erdIv),
		mk(names[6], quotient(ErrorRate), nil),
	}
}

// addSquares pools squared weights; nil stays nil for plain groups.
func addSquares(pool, squares *Counts) *Counts {
	if squares == nil {
		return pool
	}
	if pool == nil {
		pool = &Counts{}
	}
	pool.Add(*squares)
	return pool
}
