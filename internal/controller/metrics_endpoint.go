package controller

import (
	"bufio"
	"context"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/go-logr/logr"
	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// metricsPath is where controller-runtime's metrics server serves metrics.
const metricsPath = "/metrics"

// scrapeTimeout bounds a scrape's read of the cache, which waits while the
// cache has not synced yet (Prometheus's default scrape timeout is 10s).
const scrapeTimeout = 5 * time.Second

// textFormat is Prometheus's text exposition format, version 0.0.4, which
// every Prometheus version accepts.
const textFormat = "text/plain; version=0.0.4; charset=utf-8"

// MetricsEndpoint serves /metrics: the registry's metrics, then the gauges of
// every evaluation's status read from the manager's cache at scrape time, as
// kube-state-metrics does. The status gauges are written line by line as
// they are read, never held as metric objects: the registry's handler builds
// every series of a scrape in memory before writing the first (about 700
// bytes a series), which at 10,000 evaluations and 19 series each was more
// than the manager's 256 MiB.
type MetricsEndpoint struct {
	registry    prometheus.Gatherer
	evaluations atomic.Pointer[client.Reader]
}

// NewMetricsEndpoint serves registry's metrics; the status gauges follow once
// ReadStatusFrom has named the cache.
func NewMetricsEndpoint(registry prometheus.Gatherer) *MetricsEndpoint {
	return &MetricsEndpoint{registry: registry}
}

// ReadStatusFrom sets the reader (the manager's cache) the status gauges come from.
func (e *MetricsEndpoint) ReadStatusFrom(evaluations client.Reader) {
	e.evaluations.Store(&evaluations)
}

// FilterProvider is the type of controller-runtime's metricsserver.Options.FilterProvider.
type FilterProvider = func(c *rest.Config, httpClient *http.Client) (metricsserver.Filter, error)

// FilterProvider puts the endpoint in place of controller-runtime's /metrics
// handler, behind auth's filter when auth is not nil (secure serving). The
// filter hook is the one place controller-runtime lets a manager choose what
// answers /metrics; other paths keep their handlers.
func (e *MetricsEndpoint) FilterProvider(auth FilterProvider) FilterProvider {
	return func(c *rest.Config, httpClient *http.Client) (metricsserver.Filter, error) {
		var authFilter metricsserver.Filter
		if auth != nil {
			var err error
			if authFilter, err = auth(c, httpClient); err != nil {
				return nil, err
			}
		}
		return func(log logr.Logger, next http.Handler) (http.Handler, error) {
			h := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == metricsPath {
					e.ServeHTTP(w, r)
					return
				}
				next.ServeHTTP(w, r)
			}))
			if authFilter == nil {
				return h, nil
			}
			return authFilter(log, h)
		}, nil
	}
}

// ServeHTTP writes the metrics in the text format, gzipped when the scraper
// accepts it. A registry that fails fails the scrape (as controller-runtime's
// handler does); a cache that cannot answer leaves the status gauges out.
func (e *MetricsEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	families, err := e.registry.Gather()
	if err != nil {
		http.Error(w, "gathering metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", textFormat)
	w.Header().Add("Vary", "Accept-Encoding")
	var out io.Writer = w
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		w.Header().Set("Content-Encoding", "gzip")
		gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed) // a valid level never fails
		defer func() { _ = gz.Close() }()
		out = gz
	}
	buf := bufio.NewWriterSize(out, 64<<10)
	defer func() { _ = buf.Flush() }()
	enc := expfmt.NewEncoder(buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return // the scraper went away
		}
	}
	if reader := e.evaluations.Load(); reader != nil {
		ctx, cancel := context.WithTimeout(r.Context(), scrapeTimeout)
		defer cancel()
		writeStatusGauges(ctx, buf, *reader, time.Now())
	}
}

func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			return strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0"
		}
	}
	return false
}

// writeStatusGauges writes every status family of every evaluation the
// reader holds; each family's series stay together, as the format asks.
func writeStatusGauges(ctx context.Context, w *bufio.Writer, evaluations client.Reader, now time.Time) {
	var list fairnessv1alpha1.FairnessEvaluationList
	// Read-only: the cache's objects are not copied for the scrape.
	if err := evaluations.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return
	}
	for _, f := range statusFamilies {
		_, _ = w.WriteString("# HELP " + f.name + " " + f.help + "\n# TYPE " + f.name + " gauge\n")
		for i := range list.Items {
			eval := &list.Items[i]
			for _, s := range f.samples(eval, now) {
				writeSample(w, f, eval.Namespace, eval.Name, s)
			}
		}
	}
}

// labelEscaper escapes a label value as the text format asks.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// writeSample writes one series line. A label value that is not valid UTF-8
// cannot come from a stored status (the API server keeps strings valid);
// such a series is left out rather than break the scrape.
func writeSample(w *bufio.Writer, f *statusFamily, namespace, name string, s sample) {
	if !utf8.ValidString(namespace) || !utf8.ValidString(name) {
		return
	}
	for _, v := range s.labels {
		if !utf8.ValidString(v) {
			return
		}
	}
	_, _ = w.WriteString(f.name)
	sep := byte('{')
	for _, i := range f.labelOrder() {
		value := namespace
		switch i {
		case 0:
		case 1:
			value = name
		default:
			value = s.labels[i-2]
		}
		writeLabel(w, sep, f.labelName(i), value)
		sep = ','
	}
	_, _ = w.WriteString("} ")
	switch {
	case math.IsInf(s.value, 1):
		_, _ = w.WriteString("+Inf")
	case math.IsInf(s.value, -1):
		_, _ = w.WriteString("-Inf")
	case math.IsNaN(s.value):
		_, _ = w.WriteString("NaN")
	default:
		var num [32]byte
		_, _ = w.Write(strconv.AppendFloat(num[:0], s.value, 'g', -1, 64))
	}
	_ = w.WriteByte('\n')
}

// labelName is the family's i-th label: namespace, evaluation, then its own.
func (f *statusFamily) labelName(i int) string {
	switch i {
	case 0:
		return "namespace"
	case 1:
		return "evaluation"
	}
	return f.labels[i-2]
}

// labelOrder lists the family's labels by name, the order client_golang
// writes them in.
func (f *statusFamily) labelOrder() []int {
	f.sortLabels.Do(func() {
		f.sortedLabels = make([]int, 2+len(f.labels))
		for i := range f.sortedLabels {
			f.sortedLabels[i] = i
		}
		slices.SortFunc(f.sortedLabels, func(a, b int) int { return strings.Compare(f.labelName(a), f.labelName(b)) })
	})
	return f.sortedLabels
}

func writeLabel(w *bufio.Writer, sep byte, name, value string) {
	_ = w.WriteByte(sep)
	_, _ = w.WriteString(name)
	_, _ = w.WriteString(`="`)
	_, _ = labelEscaper.WriteString(w, value)
	_ = w.WriteByte('"')
}
