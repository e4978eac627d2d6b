package dataset

import (
	"fmt"
	"strconv"
	"time"
	"unsafe"
)

// TimestampFormat says how a timestamp column is written.
type TimestampFormat string

// The timestamp formats a window reads.
const (
	// TimestampRFC3339 is RFC 3339 text, with or without fractional
	// seconds (and Parquet's timestamp type, read as such).
	TimestampRFC3339 TimestampFormat = "rfc3339"
	// TimestampUnixSeconds and TimestampUnixMillis are integers since the
	// Unix epoch.
	TimestampUnixSeconds TimestampFormat = "unixSeconds"
	TimestampUnixMillis  TimestampFormat = "unixMilliseconds"
)

// ParseTimestampFormat reads a --timestamp-format or spec.window.timestampFormat value.
func ParseTimestampFormat(s string) (TimestampFormat, error) {
	switch f := TimestampFormat(s); f {
	case "", TimestampRFC3339:
		return TimestampRFC3339, nil
	case TimestampUnixSeconds, TimestampUnixMillis:
		return f, nil
	}
	return "", fmt.Errorf("timestamp format %q: want rfc3339, unixSeconds or unixMilliseconds", s)
}

// Window keeps the rows whose timestamp falls in (From, Until]: a run
// evaluates the decisions of its lookback period, and counts the others.
type Window struct {
	Column      string
	Format      TimestampFormat
	From, Until time.Time
	// Partition, when set, skips the objects of an object-store prefix
	// whose names say they hold another period.
	Partition *Partition
	// Bucket, when set, also counts the window's rows per period of this
	// length, newest first: period k is (Until-(k+1)*Bucket, Until-k*Bucket],
	// the oldest cut at From.
	Bucket time.Duration
}

// MaxBuckets bounds the periods of a window: their statistics travel in
// the pods' termination messages and their metrics in status.
const MaxBuckets = 31

// Buckets is the number of periods the window is cut into (0 without
// Bucket).
func (w *Window) Buckets() int {
	if w == nil || w.Bucket <= 0 {
		return 0
	}
	span := w.Until.Sub(w.From)
	return int((span + w.Bucket - 1) / w.Bucket)
}

// BucketRange is period k's (from, until].
func (w *Window) BucketRange(k int) (from, until time.Time) {
	until = w.Until.Add(-time.Duration(k) * w.Bucket)
	from = until.Add(-w.Bucket)
	if from.Before(w.From) {
		from = w.From
	}
	return from, until
}

// bucketOf is the period of a time in the window.
func (w *Window) bucketOf(t time.Time) int {
	return int((w.Until.Sub(t) - 1) / w.Bucket) // t == Until is in period 0, (From, ...] excludes From
}

// WindowCounts is how many rows fell in the window and outside it.
type WindowCounts struct {
	InWindow int64 `json:"inWindow"`
	Outside  int64 `json:"outside"`
	// SkippedObjects are the objects the partition template left unread.
	SkippedObjects int64 `json:"skippedObjects,omitempty"`
}

// ReasonNoData is the status reason of a run whose window holds no rows.
const ReasonNoData = "NoData"

// NoDataError is a window with no rows: a run with nothing to grade, which
// must not read as a pass.
type NoDataError struct {
	Window         Window
	Outside        int64
	SkippedObjects int64
}

// ReasonCode is ReasonNoData.
func (e *NoDataError) ReasonCode() string { return ReasonNoData }

func (e *NoDataError) Error() string {
	msg := fmt.Sprintf("no rows in the window (%s, %s] of %s: %d rows fall outside it", e.Window.From.UTC().Format(time.RFC3339),
		e.Window.Until.UTC().Format(time.RFC3339), e.Window.Column, e.Outside)
	if e.SkippedObjects > 0 {
		msg += fmt.Sprintf(", and the partition template left %d objects of other periods unread", e.SkippedObjects)
	}
	return msg
}

// parseTimestamp reads one timestamp.
func (w *Window) parseTimestamp(b []byte) (time.Time, bool) {
	switch w.Format {
	case TimestampUnixSeconds, TimestampUnixMillis:
		n, err := strconv.ParseInt(unsafe.String(unsafe.SliceData(b), len(b)), 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		if w.Format == TimestampUnixSeconds {
			return time.Unix(n, 0), true
		}
		return time.UnixMilli(n), true
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	return t, err == nil
}

// inWindow says whether a row's timestamp falls in the window, and its
// period when the window has buckets (else 0); a reason when it cannot be
// read.
func (w *Window) inWindow(b []byte) (in bool, bucket int, reason string) {
	t, ok := w.parseTimestamp(b)
	if !ok {
		return false, 0, fmt.Sprintf("timestamp %s is not %s", quoteField(b), map[TimestampFormat]string{TimestampRFC3339: "RFC 3339",
			TimestampUnixSeconds: "Unix seconds", TimestampUnixMillis: "Unix milliseconds"}[w.Format])
	}
	if !t.After(w.From) || t.After(w.Until) {
		return false, 0, ""
	}
	if w.Bucket > 0 {
		bucket = w.bucketOf(t)
	}
	return true, bucket, ""
}
