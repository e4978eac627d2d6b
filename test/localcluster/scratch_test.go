package localcluster

import (
	"context"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func TestScratchRealNode(t *testing.T) {
	dir := "/tmp/scratch-node"
	_ = os.RemoveAll(dir)
	start := time.Now()
	c, err := Start(context.Background(), Options{Dir: dir, Node: NodeReal, Log: os.Stderr,
		Images: []string{"/work/main/bin/image.tar", "/work/main/bin/pause.tar"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	t.Log("ready after", time.Since(start))
	ctx := context.Background()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "p"}, Spec: corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever, AutomountServiceAccountToken: ptr.To(false),
		Containers: []corev1.Container{{Name: "c", Image: "ghcr.io/fairness-operator/fairness-operator:latest", ImagePullPolicy: corev1.PullNever,
			Command: []string{"/fairctl"}, Args: []string{"version"}}}}}
	for {
		err := c.Client.Create(ctx, pod)
		if err == nil {
			break
		}
		t.Log(err)
		time.Sleep(time.Second)
	}
	for i := 0; i < 60; i++ {
		_ = c.Client.Get(ctx, client.ObjectKeyFromObject(pod), pod)
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			break
		}
		time.Sleep(time.Second)
	}
	t.Logf("%s %+v", pod.Status.Phase, pod.Status.ContainerStatuses)
}
