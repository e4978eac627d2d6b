// Command demo runs fairness-operator on a local cluster (see
// test/localcluster) with the sample evaluations, prints what happened, and
// keeps the cluster up for exploring until Ctrl-C. `make demo` runs it.
//
// On a real node (kubelet, containerd, runc; needs root and the packages
// hack/install-node-packages.sh installs) the operator is installed with
// `helm install` from the image `make image` built, and evaluation pods run
// in containers. Elsewhere a simulated kubelet runs pods as processes and
// the manager runs on the host. --node chooses; auto takes the real node
// when the machine can run one.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/test/localcluster"
)

func main() {
	fairctl := flag.String("fairctl", "bin/fairctl", "fairctl binary (evaluation pods run it)")
	manager := flag.String("manager", "bin/manager", "manager binary")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "fairness-demo"), "folder for the kubeconfig and logs")
	exit := flag.Bool("exit", os.Getenv("DEMO_EXIT") == "1", "exit after printing instead of waiting for Ctrl-C")
	timeout := flag.Duration("timeout", 5*time.Minute, "how long to wait for the sample runs")
	node := flag.String("node", "auto", "what plays the node: real (kubelet, containerd), process (simulated) or auto")
	images := flag.String("images", "bin/image.tar,bin/pause.tar", "image tarballs for the real node (make image)")
	image := flag.String("image", "local.test/fairness-operator:demo", "the operator image's tag in --images")
	flag.Parse()
	d := demo{fairctl: *fairctl, manager: *manager, dir: *dir, image: *image, images: strings.Split(*images, ",")}
	if err := d.run(*node, *exit, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func step(format string, args ...any) { fmt.Printf("==> "+format+"\n", args...) }

type demo struct {
	fairctl, manager, dir, image string
	images                       []string
}

func (d demo) run(node string, exit bool, timeout time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, p := range append([]*string{&d.fairctl, &d.manager}, pointers(d.images)...) {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = abs
	}
	kind, why, err := chooseNode(node)
	if err != nil {
		return err
	}
	_ = os.RemoveAll(d.dir)
	step("starting a local cluster in %s (%s)", d.dir, why)
	cluster, err := localcluster.Start(ctx, localcluster.Options{Dir: d.dir, Node: kind, Fairctl: d.fairctl,
		Images: d.images, Log: os.Stdout})
	if err != nil {
		return err
	}
	defer cluster.Stop()

	var metricsURL string
	if kind == localcluster.NodeReal {
		if metricsURL, err = d.helmInstall(ctx, cluster); err != nil {
			return err
		}
	} else {
		stopManager, err := d.hostManager(cluster)
		if err != nil {
			return err
		}
		defer stopManager()
		metricsURL = "http://127.0.0.1:18080/metrics"
	}

	step("starting a Slack-compatible webhook receiver for notifications")
	hook, err := startReceiver(cluster)
	if err != nil {
		return err
	}
	if err := kubectl(cluster.Kubeconfig, "create", "secret", "generic", "fairness-slack", "-n", "default",
		"--from-literal=url="+hook); err != nil {
		return err
	}

	step("kubectl apply -k config/samples")
	if err := kubectl(cluster.Kubeconfig, "apply", "-n", "default", "-k", "config/samples"); err != nil {
		return err
	}
	step("waiting for the sample evaluations to run (Jobs on the local node)")
	if err := waitForRuns(ctx, cluster.Client, timeout); err != nil {
		return err
	}
	time.Sleep(2 * time.Second) // let the incident status and its notification land

	step("kubectl get fairnessevaluations,biasincidents -o wide")
	_ = kubectl(cluster.Kubeconfig, "get", "fairnessevaluations,biasincidents", "-o", "wide")
	step("metrics of credit-biased (status.metrics)")
	_ = kubectl(cluster.Kubeconfig, "get", "feval", "credit-biased", "-o", "jsonpath={range .status.metrics[*]}"+
		"{.name}{\"\\t\"}{.method}{\"\\t\"}{.attribute}{\"\\t\"}{.value}{\"\\t\"}{.severity}{\"\\n\"}{end}")
	step("fairctl incident show credit-biased-g1 (also: kubectl fairness incident ...)")
	show := exec.Command(d.fairctl, "incident", "show", "credit-biased-g1", "-n", "default",
		"--kubeconfig", cluster.Kubeconfig)
	show.Stdout, show.Stderr = os.Stdout, os.Stderr
	_ = show.Run()
	step("fairctl report credit-biased (also: kubectl fairness report ...)")
	reportFile := filepath.Join(d.dir, "credit-biased-report.html")
	report := exec.Command(d.fairctl, "report", "credit-biased", "-n", "default", "-o", reportFile,
		"--kubeconfig", cluster.Kubeconfig)
	report.Stdout, report.Stderr = os.Stdout, os.Stderr
	if err := report.Run(); err == nil {
		fmt.Printf("The audit report of credit-biased is %s (open it in a browser; it prints on A4).\n", reportFile)
	}
	step("Jobs of the runs")
	_ = kubectl(cluster.Kubeconfig, "get", "jobs", "-L", fairnessv1alpha1.EvaluationLabel)

	fmt.Printf("\nExplore with:\n  export KUBECONFIG=%s PATH=$PWD/bin:$PATH\n  kubectl get fairness\n"+
		"  kubectl fairness incident list\n  kubectl fairness incident ack credit-biased-g1 --by you\n"+
		"  curl -s %s | grep ^fairness_\n", cluster.Kubeconfig, metricsURL)
	if exit {
		return nil
	}
	fmt.Println("\nThe cluster stays up; press Ctrl-C to stop it.")
	<-ctx.Done()
	step("stopping")
	return nil
}

func kubectl(kubeconfig string, args ...string) error {
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}

// waitForRuns waits until every evaluation has a finished run and none is in flight.
func waitForRuns(ctx context.Context, c client.Client, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var list fairnessv1alpha1.FairnessEvaluationList
		if err := c.List(ctx, &list, client.InNamespace("default")); err != nil {
			return err
		}
		done := len(list.Items) > 0
		for _, e := range list.Items {
			done = done && e.Status.LastRun != nil && e.Status.ActiveRun == nil
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the sample runs did not finish within %v", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// startReceiver serves a Slack-compatible incoming webhook on the host
// address the manager reaches and prints each message it receives.
func startReceiver(cluster *localcluster.Cluster) (string, error) {
	l, err := cluster.Listen()
	if err != nil {
		return "", err
	}
	printMessage := func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			Text string `json:"text"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&msg); err != nil {
			http.Error(w, "bad message", http.StatusBadRequest)
			return
		}
		fmt.Printf("\n--- notification received (Idempotency-Key %s) ---\n%s\n---\n",
			r.Header.Get("Idempotency-Key"), msg.Text)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(printMessage)}
	go func() { _ = srv.Serve(l) }()
	return "http://" + l.Addr().String() + "/services/demo", nil
}
