package dataset

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"strings"
)

// Format is the layout of a prediction log.
type Format string

// The formats a log can have. FormatAuto detects it.
const (
	FormatAuto       Format = ""
	FormatCSV        Format = "csv"
	FormatJSONLines  Format = "jsonl"
	FormatParquet    Format = "parquet"
	parquetMagic            = "PAR1"
	maxSniffedPrefix        = 512
)

// ParseFormat reads a --format or spec.source.format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case FormatAuto, FormatCSV, FormatJSONLines, FormatParquet:
		return f, nil
	case "auto":
		return FormatAuto, nil
	case "json", "ndjson":
		return FormatJSONLines, nil
	}
	return "", fmt.Errorf("format %q: want csv, jsonl or parquet", s)
}

// FormatOfName guesses a format from an object or file name (ignoring a
// compression suffix); FormatAuto when the name does not say.
func FormatOfName(name string) Format {
	base := strings.ToLower(path.Base(name))
	for _, z := range []string{".gz", ".zst", ".zstd"} {
		base = strings.TrimSuffix(base, z)
	}
	switch path.Ext(base) {
	case ".parquet", ".parq":
		return FormatParquet
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONLines
	case ".csv", ".tsv", ".txt":
		return FormatCSV
	}
	return FormatAuto
}

// streamFormat decides the format of a decompressed stream from its first
// bytes when want is FormatAuto: a JSON object starts JSON Lines, Parquet's
// magic is refused (it needs random access, not a stream), anything else is
// CSV. A format given explicitly is checked against the same signs, so that
// Parquet read as CSV fails with a clear message rather than as garbage.
func streamFormat(br *bufio.Reader, want Format) (Format, error) {
	head, _ := br.Peek(maxSniffedPrefix)
	if bytes.HasPrefix(head, []byte(parquetMagic)) {
		return "", fmt.Errorf("the data is Parquet (it starts with %q), which is read from a file or an object, "+
			"not a stream: give a path or an object URL", parquetMagic)
	}
	if want == FormatParquet {
		return "", fmt.Errorf("format parquet: the data does not start with Parquet's magic %q", parquetMagic)
	}
	if want != FormatAuto {
		return want, nil
	}
	if trimmed := bytes.TrimLeft(head, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		return FormatJSONLines, nil
	}
	return FormatCSV, nil
}
