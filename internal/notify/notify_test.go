package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type receiver struct {
	mu       sync.Mutex
	failures int
	bodies   []string
	paths    []string
	keys     []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failures > 0 {
		r.failures--
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	b, _ := io.ReadAll(req.Body)
	r.bodies = append(r.bodies, string(b))
	r.paths = append(r.paths, req.URL.Path)
	r.keys = append(r.keys, req.Header.Get("Idempotency-Key"))
}

var msg = Message{IdempotencyKey: "uid-1/Opened/oncall", Transition: "Opened", Incident: "credit-g1", Namespace: "risk",
	Evaluation: "credit", Severity: "Sev1", Category: "Bias", State: "Open", Metric: "demographicParityDifference",
	Attribute: "sex", Group: "<script>female\n", Value: 0.31, Threshold: 0.2,
	OpenedAt: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), AcknowledgeBy: time.Date(2026, 11, 27, 9, 15, 0, 0, time.UTC),
	Channel: "#incident-2026-11-27-0900"}

func TestSendEachKind(t *testing.T) {
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	ctx := context.Background()
	for _, kind := range []string{Webhook, Slack, Alertmanager} {
		if err := Send(ctx, srv.Client(), Target{Name: "t", Kind: kind, URL: srv.URL + "/hook"}, msg); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
	}
	var hook Message
	if err := json.Unmarshal([]byte(rcv.bodies[0]), &hook); err != nil || hook.Incident != "credit-g1" || rcv.keys[0] != msg.IdempotencyKey {
		t.Fatalf("webhook body %s key %q", rcv.bodies[0], rcv.keys[0])
	}
	var slack map[string]string
	_ = json.Unmarshal([]byte(rcv.bodies[1]), &slack)
	for _, want := range []string{"*Sev1 bias incident credit-g1*", "demographicParityDifference on sex", "&lt;script&gt;female",
		"Acknowledge by 2026-11-27T09:15:00Z", "kubectl -n risk describe biasincident credit-g1",
		"kubectl fairness incident ack credit-g1 -n risk"} {
		if !strings.Contains(slack["text"], want) {
			t.Errorf("Slack text lacks %q:\n%s", want, slack["text"])
		}
	}
	if strings.Contains(slack["text"], "<script>") || strings.Contains(slack["text"], "female\n") {
		t.Errorf("group value not escaped:\n%s", slack["text"])
	}
	var alerts []alert
	if err := json.Unmarshal([]byte(rcv.bodies[2]), &alerts); err != nil || rcv.paths[2] != "/hook/api/v2/alerts" ||
		alerts[0].Labels["severity"] != "sev1" || alerts[0].Labels["incident"] != "credit-g1" || !alerts[0].EndsAt.IsZero() {
		t.Fatalf("alertmanager path %s body %s", rcv.paths[2], rcv.bodies[2])
	}
	resolved := msg
	resolved.Resolved = true
	if err := Send(ctx, srv.Client(), Target{Name: "t", Kind: Alertmanager, URL: srv.URL}, resolved); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(rcv.bodies[3]), &alerts)
	if alerts[0].EndsAt.IsZero() {
		t.Fatal("a resolved incident's alert has no endsAt")
	}
}

func TestErrorsNeverShowTheURL(t *testing.T) {
	rcv := &receiver{failures: 1}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	secret := srv.URL + "/services/T000/B000/s3cr3t"
	err := Send(context.Background(), srv.Client(), Target{Name: "oncall", Kind: Slack, URL: secret}, msg)
	if err == nil || err.Error() != "target oncall: HTTP 503 Service Unavailable" {
		t.Fatalf("error %v", err)
	}
	for _, url := range []string{"http://127.0.0.1:1/s3cr3t", "http://user:pa55@127.0.0.1:1/s3cr3t?token=s3cr3t"} {
		err = Send(context.Background(), srv.Client(), Target{Name: "oncall", Kind: Webhook, URL: url}, msg)
		if err == nil || strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "user") {
			t.Fatalf("error %v shows the secret URL", err)
		}
	}
}
