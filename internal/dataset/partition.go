package dataset

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// partitionFields are the placeholders a partition template may hold, with
// the text each matches and the layout it parses with.
var partitionFields = []struct{ name, pattern, layout string }{
	{"{{.Date}}", `[0-9]{4}-[0-9]{2}-[0-9]{2}`, "2006-01-02"},
	{"{{.Year}}", `[0-9]{4}`, "2006"},
	{"{{.Month}}", `[0-9]{2}`, "01"},
	{"{{.Day}}", `[0-9]{2}`, "02"},
	{"{{.Hour}}", `[0-9]{2}`, "15"},
}

// Partition reads the time of an object from its name, by a template such
// as dt={{.Date}} or year={{.Year}}/month={{.Month}}, so that a window
// skips the objects of other periods without reading them.
type Partition struct {
	re      *regexp.Regexp
	layouts []string
	unit    func(time.Time) time.Time // the end of the period that starts at a time
}

// ParsePartition compiles a partition template.
func ParsePartition(template string) (*Partition, error) {
	p := &Partition{}
	var pattern strings.Builder
	rest := template
	finest := ""
	for rest != "" {
		i := strings.Index(rest, "{{")
		if i < 0 {
			pattern.WriteString(regexp.QuoteMeta(rest))
			break
		}
		pattern.WriteString(regexp.QuoteMeta(rest[:i]))
		rest = rest[i:]
		found := false
		for _, f := range partitionFields {
			if strings.HasPrefix(rest, f.name) {
				pattern.WriteString("(" + f.pattern + ")")
				p.layouts = append(p.layouts, f.layout)
				rest, found, finest = rest[len(f.name):], true, finer(finest, f.name)
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("partition template %q: unknown placeholder at %q (known: {{.Date}}, {{.Year}}, {{.Month}}, {{.Day}}, {{.Hour}})",
				template, rest[:min(len(rest), 12)])
		}
	}
	if len(p.layouts) == 0 {
		return nil, fmt.Errorf("partition template %q has no placeholder", template)
	}
	p.re = regexp.MustCompile(`(^|/)` + pattern.String() + `(/|$)`)
	switch finest {
	case "{{.Hour}}":
		p.unit = func(t time.Time) time.Time { return t.Add(time.Hour) }
	case "{{.Date}}", "{{.Day}}":
		p.unit = func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
	case "{{.Month}}":
		p.unit = func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
	default:
		p.unit = func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }
	}
	return p, nil
}

// finer is the finer of two placeholders.
func finer(a, b string) string {
	rank := map[string]int{"": 0, "{{.Year}}": 1, "{{.Month}}": 2, "{{.Date}}": 3, "{{.Day}}": 3, "{{.Hour}}": 4}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// Outside reports whether the object named name holds only rows of a
// period outside the window (from, until]; a name the template does not
// match is read.
func (p *Partition) Outside(name string, from, until time.Time) bool {
	m := p.re.FindStringSubmatch(name)
	if m == nil {
		return false
	}
	start, err := time.Parse(strings.Join(p.layouts, " "), strings.Join(m[2:2+len(p.layouts)], " "))
	if err != nil {
		return false // a match that is no date (month 13): read it, and let its rows say
	}
	return !p.unit(start).After(from) || start.After(until)
}
