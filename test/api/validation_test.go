package api

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const validEvaluation = `
apiVersion: fairness.dev/v1alpha1
kind: FairnessEvaluation
metadata: {name: credit}
spec:
  source: {builtin: {rows: 1000}}
  columns: {label: repaid, prediction: approved, protected: [sex]}
  thresholds:
  - metric: demographicParityDifference
    levels: [{value: 0.1, severity: Sev2}]
`

const validIncident = `
apiVersion: fairness.dev/v1alpha1
kind: BiasIncident
metadata: {name: credit-incident}
spec:
  evaluationRef: {name: credit}
`

type mutation func(obj map[string]any)

func set(value any, path ...string) mutation {
	return func(obj map[string]any) {
		if err := unstructured.SetNestedField(obj, value, path...); err != nil {
			panic(err)
		}
	}
}

func del(path ...string) mutation {
	return func(obj map[string]any) { unstructured.RemoveNestedField(obj, path...) }
}

func spec(path ...string) []string { return append([]string{"spec"}, path...) }

// inlineOutcomes joins a small inline outcomes table.
var inlineOutcomes = set(map[string]any{"source": map[string]any{"inline": "application_id,repaid\na1,1\n"}}, spec("outcomes")...)

// raceProxies gives race as BISG-style probabilities.
func raceProxies(groups ...any) mutation {
	if groups == nil {
		groups = []any{map[string]any{"name": "White", "column": "p_white"}, map[string]any{"name": "Black", "column": "p_black"}}
	}
	return set([]any{map[string]any{"attribute": "race", "groups": groups}}, spec("columns", "protectedProbabilities")...)
}

