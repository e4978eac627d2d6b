// Package dataset reads evaluation data: one scanner that turns a
// prediction log into per-group sufficient statistics in constant memory,
// behind which each format is one reader of records (CSV with a header row,
// JSON Lines, Parquet through apache/arrow-go); the sources it reads from
// (files, byte ranges of files, HTTP(S) with ranged reads, standard input,
// gzip and zstd); and a seeded synthetic credit dataset generator.
//
// The package imports nothing from Kubernetes.
package dataset
