package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/fairness-operator/fairness-operator/internal/version"
)

func newVersionCommand(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print fairctl's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(s.Out, "fairctl %s (commit %s, %s)\n", version.Version, version.Commit, runtime.Version())
			return err
		},
	}
}
