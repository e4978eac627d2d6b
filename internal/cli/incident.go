package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/display"
)

// clusterFlags select the cluster and namespace, as kubectl's do (incident and report).
type clusterFlags struct {
	kubeconfig, context, namespace string
	allNamespaces                  bool
}

func (f *clusterFlags) client() (client.Client, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if f.kubeconfig != "" {
		rules.ExplicitPath = f.kubeconfig
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: f.context})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, "", usageError("no usable kubeconfig: %v", err)
	}
	ns := f.namespace
	if ns == "" {
		if ns, _, err = cc.Namespace(); err != nil || ns == "" {
			ns = "default"
		}
	}
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = fairnessv1alpha1.AddToScheme(scheme)
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, "", err
	}
	return c, ns, nil
}

// incident reads one incident of the selected namespace.
func (f *clusterFlags) incident(cmd *cobra.Command, name string) (client.Client, *fairnessv1alpha1.BiasIncident, error) {
	c, ns, err := f.client()
	if err != nil {
		return nil, nil, err
	}
	var in fairnessv1alpha1.BiasIncident
	if err := c.Get(ctxOf(cmd), client.ObjectKey{Namespace: ns, Name: name}, &in); err != nil {
		return nil, nil, fmt.Errorf("incident %s/%s: %w", ns, name, err)
	}
	return c, &in, nil
}

func newIncidentCommand(s Streams) *cobra.Command {
	f := &clusterFlags{}
	cmd := &cobra.Command{
		Use:     "incident",
		Aliases: []string{"incidents", "bi"},
		Short:   "List, inspect and act on BiasIncidents (also: kubectl fairness incident ...)",
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	pf.StringVar(&f.context, "context", "", "kubeconfig context")
	pf.StringVarP(&f.namespace, "namespace", "n", "", "namespace (default: the context's)")
	cmd.AddCommand(newIncidentList(s, f), newIncidentShow(s, f),
		newIncidentAction(s, f, "ack", "Acknowledge an incident: you take it", fairnessv1alpha1.IncidentAcknowledged),
		newIncidentAction(s, f, "mitigate", "Mark an incident as being mitigated", fairnessv1alpha1.IncidentMitigating),
		newIncidentAction(s, f, "resolve", "Resolve an incident, with a note", fairnessv1alpha1.IncidentResolved),
		newIncidentAction(s, f, "reopen", "Reopen a resolved incident, with a reason", fairnessv1alpha1.IncidentOpen))
	return cmd
}

func newIncidentList(s Streams, f *clusterFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List incidents, open ones first, most severe first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, ns, err := f.client()
			if err != nil {
				return err
			}
			var list fairnessv1alpha1.BiasIncidentList
			opts := []client.ListOption{}
			if !f.allNamespaces {
				opts = append(opts, client.InNamespace(ns))
			}
			if err := c.List(ctxOf(cmd), &list, opts...); err != nil {
				return fmt.Errorf("listing incidents: %w", err)
			}
			slices.SortStableFunc(list.Items, func(a, b fairnessv1alpha1.BiasIncident) int {
				ra, rb := incidentRank(&a), incidentRank(&b)
				if ra != rb {
					return ra - rb
				}
				return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
			})
			tw := tabwriter.NewWriter(s.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAMESPACE\tNAME\tSEVERITY\tSTATE\tEVALUATION\tMETRIC\tVALUE\tACK BY\tAGE")
			now := time.Now()
			for _, in := range list.Items {
				metric, value := "-", "-"
				if len(in.Status.Breaches) > 0 {
					metric, value = string(in.Status.Breaches[0].Metric), fmt.Sprintf("%.4f", in.Status.Breaches[0].Value)
				}
				ackBy := "-"
				if in.Status.AcknowledgeBy != nil && in.Status.State == fairnessv1alpha1.IncidentOpen {
					ackBy = relative(in.Status.AcknowledgeBy.Time, now)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.Namespace, in.Name, in.Status.Severity, stateOf(&in),
					in.Spec.EvaluationRef.Name, metric, value, ackBy, now.Sub(in.CreationTimestamp.Time).Round(time.Second))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVarP(&f.allNamespaces, "all-namespaces", "A", false, "list incidents of every namespace")
	return cmd
}

func stateOf(in *fairnessv1alpha1.BiasIncident) string {
	if in.Status.State != "" {
		return string(in.Status.State)
	}
	return string(in.Spec.State)
}

// incidentRank orders open incidents first, then by severity.
func incidentRank(in *fairnessv1alpha1.BiasIncident) int {
	r := 0
	if stateOf(in) == string(fairnessv1alpha1.IncidentResolved) {
		r = 10
	}
	switch in.Status.Severity {
	case fairnessv1alpha1.Severity1:
		return r + 1
	case fairnessv1alpha1.Severity2:
		return r + 2
	case fairnessv1alpha1.Severity3:
		return r + 3
	}
	return r + 4
}

func relative(t, now time.Time) string {
	d := t.Sub(now).Round(time.Second)
	if d < 0 {
		return fmt.Sprintf("%s ago (late)", -d)
	}
	return "in " + d.String()
}

func newIncidentShow(s Streams, f *clusterFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show an incident: breaches, deadline, timeline and notifications",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, in, err := f.incident(cmd, args[0])
			if err != nil {
				return err
			}
			st := in.Status
			w := s.Out
			fmt.Fprintf(w, "Incident:    %s/%s\nEvaluation:  %s\nCategory:    %s\nSeverity:    %s (highest %s)\nState:       %s\n",
				in.Namespace, in.Name, in.Spec.EvaluationRef.Name, in.Spec.Category, st.Severity, st.HighestSeverity, stateOf(in))
			if st.OpenedAt != nil {
				fmt.Fprintf(w, "Opened:      %s\n", st.OpenedAt.UTC().Format(time.RFC3339))
			}
			if st.AcknowledgeBy != nil {
				fmt.Fprintf(w, "Ack by:      %s (%s)\n", st.AcknowledgeBy.UTC().Format(time.RFC3339), relative(st.AcknowledgeBy.Time, time.Now()))
			}
			if in.Spec.AcknowledgedBy != "" {
				fmt.Fprintf(w, "Owner:       %s\n", display.Value(in.Spec.AcknowledgedBy))
			}
			fmt.Fprintf(w, "Channel:     %s\nOccurrences: %d (clean runs since: %d)\nEscalated:   %v\n", st.Channel, st.Occurrences,
				st.ConsecutiveCleanRuns, st.Escalated)
			if len(st.Breaches) > 0 {
				fmt.Fprintln(w, "\nBreaches:")
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "  SEVERITY\tMETRIC\tATTRIBUTE\tGROUP\tVALUE\tTHRESHOLD")
				for _, b := range st.Breaches {
					fmt.Fprintf(tw, "  %s\t%s\t%s\t%q\t%.4f\t%g\n", b.Severity, b.Metric, display.Value(b.Attribute), b.Group, b.Value, b.Threshold)
				}
				_ = tw.Flush()
			}
			fmt.Fprintln(w, "\nTimeline:")
			for _, e := range st.Timeline {
				actor := ""
				if e.Actor != "" {
					actor = " by " + display.Value(e.Actor)
				}
				fmt.Fprintf(w, "  %s  %-15s %s%s\n", e.Time.UTC().Format(time.RFC3339), display.Value(string(e.Type)), display.Value(e.Message), actor)
			}
			if len(st.Notifications) > 0 {
				fmt.Fprintln(w, "\nNotifications:")
				for _, d := range st.Notifications {
					fmt.Fprintf(w, "  %-10s %-9s attempts %d  %s  %s\n", d.Target, d.Result, d.Attempts, display.Value(d.IdempotencyKey),
						display.Value(d.Message))
				}
			}
			fmt.Fprintf(w, "\nAcknowledge: kubectl fairness incident ack %s -n %s --by <you>\n", in.Name, in.Namespace)
			return nil
		},
	}
}

