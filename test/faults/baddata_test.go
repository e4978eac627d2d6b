package faults

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// badData is one malformed prediction log and the run failure it must give.
type badData struct {
	name   string
	body   func() []byte
	score  bool // map a score column "s"
	reason string
	inMsg  string
}

func text(s string) func() []byte { return func() []byte { return []byte(s) } }

var badDataCases = []badData{
	{"empty", text(""), false, fairnessv1alpha1.ReasonEvaluationFailed, "empty"},
	{"header-only", text("y,p,g\n"), false, fairnessv1alpha1.ReasonEvaluationFailed, "no data rows"},
	{"missing-protected", text("y,p\n1,1\n"), false, fairnessv1alpha1.ReasonEvaluationFailed, `"g"`},
	{"missing-label", text("p,g\n1,a\n"), false, fairnessv1alpha1.ReasonEvaluationFailed, `"y"`},
	{"duplicate-column", text("y,p,g,g\n1,1,a,b\n"), false, fairnessv1alpha1.ReasonEvaluationFailed, "twice"},
	{"label-not-binary", text("y,p,g\nyes,1,a\n"), false, fairnessv1alpha1.ReasonEvaluationFailed, "line 2"},
	{"prediction-not-binary", text("y,p,g\n1,0.7,a\n"), false, fairnessv1alpha1.ReasonEvaluationFailed, "line 2"},
	{"score-nan", text("y,p,s,g\n1,1,NaN,a\n"), true, fairnessv1alpha1.ReasonEvaluationFailed, "line 2"},
	{"score-out-of-range", text("y,p,s,g\n1,1,7.5,a\n"), true, fairnessv1alpha1.ReasonEvaluationFailed, "line 2"},
	{"ragged-row", text("y,p,g\n1,1,a\n1,1\n"), false, fairnessv1alpha1.ReasonEvaluationFailed, "line 3"},
	{"unclosed-quote", text("y,p,g\n1,1,\"a\n"), false, fairnessv1alpha1.ReasonEvaluationFailed, "quote"},
	{"huge-line", func() []byte { return append([]byte("y,p,g\n1,1,"), bytes.Repeat([]byte("a"), 4<<20)...) },
		false, fairnessv1alpha1.ReasonEvaluationFailed, "line 2"},
	{"gzip-bomb", gzipBomb, false, fairnessv1alpha1.ReasonEvaluationFailed, "line 1"},
	{"100000-groups", manyGroups, false, fairnessv1alpha1.ReasonEvaluationFailed, "groups"},
	{"binary-garbage", text("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"), false, fairnessv1alpha1.ReasonEvaluationFailed, ""},
}

// gzipBomb is 256 MiB of zeros in a quarter of a megabyte: one endless line.
func gzipBomb() []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 256 {
		_, _ = zw.Write(zeros)
	}
	_ = zw.Close()
	return buf.Bytes()
}

func manyGroups() []byte {
	var b bytes.Buffer
	b.WriteString("y,p,g\n")
	for i := range 100000 {
		fmt.Fprintf(&b, "1,1,group-%d\n", i)
	}
	return b.Bytes()
}

// hostileGroups are group names that try to break what shows them:
// spreadsheet formulas, terminal escapes, invalid UTF-8, Slack mentions,
// and an attempt to forge a Prometheus sample. The first has the lowest
// approval rate, so it is the group the breach (and its Slack message) names.
var hostileGroups = []string{"<!channel>", "=HYPERLINK(\"http://evil\")", "\x1b[31mred\x1b[0m", "\xff\xfe",
	"a\"} 1\nfake_metric{x=\"1"}

func hostileLog() []byte {
	var b bytes.Buffer
	b.WriteString("y,p,g\n")
	for gi, g := range hostileGroups {
		quoted := `"` + strings.ReplaceAll(g, `"`, `""`) + `"`
		for i := range 100 {
			approved := i < 10+gi*20 // selection rates 0.1 .. 0.9
			fmt.Fprintf(&b, "%d,%d,%s\n", i%2, boolInt(approved), quoted)
		}
	}
	return b.Bytes()
}

