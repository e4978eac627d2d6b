package display

import (
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"http://admin:hunter2@host/x.csv?token=SECRETTOKEN": "http://REDACTED@host/x.csv?token=REDACTED",
		"http://admin:%zz@host/x.csv":                       "http://REDACTED@host/x.csv",
		"http://admin:p@ss@host/x.csv":                      "http://REDACTED@host/x.csv",
		"http://user:pa?ss@host/x.csv":                      "http://REDACTED@host/x.csv",
		"http://user:pa/ss@host/x.csv":                      "http://REDACTED@host/x.csv",
		"https://host/x.csv?SECRETTOKEN":                    "https://host/x.csv?REDACTED",
		"https://host/x.csv?a=1&b=2;c=3#access_token=zz":    "https://host/x.csv?a=REDACTED&b=REDACTED&c=REDACTED#REDACTED",
		"https://host/logs/2026-11-30.csv":                  "https://host/logs/2026-11-30.csv",
		"not a url":                                         "not a url",
	}
	for in, want := range cases {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactURLsInText(t *testing.T) {
	secrets := []string{"hunter2", "SECRETTOKEN", "admin", "%zz", "p@ss"}
	msgs := []string{
		`fetching http://admin:hunter2@host/x.csv?token=SECRETTOKEN: Get "http://admin:***@host/x.csv?token=SECRETTOKEN": dial tcp: refused`,
		`bad URL: parse "http://admin:%zz@host/": invalid URL escape`,
		"line 1 of http://admin:p@ss@host/x?token=SECRETTOKEN\nline 2 'https://admin:hunter2@h/'",
	}
	for _, m := range msgs {
		got := RedactURLs(m)
		for _, s := range secrets {
			if strings.Contains(got, s) {
				t.Errorf("RedactURLs(%q) = %q still holds %q", m, got, s)
			}
		}
		if !strings.Contains(got, "REDACTED") {
			t.Errorf("RedactURLs(%q) = %q redacted nothing", m, got)
		}
	}
}

func TestURLCarriesCredentials(t *testing.T) {
	cases := map[string]bool{
		"http://admin:hunter2@host/x.csv":                 true,
		"https://host/x.csv?token=abc":                    true,
		"https://bucket.s3/x.csv?X-Amz-Signature=abc&a=b": true,
		"https://host/x.csv?format=csv":                   false,
		"https://host/x.csv":                              false,
		"https://host/x.csv?api_key=1":                    true,
	}
	for in, want := range cases {
		if got := URLCarriesCredentials(in); got != want {
			t.Errorf("URLCarriesCredentials(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestBounded(t *testing.T) {
	if got := Bounded("short", 10); got != "short" {
		t.Errorf("Bounded kept %q", got)
	}
	got := Bounded(strings.Repeat("é", 600), 1024)
	if len(got) > 1024 || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "éé") {
		t.Errorf("Bounded: %d bytes, suffix %q", len(got), got[len(got)-6:])
	}
	for _, r := range got {
		if r == '\uFFFD' {
			t.Fatal("Bounded cut a rune")
		}
	}
}
