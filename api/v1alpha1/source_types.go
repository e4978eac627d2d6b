package v1alpha1

// DataFormat is the layout of a prediction log.
// +kubebuilder:validation:Enum=csv;jsonl;parquet
type DataFormat string

// The formats an evaluation reads.
const (
	// FormatCSV is comma-separated values with a header row.
	FormatCSV DataFormat = "csv"
	// FormatJSONLines is one JSON object per line; columns are keys or dotted paths.
	FormatJSONLines DataFormat = "jsonl"
	// FormatParquet is Apache Parquet, read by column chunk and sharded by row group.
	FormatParquet DataFormat = "parquet"
)

// DataSource says where an evaluation's data is. Exactly one of inline,
// configMap, persistentVolumeClaim, url, objectStore and builtin is set.
// +kubebuilder:validation:XValidation:rule="[has(self.inline), has(self.configMap), has(self.persistentVolumeClaim), has(self.url), has(self.objectStore), has(self.builtin)].filter(x, x).size() == 1",message="exactly one of inline, configMap, persistentVolumeClaim, url, objectStore or builtin must be set"
// +kubebuilder:validation:XValidation:rule="!has(self.format) || !has(self.builtin)",message="format does not apply to the builtin source"
// +kubebuilder:validation:XValidation:rule="!has(self.inline) || !has(self.format) || self.format != 'parquet'",message="inline data is text: it cannot be parquet"
type DataSource struct {
	// format of the data: csv (a header row, then one record per line),
	// jsonl (JSON Lines: one object per line; a column is a top-level key or
	// a dotted path into nested objects; plain, gzip or zstd like csv) or
	// parquet (only the mapped columns are read; a column may be a dotted
	// path through struct fields; shards take whole row groups; a URL must
	// serve byte ranges). Empty detects it: Parquet's magic or a .parquet
	// URL means parquet, a JSON object jsonl, anything else csv.
	// +optional
	Format DataFormat `json:"format,omitempty"`

	// inline holds a small CSV document (header row first) directly in the
	// manifest. Meant for examples and tests; use a ConfigMap, a volume or a
	// URL for real prediction logs.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32768
	Inline string `json:"inline,omitempty"`

	// configMap reads the CSV from one key of a ConfigMap in the evaluation's
	// namespace, mounted read-only into the evaluation pod.
	// +optional
	ConfigMap *ConfigMapSource `json:"configMap,omitempty"`

	// persistentVolumeClaim reads the CSV from a file on a PersistentVolumeClaim
	// in the evaluation's namespace, mounted read-only.
	// +optional
	PersistentVolumeClaim *PersistentVolumeClaimSource `json:"persistentVolumeClaim,omitempty"`

	// url fetches the CSV over HTTP(S). Plain or gzip-compressed.
	// +optional
	URL *URLSource `json:"url,omitempty"`

	// objectStore reads every object under a prefix in S3 (or an
	// S3-compatible store), Google Cloud Storage or Azure Blob Storage: CSV,
	// JSON Lines or Parquet. Shards split the objects by bytes: Parquet by
	// row group, plain CSV and JSON Lines by line, compressed objects whole.
	// +optional
	ObjectStore *ObjectStoreSource `json:"objectStore,omitempty"`

	// builtin generates a synthetic dataset inside the evaluation pod; useful
	// for demos and smoke tests of the pipeline.
	// +optional
	Builtin *BuiltinSource `json:"builtin,omitempty"`
}

// ConfigMapSource selects a key of a ConfigMap.
type ConfigMapSource struct {
	// name of the ConfigMap, in the evaluation's namespace (a DNS subdomain name).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
	// key of the ConfigMap whose value (or binary value) is the CSV.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}

// PersistentVolumeClaimSource selects a file on a PersistentVolumeClaim.
type PersistentVolumeClaimSource struct {
	// claimName is the name of the PersistentVolumeClaim, in the evaluation's
	// namespace (a DNS subdomain name).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	ClaimName string `json:"claimName"`
	// path of the CSV file relative to the volume root. It may not be absolute
	// nor contain '..'.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('/') && !self.split('/').exists(p, p == '..')",message="path must be relative to the volume root and must not contain '..'"
	Path string `json:"path"`
}

// URLSource fetches data over HTTP(S).
type URLSource struct {
	// url is the http:// or https:// address of the CSV file.
	// +required
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^https?://[^\s]+$`
	URL string `json:"url"`
	// headersSecretRef names a Secret in the evaluation's namespace whose keys
	// are HTTP header names and whose values are sent as those headers (for
	// example an Authorization token). The Secret is mounted as a file into the
	// pod; its values never appear in the pod spec.
	// +optional
	HeadersSecretRef *LocalObjectReference `json:"headersSecretRef,omitempty"`
	// timeoutSeconds bounds the whole download.
	// +optional
	// +kubebuilder:default=300
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=86400
	TimeoutSeconds int32 `json:"timeoutSeconds,omitempty"`
}

// BuiltinDataset names a dataset generated inside the evaluation pod.
// +kubebuilder:validation:Enum=synthetic-credit
type BuiltinDataset string

const (
	// BuiltinSyntheticCredit is a seeded synthetic credit-approval dataset.
	BuiltinSyntheticCredit BuiltinDataset = "synthetic-credit"
)

// BuiltinSource configures the built-in synthetic data generator.
type BuiltinSource struct {
	// name of the built-in dataset.
	// +optional
	// +kubebuilder:default=synthetic-credit
	Name BuiltinDataset `json:"name,omitempty"`
	// rows is the number of rows to generate.
	// +optional
	// +kubebuilder:default=10000
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000000000
	Rows int64 `json:"rows,omitempty"`
	// seed makes the generated data reproducible.
	// +optional
	// +kubebuilder:default=42
	Seed *int64 `json:"seed,omitempty"`
	// disparity is the gap in approval rate injected against the
	// unprivileged group, from 0 (a fair dataset) to 1.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1
	Disparity float64 `json:"disparity,omitempty"`
}