// Bad data gives each run a specific failure; hostile group names are shown
// escaped in status, Events, Slack and metric labels; a healthy evaluation
// next to them and the manager are unaffected.
func TestBadDataEndToEnd(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "bad-data")
	slack := receiver.URL + "/slack"
	if err := k8s().Create(ctx, slackSecret(ns, slack)); err != nil {
		t.Fatal(err)
	}
	mgr := startManager(t, ns, "")
	evals := map[string]*fairnessv1alpha1.FairnessEvaluation{}
	for _, c := range badDataCases {
		e := biasedEvaluation(ns)
		e.Name, e.Spec.BackoffLimit = c.name, new(int32(0))
		e.Spec.Source.URL.URL = data.serve("bad-"+c.name, c.body())
		if c.score {
			e.Spec.Columns.Score = "s"
		}
		evals[c.name] = e
	}
	hostile := biasedEvaluation(ns)
	hostile.Name = "hostile"
	hostile.Spec.Source.URL.URL = data.serve("hostile", hostileLog())
	hostile.Spec.IncidentPolicy.Notifications = append(hostile.Spec.IncidentPolicy.Notifications,
		fairnessv1alpha1.NotificationTarget{Name: "slack", Kind: fairnessv1alpha1.NotificationSlack,
			URLSecretRef: fairnessv1alpha1.SecretKeyReference{Name: "slack", Key: "url"}, OnOpen: true})
	healthy := biasedEvaluation(ns)
	healthy.Name = "healthy"
	for _, e := range append(mapValues(evals), hostile, healthy) {
		if err := k8s().Create(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range badDataCases {
		e := evals[c.name]
		waitSettled(t, e, fairnessv1alpha1.RunFailed, 2*time.Minute)
		lr := e.Status.LastRun
		if lr.Reason != c.reason || !strings.Contains(lr.Message, c.inMsg) {
			t.Errorf("%s: %s %q; want %s containing %q", c.name, lr.Reason, lr.Message, c.reason, c.inMsg)
		}
		checkDisplayable(t, c.name+" message", lr.Message)
		record("bad data %-22s -> %s: %s", c.name, lr.Reason, lr.Message)
	}
	waitSettled(t, healthy, fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	waitSettled(t, hostile, fairnessv1alpha1.RunSucceeded, 2*time.Minute)
	checkHostileShown(t, hostile, mgr.metricsAddr())
	if pod := mgr.runningPod(); pod.Status.ContainerStatuses[0].RestartCount != 0 {
		t.Fatalf("the manager's container restarted %d times", pod.Status.ContainerStatuses[0].RestartCount)
	}
}

func checkHostileShown(t *testing.T, hostile *fairnessv1alpha1.FairnessEvaluation, metricsAddr string) {
	t.Helper()
	ctx := context.Background()
	if len(hostile.Status.Groups) != len(hostileGroups) {
		t.Fatalf("%d groups in status, want %d", len(hostile.Status.Groups), len(hostileGroups))
	}
	shown := map[string]bool{}
	for _, g := range hostile.Status.Groups {
		checkDisplayable(t, "status group", g.Group)
		shown[g.Group] = true
	}
	for _, want := range []string{`\x1b[31mred\x1b[0m`, `\xff\xfe`, "<!channel>", `=HYPERLINK("http://evil")`} {
		if !shown[want] {
			t.Errorf("group %q not shown as %q: %v", want, want, shown)
		}
	}
	var events eventsv1.EventList
	if err := k8s().List(ctx, &events, client.InNamespace(hostile.Namespace)); err != nil {
		t.Fatal(err)
	}
	for _, ev := range events.Items {
		checkDisplayable(t, "event "+ev.Reason, ev.Note)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(receiver.slackBodies()) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if len(receiver.slackBodies()) == 0 {
		t.Fatal("no Slack message arrived")
	}
	for _, body := range receiver.slackBodies() {
		var msg struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal([]byte(body), &msg); err != nil {
			t.Fatalf("Slack body is not JSON: %v: %s", err, body)
		}
		if strings.Contains(msg.Text, "<!channel>") || strings.ContainsRune(msg.Text, 0x1b) {
			t.Errorf("Slack message carries a raw mention or escape: %q", msg.Text)
		}
		if !strings.Contains(msg.Text, "worst-off group &lt;!channel&gt;") {
			t.Errorf("Slack message does not name the breaching group, escaped: %q", msg.Text)
		}
	}
	series := scrapeGroupSeries(t, metricsAddr, hostile)
	if series == 0 || series > 4*len(hostileGroups) {
		t.Errorf("%d fairness_group_rate series for %d groups", series, len(hostileGroups))
	}
	record("hostile group names (formula, terminal escape, invalid UTF-8, Slack mention, forged sample): "+
		"escaped in status, %d Events and %d Slack message(s); %d metric series parse cleanly",
		len(events.Items), len(receiver.slackBodies()), series)
}

// checkDisplayable: valid UTF-8 with no control characters except newline.
func checkDisplayable(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) {
		t.Errorf("%s is not safe to display: %q", what, s)
	}
}

// scrapeGroupSeries parses the manager's /metrics (failing on anything a
// group name could have broken) and counts the evaluation's group series.
func scrapeGroupSeries(t *testing.T, addr string, e *fairnessv1alpha1.FairnessEvaluation) int {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the metrics do not parse: %v", err)
	}
	if _, forged := families["fake_metric"]; forged {
		t.Fatal("a group name forged a metric")
	}
	n := 0
	for _, m := range families["fairness_group_rate"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "evaluation" && l.GetValue() == e.Name {
				n++
			}
		}
	}
	return n
}

func mapValues(m map[string]*fairnessv1alpha1.FairnessEvaluation) []*fairnessv1alpha1.FairnessEvaluation {
	var out []*fairnessv1alpha1.FairnessEvaluation
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
