// Package browser loads the audit report in a real browser (Debian's
// chromium, driven over the DevTools protocol with chromedp) and prints it
// to PDF, as a reader and an auditor would.
package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"sigs.k8s.io/yaml"

	"github.com/fairness-operator/fairness-operator/internal/cli"
	"github.com/fairness-operator/fairness-operator/test/envtestutil"
)

// biasedSample is the demo's biased evaluation.
const biasedSample = "config/samples/fairness_v1alpha1_fairnessevaluation_biased.yaml"

// demoReport runs the demo's biased evaluation as `fairctl evaluate` with
// the sample's settings and renders its report; it returns the page's path
// and the run's groups per attribute.
func demoReport(t *testing.T) (string, map[string]int) {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(envtestutil.RepoRoot(), biasedSample))
	if err != nil {
		t.Fatal(err)
	}
	var sample struct {
		Spec struct {
			Thresholds []map[string]any `json:"thresholds"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(data, &sample); err != nil {
		t.Fatal(err)
	}
	thresholds, err := yaml.Marshal(map[string]any{"thresholds": sample.Spec.Thresholds})
	if err != nil {
		t.Fatal(err)
	}
	thresholdsFile := filepath.Join(dir, "thresholds.yaml")
	if err := os.WriteFile(thresholdsFile, thresholds, 0o600); err != nil {
		t.Fatal(err)
	}
	var run, errOut bytes.Buffer
	code := cli.Execute([]string{"evaluate", "--rows", "50000", "--seed", "42", "--disparity", "0.25", "--label", "repaid",
		"--prediction", "approved", "--score", "score", "--protected", "sex", "--protected", "age_group", "--privileged", "sex=male",
		"--min-group-size", "50", "--thresholds-file", thresholdsFile, "-o", "json"}, nil, &run, &errOut)
	if code != cli.ExitBreached {
		t.Fatalf("the biased sample exited %d, want %d (breached): %s", code, cli.ExitBreached, errOut.String())
	}
	runFile, pageFile := filepath.Join(dir, "run.json"), filepath.Join(dir, "report.html")
	if err := os.WriteFile(runFile, run.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := cli.Execute([]string{"report", "--from", runFile, "-o", pageFile}, nil, &bytes.Buffer{}, &errOut); code != 0 {
		t.Fatalf("report exited %d: %s", code, errOut.String())
	}
	var groups struct {
		Groups []struct{ Attribute string } `json:"groups"`
	}
	if err := json.Unmarshal(run.Bytes(), &groups); err != nil {
		t.Fatal(err)
	}
	perAttribute := map[string]int{}
	for _, g := range groups.Groups {
		perAttribute[g.Attribute]++
	}
	return pageFile, perAttribute
}

// browser is headless chromium with a fresh profile and the flags these
// machines need.
type browser struct {
	ctx context.Context
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: run hack/install-browser-packages.sh (make test does)")
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1200, 900)}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	// Bounds the whole browser: no test waits on it for longer.
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return &browser{ctx: ctx}
}

// load opens the page and records, until the returned func is called, the
// console's messages and every URL the page requests.
func (b *browser) load(t *testing.T, file string) func() (console []string, requests []string) {
	t.Helper()
	watch, stop := context.WithCancel(b.ctx)
	var mu sync.Mutex
	var console, requests []string
	var wg sync.WaitGroup
	messages := chromedp.Console(watch)
	sent := chromedp.Events(watch, network.RequestWillBeSent)
	wg.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.Type == chromedp.ConsoleException {
				mu.Lock()
				console = append(console, fmt.Sprintf("%s: %s", m.Type, m.Text))
				mu.Unlock()
			}
		}
	})
	wg.Go(func() {
		for ev, err := range sent {
			if err != nil {
				return
			}
			mu.Lock()
			requests = append(requests, ev.Request.URL)
			mu.Unlock()
		}
	})
	enableNetwork := func(ctx context.Context, target *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, target, network.Enable, network.EnableParams{})
		return chromedp.Void{}, err
	}
	if err := chromedp.Do(b.ctx, enableNetwork, chromedp.Navigate("file://"+file), chromedp.WaitReady("#definitions")); err != nil {
		stop()
		t.Fatal(err)
	}
	return func() ([]string, []string) {
		stop()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return console, requests
	}
}

// chart is what the page shows of one chart.
type chart struct {
	Kind      string `json:"kind"`
	Attribute string `json:"attribute"`
	Declared  int    `json:"declared"`
	Bars      int    `json:"bars"`
	Rows      int    `json:"rows"`
}

// chartsScript counts, per chart, the bars drawn (paths in the bar colours)
// and the rows of the data table that is its text equivalent.
const chartsScript = `Array.from(document.querySelectorAll('figure.chart.selection, figure.chart.impact')).map(f => ({
  kind: f.classList.contains('impact') ? 'impact' : 'selection',
  attribute: f.closest('section.attribute').dataset.attribute,
  declared: Number(f.dataset.bars),
  bars: f.querySelectorAll('path[style*="fill:#2B5C8A"], path[style*="fill:#B83B2E"]').length,
  rows: f.closest('section.attribute').querySelectorAll('table.groups tbody tr').length,
}))`

func TestReportInChromium(t *testing.T) {
	pageFile, groups := demoReport(t)
	b := newBrowser(t)
	seen := b.load(t, pageFile)
	severity, err := chromedp.Run(b.ctx, chromedp.Text("#severity"))
	if err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(b.ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	charts, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]chart](chartsScript))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatal(err)
	}
	keepArtifact(t, "report-credit-biased.jpg", shot)
	if severity != "Sev1" {
		t.Errorf("the summary shows severity %q; the biased sample (disparity 0.25) is Sev1", severity)
	}
	if !strings.Contains(title, "Fairness audit report") {
		t.Errorf("title %q", title)
	}
	// sex, age_group and their intersection, two charts each.
	if len(charts) != 2*len(groups) || len(groups) != 3 {
		t.Fatalf("%d charts for %d attribute tables (%v), want two per table and three tables", len(charts), len(groups), groups)
	}
	for _, c := range charts {
		if c.Bars != groups[c.Attribute] || c.Declared != c.Bars || c.Rows != c.Bars {
			t.Errorf("%s chart of %s: %d bars drawn, %d declared, %d table rows; want %d, one per group",
				c.Kind, c.Attribute, c.Bars, c.Declared, c.Rows, groups[c.Attribute])
		}
	}
	console, requests := seen()
	if len(console) > 0 {
		t.Errorf("the page logged errors: %v", console)
	}
	if len(requests) == 0 {
		t.Error("no request was seen, not even the page's own: the network watch is not working")
	}
	for _, u := range requests {
		if !strings.HasPrefix(u, "file://") {
			t.Errorf("the page fetched %s: it must need nothing but itself", u)
		}
	}
}

func TestReportPrintsToPDF(t *testing.T) {
	pageFile, _ := demoReport(t)
	b := newBrowser(t)
	seen := b.load(t, pageFile)
	defer seen() // the watch ends with the test, not with the browser's cleanup
	pdf, err := chromedp.Run(b.ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	keepArtifact(t, "report-credit-biased.pdf", pdf)
	info, err := exec.Command("pdfinfo", file).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	pages := 0
	for line := range strings.Lines(string(info)) {
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			pages, _ = strconv.Atoi(strings.TrimSpace(v))
		}
		if v, ok := strings.CutPrefix(line, "Page size:"); ok && !strings.Contains(v, "(A4)") {
			t.Errorf("page size %s, want A4 (the print styles set it)", strings.TrimSpace(v))
		}
	}
	// Three attribute tables with two charts each, the summary, provenance
	// and definitions: more than two pages, and far fewer than one per chart
	// and table would be.
	if pages < 3 || pages > 8 {
		t.Errorf("%d pages, want 3 to 8", pages)
	}
	text, err := exec.Command("pdftotext", "-layout", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for _, want := range []string{"Fairness audit report", "Severity: Sev1", "Thresholds crossed", "Provenance",
		"Groups", "Definitions", "SR = (TP + FP) / n", "four-fifths"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
}

// keepArtifact writes data under $FAIRNESS_ARTIFACTS (default _artifacts/
// in the repository, which git ignores) for a person to look at.
func keepArtifact(t *testing.T, name string, data []byte) {
	t.Helper()
	dir := os.Getenv("FAIRNESS_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(envtestutil.RepoRoot(), "_artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("kept %s", filepath.Join(dir, name))
}
