// Package dataset reads evaluation data: a streaming CSV scanner that turns a
// prediction log into per-group sufficient statistics in constant memory,
// the sources it reads from (files, byte ranges of files, HTTP(S), standard
// input, gzip), and a seeded synthetic credit dataset generator.
//
// The package imports nothing from Kubernetes.
package dataset
