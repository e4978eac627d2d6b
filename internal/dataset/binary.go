package dataset

import (
	"bytes"
	"strings"
)

// ParseBinary reads a label or prediction written as a binary value, by one
// rule for CSV, train mode and every later format: surrounding spaces are
// ignored; true and false in any case; 1 and 0, with or without a decimal
// part of zeros (1.0, 1.00, 0.000, as pandas writes integer columns that
// held a missing value). Anything else (yes, 0.5, 2, an empty field) is not
// binary.
func ParseBinary(s string) (value, ok bool) {
	s = strings.Trim(s, " \t")
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	case s == "":
		return false, false
	}
	digit, frac, hasFrac := strings.Cut(s, ".")
	if digit != "0" && digit != "1" || hasFrac && strings.Trim(frac, "0") != "" {
		return false, false
	}
	return digit == "1", true
}

// parseBinaryBytes is ParseBinary on a field that is not a lone 0 or 1
// (the scanner's outcome takes those inline), refusing most other fields
// without building a string.
func parseBinaryBytes(b []byte) (value, ok bool) {
	if bytes.IndexByte(b, ' ') < 0 && bytes.IndexByte(b, '\t') < 0 && len(b) > 5 && b[0] != '0' && b[0] != '1' {
		return false, false // too long for true/false and not a number: not binary
	}
	return ParseBinary(string(b))
}
