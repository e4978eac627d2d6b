package v1alpha1_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	schemacel "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
)

// admission runs, in process, the steps the API server takes on a create
// of a custom resource: prune unknown fields, apply defaults, then the
// OpenAPI schema, list types and CEL rules. The code is the API server's
// own (k8s.io/apiextensions-apiserver), at the version the tests run.
type admission struct {
	structural *structuralschema.Structural
	schema     apiservervalidation.SchemaValidator
	cel        *schemacel.Validator
	leaves     []leafPath
}

func loadAdmission(t testing.TB, crdFile string) *admission {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "crd", "bases", crdFile))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatal(err)
	}
	var internal apiextensionsinternal.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(
		crd.Spec.Versions[0].Schema.OpenAPIV3Schema, &internal, nil); err != nil {
		t.Fatal(err)
	}
	s, err := structuralschema.NewStructural(&internal)
	if err != nil {
		t.Fatal(err)
	}
	validator, _, err := apiservervalidation.NewSchemaValidator(&internal)
	if err != nil {
		t.Fatal(err)
	}
	a := &admission{structural: s, schema: validator, cel: schemacel.NewValidator(s, true, celconfig.PerCallLimit)}
	a.leaves = leavesOf(s, nil)
	return a
}

// admit returns the object as the API server would store it, or the errors
// it would refuse it with.
func (a *admission) admit(obj map[string]any) (map[string]any, field.ErrorList) {
	structuralpruning.Prune(obj, a.structural, true)
	structuraldefaulting.Default(obj, a.structural)
	errs := apiservervalidation.ValidateCustomResource(nil, obj, a.schema)
	errs = append(errs, listtype.ValidateListSetsAndMaps(nil, a.structural, obj)...)
	if len(errs) > 0 {
		return nil, errs
	}
	celErrs, _ := a.cel.Validate(context.Background(), nil, a.structural, obj, nil, celconfig.RuntimeCELCostBudget)
	return obj, celErrs
}

// leafPath is a path to a value in an object: map keys, and "[]" for the
// first item of a list.
type leafPath []string

func (p leafPath) String() string { return strings.Join(p, ".") }

// leavesOf lists every scalar field the schema declares, so the fuzz test
// reaches every field whatever the base object sets. metadata is the API
// server's own and left out.
func leavesOf(s *structuralschema.Structural, prefix leafPath) []leafPath {
	switch {
	case s.Type == "object" && len(s.Properties) > 0:
		var out []leafPath
		keys := make([]string, 0, len(s.Properties))
		for k := range s.Properties {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if len(prefix) == 0 && (k == "metadata" || k == "apiVersion" || k == "kind") {
				continue
			}
			p := s.Properties[k]
			out = append(out, leavesOf(&p, append(append(leafPath{}, prefix...), k))...)
		}
		return out
	case s.Type == "object" && s.AdditionalProperties != nil && s.AdditionalProperties.Structural != nil:
		return leavesOf(s.AdditionalProperties.Structural, append(append(leafPath{}, prefix...), "memory"))
	case s.Type == "array" && s.Items != nil:
		return leavesOf(s.Items, append(append(leafPath{}, prefix...), "[]"))
	default:
		return []leafPath{prefix}
	}
}

// set puts value at p in obj, creating the maps and first list items on the way.
func set(obj map[string]any, p leafPath, value any) {
	setIn(obj, p, value)
}

func setIn(cur any, p leafPath, value any) any {
	if len(p) == 0 {
		return value
	}
	if p[0] == "[]" {
		list, _ := cur.([]any)
		if len(list) == 0 {
			list = []any{nil}
		}
		list[0] = setIn(list[0], p[1:], value)
		return list
	}
	m, ok := cur.(map[string]any)
	if !ok {
		m = map[string]any{}
	}
	m[p[0]] = setIn(m[p[0]], p[1:], value)
	return m
}

