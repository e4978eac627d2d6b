package display

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Redacted replaces secrets cut out of URLs.
const Redacted = "REDACTED"

// RedactURL removes what may be a secret from a URL: the user info, every
// query value (names are kept, they help debugging) and the fragment. It
// works on the text, without parsing, so URLs that do not parse (a bad
// escape, a second '@') are redacted too; when in doubt it cuts more: all
// of scheme://...@ up to the last '@' is treated as user info.
func RedactURL(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	head, rest := s[:i+3], s[i+3:]
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = Redacted + "@" + rest[at+1:]
	}
	q := strings.IndexAny(rest, "?#")
	if q < 0 {
		return head + rest
	}
	return head + rest[:q] + redactQuery(rest[q:])
}

// redactQuery redacts "?query#fragment" (either part may be missing).
func redactQuery(s string) string {
	var b strings.Builder
	if strings.HasPrefix(s, "?") {
		query := s[1:]
		if h := strings.IndexByte(query, '#'); h >= 0 {
			query, s = query[:h], query[h:]
		} else {
			s = ""
		}
		b.WriteByte('?')
		for i, part := range strings.FieldsFunc(query, func(r rune) bool { return r == '&' || r == ';' }) {
			if i > 0 {
				b.WriteByte('&')
			}
			if name, _, ok := strings.Cut(part, "="); ok {
				b.WriteString(name + "=" + Redacted)
			} else {
				b.WriteString(Redacted)
			}
		}
	}
	if strings.HasPrefix(s, "#") && len(s) > 1 {
		b.WriteString("#" + Redacted)
	}
	return b.String()
}

// urlInText finds URLs in free text: a scheme, "://", and everything up to
// whitespace or a quote (Go quotes URLs in its errors).
var urlInText = regexp.MustCompile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>`]*")

// RedactURLs applies RedactURL to every URL in a message (an error, a pod's
// termination message, an Event).
func RedactURLs(msg string) string {
	if !strings.Contains(msg, "://") {
		return msg
	}
	return urlInText.ReplaceAllStringFunc(msg, RedactURL)
}

// credentialParam matches query parameter names that usually carry a secret.
var credentialParam = regexp.MustCompile(`(?i)(token|key|secret|passw|pwd|sig|auth|credential|session)`)

// URLCarriesCredentials tells whether a URL holds user info or a query
// parameter whose name suggests a secret (token, key, signature, ...).
func URLCarriesCredentials(s string) bool {
	_, rest, ok := strings.Cut(s, "://")
	if !ok {
		return false
	}
	beforeQuery := rest
	if j := strings.IndexAny(rest, "?#"); j >= 0 {
		beforeQuery = rest[:j]
	}
	if strings.Contains(beforeQuery, "@") { // user info (or a path with '@': a false alarm at worst)
		return true
	}
	_, afterQ, ok := strings.Cut(rest, "?")
	if !ok {
		return false
	}
	query, _, _ := strings.Cut(afterQ, "#")
	for _, part := range strings.FieldsFunc(query, func(r rune) bool { return r == '&' || r == ';' }) {
		name, _, _ := strings.Cut(part, "=")
		if credentialParam.MatchString(name) {
			return true
		}
	}
	return false
}

// Truncate cuts s to at most n bytes, at a rune boundary.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Bounded is Truncate with a marker: "…" ends a cut text, so that a reader
// knows text is missing, and the whole stays within n bytes.
func Bounded(s string, n int) string {
	const marker = "…"
	if len(s) <= n {
		return s
	}
	return Truncate(s, max(n-len(marker), 0)) + marker
}

// URLErrorCause drops the copy of the URL that net/http puts in its errors
// (a password masked, but the user, path and query intact), keeping the cause.
func URLErrorCause(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}
