package dataset

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// lineReader reads CSV records line by line without copying: fields are
// slices into the reader's buffer (or into a scratch buffer for quoted
// fields), valid until the next call. Lines longer than the buffer are an
// error, which bounds memory whatever the input.
type lineReader struct {
	br      *bufio.Reader
	maxLine int
	line    int64 // number of the last line read, 1-based
	multi   []byte
	scratch []byte
	fields  [][]byte
	quoted  bool // the last record holds a double quote
}

func newLineReader(r io.Reader, maxLine int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, maxLine), maxLine: maxLine}
}

var errEOF = io.EOF

// next returns the fields of the next record. Blank lines are skipped.
func (lr *lineReader) next() ([][]byte, error) {
	for {
		raw, err := lr.readLine()
		if err != nil {
			return nil, err
		}
		if len(raw) == 0 {
			continue
		}
		if lr.quoted {
			return lr.split(raw)
		}
		return lr.splitPlain(raw), nil
	}
}

// readLine returns the next physical line without its line ending, joining
// lines while a quoted field is open.
func (lr *lineReader) readLine() ([]byte, error) {
	raw, err := lr.physical()
	if err != nil {
		return nil, err
	}
	lr.quoted = bytes.IndexByte(raw, '"') >= 0
	if !lr.quoted || bytes.Count(raw, []byte{'"'})%2 == 0 {
		return raw, nil
	}
	// A quoted field spans lines: gather them into multi.
	start := lr.line
	lr.multi = append(lr.multi[:0], raw...)
	for bytes.Count(lr.multi, []byte{'"'})%2 == 1 {
		more, err := lr.physical()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("line %d: quoted field not closed before the end of the data", start)
		}
		if err != nil {
			return nil, err
		}
		lr.multi = append(lr.multi, '\n')
		lr.multi = append(lr.multi, more...)
		if len(lr.multi) > lr.maxLine {
			return nil, fmt.Errorf("line %d: record longer than %d bytes", start, lr.maxLine)
		}
	}
	return lr.multi, nil
}

func (lr *lineReader) physical() ([]byte, error) {
	raw, err := lr.br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, fmt.Errorf("line %d: longer than %d bytes", lr.line+1, lr.maxLine)
	case errors.Is(err, io.EOF):
		if len(raw) == 0 {
			return nil, errEOF
		}
	case err != nil:
		return nil, fmt.Errorf("reading line %d: %w", lr.line+1, err)
	}
	lr.line++
	n := len(raw)
	if n > 0 && raw[n-1] == '\n' {
		n--
	}
	if n > 0 && raw[n-1] == '\r' {
		n--
	}
	return raw[:n], nil
}

// splitPlain cuts a record without double quotes at its commas, eight bytes
// at a time: a word's comma bytes are found with the classic
// "has zero byte" bit trick, so most words cost a few instructions.
func (lr *lineReader) splitPlain(rec []byte) [][]byte {
	const ones, highs, commas = 0x0101010101010101, 0x8080808080808080, 0x2c2c2c2c2c2c2c2c
	f := lr.fields[:0]
	start, i := 0, 0
	for ; i+8 <= len(rec); i += 8 {
		x := binary.LittleEndian.Uint64(rec[i:]) ^ commas // comma bytes become 0
		m := (x - ones) &^ x & highs                      // high bit set at zero bytes (exact for the lowest)
		for m != 0 {
			j := i + bits.TrailingZeros64(m)>>3
			if rec[j] == ',' { // the trick may flag a byte above a true zero: check
				f = append(f, rec[start:j])
				start = j + 1
			}
			m &= m - 1
		}
	}
	for ; i < len(rec); i++ {
		if rec[i] == ',' {
			f = append(f, rec[start:i])
			start = i + 1
		}
	}
	f = append(f, rec[start:])
	lr.fields = f
	return f
}

// split cuts a record into fields (RFC 4180: commas, double quotes, "" escapes).
func (lr *lineReader) split(rec []byte) ([][]byte, error) {
	f := lr.fields[:0]
	lr.scratch = lr.scratch[:0]
	type span struct{ start, end int }
	var spans []span
	for pos := 0; ; {
		if pos < len(rec) && rec[pos] == '"' {
			start := len(lr.scratch)
			i := pos + 1
			for {
				if i >= len(rec) {
					return nil, fmt.Errorf("line %d: quoted field not closed", lr.line)
				}
				if rec[i] == '"' {
					if i+1 < len(rec) && rec[i+1] == '"' {
						lr.scratch = append(lr.scratch, '"')
						i += 2
						continue
					}
					break
				}
				lr.scratch = append(lr.scratch, rec[i])
				i++
			}
			spans = append(spans, span{start, len(lr.scratch)})
			i++ // closing quote
			if i < len(rec) && rec[i] != ',' {
				return nil, fmt.Errorf("line %d: unexpected character after a closing quote", lr.line)
			}
			if i >= len(rec) {
				break
			}
			pos = i + 1
			if pos == len(rec) {
				spans = append(spans, span{len(lr.scratch), len(lr.scratch)})
				break
			}
			continue
		}
		end := bytes.IndexByte(rec[pos:], ',')
		field := rec[pos:]
		if end >= 0 {
			field = rec[pos : pos+end]
		}
		if bytes.IndexByte(field, '"') >= 0 {
			return nil, fmt.Errorf("line %d: bare quote in an unquoted field", lr.line)
		}
		start := len(lr.scratch)
		lr.scratch = append(lr.scratch, field...)
		spans = append(spans, span{start, len(lr.scratch)})
		if end < 0 {
			break
		}
		pos += end + 1
		if pos == len(rec) {
			spans = append(spans, span{len(lr.scratch), len(lr.scratch)})
			break
		}
	}
	for _, s := range spans {
		f = append(f, lr.scratch[s.start:s.end])
	}
	lr.fields = f
	return f, nil
}
