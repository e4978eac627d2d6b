// Package incident holds the incident-response policy as pure functions:
// response deadlines by severity, raise-only severity, channel names. It
// imports nothing from Kubernetes, and takes times instead of reading a clock.
package incident

import (
	"time"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

// DefaultDeadlines are the response times of the severity scale.
var DefaultDeadlines = map[fairness.Severity]time.Duration{
	fairness.Sev1: 15 * time.Minute,
	fairness.Sev2: time.Hour,
	fairness.Sev3: 4 * time.Hour,
	fairness.Sev4: 24 * time.Hour,
}

// AcknowledgeBy is the acknowledgement deadline of an incident of severity
// sev opened at openedAt; overrides replace the defaults per severity.
func AcknowledgeBy(sev fairness.Severity, openedAt time.Time, overrides map[fairness.Severity]time.Duration) time.Time {
	d, ok := overrides[sev]
	if !ok || d <= 0 {
		d, ok = DefaultDeadlines[sev]
	}
	if !ok {
		d = DefaultDeadlines[fairness.Sev4]
	}
	return openedAt.Add(d)
}

// Raise returns the more severe of current and observed: a milder run never
// lowers an incident's severity.
func Raise(current, observed fairness.Severity) fairness.Severity {
	if current == "" || current == fairness.SeverityNone || observed.Rank() < current.Rank() {
		return observed
	}
	return current
}

// ChannelName is the suggested chat channel for an incident opened at t (UTC).
func ChannelName(t time.Time) string {
	return "#incident-" + t.UTC().Format("2006-01-02-1504")
}