// TestInvalidManifestsAreRefused checks each schema rule on the real API
// server: the manifest is refused and the message names the rule.
func TestInvalidManifestsAreRefused(t *testing.T) {
	ns := createNamespace(t, "invalid")
	type tc struct {
		base    string
		create  []mutation // applied before the create
		update  []mutation // when set, the create must succeed and this update must fail
		wantErr string
	}
	cases := map[string]tc{
		"no source": {validEvaluation, []mutation{set(map[string]any{}, spec("source")...)}, nil,
			"exactly one of inline, configMap, persistentVolumeClaim, url, objectStore or builtin must be set"},
		"two sources": {validEvaluation, []mutation{set("a,b\n1,2", spec("source", "inline")...)}, nil,
			"exactly one of inline, configMap, persistentVolumeClaim, url, objectStore or builtin must be set"},
		"format with the builtin source": {validEvaluation, []mutation{set("jsonl", spec("source", "format")...)}, nil,
			"format does not apply to the builtin source"},
		"unknown format": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"url": "https://example.com/p.xml"}, spec("source", "url")...), set("xml", spec("source", "format")...)}, nil,
			`spec.source.format: Unsupported value: "xml"`},
		"train mode reading JSON Lines": {validEvaluation, []mutation{set("train", spec("mode")...), del(spec("columns", "prediction")...),
			del(spec("source", "builtin")...), set(map[string]any{"url": "https://example.com/p.jsonl"}, spec("source", "url")...),
			set("jsonl", spec("source", "format")...)}, nil,
			"train mode reads CSV: source.format jsonl and parquet are for predictions mode"},
		"an object store with an http URL": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"url": "https://bucket/logs/"}, spec("source", "objectStore")...)}, nil,
			"spec.source.objectStore.url: Invalid value"},
		"an endpoint for gs://": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"url": "gs://logs/p/", "endpoint": "http://minio:9000"}, spec("source", "objectStore")...)}, nil,
			"endpoint, region and forcePathStyle apply to s3:// URLs only"},
		"a Secret and web identity": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"url": "s3://logs/p/", "credentialsSecretRef": map[string]any{"name": "keys"},
				"webIdentity": map[string]any{"roleARN": "arn:aws:iam::123456789012:role/reader"}}, spec("source", "objectStore")...)}, nil,
			"credentialsSecretRef and webIdentity are alternatives"},
		"s3 web identity without a role": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"url": "s3://logs/p/", "webIdentity": map[string]any{"audience": "sts.amazonaws.com"}},
				spec("source", "objectStore")...)}, nil, "webIdentity for s3:// needs roleARN"},
		"gcs web identity": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"url": "gs://logs/p/", "webIdentity": map[string]any{"audience": "x"}},
				spec("source", "objectStore")...)}, nil, "iam.gke.io/gcp-service-account"},
		"azure without an account": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"url": "azblob://logs/p/"}, spec("source", "objectStore")...)}, nil,
			"azblob:// needs accountName"},
		"a bad role ARN": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"url": "s3://logs/p/", "webIdentity": map[string]any{"roleARN": "reader"}},
				spec("source", "objectStore")...)}, nil, "spec.source.objectStore.webIdentity.roleARN: Invalid value"},
		"train mode from an object store": {validEvaluation, []mutation{set("train", spec("mode")...), del(spec("columns", "prediction")...),
			del(spec("source", "builtin")...), set(map[string]any{"url": "s3://logs/train.csv"}, spec("source", "objectStore")...)}, nil,
			"train mode reads one CSV file: source.objectStore is for predictions mode"},
		"inline parquet": {validEvaluation, []mutation{del(spec("source", "builtin")...), set("y,p\n", spec("source", "inline")...),
			set("parquet", spec("source", "format")...)}, nil, "inline data is text: it cannot be parquet"},
		"unknown mode": {validEvaluation, []mutation{set("guess", spec("mode")...)}, nil,
			`spec.mode: Unsupported value: "guess"`},
		"predictions mode without prediction column": {validEvaluation, []mutation{del(spec("columns", "prediction")...)}, nil,
			"predictions mode needs columns.prediction"},
		"train mode without label": {validEvaluation, []mutation{set("train", spec("mode")...), del(spec("columns", "label")...)}, nil,
			"train mode needs columns.label"},
		"outcomes without id": {validEvaluation, []mutation{inlineOutcomes}, nil,
			"columns.id joins the predictions with outcomes or demographics: set it exactly when one of them is set"},
		"id without a joined side": {validEvaluation, []mutation{set("application_id", spec("columns", "id")...)}, nil,
			"columns.id joins the predictions with outcomes or demographics"},
		"outcomes without label": {validEvaluation, []mutation{inlineOutcomes, set("application_id", spec("columns", "id")...),
			del(spec("columns", "label")...)}, nil, "outcomes need columns.label, the outcomes' label column"},
		"builtin outcomes": {validEvaluation, []mutation{set("application_id", spec("columns", "id")...),
			set(map[string]any{"source": map[string]any{"builtin": map[string]any{}}}, spec("outcomes")...)}, nil,
			"the builtin dataset holds its own labels"},
		"joined demographics in train mode": {validEvaluation, []mutation{set("train", spec("mode")...), set("application_id", spec("columns", "id")...),
			set(map[string]any{"source": map[string]any{"inline": "id,sex\na,f\n"}}, spec("demographics")...)}, nil,
			"outcomes and demographics are joined in predictions mode only"},
		"no protected attribute at all": {validEvaluation, []mutation{del(spec("columns", "protected")...)}, nil,
			"name the protected attributes: columns.protected, columns.protectedProbabilities or both"},
		"an attribute both recorded and estimated": {validEvaluation, []mutation{set([]any{"race"}, spec("columns", "protected")...),
			raceProxies()}, nil, "an attribute is either in protected (recorded) or in protectedProbabilities (estimated), not both"},
		"one probability group": {validEvaluation, []mutation{raceProxies(map[string]any{"name": "White", "column": "p_white"})}, nil,
			"spec.columns.protectedProbabilities[0].groups: Invalid value: 1: spec.columns.protectedProbabilities[0].groups in body should have at least 2 items"},
		"two groups reading one column": {validEvaluation, []mutation{raceProxies(map[string]any{"name": "White", "column": "p"},
			map[string]any{"name": "Black", "column": "p"})}, nil, "each group reads its own probability column"},
		"two estimated attributes": {validEvaluation, []mutation{set([]any{
			map[string]any{"attribute": "race", "groups": []any{map[string]any{"name": "a", "column": "a"}, map[string]any{"name": "b", "column": "b"}}},
			map[string]any{"attribute": "age", "groups": []any{map[string]any{"name": "c", "column": "c"}, map[string]any{"name": "d", "column": "d"}}},
		}, spec("columns", "protectedProbabilities")...)}, nil, "must have at most 1 item"},
		"a probability tolerance of 0.5": {validEvaluation, []mutation{raceProxies(), func(obj map[string]any) {
			attrs, _, _ := unstructured.NestedSlice(obj, spec("columns", "protectedProbabilities")...)
			attrs[0].(map[string]any)["tolerance"] = 0.5
			set(attrs, spec("columns", "protectedProbabilities")...)(obj)
		}}, nil, "spec.columns.protectedProbabilities[0].tolerance: Invalid value: 0.5"},
		"estimated attributes in train mode": {validEvaluation, []mutation{set("train", spec("mode")...), raceProxies()}, nil,
			"columns.protectedProbabilities applies to predictions mode"},
		"a threshold on an attribute not declared": {validEvaluation, []mutation{raceProxies(), set([]any{map[string]any{
			"metric": "demographicParityDifference", "attribute": "ethnicity", "levels": []any{map[string]any{"value": 0.1, "severity": "Sev2"}}}},
			spec("thresholds")...)}, nil, "a threshold's attribute must be one of columns.protected (or columns.protectedProbabilities)"},
		"privileged value of an undeclared attribute": {validEvaluation, []mutation{raceProxies(), set([]any{map[string]any{
			"attribute": "ethnicity", "values": []any{"x"}}}, spec("columns", "privileged")...)}, nil,
			"privileged values may only be given for attributes listed in protected or protectedProbabilities"},
		"coverage gap of zero": {validEvaluation, []mutation{inlineOutcomes, set("application_id", spec("columns", "id")...),
			set(0.0, spec("outcomes", "maxCoverageGap")...)}, nil, "spec.outcomes.maxCoverageGap in body should be greater than 0"},
		"join key limit of zero": {validEvaluation, []mutation{set(int64(0), spec("maxJoinKeys")...)}, nil,
			"spec.maxJoinKeys in body should be greater than or equal to 1"},
		"two object-store identities": {validEvaluation, []mutation{set("application_id", spec("columns", "id")...),
			del(spec("source", "builtin")...),
			set(map[string]any{"url": "s3://logs/preds/", "credentialsSecretRef": map[string]any{"name": "a"}}, spec("source", "objectStore")...),
			set(map[string]any{"source": map[string]any{"objectStore": map[string]any{"url": "s3://labels/", "serviceAccountName": "reader"}}},
				spec("outcomes")...)}, nil,
			"the evaluation pods have one object-store identity for every source"},
		"report destination with a glob": {validEvaluation, []mutation{set(map[string]any{"destination": map[string]any{
			"objectStore": map[string]any{"url": "s3://audit/credit/", "glob": "*.html"}}}, spec("report")...)}, nil,
			"glob selects objects to read: a report destination is a prefix"},
		"report destination with a second identity": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"url": "s3://logs/p/", "credentialsSecretRef": map[string]any{"name": "reader"}}, spec("source", "objectStore")...),
			set(map[string]any{"destination": map[string]any{"objectStore": map[string]any{"url": "s3://audit/credit/",
				"credentialsSecretRef": map[string]any{"name": "writer"}}}}, spec("report")...)}, nil,
			"set credentialsSecretRef, webIdentity or serviceAccountName on one of source, outcomes, demographics and report.destination only"},
		"report destination over http": {validEvaluation, []mutation{set(map[string]any{"destination": map[string]any{
			"objectStore": map[string]any{"url": "https://audit.example/credit/"}}}, spec("report")...)}, nil,
			"spec.report.destination.objectStore.url: Invalid value"},
		"bucket longer than the window": {validEvaluation, []mutation{set(map[string]any{"timestampColumn": "ts", "lookback": "24h",
			"bucket": "48h"}, spec("window")...)}, nil, "bucket cuts the lookback into at most 31 periods"},
		"bucket cutting the window into too many periods": {validEvaluation, []mutation{set(map[string]any{"timestampColumn": "ts",
			"lookback": "720h", "bucket": "12h"}, spec("window")...)}, nil, "bucket cuts the lookback into at most 31 periods"},
		"bucket of seconds": {validEvaluation, []mutation{set(map[string]any{"timestampColumn": "ts", "lookback": "10m",
			"bucket": "30s"}, spec("window")...)}, nil, "spec.window.bucket: Invalid value"},
		"window in train mode": {validEvaluation, []mutation{set("train", spec("mode")...),
			set(map[string]any{"timestampColumn": "ts", "lookback": "720h"}, spec("window")...)}, nil,
			"window applies to predictions mode only"},
		"window of no time": {validEvaluation, []mutation{set(map[string]any{"timestampColumn": "ts", "lookback": "0s"}, spec("window")...)}, nil,
			"must be a duration from 1s to 26280h"},
		"partition without a placeholder": {validEvaluation, []mutation{set(map[string]any{"timestampColumn": "ts", "lookback": "24h",
			"partition": "dt=today"}, spec("window")...)}, nil, "partition needs a placeholder such as {{.Date}}"},
		"trend over more runs than the history keeps": {validEvaluation, []mutation{set([]any{map[string]any{
			"metric": "demographicParityDifference", "levels": []any{map[string]any{"value": 0.3, "severity": "Sev1"}},
			"trend": map[string]any{"runs": int64(8), "worsenedBy": 0.05, "severity": "Sev3"}}}, spec("thresholds")...)}, nil,
			"a threshold's trend.runs compares runs the history keeps: at most historyLimit"},
		"unknown timestamp format": {validEvaluation, []mutation{set(map[string]any{"timestampColumn": "ts", "lookback": "24h",
			"timestampFormat": "epoch"}, spec("window")...)}, nil, `spec.window.timestampFormat: Unsupported value: "epoch"`},
		"train settings in predictions mode": {validEvaluation, []mutation{set(map[string]any{"method": "baseline"}, spec("train")...)}, nil,
			"train settings are only allowed in train mode"},
		"sharded train mode": {validEvaluation, []mutation{set("train", spec("mode")...), set(int64(4), spec("shards")...)}, nil,
			"train mode cannot be sharded"},
		"testSize zero": {validEvaluation, []mutation{set("train", spec("mode")...), set(map[string]any{"testSize": 0.0}, spec("train")...)}, nil,
			"spec.train.testSize in body should be greater than 0"},
		"testSize one": {validEvaluation, []mutation{set("train", spec("mode")...), set(map[string]any{"testSize": 1.0}, spec("train")...)}, nil,
			"spec.train.testSize in body should be less than 1"},
		"unknown method": {validEvaluation, []mutation{set("train", spec("mode")...), set(map[string]any{"method": "magic"}, spec("train")...)}, nil,
			`spec.train.method: Unsupported value: "magic"`},
		"constraint with baseline": {validEvaluation, []mutation{set("train", spec("mode")...),
			set(map[string]any{"method": "baseline", "constraint": "equalizedOdds"}, spec("train")...)}, nil,
			"constraint applies only to the postprocess and expgrad methods"},
		"postprocess with error-rate parity": {validEvaluation, []mutation{set("train", spec("mode")...),
			set(map[string]any{"method": "postprocess", "constraint": "errorRateParity"}, spec("train")...)}, nil,
			"postprocess supports the demographicParity and equalizedOdds constraints"},
		"rate threshold above one": {validEvaluation, []mutation{set([]any{map[string]any{"metric": "demographicParityDifference",
			"levels": []any{map[string]any{"value": 1.5, "severity": "Sev1"}}}}, spec("thresholds")...)}, nil,
			"thresholds of rate-based metrics must be within [0, 1]"},
		"negative threshold": {validEvaluation, []mutation{set([]any{map[string]any{"metric": "theilIndex",
			"levels": []any{map[string]any{"value": -0.1, "severity": "Sev1"}}}}, spec("thresholds")...)}, nil,
			"should be greater than or equal to 0"},
		"unknown metric": {validEvaluation, []mutation{set([]any{map[string]any{"metric": "vibes",
			"levels": []any{map[string]any{"value": 0.1, "severity": "Sev1"}}}}, spec("thresholds")...)}, nil,
			`spec.thresholds[0].metric: Unsupported value: "vibes"`},
		"unknown severity": {validEvaluation, []mutation{set([]any{map[string]any{"metric": "disparateImpact",
			"levels": []any{map[string]any{"value": 0.8, "severity": "Sev5"}}}}, spec("thresholds")...)}, nil,
			`Unsupported value: "Sev5"`},
		"threshold without levels": {validEvaluation, []mutation{set([]any{map[string]any{"metric": "disparateImpact",
			"levels": []any{}}}, spec("thresholds")...)}, nil,
			"spec.thresholds[0].levels: Invalid value: 0: spec.thresholds[0].levels in body should have at least 1 items"},
		"zero shards": {validEvaluation, []mutation{set(int64(0), spec("shards")...)}, nil,
			"spec.shards in body should be greater than or equal to 1"},
		"too many shards": {validEvaluation, []mutation{set(int64(1001), spec("shards")...)}, nil,
			"spec.shards in body should be less than or equal to 1000"},
		"no protected attribute": {validEvaluation, []mutation{set([]any{}, spec("columns", "protected")...)}, nil,
			"spec.columns.protected in body should have at least 1 items"},
		"privileged values for an undeclared attribute": {validEvaluation, []mutation{set([]any{map[string]any{
			"attribute": "race", "values": []any{"White"}}}, spec("columns", "privileged")...)}, nil,
			"privileged values may only be given for attributes listed in protected"},
		"bad schedule": {validEvaluation, []mutation{set("every tuesday", spec("schedule")...)}, nil,
			"spec.schedule in body should match"},
		"absolute PVC path": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"claimName": "logs", "path": "/etc/passwd"}, spec("source", "persistentVolumeClaim")...)}, nil,
			"path must be relative to the volume root and must not contain '..'"},
		"PVC path escaping the volume": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"claimName": "logs", "path": "a/../../b.csv"}, spec("source", "persistentVolumeClaim")...)}, nil,
			"path must be relative to the volume root and must not contain '..'"},
		"non-HTTP URL": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"url": "file:///etc/passwd"}, spec("source", "url")...)}, nil,
			"spec.source.url.url in body should match"},
		"disparity above one": {validEvaluation, []mutation{set(1.5, spec("source", "builtin", "disparity")...)}, nil,
			"spec.source.builtin.disparity in body should be less than or equal to 1"},
		"notification of unknown kind": {validEvaluation, []mutation{set(map[string]any{"notifications": []any{map[string]any{
			"name": "pager", "kind": "carrier-pigeon", "urlSecretRef": map[string]any{"name": "s", "key": "url"}}}}, spec("incidentPolicy")...)}, nil,
			`Unsupported value: "carrier-pigeon"`},
		"incident resolved without note": {validIncident, []mutation{set("Resolved", spec("state")...)}, nil,
			"a Resolved incident needs a resolutionNote"},
		"incident acknowledged by nobody": {validIncident, []mutation{set("Acknowledged", spec("state")...)}, nil,
			"an Acknowledged or Mitigating incident needs an acknowledgedBy"},
		"incident unknown state": {validIncident, []mutation{set("Ignored", spec("state")...)}, nil,
			`spec.state: Unsupported value: "Ignored"`},
		"incident without evaluation": {validIncident, []mutation{del(spec("evaluationRef")...)}, nil,
			"spec.evaluationRef: Required value"},
		// kubectl validates strictly by default, so a field the API does not
		// have is refused: references cannot leave the evaluation's namespace.
		"ConfigMap in another namespace": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"name": "preds", "key": "preds.csv", "namespace": "other"}, spec("source", "configMap")...)}, nil,
			`unknown field "spec.source.configMap.namespace"`},
		"header Secret in another namespace": {validEvaluation, []mutation{del(spec("source", "builtin")...),
			set(map[string]any{"url": "https://example.com/p.csv", "headersSecretRef": map[string]any{"name": "h", "namespace": "other"}},
				spec("source", "url")...)}, nil,
			`unknown field "spec.source.url.headersSecretRef.namespace"`},
		"notification Secret in another namespace": {validEvaluation, []mutation{set(map[string]any{"notifications": []any{
			map[string]any{"name": "oncall", "kind": "webhook", "urlSecretRef": map[string]any{"name": "s", "key": "url", "namespace": "other"}}}},
			spec("incidentPolicy")...)}, nil,
			`unknown field "spec.incidentPolicy.notifications[0].urlSecretRef.namespace"`},
		"incident moved to another evaluation": {validIncident, nil, []mutation{set("other", spec("evaluationRef", "name")...)},
			"evaluationRef is immutable"},
		"incident reopened without reason": {validIncident,
			[]mutation{set("Resolved", spec("state")...), set("false positive: test data", spec("resolutionNote")...)},
			[]mutation{set("Open", spec("state")...)},
			"reopening a Resolved incident needs a reopenReason"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			obj := decode(t, []byte(c.base))
			obj.SetNamespace(ns)
			obj.SetName(strings.NewReplacer(" ", "-", "'", "").Replace(name))
			for _, m := range c.create {
				m(obj.Object)
			}
			err := k8s.Create(ctx, obj, client.FieldValidation("Strict"))
			if c.update != nil {
				if err != nil {
					t.Fatalf("create before the update was refused: %v", err)
				}
				for _, m := range c.update {
					m(obj.Object)
				}
				err = k8s.Update(ctx, obj, client.FieldValidation("Strict"))
			}
			if err == nil {
				t.Fatalf("manifest accepted; want refusal with %q", c.wantErr)
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("refused with\n  %v\nwant message containing\n  %q", err, c.wantErr)
			}
		})
	}
}

