package cli

import (
	"bufio"
	"os"

	"github.com/spf13/cobra"

	"github.com/fairness-operator/fairness-operator/internal/dataset"
)

func newGenerateCommand(s Streams) *cobra.Command {
	var o dataset.SyntheticOptions
	var seed int64
	var out string
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write the built-in synthetic credit dataset as CSV",
		Long: "Generate writes the seeded synthetic credit dataset (columns: " +
			"sex, age_group, income, credit_amount, duration_months, repaid, score, approved) for demos and benchmarks.",
		Example: "  fairctl generate --rows 10000000 --disparity 0.2 -o /tmp/credit.csv",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			o.Seed = uint64(seed)
			if o.Rows < 0 || o.Disparity < 0 || o.Disparity > 1 {
				return usageError("--rows must be >= 0 and --disparity within [0, 1]")
			}
			w := bufio.NewWriterSize(s.Out, 1<<20)
			var f *os.File
			if out != "" && out != "-" {
				var err error
				if f, err = os.Create(out); err != nil {
					return usageError("%v", err)
				}
				w = bufio.NewWriterSize(f, 1<<20)
			}
			if err := dataset.WriteSynthetic(w, o); err != nil {
				return err
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if f != nil {
				return f.Close()
			}
			return nil
		},
	}
	cmd.Flags().Int64Var(&o.Rows, "rows", 10000, "number of rows")
	cmd.Flags().Int64Var(&seed, "seed", 42, "seed; the same seed gives the same bytes")
	cmd.Flags().Float64Var(&o.Disparity, "disparity", 0.2, "approval-rate gap injected against women (0 is fair)")
	cmd.Flags().StringVarP(&out, "output", "o", "-", "file to write, - for standard output")
	return cmd
}
