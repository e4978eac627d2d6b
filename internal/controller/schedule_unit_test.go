package controller

import (
	"strings"
	"testing"
	"time"
)

// TestParseScheduleRefusesRunawayAndNeverFiring: a schedule faster than the
// minimum interval would start a Job a second; one that never fires used to
// run at once as run s-62135596800 and then stay Running for ever.
func TestParseScheduleRefusesRunawayAndNeverFiring(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		schedule string
		min      time.Duration
		wantErr  string
	}{
		"every second":         {"@every 1s", time.Minute, "runs every 1s, more often than the minimum of 1m0s"},
		"every zero seconds":   {"@every 0s", time.Minute, "more often than the minimum"},
		"February 30":          {"0 0 30 2 *", time.Minute, `schedule "0 0 30 2 *" never fires`},
		"every minute":         {"* * * * *", time.Minute, ""},
		"hourly":               {"@hourly", time.Minute, ""},
		"every minute, min 5m": {"* * * * *", 5 * time.Minute, "runs every 1m0s"},
		"irregular list":       {"0,1,30 * * * *", 2 * time.Minute, "runs every 1m0s"},
		"every 90 seconds":     {"@every 90s", time.Minute, ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseSchedule(c.schedule, c.min, now)
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, c.wantErr)
			}
		})
	}
}
