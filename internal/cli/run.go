package cli

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/evaluate"
	"github.com/fairness-operator/fairness-operator/internal/memlimit"
)

// maxErrorMessage keeps an error within the termination message.
const maxErrorMessage = 1024

func newRunCommand(s Streams) *cobra.Command {
	var config, terminationLog string
	var index int64
	cmd := &cobra.Command{
		Use:    "run",
		Short:  "Run one shard of an evaluation (the entrypoint of evaluation pods)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			setMemoryLimit()
			if v := os.Getenv("JOB_COMPLETION_INDEX"); v != "" && !cmd.Flags().Changed("index") {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return usageError("JOB_COMPLETION_INDEX %q is not a number", v)
				}
				index = n
			}
			out, runErr := runShard(cmd, config, index)
			if runErr != nil {
				out = display.Bounded(display.RedactURLs(runErr.Error()), maxErrorMessage)
				if reason := dataset.ReasonOf(runErr); reason != "" {
					out = reason + ": " + out // the controller's condition reason
				}
			}
			if terminationLog != "" {
				if err := os.WriteFile(terminationLog, []byte(out), 0o644); err != nil { //nolint:gosec // read by the kubelet
					fmt.Fprintf(s.Err, "fairctl: writing %s: %v\n", terminationLog, err)
				}
			}
			if runErr != nil {
				return &exitError{code: ExitBreached, err: runErr}
			}
			fmt.Fprintln(s.Out, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "run configuration (JSON), written by the controller")
	cmd.Flags().Int64Var(&index, "index", 0, "shard index (default: $JOB_COMPLETION_INDEX)")
	cmd.Flags().StringVar(&terminationLog, "termination-log", "/dev/termination-log", "file the result or error is written to")
	return cmd
}

// setMemoryLimit gives the Go runtime a soft memory limit below the pod's
// (unless GOMEMLIMIT says otherwise): a joined side held in memory then
// leaves the collector's headroom within the limit instead of meeting the
// OOM killer.
func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if limit, ok, err := memlimit.FromCgroups(memlimit.Files...); err == nil && ok {
		debug.SetMemoryLimit(limit)
	}
}

func runShard(cmd *cobra.Command, config string, index int64) (string, error) {
	c, err := evaluate.ParseRunConfig(config)
	if err != nil {
		return "", err
	}
	return evaluate.RunShard(cmd.Context(), c, index)
}
