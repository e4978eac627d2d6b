// Package display makes text that comes from data (group names, column
// names, pods' messages) safe to show in status, Events, notifications and
// metric labels: always valid UTF-8, and no control characters that a
// terminal, a chat client or an exposition format would act on.
package display

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Value returns s unchanged when it is valid UTF-8 of graphic characters;
// otherwise the offending bytes and characters are written as Go escapes
// (\xff, \x1b), so that distinct values stay distinct and readable.
func Value(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) }) {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// Key is the form a value from data takes in a group key: unchanged when it
// is valid UTF-8 of graphic characters without a backslash, otherwise
// escaped as a Go string literal (without the quotes), so that the escaped
// form always holds a backslash and never a control character. Distinct
// byte strings thus always give distinct keys: a literal `\x00` becomes
// `\\x00`, a NUL byte `\x00`, and the unit separator that joins the
// values of an intersection cannot occur inside one.
func Key(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r == '\\' || !unicode.IsGraphic(r) }) {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// Message is Value for multi-line text: newlines and tabs are kept.
func Message(s string) string {
	unsafe := func(r rune) bool { return r == utf8.RuneError || unicode.IsControl(r) && r != '\n' && r != '\t' }
	if utf8.ValidString(s) && !strings.ContainsFunc(s, unsafe) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafe(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
