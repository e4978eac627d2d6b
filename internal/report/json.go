package report

import (
	"encoding/json"
	"io"
)

// WriteJSON writes the evidence as an indented JSON document.
func WriteJSON(w io.Writer, ev *Evidence) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ev)
}
