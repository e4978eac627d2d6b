package incident

import (
	"testing"
	"time"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func TestCheckTransition(t *testing.T) {
	cases := []struct {
		from, to, reason string
		ok               bool
	}{
		{Open, Acknowledged, "", true},
		{"", Acknowledged, "", true},
		{Open, Resolved, "", true},
		{Acknowledged, Mitigating, "", true},
		{Mitigating, Resolved, "", true},
		{Acknowledged, Open, "", false},
		{Mitigating, Open, "", false},
		{Resolved, Acknowledged, "", false},
		{Resolved, Open, "", false},
		{Resolved, Open, "the fix did not hold", true},
		{Open, Open, "", true},
	}
	for _, c := range cases {
		err := CheckTransition(c.from, c.to, c.reason)
		if (err == nil) != c.ok {
			t.Errorf("%s -> %s (reason %q): error %v, want ok=%v", c.from, c.to, c.reason, err, c.ok)
		}
	}
}

func TestEscalationStepsFireOnceInOrder(t *testing.T) {
	p := Policy{Escalation: []Step{
		{After: 0, Target: "oncall"},
		{After: 30 * time.Minute, Target: "lead"},
		{After: 0, Target: "security", Severities: []fairness.Severity{fairness.Sev1}},
	}}
	deadline := t0.Add(15 * time.Minute)
	cases := map[string]struct {
		v        View
		now      time.Time
		wantDue  []int
		wantWake time.Time
	}{
		"before the deadline": {View{Severity: fairness.Sev2, State: Open, AcknowledgeBy: deadline}, t0, nil, deadline},
		"at the deadline, Sev2": {View{Severity: fairness.Sev2, State: Open, AcknowledgeBy: deadline}, deadline, []int{0},
			deadline.Add(30 * time.Minute)},
		"at the deadline, Sev1 adds security": {View{Severity: fairness.Sev1, State: Open, AcknowledgeBy: deadline}, deadline,
			[]int{0, 2}, deadline.Add(30 * time.Minute)},
		"first step already fired": {View{Severity: fairness.Sev2, State: Open, AcknowledgeBy: deadline, Fired: []int32{0}},
			deadline.Add(time.Minute), nil, deadline.Add(30 * time.Minute)},
		"30 minutes later": {View{Severity: fairness.Sev2, State: Open, AcknowledgeBy: deadline, Fired: []int32{0}},
			deadline.Add(30 * time.Minute), []int{1}, time.Time{}},
		"acknowledged": {View{Severity: fairness.Sev1, State: Acknowledged, AcknowledgeBy: deadline}, deadline.Add(time.Hour),
			nil, time.Time{}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			due := DueSteps(p, c.v, c.now)
			if len(due) != len(c.wantDue) {
				t.Fatalf("due %v, want %v", due, c.wantDue)
			}
			for i := range due {
				if due[i] != c.wantDue[i] {
					t.Fatalf("due %v, want %v", due, c.wantDue)
				}
			}
			at, ok := NextWakeup(p, c.v, c.now)
			if ok != !c.wantWake.IsZero() || (ok && !at.Equal(c.wantWake)) {
				t.Fatalf("next wake-up %v (%v), want %v", at, ok, c.wantWake)
			}
		})
	}
}

func TestLateAutoResolveBlind(t *testing.T) {
	v := View{State: Open, AcknowledgeBy: t0}
	if Late(v, t0.Add(-time.Second)) || !Late(v, t0) {
		t.Fatal("Late is wrong around the deadline")
	}
	v.State = Acknowledged
	if Late(v, t0.Add(time.Hour)) {
		t.Fatal("an acknowledged incident is not late")
	}
	p := Policy{AutoResolveAfter: 3}
	for clean, want := range map[int32]bool{0: false, 2: false, 3: true, 5: true} {
		if got := AutoResolve(p, View{State: Open, CleanRuns: clean}); got != want {
			t.Errorf("AutoResolve after %d clean runs = %v, want %v", clean, got, want)
		}
	}
	if AutoResolve(Policy{}, View{State: Open, CleanRuns: 10}) {
		t.Error("auto-resolution without a policy")
	}
	if Blind(Policy{}, 5) || Blind(Policy{FailedRunsThreshold: 3}, 2) || !Blind(Policy{FailedRunsThreshold: 3}, 3) ||
		!Blind(Policy{FailedRunsThreshold: 1}, 1) {
		t.Error("Blind thresholds are wrong")
	}
}