// TestValidEvaluationGetsDefaults checks the schema defaults a user relies on.
func TestValidEvaluationGetsDefaults(t *testing.T) {
	ns := createNamespace(t, "defaults")
	obj := decode(t, []byte(validEvaluation))
	obj.SetNamespace(ns)
	if err := k8s.Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"mode": "predictions", "shards": int64(1), "minGroupSize": int64(30), "historyLimit": int64(5),
		"backoffLimit": int64(2), "activeDeadlineSeconds": int64(3600)}
	for field, v := range want {
		got, _, _ := unstructured.NestedFieldNoCopy(obj.Object, "spec", field)
		if got != v {
			t.Errorf("spec.%s defaulted to %v (%T), want %v", field, got, got, v)
		}
	}
	rows, _, _ := unstructured.NestedInt64(obj.Object, "spec", "source", "builtin", "rows")
	if rows != 1000 {
		t.Errorf("spec.source.builtin.rows = %d, want 1000 as given", rows)
	}
}

// TestJoinedEvaluationIsAccepted: a label-free evaluation of a log joined
// with outcomes and demographics by ID, in three kinds of source and with
// one object-store identity, is accepted and defaulted.
func TestJoinedEvaluationIsAccepted(t *testing.T) {
	ns := createNamespace(t, "joined")
	obj := decode(t, []byte(`
apiVersion: fairness.dev/v1alpha1
kind: FairnessEvaluation
metadata: {name: joined}
spec:
  source:
    objectStore: {url: "s3://decisions/2026/", credentialsSecretRef: {name: s3-reader}}
  columns: {id: application_id, label: defaulted, prediction: approved, protected: [race]}
  outcomes:
    source: {objectStore: {url: "s3://outcomes/"}}
  demographics:
    source: {persistentVolumeClaim: {claimName: bisg, path: proxies.parquet}}
  thresholds:
  - metric: demographicParityRatio
    levels: [{value: 0.8, severity: Sev1}]
`))
	obj.SetNamespace(ns)
	if err := k8s.Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := unstructured.NestedInt64(obj.Object, "spec", "maxJoinKeys"); got != 20_000_000 {
		t.Errorf("spec.maxJoinKeys defaulted to %d, want 20000000", got)
	}
	if got, _, _ := unstructured.NestedFloat64(obj.Object, "spec", "outcomes", "maxCoverageGap"); got != 0.1 {
		t.Errorf("spec.outcomes.maxCoverageGap defaulted to %v, want 0.1", got)
	}
	labelFree := decode(t, []byte(validEvaluation))
	labelFree.SetNamespace(ns)
	labelFree.SetName("label-free")
	unstructured.RemoveNestedField(labelFree.Object, "spec", "columns", "label")
	if err := k8s.Create(context.Background(), labelFree); err != nil {
		t.Fatalf("a label-free evaluation is refused: %v", err)
	}
}

