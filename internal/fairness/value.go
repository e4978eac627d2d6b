package fairness

import (
	"encoding/json"
	"math"
	"strconv"
)

// Value is a metric value that may be undefined. Undefined values carry a
// reason and encode as JSON null; NaN and Inf are never produced.
type Value struct {
	V float64
	// Undefined is empty for a defined value, otherwise why it is undefined.
	Undefined string
}

// Defined makes a defined value.
func Defined(v float64) Value { return Value{V: v} }

// Undef makes an undefined value with a reason.
func Undef(reason string) Value { return Value{Undefined: reason} }

// OK reports whether the value is defined.
func (v Value) OK() bool { return v.Undefined == "" }

// Ptr returns a pointer to the value, or nil when undefined.
func (v Value) Ptr() *float64 {
	if !v.OK() {
		return nil
	}
	x := v.V
	return &x
}

// MarshalJSON encodes a defined value as a number and an undefined one as null.
func (v Value) MarshalJSON() ([]byte, error) {
	if !v.OK() || math.IsNaN(v.V) || math.IsInf(v.V, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v.V, 'g', -1, 64), nil
}

// UnmarshalJSON decodes a number, or null as an undefined value.
func (v *Value) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = Undef("undefined")
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*v = Defined(f)
	return nil
}

// ratio divides two counts; a zero denominator is undefined with the given
// reason, or 0 when zeroDivision asks for scikit-learn's behaviour.
func ratio(num, den int64, reason string, zeroDivision bool) Value {
	if den == 0 {
		if zeroDivision {
			return Defined(0)
		}
		return Undef(reason)
	}
	return Defined(float64(num) / float64(den))
}
