// Package notify sends incident notifications: a generic JSON webhook, a
// Slack-compatible incoming webhook, and Alertmanager's v2 API. Target URLs
// come from Secrets and never appear in errors, status, Events or logs.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fairness-operator/fairness-operator/internal/display"
)

// Kinds of targets.
const (
	Webhook      = "webhook"
	Slack        = "slack"
	Alertmanager = "alertmanager"
)

// Message is one incident transition to tell a target about.
type Message struct {
	IdempotencyKey string    `json:"idempotencyKey"`
	Transition     string    `json:"transition"`
	Incident       string    `json:"incident"`
	Namespace      string    `json:"namespace"`
	Evaluation     string    `json:"evaluation"`
	Severity       string    `json:"severity"`
	Category       string    `json:"category"`
	State          string    `json:"state"`
	Metric         string    `json:"metric,omitempty"`
	Attribute      string    `json:"attribute,omitempty"`
	Group          string    `json:"group,omitempty"`
	Value          float64   `json:"value,omitempty"`
	Threshold      float64   `json:"threshold,omitempty"`
	OpenedAt       time.Time `json:"openedAt"`
	AcknowledgeBy  time.Time `json:"acknowledgeBy,omitzero"`
	Resolved       bool      `json:"resolved"`
	Channel        string    `json:"channel,omitempty"`
}

// Target is where a message goes.
type Target struct {
	Name string
	Kind string
	// URL is the secret address (for Alertmanager, its base URL).
	URL string
}

// Send delivers one message. The error never contains the URL.
func Send(ctx context.Context, c *http.Client, t Target, m Message) error {
	var body []byte
	var err error
	url := t.URL
	switch t.Kind {
	case Webhook:
		body, err = json.Marshal(m)
	case Slack:
		body, err = json.Marshal(map[string]string{"text": SlackText(m)})
	case Alertmanager:
		body, err = json.Marshal([]alert{alertFor(m)})
		url = strings.TrimSuffix(url, "/") + "/api/v2/alerts"
	default:
		return fmt.Errorf("unknown target kind %q", t.Kind)
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("target %s: invalid URL in its Secret", t.Name)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", m.IdempotencyKey)
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("target %s: request failed: %s", t.Name, redact(display.URLErrorCause(err).Error(), t.URL))
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("target %s: HTTP %s", t.Name, resp.Status)
	}
	return nil
}

// redact replaces the whole secret URL (a webhook URL is itself the
// credential) wherever an error still quotes it.
func redact(msg, url string) string {
	if url == "" {
		return msg
	}
	return strings.ReplaceAll(msg, url, "<redacted URL>")
}

// escape keeps data-derived text (group values) from breaking a Slack
// message: control characters go, and Slack's &, <, > are escaped.
func escape(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// SlackText is the readable message of a transition, with the commands to
// look at and acknowledge the incident.
func SlackText(m Message) string {
	var b strings.Builder
	verb := map[bool]string{true: "resolved", false: m.Transition}[m.Resolved]
	fmt.Fprintf(&b, "*%s bias incident %s* (%s) in `%s`: %s\n", escape(m.Severity), escape(m.Incident),
		escape(m.Category), escape(m.Namespace), escape(verb))
	fmt.Fprintf(&b, "Evaluation `%s`", escape(m.Evaluation))
	if m.Metric != "" {
		fmt.Fprintf(&b, ": %s on %s", escape(m.Metric), escape(m.Attribute))
		if m.Group != "" {
			fmt.Fprintf(&b, " (worst-off group %s)", escape(m.Group))
		}
		fmt.Fprintf(&b, " = %.4f, threshold %g", m.Value, m.Threshold)
	}
	b.WriteString("\n")
	if !m.Resolved && !m.AcknowledgeBy.IsZero() {
		fmt.Fprintf(&b, "Acknowledge by %s", m.AcknowledgeBy.UTC().Format(time.RFC3339))
		if m.Channel != "" {
			fmt.Fprintf(&b, " · channel %s", escape(m.Channel))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Look: `kubectl -n %s describe biasincident %s`\n", escape(m.Namespace), escape(m.Incident))
	if !m.Resolved {
		fmt.Fprintf(&b, "Acknowledge: `kubectl fairness incident ack %s -n %s --by <you>`", escape(m.Incident), escape(m.Namespace))
	}
	return b.String()
}

// alert is one Alertmanager v2 alert.
type alert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// alertFor labels the alert so Alertmanager can route (severity, category,
// namespace) and dedupe (one alert per incident); a resolved incident sends
// the same labels with endsAt set, which resolves the alert.
func alertFor(m Message) alert {
	a := alert{
		Labels: map[string]string{"alertname": "FairnessBiasIncident", "namespace": m.Namespace, "incident": m.Incident,
			"evaluation": m.Evaluation, "severity": strings.ToLower(m.Severity), "category": m.Category},
		Annotations: map[string]string{"summary": fmt.Sprintf("%s bias incident %s on evaluation %s", m.Severity, m.Incident, m.Evaluation),
			"description": SlackText(m)},
		StartsAt: m.OpenedAt,
	}
	if m.Resolved {
		a.EndsAt = time.Now().UTC()
	}
	return a
}