// TestProbabilisticEvaluationIsAccepted: race as proxy probabilities, alone
// or with a recorded attribute, privileged values and thresholds on it and
// on the intersection, is accepted and its tolerance defaulted.
func TestProbabilisticEvaluationIsAccepted(t *testing.T) {
	ns := createNamespace(t, "proxies")
	obj := decode(t, []byte(`
apiVersion: fairness.dev/v1alpha1
kind: FairnessEvaluation
metadata: {name: bisg}
spec:
  source: {url: {url: "https://example.com/decisions.csv"}}
  columns:
    prediction: approved
    protected: [sex]
    protectedProbabilities:
    - attribute: race
      groups:
      - {name: White, column: p_white}
      - {name: Black, column: p_black}
      - {name: Hispanic, column: p_hispanic}
    privileged: [{attribute: race, values: [White]}]
  thresholds:
  - metric: disparateImpact
    attribute: race
    levels: [{value: 0.8, severity: Sev1}]
  - metric: demographicParityDifference
    attribute: sex&race
    levels: [{value: 0.2, severity: Sev3}]
`))
	obj.SetNamespace(ns)
	if err := k8s.Create(context.Background(), obj, client.FieldValidation("Strict")); err != nil {
		t.Fatal(err)
	}
	attrs, _, _ := unstructured.NestedSlice(obj.Object, "spec", "columns", "protectedProbabilities")
	if tol, _, _ := unstructured.NestedFloat64(attrs[0].(map[string]any), "tolerance"); tol != 1e-6 {
		t.Errorf("tolerance defaulted to %v, want 1e-6", tol)
	}
	alone := decode(t, []byte(validEvaluation))
	alone.SetNamespace(ns)
	alone.SetName("race-alone")
	raceProxies()(alone.Object)
	del(spec("columns", "protected")...)(alone.Object)
	set([]any{map[string]any{"metric": "demographicParityRatio", "attribute": "race",
		"levels": []any{map[string]any{"value": 0.8, "severity": "Sev2"}}}}, spec("thresholds")...)(alone.Object)
	if err := k8s.Create(context.Background(), alone, client.FieldValidation("Strict")); err != nil {
		t.Fatalf("an evaluation of an estimated attribute alone is refused: %v", err)
	}
}

