// Package fairness computes fairness metrics from per-group sufficient
// statistics: confusion counts (and optional score histograms) that add up
// across shards, so a large dataset can be split, summed and graded anywhere.
//
// Multi-group aggregates follow fairlearn (between_groups: max - min and
// min / max; to_overall), directional metrics against a privileged group
// follow AIF360. An undefined value (a zero denominator, a single group) is
// reported as undefined with a reason, never as NaN, Inf or a silent 0,
// unless Options.ZeroDivisionAsZero asks for scikit-learn's behaviour.
//
// The package imports nothing from Kubernetes.
package fairness
