package v1alpha1

// ObjectStoreSource reads every object under a prefix in Amazon S3 (or an
// S3-compatible store), Google Cloud Storage or Azure Blob Storage.
// +kubebuilder:validation:XValidation:rule="self.url.startsWith('s3://') || (!has(self.endpoint) && !has(self.region) && !has(self.forcePathStyle))",message="endpoint, region and forcePathStyle apply to s3:// URLs only"
// +kubebuilder:validation:XValidation:rule="!has(self.credentialsSecretRef) || !has(self.webIdentity)",message="credentialsSecretRef and webIdentity are alternatives: set one"
// +kubebuilder:validation:XValidation:rule="!has(self.webIdentity) || !self.url.startsWith('gs://')",message="on GKE, workload identity needs no token file: set serviceAccountName to a Kubernetes ServiceAccount annotated with iam.gke.io/gcp-service-account"
// +kubebuilder:validation:XValidation:rule="!has(self.webIdentity) || !self.url.startsWith('s3://') || has(self.webIdentity.roleARN)",message="webIdentity for s3:// needs roleARN"
// +kubebuilder:validation:XValidation:rule="!has(self.webIdentity) || !self.url.startsWith('azblob://') || (has(self.webIdentity.clientID) && has(self.webIdentity.tenantID))",message="webIdentity for azblob:// needs clientID and tenantID"
// +kubebuilder:validation:XValidation:rule="!self.url.startsWith('azblob://') || has(self.accountName) || has(self.credentialsSecretRef)",message="azblob:// needs accountName (or AZURE_STORAGE_ACCOUNT in credentialsSecretRef)"
type ObjectStoreSource struct {
	// url is s3://bucket/prefix, gs://bucket/prefix or azblob://container/prefix.
	// Every object under the prefix is read (directory markers skipped), in
	// key order; a prefix that names one object reads that object.
	// +required
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^(s3|gs|azblob)://[a-z0-9][-a-z0-9._]{1,254}(/[^\s?#]*)?$`
	URL string `json:"url"`
	// glob selects objects by their name relative to the prefix, in Go's
	// path.Match syntax where '*' stays within one path segment: for example
	// dt=2026-11-*/part-*.parquet. Empty reads every object.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Glob string `json:"glob,omitempty"`
	// endpoint of an S3-compatible store (MinIO, Ceph, versitygw), for
	// example http://minio.storage.svc:9000. Empty uses AWS.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^https?://[^\s/?#]+/?$`
	Endpoint string `json:"endpoint,omitempty"`
	// region of the S3 bucket; empty uses us-east-1.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[a-z0-9-]+$`
	Region string `json:"region,omitempty"`
	// forcePathStyle addresses buckets as endpoint/bucket rather than
	// bucket.endpoint. Unset: path style exactly when endpoint is set.
	// +optional
	ForcePathStyle *bool `json:"forcePathStyle,omitempty"`
	// accountName is the Azure storage account of an azblob:// URL.
	// +optional
	// +kubebuilder:validation:MaxLength=24
	// +kubebuilder:validation:Pattern=`^[a-z0-9]{3,24}$`
	AccountName string `json:"accountName,omitempty"`
	// credentialsSecretRef names a Secret in the evaluation's namespace with
	// static credentials, passed to the pod as environment variables by
	// reference (their values never appear in the pod spec): for s3://
	// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN if
	// present); for azblob:// AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN
	// (and AZURE_STORAGE_ACCOUNT if present); for gs:// a service-account key
	// under credentials.json, mounted as a file. Without it, the provider's
	// default chain applies inside the pod (see webIdentity and
	// serviceAccountName).
	// +optional
	CredentialsSecretRef *LocalObjectReference `json:"credentialsSecretRef,omitempty"`
	// serviceAccountName runs the evaluation pods as this ServiceAccount of
	// the evaluation's namespace, so that the cloud's workload-identity
	// webhook or metadata server recognises them by its annotations
	// (eks.amazonaws.com/role-arn, iam.gke.io/gcp-service-account,
	// azure.workload.identity/client-id). The pods still get no Kubernetes
	// API token.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	// webIdentity projects a ServiceAccount token whose audience is the
	// cloud's (never the Kubernetes API's) into the pods and points the
	// cloud SDK at it, for clusters where no webhook does so.
	// +optional
	WebIdentity *WebIdentity `json:"webIdentity,omitempty"`
}

// WebIdentity is federated access with a projected ServiceAccount token.
type WebIdentity struct {
	// audience of the projected token. Default: sts.amazonaws.com for s3://,
	// api://AzureADTokenExchange for azblob://.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Audience string `json:"audience,omitempty"`
	// roleARN is the IAM role to assume (s3://), for example
	// arn:aws:iam::123456789012:role/fairness-reader.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$`
	RoleARN string `json:"roleARN,omitempty"`
	// clientID of the Microsoft Entra application or managed identity (azblob://).
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F-]{36}$`
	ClientID string `json:"clientID,omitempty"`
	// tenantID of the Microsoft Entra tenant (azblob://).
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F-]{36}$`
	TenantID string `json:"tenantID,omitempty"`
}
