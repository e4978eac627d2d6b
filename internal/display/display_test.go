package display

import "testing"

func TestValue(t *testing.T) {
	cases := map[string]string{
		"women":                 "women",
		"über 60":               "über 60",
		"\x1b[31mred\x1b[0m":    `\x1b[31mred\x1b[0m`,
		"\xff\xfe":              `\xff\xfe`,
		"a\nb":                  `a\nb`,
		"=HYPERLINK(\"x\")":     "=HYPERLINK(\"x\")",
		"tab\there":             `tab\there`,
		"zero\u200bwidth":       `zero\u200bwidth`,
		"bell\a and \"quotes\"": `bell\a and \"quotes\"`,
	}
	for in, want := range cases {
		if got := Value(in); got != want {
			t.Errorf("Value(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMessage(t *testing.T) {
	cases := map[string]string{
		"line 2: bad\nline 3: worse": "line 2: bad\nline 3: worse",
		"columns: \x89PNG":           `columns: \x89PNG`,
		"esc \x1b[2J here":           `esc \x1b[2J here`,
		"tab\tkept":                  "tab\tkept",
		"":                           "",
	}
	for in, want := range cases {
		if got := Message(in); got != want {
			t.Errorf("Message(%q) = %q, want %q", in, got, want)
		}
	}
}
