package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// jsonLines reads JSON Lines: one object per line. Its header is the mapped
// column names; a name is a top-level key or a dotted path into nested
// objects ("request.applicant.sex"), a key holding a dot being found first.
//
// Values become the bytes the CSV path would see: strings as they are,
// numbers as written, booleans as true/false. A missing key or null makes
// the row bad (the bad-row policy decides), as an empty CSV field does.
type jsonLines struct {
	br      *bufio.Reader
	maxLine int
	line    int64
	names   []string
	paths   [][]string
	fields  [][]byte
	// nullAs is, per column, the value a missing or null protected value
	// counts as (ScanOptions.NullGroup); nil: a bad row.
	nullAs [][]byte
}

func newJSONLines(br *bufio.Reader, maxLine int, names []string, nullAs [][]byte) *jsonLines {
	j := &jsonLines{br: br, maxLine: maxLine, names: names, fields: make([][]byte, len(names)), nullAs: nullAs}
	for _, n := range names {
		j.paths = append(j.paths, strings.Split(n, "."))
	}
	return j
}

func (j *jsonLines) header() ([][]byte, error) {
	if _, err := j.br.Peek(1); err != nil {
		return nil, err // io.EOF: empty data
	}
	h := make([][]byte, len(j.names))
	for i, n := range j.names {
		h[i] = []byte(n)
	}
	return h, nil
}

func (j *jsonLines) position() (int64, string) { return j.line, "line" }

func (j *jsonLines) next() ([][]byte, string, error) {
	for {
		raw, err := j.readLine()
		if err != nil {
			return nil, "", err
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, "not a JSON object: " + jsonProblem(err), nil
		}
		for i, p := range j.paths {
			v, why, missing := lookup(obj, j.names[i], p)
			if missing && j.nullAs[i] != nil {
				v, why = j.nullAs[i], ""
			}
			if why != "" {
				return nil, why, nil
			}
			j.fields[i] = v
		}
		return j.fields, "", nil
	}
}

// readLine returns the next line without its ending; a line longer than
// maxLine is an error, which bounds memory.
func (j *jsonLines) readLine() ([]byte, error) {
	line, err := j.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, fmt.Errorf("line %d is longer than %d bytes", j.line+1, j.maxLine)
	}
	if len(line) == 0 && err != nil {
		return nil, err
	}
	j.line++
	return bytes.TrimSuffix(line, []byte{'\n'}), nil
}

// lookup finds a column's value: the whole name as a key first, then the
// dotted path through nested objects.
// lookup finds a column's value; missing reports a key that is absent or
// null, which a protected column may count as its own group.
func lookup(obj map[string]json.RawMessage, name string, path []string) (value []byte, why string, missing bool) {
	if v, ok := obj[name]; ok {
		return scalar(name, v)
	}
	for i, key := range path {
		v, ok := obj[key]
		if !ok {
			return nil, fmt.Sprintf("no key %q", name), true
		}
		if i == len(path)-1 {
			return scalar(name, v)
		}
		obj = nil
		if err := json.Unmarshal(v, &obj); err != nil || obj == nil {
			return nil, fmt.Sprintf("%q is not an object on the path to %q", strings.Join(path[:i+1], "."), name), false
		}
	}
	return nil, fmt.Sprintf("no key %q", name), true
}

// scalar turns a JSON value into the field bytes a CSV row would hold.
func scalar(name string, v json.RawMessage) ([]byte, string, bool) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || bytes.Equal(v, []byte("null")):
		return nil, fmt.Sprintf("%q is null", name), true
	case v[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Sprintf("%q: %s", name, jsonProblem(err)), false
		}
		return []byte(s), "", false
	case v[0] == '{' || v[0] == '[':
		return nil, fmt.Sprintf("%q is an object or array, not a value", name), false
	}
	return v, "", false // a number, true or false, as written
}

// jsonProblem shortens encoding/json's message (it can quote the input).
func jsonProblem(err error) string {
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120] + "…"
	}
	return msg
}
