package incident

import (
	"testing"
	"time"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

func TestAcknowledgeBy(t *testing.T) {
	opened := time.Date(2026, 11, 27, 9, 5, 0, 0, time.UTC)
	cases := map[string]struct {
		sev       fairness.Severity
		overrides map[fairness.Severity]time.Duration
		want      time.Duration
	}{
		"Sev1":                   {fairness.Sev1, nil, 15 * time.Minute},
		"Sev2":                   {fairness.Sev2, nil, time.Hour},
		"Sev3":                   {fairness.Sev3, nil, 4 * time.Hour},
		"Sev4":                   {fairness.Sev4, nil, 24 * time.Hour},
		"Sev1 override":          {fairness.Sev1, map[fairness.Severity]time.Duration{fairness.Sev1: 10 * time.Minute}, 10 * time.Minute},
		"other override ignored": {fairness.Sev2, map[fairness.Severity]time.Duration{fairness.Sev1: time.Minute}, time.Hour},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if got := AcknowledgeBy(c.sev, opened, c.overrides); !got.Equal(opened.Add(c.want)) {
				t.Fatalf("deadline %v, want %v", got, opened.Add(c.want))
			}
		})
	}
}

func TestRaiseNeverLowers(t *testing.T) {
	cases := []struct{ current, observed, want fairness.Severity }{
		{"", fairness.Sev3, fairness.Sev3},
		{fairness.Sev3, fairness.Sev1, fairness.Sev1},
		{fairness.Sev1, fairness.Sev4, fairness.Sev1},
		{fairness.Sev2, fairness.Sev2, fairness.Sev2},
	}
	for _, c := range cases {
		if got := Raise(c.current, c.observed); got != c.want {
			t.Errorf("Raise(%s, %s) = %s, want %s", c.current, c.observed, got, c.want)
		}
	}
}

func TestChannelName(t *testing.T) {
	at := time.Date(2026, 11, 27, 9, 5, 59, 0, time.FixedZone("CET", 3600))
	if got := ChannelName(at); got != "#incident-2026-11-27-0805" {
		t.Fatalf("channel %q", got)
	}
}
