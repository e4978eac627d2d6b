package dataset

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Frame is a whole CSV table in memory, as strings: train mode needs every
// row at once (to split and to fit), unlike predictions mode.
type Frame struct {
	Columns []string
	// Rows hold one value per column.
	Rows [][]string
	// Lines holds the source line number of each row, for error messages.
	Lines []int64
}

// Col returns the index of a column, or -1.
func (f *Frame) Col(name string) int {
	for i, c := range f.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// ReadFrame reads a CSV table (header row first) into memory, up to maxRows
// rows (0: no limit).
func ReadFrame(r io.Reader, maxRows int) (*Frame, error) {
	lr := newLineReader(r, DefaultMaxLineBytes)
	header, err := lr.next()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty data: no header row")
	}
	if err != nil {
		return nil, err
	}
	f := &Frame{}
	seen := map[string]bool{}
	for _, h := range header {
		name := strings.TrimSpace(string(h))
		if seen[name] {
			return nil, fmt.Errorf("header names column %q twice", name)
		}
		seen[name] = true
		f.Columns = append(f.Columns, name)
	}
	// Values repeat a lot (categories): intern them.
	intern := map[string]string{}
	for {
		fields, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(fields) != len(f.Columns) {
			return nil, &BadRowError{Line: lr.line, Reason: fmt.Sprintf("%d fields, header has %d", len(fields), len(f.Columns))}
		}
		if maxRows > 0 && len(f.Rows) == maxRows {
			return nil, fmt.Errorf("more than %d rows: train mode holds the whole table in memory", maxRows)
		}
		row := make([]string, len(fields))
		for i, b := range fields {
			v, ok := intern[string(b)]
			if !ok {
				v = string(b)
				if len(intern) < 1<<16 {
					intern[v] = v
				}
			}
			row[i] = v
		}
		f.Rows = append(f.Rows, row)
		f.Lines = append(f.Lines, lr.line)
	}
	if len(f.Rows) == 0 {
		return nil, errors.New("no data rows after the header")
	}
	return f, nil
}