// TestDailyPeriodsAreAccepted: a 31-day window in daily periods, the most
// a window may have.
func TestDailyPeriodsAreAccepted(t *testing.T) {
	ns := createNamespace(t, "periods")
	daily := decode(t, []byte(validEvaluation))
	daily.SetNamespace(ns)
	daily.SetName("daily")
	set(map[string]any{"timestampColumn": "ts", "lookback": "744h", "bucket": "24h"}, spec("window")...)(daily.Object)
	if err := k8s.Create(context.Background(), daily, client.FieldValidation("Strict")); err != nil {
		t.Fatalf("a 31-day window in daily periods is refused: %v", err)
	}
}

// TestReportDestinationIsAccepted: reports kept in S3 with the destination's
// own keys.
func TestReportDestinationIsAccepted(t *testing.T) {
	ns := createNamespace(t, "reports")
	obj := decode(t, []byte(validEvaluation))
	obj.SetNamespace(ns)
	set(map[string]any{"destination": map[string]any{"objectStore": map[string]any{"url": "s3://audit/credit-model/",
		"endpoint": "http://minio.storage:9000", "credentialsSecretRef": map[string]any{"name": "audit-writer"}}}}, spec("report")...)(obj.Object)
	if err := k8s.Create(context.Background(), obj, client.FieldValidation("Strict")); err != nil {
		t.Fatalf("a report destination is refused: %v", err)
	}
}
