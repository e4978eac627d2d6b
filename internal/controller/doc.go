// Package controller holds the reconcilers. They stay thin: they gather
// objects, call pure functions (internal/fairness, internal/incident) to
// compute status, and write it back with patches.
package controller
