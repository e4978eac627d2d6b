// Package cli implements the fairctl command line. Commands return errors;
// Execute maps them to the exit codes pipelines gate on.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fairness-operator/fairness-operator/internal/display"
)

// Exit codes. Pipelines gate a model release on them.
const (
	ExitOK       = 0 // no threshold breached
	ExitBreached = 1 // a threshold at or above --fail-on was breached
	ExitUsage    = 2 // bad input or usage
)

// exitError carries an exit code with the one line printed on stderr.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks bad input or usage (exit code 2).
func usageError(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// errBreached is returned when a threshold was breached (exit code 1). The
// report has already been printed, so nothing more goes to stderr.
var errBreached = &exitError{code: ExitBreached, err: errors.New("")}

// Streams are the command's standard streams.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// NewRootCommand builds the fairctl command tree.
func NewRootCommand(s Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   commandName(),
		Short: "Evaluate machine-learning fairness and act on bias incidents",
		Long: "fairctl evaluates the fairness of a model's decisions on a dataset or prediction log,\n" +
			"runs evaluation shards inside fairness-operator's Jobs, and acts on BiasIncidents.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	root.AddCommand(newVersionCommand(s), newEvaluateCommand(s), newGenerateCommand(s), newRunCommand(s), newPublishReportCommand(s), newIncidentCommand(s),
		newReportCommand(s))
	return root
}

// Execute runs fairctl with args and returns the process exit code.
func Execute(args []string, in io.Reader, out, errOut io.Writer) int {
	s := Streams{In: in, Out: out, Err: errOut}
	root := NewRootCommand(s)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	if ee, ok := errors.AsType[*exitError](err); ok {
		if msg := ee.Error(); msg != "" {
			fmt.Fprintln(errOut, "fairctl: "+display.RedactURLs(msg))
		}
		return ee.code
	}
	// Cobra's own errors (unknown command, bad arguments) are usage errors.
	fmt.Fprintln(errOut, "fairctl: "+display.RedactURLs(err.Error()))
	return ExitUsage
}

// commandName is how the binary was invoked: installed as kubectl-fairness it
// is the kubectl plugin "kubectl fairness".
func commandName() string {
	if strings.HasSuffix(filepath.Base(os.Args[0]), "kubectl-fairness") {
		return "kubectl fairness"
	}
	return "fairctl"
}
