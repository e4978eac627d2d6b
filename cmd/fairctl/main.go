// Command fairctl evaluates fairness locally, runs one evaluation shard
// inside an evaluation pod, and acts on BiasIncidents.
package main

import (
	"os"

	"github.com/fairness-operator/fairness-operator/internal/cli"
)

func main() {
	os.Exit(cli.Execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