func newIncidentAction(s Streams, f *clusterFlags, verb, short string, to fairnessv1alpha1.IncidentState) *cobra.Command {
	var by, note string
	cmd := &cobra.Command{
		Use:   verb + " NAME",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case (to == fairnessv1alpha1.IncidentAcknowledged || to == fairnessv1alpha1.IncidentMitigating) && strings.TrimSpace(by) == "":
				return usageError("%s needs --by (who takes the incident)", verb)
			case to == fairnessv1alpha1.IncidentResolved && strings.TrimSpace(note) == "":
				return usageError("resolve needs --note (how it was resolved)")
			case to == fairnessv1alpha1.IncidentOpen && strings.TrimSpace(note) == "":
				return usageError("reopen needs --reason")
			}
			c, in, err := f.incident(cmd, args[0])
			if err != nil {
				return err
			}
			before := in.DeepCopy()
			in.Spec.State = to
			if by != "" {
				in.Spec.AcknowledgedBy = by
			}
			switch to {
			case fairnessv1alpha1.IncidentResolved:
				in.Spec.ResolutionNote = note
			case fairnessv1alpha1.IncidentOpen:
				in.Spec.ReopenReason = note
			}
			patch := client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})
			if err := c.Patch(ctxOf(cmd), in, patch); err != nil {
				return usageError("%s %s: %v", verb, args[0], strings.TrimPrefix(err.Error(), "admission webhook "))
			}
			fmt.Fprintf(s.Out, "biasincident.fairness.dev/%s %s\n", in.Name, strings.ToLower(string(to)))
			return nil
		},
	}
	switch to {
	case fairnessv1alpha1.IncidentAcknowledged, fairnessv1alpha1.IncidentMitigating:
		cmd.Flags().StringVar(&by, "by", "", "who takes the incident (a person or team)")
	case fairnessv1alpha1.IncidentResolved:
		cmd.Flags().StringVar(&note, "note", "", "how the incident was resolved")
		cmd.Flags().StringVar(&by, "by", "", "who resolved it")
	case fairnessv1alpha1.IncidentOpen:
		cmd.Flags().StringVar(&note, "reason", "", "why the incident is reopened")
	}
	return cmd
}

func ctxOf(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