func loadBase(t testing.TB, file string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(data, &obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

// managerDecoder decodes as the manager's clients and informers do: JSON
// through the scheme's codecs.
func managerDecoder() runtime.Decoder {
	scheme := runtime.NewScheme()
	if err := fairnessv1alpha1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	return serializer.NewCodecFactory(scheme).UniversalDeserializer()
}

// fuzzValue reads a fuzz string as a JSON literal when it is one (number,
// boolean, list, object), else as a string.
func fuzzValue(s string) any {
	var v any
	if err := utiljson.Unmarshal([]byte(s), &v); err == nil {
		return v
	}
	return s
}

type kind struct {
	crd, base string
}

var kinds = []kind{
	{"fairness.dev_fairnessevaluations.yaml", "evaluation-full.yaml"},
	{"fairness.dev_biasincidents.yaml", "incident-full.yaml"},
}

// upstreamTimeFields are date-time fields of upstream types (metav1.Condition)
// that this API cannot give a pattern: the schema's date-time format
// accepts forms that Go's RFC 3339 parser refuses (the fuzz test found
// "0000-01-10T00:00:0000+00:00"). Only writers of the status subresource
// can set them, which the chart's user roles do not grant; readiness
// reports the stuck cache if one ever does (TestReadinessFollowsTheCaches).
var upstreamTimeFields = map[string]bool{"status.conditions.[].lastTransitionTime": true}

// checkDecodes sets one field of a full object to value; when the API
// server's admission accepts the result, the manager must decode it.
func checkDecodes(t *testing.T, a *admission, base map[string]any, dec runtime.Decoder, leaf int, value string) {
	obj := runtime.DeepCopyJSON(base)
	p := a.leaves[leaf%len(a.leaves)]
	if upstreamTimeFields[p.String()] {
		return
	}
	set(obj, p, fuzzValue(value))
	stored, errs := a.admit(obj)
	if len(errs) > 0 {
		return
	}
	data, err := json.Marshal(stored)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := dec.Decode(data, nil, nil); err != nil {
		t.Fatalf("the API server accepts %s = %q but the manager cannot decode the object: %v", p, value, err)
	}
}

// hostileValues are values that Go types have parsed more strictly than
// the schema, or that sit at the edges of a type.
var hostileValues = []string{
	"banana", "1 fortnight", "-1h", "0", "0s", "1h", "1.5h", "9999999999999h", "2562047h", "168h1ns",
	"1e400", "2147483648", "-2147483649", "9223372036854775808", "1.5", "-1", "true", "null", `""`, " ",
	"2026-11-30T10:00:00", "2026-11-30", "2026-11-30T10:00:00.123456789+01:00", "2026-11-30 10:00:00Z",
	"0000-01-10T00:00:00+70:00", "2026-02-31T10:00:00Z", "2026-11-30T24:00:00Z", "2026-11-30T10:00:60Z",
	"1Ki", "1e3", "0x10", "-5Mi", "1.5.5", "\xff\xfe", "a\x00b", "1e.00000", "1E.5",
}

// TestBasesAreAdmitted guards the fixtures: a base the schema refuses
// would make every other case vacuous.
func TestBasesAreAdmitted(t *testing.T) {
	for _, k := range kinds {
		a := loadAdmission(t, k.crd)
		if _, errs := a.admit(loadBase(t, k.base)); len(errs) > 0 {
			t.Fatalf("%s refused: %v", k.base, errs)
		}
		if len(a.leaves) < 40 {
			t.Fatalf("%s: only %d fields found in the schema", k.crd, len(a.leaves))
		}
	}
}

// TestSchemaValidObjectsDecode sets every field of each kind to each hostile
// value: whatever the API server accepts, the manager decodes.
func TestSchemaValidObjectsDecode(t *testing.T) {
	dec := managerDecoder()
	for _, k := range kinds {
		a := loadAdmission(t, k.crd)
		base := loadBase(t, k.base)
		for i := range a.leaves {
			for _, v := range hostileValues {
				checkDecodes(t, a, base, dec, i, v)
			}
		}
	}
}

// TestBadValuesAreRefused pins the reported inputs: each is refused by
// the schema (before the fixes, each was accepted, and "banana" or
// "1e.00000" stopped the manager's informer for every namespace).
func TestBadValuesAreRefused(t *testing.T) {
	a := loadAdmission(t, kinds[0].crd)
	base := loadBase(t, kinds[0].base)
	cases := map[string]struct {
		path  leafPath
		value string
		want  string
	}{
		"escalation after banana": {leafPath{"spec", "incidentPolicy", "escalation", "[]", "after"}, "banana", "should match"},
		"deadline 1 fortnight":    {leafPath{"spec", "incidentPolicy", "acknowledgeWithin", "sev2"}, "1 fortnight", "should match"},
		"negative deadline":       {leafPath{"spec", "incidentPolicy", "acknowledgeWithin", "sev2"}, "-1h", "should match"},
		"zero deadline":           {leafPath{"spec", "incidentPolicy", "acknowledgeWithin", "sev1"}, "0s", "from 1s to 168h"},
		"deadline over a week":    {leafPath{"spec", "incidentPolicy", "acknowledgeWithin", "sev4"}, "169h", "from 1s to 168h"},
		"escalation overflow":     {leafPath{"spec", "incidentPolicy", "escalation", "[]", "after"}, "9999999999999h", "from 0s to 168h"},
		"memory with a fractional exponent": {
			leafPath{"spec", "resources", "requests", "memory"}, "1e.00000", "memory is not a quantity",
		},
		"cpu limit with a fractional exponent": {
			leafPath{"spec", "resources", "limits", "cpu"}, "2E.5", "cpu is not a quantity",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			obj := runtime.DeepCopyJSON(base)
			set(obj, tc.path, tc.value)
			_, errs := a.admit(obj)
			if !strings.Contains(fmt.Sprint(errs), tc.want) {
				t.Fatalf("errors %v, want one containing %q", errs, tc.want)
			}
		})
	}
}

// FuzzSchemaValidObjectsDecode feeds objects the API server's admission
// accepts through the manager's decoding, which must never fail: one
// object it cannot decode stops its informer for every namespace.
func FuzzSchemaValidObjectsDecode(f *testing.F) {
	admissions := make([]*admission, len(kinds))
	bases := make([]map[string]any, len(kinds))
	for i, k := range kinds {
		admissions[i] = loadAdmission(f, k.crd)
		bases[i] = loadBase(f, k.base)
	}
	for i := range kinds {
		for leaf := range admissions[i].leaves {
			f.Add(uint8(i), uint16(leaf), hostileValues[leaf%len(hostileValues)])
		}
	}
	dec := managerDecoder()
	f.Fuzz(func(t *testing.T, which uint8, leaf uint16, value string) {
		i := int(which) % len(kinds)
		checkDecodes(t, admissions[i], bases[i], dec, int(leaf), value)
	})
}
