package dataset

import "errors"

// ReasonInvalidData is the status reason of data the scanner cannot read: a
// truncated or corrupt file, bad magic, a mapped column that is missing or
// of an unsupported type, a bad row beyond the bad-row policy.
const ReasonInvalidData = "InvalidData"

// reasoned is an error that carries its status reason (the object store's,
// or InvalidData).
type reasoned interface{ ReasonCode() string }

// ReasonOf is the status reason an error carries; "" when it has none.
func ReasonOf(err error) string {
	var r reasoned
	if errors.As(err, &r) {
		return r.ReasonCode()
	}
	return ""
}

// DataError is data that cannot be read (ReasonInvalidData).
type DataError struct{ Err error }

func (e *DataError) Error() string { return e.Err.Error() }

func (e *DataError) Unwrap() error { return e.Err }

// ReasonCode is ReasonInvalidData.
func (e *DataError) ReasonCode() string { return ReasonInvalidData }

// invalidData marks err as the data's fault unless it already carries a
// reason (the store's: access, not found, changed) or has none to give.
func invalidData(err error) error {
	var r reasoned
	if err == nil || errors.As(err, &r) {
		return err
	}
	return &DataError{Err: err}
}
