package controller

import (
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

const (
	// webIdentityDir holds the projected token whose audience is the cloud's.
	webIdentityDir = "/var/run/secrets/fairness.dev/web-identity"
	// gcsCredentialsDir holds a GCS service-account key from the Secret.
	gcsCredentialsDir = "/var/run/secrets/fairness.dev/gcs"
	// gcsCredentialsKey is the Secret key of a GCS service-account key.
	gcsCredentialsKey = "credentials.json"
	// webIdentityTokenSeconds is the projected token's lifetime; the kubelet
	// renews it at 80%, and the SDKs reread the file.
	webIdentityTokenSeconds = 3600
)

// Default audiences of the projected token, by scheme.
const (
	awsAudience   = "sts.amazonaws.com"
	azureAudience = "api://AzureADTokenExchange"
)

// objectStoreSecretKeys are the keys of a credentials Secret that become
// the pod's environment, by scheme; required keys first.
var objectStoreSecretKeys = map[string]struct{ required, optional []string }{
	"s3":     {required: []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}, optional: []string{"AWS_SESSION_TOKEN"}},
	"azblob": {optional: []string{"AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN"}},
	"gs":     {},
}

func schemeOf(url string) string {
	scheme, _, _ := strings.Cut(url, "://")
	return scheme
}

// addObjectStoreAccess gives the pod what the cloud SDK's default chain
// needs: Secret keys as environment variables by reference (values never in
// the pod spec), a ServiceAccount for workload-identity webhooks, or a
// projected token with the cloud's audience. The pod still mounts no
// Kubernetes API token: AutomountServiceAccountToken stays false, and a
// token for another audience is refused by the API server.
func addObjectStoreAccess(pod *corev1.PodSpec, c *corev1.Container, o *fairnessv1alpha1.ObjectStoreSource) {
	scheme := schemeOf(o.URL)
	pod.ServiceAccountName = o.ServiceAccountName
	if o.AccountName != "" {
		c.Env = append(c.Env, corev1.EnvVar{Name: "AZURE_STORAGE_ACCOUNT", Value: o.AccountName})
	}
	if ref := o.CredentialsSecretRef; ref != nil {
		keys := objectStoreSecretKeys[scheme]
		for i, k := range append(keys.required, keys.optional...) {
			c.Env = append(c.Env, corev1.EnvVar{Name: k, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}, Key: k,
				Optional: ptr.To(i >= len(keys.required))}}})
		}
		if scheme == "gs" {
			pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "gcs-credentials", VolumeSource: corev1.VolumeSource{
				Secret: &corev1.SecretVolumeSource{SecretName: ref.Name, DefaultMode: ptr.To[int32](0o440),
					Items: []corev1.KeyToPath{{Key: gcsCredentialsKey, Path: gcsCredentialsKey}}}}})
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "gcs-credentials", MountPath: gcsCredentialsDir,
				ReadOnly: true})
			c.Env = append(c.Env, corev1.EnvVar{Name: "GOOGLE_APPLICATION_CREDENTIALS",
				Value: path.Join(gcsCredentialsDir, gcsCredentialsKey)})
		}
	}
	if w := o.WebIdentity; w != nil {
		audience := w.Audience
		if audience == "" {
			audience = map[string]string{"s3": awsAudience, "azblob": azureAudience}[scheme]
		}
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "web-identity", VolumeSource: corev1.VolumeSource{
			Projected: &corev1.ProjectedVolumeSource{DefaultMode: ptr.To[int32](0o440), Sources: []corev1.VolumeProjection{{
				ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Audience: audience,
					ExpirationSeconds: ptr.To[int64](webIdentityTokenSeconds), Path: "token"}}}}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "web-identity", MountPath: webIdentityDir, ReadOnly: true})
		token := path.Join(webIdentityDir, "token")
		switch scheme {
		case "s3":
			c.Env = append(c.Env, corev1.EnvVar{Name: "AWS_WEB_IDENTITY_TOKEN_FILE", Value: token},
				corev1.EnvVar{Name: "AWS_ROLE_ARN", Value: w.RoleARN},
				corev1.EnvVar{Name: "AWS_ROLE_SESSION_NAME", Value: "fairness-operator"})
		case "azblob":
			c.Env = append(c.Env, corev1.EnvVar{Name: "AZURE_FEDERATED_TOKEN_FILE", Value: token},
				corev1.EnvVar{Name: "AZURE_CLIENT_ID", Value: w.ClientID}, corev1.EnvVar{Name: "AZURE_TENANT_ID", Value: w.TenantID})
		}
	}
}

// objectStoreSecretProblem says what a credentials Secret lacks for its
// scheme; "" when it has what the pod needs.
func objectStoreSecretProblem(o *fairnessv1alpha1.ObjectStoreSource, secret *corev1.Secret) string {
	scheme := schemeOf(o.URL)
	var missing []string
	for _, k := range objectStoreSecretKeys[scheme].required {
		if _, ok := secret.Data[k]; !ok {
			missing = append(missing, k)
		}
	}
	switch scheme {
	case "gs":
		if _, ok := secret.Data[gcsCredentialsKey]; !ok {
			missing = append(missing, gcsCredentialsKey)
		}
	case "azblob":
		_, key := secret.Data["AZURE_STORAGE_KEY"]
		_, sas := secret.Data["AZURE_STORAGE_SAS_TOKEN"]
		if !key && !sas {
			missing = append(missing, "AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN")
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf("Secret %q (object-store credentials for %s://) has no key %s", secret.Name, scheme,
		strings.Join(missing, ", "))
}
