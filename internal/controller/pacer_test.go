package controller

import (
	"fmt"
	"testing"
	"time"
)

func TestTargetPacerSpacesDeliveriesPerTarget(t *testing.T) {
	t.Parallel()
	p := newTargetPacer(2, 3) // 2/s, burst 3
	now := time.Unix(1000, 0)
	var waits []time.Duration
	for i := range 6 {
		waits = append(waits, p.wait("https://hooks/a", fmt.Sprint("k", i), now))
	}
	want := []time.Duration{0, 0, 0, 500 * time.Millisecond, time.Second, 1500 * time.Millisecond}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
	if d := p.wait("https://hooks/b", "other", now); d != 0 {
		t.Fatalf("another target waited %v", d)
	}
	// A delivery that waited keeps its slot: asking again early gives the
	// rest of the wait, at the slot it is sent.
	if d := p.wait("https://hooks/a", "k4", now.Add(400*time.Millisecond)); d != 600*time.Millisecond {
		t.Fatalf("k4 asked again after 400ms: wait %v, want 600ms", d)
	}
	if d := p.wait("https://hooks/a", "k4", now.Add(time.Second)); d != 0 {
		t.Fatalf("k4 at its slot: wait %v", d)
	}
	// A slot whose delivery never came back is forgotten after an hour.
	if d := p.wait("https://hooks/a", "abandoned", now); d == 0 {
		t.Fatal("the burst should be spent by now")
	}
	later := now.Add(3 * time.Hour)
	for i := range 5 {
		p.wait("https://hooks/a", fmt.Sprint("late", i), later)
	}
	if _, ok := p.slots["abandoned"]; ok {
		t.Fatal("an abandoned slot was kept")
	}
	if newTargetPacer(0, 0).wait("u", "k", now) != 0 {
		t.Fatal("a disabled pacer made a delivery wait")
	}
}
