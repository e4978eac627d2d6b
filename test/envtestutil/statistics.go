package envtestutil

import (
	"encoding/json"

	"github.com/fairness-operator/fairness-operator/internal/evaluate"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// GradedStatistics is the fairness report (as JSON) of a run's stored
// statistics (status.lastRun.statistics), for comparing two runs.
func GradedStatistics(encoded string) (string, error) {
	res, err := evaluate.DecodeResult(encoded)
	if err != nil {
		return "", err
	}
	table, err := res.Table()
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(fairness.Evaluate(table, fairness.Options{}))
	return string(data), err
}
