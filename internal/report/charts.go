package report

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart colours. Bars have a colour of their own so that a reader (or a
// test) can tell them from axes, whiskers and reference lines.
var (
	barColour       = color.RGBA{R: 0x2b, G: 0x5c, B: 0x8a, A: 0xff}
	barBelowColour  = color.RGBA{R: 0xb8, G: 0x3b, B: 0x2e, A: 0xff}
	referenceColour = color.RGBA{R: 0xd0, G: 0x8c, B: 0x00, A: 0xff}
)

// BarFill is the SVG fill of a bar at or above the reference, BarBelowFill
// of a bar under it.
const (
	BarFill      = "fill:#2B5C8A"
	BarBelowFill = "fill:#B83B2E"
)

// chartSize is a chart's drawing size: it fits an A4 page's width in print.
var chartWidth, chartHeight = 16 * vg.Centimeter, 7 * vg.Centimeter

// svg draws p as inline SVG (no XML prolog, nothing fetched).
func svg(p *plot.Plot) (template.HTML, error) {
	c := vgsvg.NewWith(vgsvg.UseWH(chartWidth, chartHeight))
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", err
	}
	out := b.String()
	if i := strings.Index(out, "<svg"); i >= 0 {
		out = out[i:]
	}
	// vgsvg escapes every string it draws (group names included), so the
	// markup is safe to inline.
	return template.HTML(out), nil //nolint:gosec // drawn by vgsvg, which escapes text
}

// barChart draws one bar per value (NaN for undefined: no bar), with
// intervals as whiskers and a dashed reference line when ref > 0. Bars
// under the reference take the warning colour.
func barChart(title, yLabel string, names []string, values []float64, intervals [][2]float64, ref float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = yLabel
	p.Y.Min = 0
	p.Y.Max = math.Max(1, ref)
	for _, v := range values {
		if !math.IsNaN(v) && v > p.Y.Max {
			p.Y.Max = v
		}
	}
	p.Add(bars{values: values, ref: ref, width: vg.Points(18)})
	if intervals != nil {
		var pts errorPoints
		for i, in := range intervals {
			if math.IsNaN(values[i]) || math.IsNaN(in[0]) {
				continue
			}
			pts = append(pts, errorPoint{x: float64(i), y: values[i], low: values[i] - in[0], high: in[1] - values[i]})
		}
		if len(pts) > 0 {
			whiskers, err := plotter.NewYErrorBars(pts)
			if err != nil {
				return nil, err
			}
			whiskers.Width = vg.Points(1)
			p.Add(whiskers)
		}
	}
	if ref > 0 {
		line := plotter.NewFunction(func(float64) float64 { return ref })
		line.Color = referenceColour
		line.Width = vg.Points(1.5)
		line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		line.XMin, line.XMax = -0.5, float64(len(values))-0.5
		p.Add(line)
	}
	p.X.Min, p.X.Max = -0.5, float64(len(values))-0.5
	p.NominalX(names...)
	return p, nil
}

// bars draws one filled rectangle per defined value, in the warning colour
// when under the reference; plotter.BarChart takes one colour for all bars.
type bars struct {
	values []float64
	ref    float64
	width  vg.Length
}

func (b bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, v := range b.values {
		if math.IsNaN(v) {
			continue
		}
		x := trX(float64(i))
		rect := vg.Rectangle{Min: vg.Point{X: x - b.width/2, Y: trY(0)}, Max: vg.Point{X: x + b.width/2, Y: trY(v)}}
		c.SetColor(barColour)
		if b.ref > 0 && v < b.ref {
			c.SetColor(barBelowColour)
		}
		c.Fill(rect.Path())
	}
}

type errorPoint struct{ x, y, low, high float64 }

type errorPoints []errorPoint

func (e errorPoints) Len() int                        { return len(e) }
func (e errorPoints) XY(i int) (float64, float64)     { return e[i].x, e[i].y }
func (e errorPoints) YError(i int) (float64, float64) { return e[i].low, e[i].high }

// lineChart draws series over time (x in Unix seconds) with a time axis.
func lineChart(title, yLabel string, series map[string]plotter.XYs, order []string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = yLabel
	p.X.Tick.Marker = plot.TimeTicks{Format: "2006-01-02\n15:04"}
	palette := []color.Color{barColour, barBelowColour, referenceColour, color.RGBA{G: 0x80, A: 0xff},
		color.RGBA{R: 0x60, G: 0x60, B: 0x60, A: 0xff}}
	for i, name := range order {
		line, points, err := plotter.NewLinePoints(series[name])
		if err != nil {
			return nil, fmt.Errorf("series %s: %w", name, err)
		}
		line.Color = palette[i%len(palette)]
		points.Color = line.Color
		p.Add(line, points)
		p.Legend.Add(name, line, points)
	}
	p.Legend.Top = true
	return p, nil
}

// scatterChart draws one labelled point per name.
func scatterChart(title, xLabel, yLabel string, names []string, xs, ys []float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		pts[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: names})
	if err != nil {
		return nil, err
	}
	scatter, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	scatter.Color = barColour
	scatter.Radius = vg.Points(4)
	scatter.Shape = draw.CircleGlyph{}
	p.Add(scatter, labels)
	return p, nil
}
