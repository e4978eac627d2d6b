package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot/plotter"

	"github.com/fairness-operator/fairness-operator/internal/fairness"
)

//go:embed report.html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"rate":     formatRate,
	"ratio":    formatRatio,
	"interval": formatInterval,
	"number":   func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) },
	"when":     formatTime,
	"ptr":      ptr,
	"tenths":   func(v *float64) string { return strconv.FormatFloat(*v, 'f', 1, 64) },
	"below":    func(v *float64) bool { return v != nil && *v < FourFifths },
	"defined":  definedBars,
}).Parse(pageTemplate))

// Charts are the SVG drawings of one report, keyed as the page places them.
type charts struct {
	Selection map[string]template.HTML // by attribute
	Impact    map[string]template.HTML // by attribute
	Trend     template.HTML
	Periods   template.HTML
	Methods   template.HTML
}

// WriteHTML writes the evidence as one self-contained page: styles inline,
// charts as inline SVG, no scripts and nothing fetched.
func WriteHTML(w io.Writer, ev *Evidence) error {
	c, err := drawCharts(ev)
	if err != nil {
		return fmt.Errorf("drawing the charts: %w", err)
	}
	return page.Execute(w, struct {
		*Evidence
		Charts     charts
		FourFifths float64
		SmallShare float64
	}{ev, c, FourFifths, SmallGroupShare})
}

func drawCharts(ev *Evidence) (charts, error) {
	c := charts{Selection: map[string]template.HTML{}, Impact: map[string]template.HTML{}}
	for _, t := range ev.Attributes {
		names := make([]string, len(t.Groups))
		rates, ratios := make([]float64, len(t.Groups)), make([]float64, len(t.Groups))
		intervals := make([][2]float64, len(t.Groups))
		for i, g := range t.Groups {
			names[i] = g.Group
			rates[i], ratios[i] = orNaN(g.SelectionRate), orNaN(g.ImpactRatio)
			intervals[i] = [2]float64{math.NaN(), math.NaN()}
			if g.SelectionInterval != nil {
				intervals[i] = [2]float64{g.SelectionInterval.Lower, g.SelectionInterval.Upper}
			}
		}
		p, err := barChart("Selection rate by "+t.Attribute+" (95% interval)", "selection rate", names, rates, intervals, 0)
		if err != nil {
			return c, err
		}
		if c.Selection[t.Attribute], err = svg(p); err != nil {
			return c, err
		}
		if p, err = barChart("Impact ratio by "+t.Attribute+" against the most-selected group", "impact ratio",
			names, ratios, nil, FourFifths); err != nil {
			return c, err
		}
		if c.Impact[t.Attribute], err = svg(p); err != nil {
			return c, err
		}
	}
	if len(ev.History) > 1 {
		series, order := trendSeries(ev.History)
		p, err := lineChart("Headline metrics over the run history", "value", series, order)
		if err != nil {
			return c, err
		}
		if c.Trend, err = svg(p); err != nil {
			return c, err
		}
	}
	if len(ev.Periods) > 1 {
		points := make([]HistoryPoint, len(ev.Periods))
		for i, p := range ev.Periods {
			points[i] = HistoryPoint{Time: p.Until, Metrics: p.Metrics}
		}
		series, order := trendSeries(points)
		p, err := lineChart("Headline metrics by period of the window", "value", series, order)
		if err != nil {
			return c, err
		}
		if c.Periods, err = svg(p); err != nil {
			return c, err
		}
	}
	if len(ev.Methods) > 0 {
		names := make([]string, len(ev.Methods))
		xs, ys := make([]float64, len(ev.Methods)), make([]float64, len(ev.Methods))
		for i, m := range ev.Methods {
			names[i], xs[i], ys[i] = m.Name, m.Accuracy, m.DemographicParityDifference
		}
		p, err := scatterChart("Accuracy against demographic-parity difference, by method", "accuracy",
			"demographic-parity difference", names, xs, ys)
		if err != nil {
			return c, err
		}
		if c.Methods, err = svg(p); err != nil {
			return c, err
		}
	}
	return c, nil
}

// trendSeries turns the history into one series per metric, in name order.
func trendSeries(history []HistoryPoint) (map[string]plotter.XYs, []string) {
	series := map[string]plotter.XYs{}
	for _, h := range history {
		for name, v := range h.Metrics {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				series[name] = append(series[name], plotter.XY{X: float64(h.Time.Unix()), Y: v})
			}
		}
	}
	order := make([]string, 0, len(series))
	for name := range series {
		order = append(order, name)
	}
	slices.Sort(order)
	return series, order
}

func orNaN(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

func formatRate(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(100**v, 'f', 1, 64) + "%"
}

func formatRatio(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*v, 'f', 3, 64)
}

func formatInterval(in *fairness.Interval) string {
	if in == nil {
		return ""
	}
	return fmt.Sprintf("%.1f–%.1f%%", 100*in.Lower, 100*in.Upper)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// definedBars is how many bars a group chart draws: one per defined value.
func definedBars(groups []GroupRow, chart string) int {
	n := 0
	for _, g := range groups {
		v := g.SelectionRate
		if chart == "impact" {
			v = g.ImpactRatio
		}
		if v != nil {
			n++
		}
	}
	return n
}
