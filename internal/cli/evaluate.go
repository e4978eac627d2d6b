package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	fairnessv1alpha1 "github.com/fairness-operator/fairness-operator/api/v1alpha1"
	"github.com/fairness-operator/fairness-operator/internal/dataset"
	"github.com/fairness-operator/fairness-operator/internal/display"
	"github.com/fairness-operator/fairness-operator/internal/evaluate"
	"github.com/fairness-operator/fairness-operator/internal/fairness"
	"github.com/fairness-operator/fairness-operator/internal/objectstore"
	"github.com/fairness-operator/fairness-operator/internal/version"
)

type evaluateFlags struct {
	data, label, prediction, score, favorable string
	format                                    string
	protected, privileged, thresholds         []string
	thresholdsFile, output, failOn, mode      string
	minGroupSize, maxBadRows                  int64
	maxGroups, maxLineBytes, scoreBins        int
	rows, seed                                int64
	disparity                                 float64
	zeroDivision                              bool
	// object storage
	glob, endpoint, region string
	nullGroup              string
	forcePathStyle         bool
	forcePathStyleSet      bool
	// joins
	id, outcomes, demographics         string
	outcomesFormat, demographicsFormat string
	maxJoinKeys                        int64
	maxCoverageGap                     float64
	probabilities                      string
	probabilityTolerance               float64
	// time window
	timestamp, timestampFormat, window, until string
	bucket                                    string
	partition                                 string
	// train mode
	method, constraint, features    string
	excludeProtected, imputeMissing bool
	stratify                        bool
	testSize                        float64
	randomState                     int64
}

func newEvaluateCommand(s Streams) *cobra.Command {
	f := &evaluateFlags{}
	cmd := &cobra.Command{
		Use:   "evaluate",
		Short: "Evaluate the fairness of a model's decisions locally, with no cluster",
		Long: `Evaluate reads a prediction log (or the built-in synthetic credit dataset), computes
per-group rates and fairness metrics, grades them against thresholds and prints a report.

Exit codes: 0 no threshold breached at or above --fail-on, 1 breached, 2 bad input or usage.
Without --threshold or --thresholds-file, default thresholds apply: demographicParityDifference
<=0.05 (Sev3), <=0.1 (Sev2), <=0.2 (Sev1); equalizedOddsDifference <=0.1 (Sev3), <=0.2 (Sev2);
disparateImpact >=0.8 (Sev2, the four-fifths rule).`,
		Example: `  fairctl evaluate
  fairctl evaluate --data preds.csv.gz --label y_true --prediction y_pred --protected race \
      --privileged race=Caucasian --threshold 'disparateImpact>=0.8:Sev1' --fail-on Sev2 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.forcePathStyleSet = cmd.Flags().Changed("force-path-style")
			return runEvaluate(cmd.Context(), s, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", dataset.BuiltinPrefix+dataset.SyntheticCredit,
		"data to evaluate: a CSV or JSON Lines file (plain, gzip or zstd) or a Parquet file, an http(s) URL, "+
			"the objects under s3://, gs:// or azblob://bucket/prefix (credentials from the provider's default chain: "+
			"AWS_* variables, GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_*), - for standard input, "+
			"or builtin:synthetic-credit")
	fl.StringVar(&f.glob, "glob", "", "object storage: read only objects whose names under the prefix match, e.g. 'dt=2026-11-*/part-*.parquet'")
	fl.StringVar(&f.endpoint, "endpoint", "", "s3://: an S3-compatible store's URL (default: AWS, or $AWS_ENDPOINT_URL_S3)")
	fl.StringVar(&f.region, "region", "", "s3://: the bucket's region (default: $AWS_REGION, else us-east-1)")
	fl.BoolVar(&f.forcePathStyle, "force-path-style", false,
		"s3://: address buckets as endpoint/bucket (default: exactly when an endpoint is set)")
	fl.StringVar(&f.format, "format", "", "data format: csv, jsonl (JSON Lines) or parquet; columns of the last two may be dotted paths; default: detected")
	fl.StringVar(&f.mode, "mode", "predictions", "predictions (the data holds label and prediction) or train")
	fl.StringVar(&f.label, "label", "", "label column (true outcome), in the outcomes when --outcomes is given; "+
		"without one only selection-rate metrics are computed; default repaid for the built-in dataset")
	fl.StringVar(&f.id, "id", "", "application-ID column that joins the predictions with --outcomes and --demographics")
	fl.StringVar(&f.outcomes, "outcomes", "", "outcomes to join by --id: the ID and the --label column (any source and format --data takes); "+
		"label-based metrics use the predictions whose outcome has arrived")
	fl.StringVar(&f.demographics, "demographics", "", "demographics to join by --id: the ID and the --protected columns "+
		"(any source and format --data takes); predictions with none are counted and left out of the groups")
	fl.StringVar(&f.outcomesFormat, "outcomes-format", "", "format of --outcomes: csv, jsonl or parquet; default: detected")
	fl.StringVar(&f.demographicsFormat, "demographics-format", "", "format of --demographics: csv, jsonl or parquet; default: detected")
	fl.Int64Var(&f.maxJoinKeys, "max-join-keys", dataset.DefaultMaxJoinKeys,
		fmt.Sprintf("most distinct IDs the joined sides may hold in memory (about %d bytes each)", dataset.JoinBytesPerKey))
	fl.StringVar(&f.timestamp, "timestamp", "", "timestamp column of the decisions; with --window, only rows in (--until - --window, --until] are evaluated")
	fl.StringVar(&f.timestampFormat, "timestamp-format", string(dataset.TimestampRFC3339),
		"format of --timestamp: rfc3339, unixSeconds or unixMilliseconds")
	fl.StringVar(&f.window, "window", "", "lookback of the time window, a Go duration such as 720h")
	fl.StringVar(&f.bucket, "bucket", "", fmt.Sprintf("with --window, also report the headline metrics per period of this length, "+
		"such as 24h (at most %d periods)", dataset.MaxBuckets))
	fl.StringVar(&f.until, "until", "", "end of the time window, RFC 3339 (default: now)")
	fl.StringVar(&f.partition, "partition", "", "object storage with --window: skip objects whose names hold another period, "+
		"by a template such as 'dt={{.Date}}' ({{.Date}}, {{.Year}}, {{.Month}}, {{.Day}}, {{.Hour}})")
	fl.Float64Var(&f.maxCoverageGap, "max-coverage-gap", fairness.DefaultMaxCoverageGap,
		"largest difference in label coverage between groups before a warning")
	fl.StringVar(&f.prediction, "prediction", "", "prediction column; default approved for the built-in dataset")
	fl.StringVar(&f.score, "score", "", "score column in [0, 1], for AUC and calibration")
	fl.StringArrayVar(&f.protected, "protected", nil, "protected attribute column; repeat for intersectional groups")
	fl.StringVar(&f.probabilities, "protected-probabilities", "", "ATTR=COLUMN:GROUP,COLUMN:GROUP,...: a protected attribute "+
		"given as each row's probability of each group (a proxy such as BISG), in --demographics when given, else in --data; "+
		"each row counts in every group with its probability as weight")
	fl.Float64Var(&f.probabilityTolerance, "probability-tolerance", fairness.DefaultProbabilityTolerance,
		"how far a row's --protected-probabilities may sum from 1 before the row is bad")
	fl.StringArrayVar(&f.privileged, "privileged", nil, "ATTR=VALUE: a privileged value, for AIF360-style metrics; repeatable")
	fl.StringVar(&f.nullGroup, "null-group", "",
		"count a null (Parquet) or null or absent (JSON Lines) protected value as this group instead of a bad row")
	fl.StringVar(&f.favorable, "favorable", "", "label/prediction value meaning the favourable outcome (default 1/true)")
	fl.StringArrayVar(&f.thresholds, "threshold", nil, "METRIC[/METHOD][@ATTR]<=VALUE:SEV (>= for ratios); repeatable")
	fl.StringVar(&f.thresholdsFile, "thresholds-file", "", "YAML file with thresholds shaped like a FairnessEvaluation's spec.thresholds")
	fl.Int64Var(&f.minGroupSize, "min-group-size", int64(fairnessv1alpha1.DefaultMinGroupSize), "groups smaller than this are reported but cannot breach thresholds")
	fl.StringVarP(&f.output, "output", "o", "table", "output format: table, json, yaml or markdown")
	fl.StringVar(&f.failOn, "fail-on", "Sev4", "lowest severity that makes the exit code 1 (Sev1..Sev4)")
	fl.Int64Var(&f.maxBadRows, "max-bad-rows", 0, "skip and count up to this many bad rows instead of failing on the first")
	fl.IntVar(&f.maxGroups, "max-groups", dataset.DefaultMaxGroups, "maximum number of distinct groups")
	fl.IntVar(&f.maxLineBytes, "max-line-bytes", dataset.DefaultMaxLineBytes, "maximum length of one CSV record or JSON line")
	fl.IntVar(&f.scoreBins, "score-bins", dataset.DefaultScoreBins, "score histogram bins for AUC and calibration")
	fl.Int64Var(&f.rows, "rows", fairnessv1alpha1.DefaultBuiltinRows, "rows of the built-in dataset")
	fl.Int64Var(&f.seed, "seed", fairnessv1alpha1.DefaultBuiltinSeed, "seed of the built-in dataset")
	fl.Float64Var(&f.disparity, "disparity", 0.2, "approval-rate gap injected against women in the built-in dataset (0 is fair)")
	fl.StringVar(&f.method, "method", string(fairnessv1alpha1.DefaultTrainMethod), "train mode: baseline, reweighing, postprocess, expgrad or all (side by side)")
	fl.StringVar(&f.constraint, "constraint", "", "train mode: demographicParity (default), equalizedOdds, truePositiveRateParity or errorRateParity")
	fl.StringVar(&f.features, "features", "", "train mode: feature columns, comma-separated (default: every column but the label, "+
		"leaving out columns that copy the label)")
	fl.BoolVar(&f.excludeProtected, "exclude-protected", false, "train mode: leave the protected attributes out of the features")
	fl.BoolVar(&f.imputeMissing, "impute-missing", false,
		"train mode: fill missing numeric features with the training mean and give missing categories their own value")
	fl.BoolVar(&f.stratify, "stratify", false, "train mode: keep the label's proportion in both splits (then not scikit-learn's rows)")
	fl.Float64Var(&f.testSize, "test-size", fairnessv1alpha1.DefaultTestSize, "train mode: fraction of rows held out for evaluation")
	fl.Int64Var(&f.randomState, "random-state", fairnessv1alpha1.DefaultRandomState, "train mode: seed of the split (scikit-learn's train_test_split rows) and of randomised methods")
	fl.BoolVar(&f.zeroDivision, "zero-division-as-zero", false,
		"report 0 for rates with a zero denominator, as scikit-learn and fairlearn do, instead of undefined")
	return cmd
}

func runEvaluate(ctx context.Context, s Streams, f *evaluateFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	format, err := parseFormat(f.output)
	if err != nil {
		return err
	}
	failOn, ok := fairness.ParseSeverity(f.failOn)
	if !ok || failOn == fairness.SeverityNone {
		return usageError("--fail-on %q: want Sev1, Sev2, Sev3 or Sev4", f.failOn)
	}
	switch f.mode {
	case "predictions":
	case "train":
		return runTrain(ctx, s, f, format, failOn)
	default:
		return usageError("--mode %q: want predictions or train", f.mode)
	}
	src, scan, opts, err := f.config()
	if err != nil {
		return err
	}
	joined, err := f.joined(src)
	if err != nil {
		return err
	}
	report, res, err := evaluate.Predictions(ctx, src, joined, scan, opts, s.In)
	if err != nil {
		return usageError("%v", err)
	}
	if res.BadRows > 0 {
		fmt.Fprintf(s.Err, "fairctl: skipped %d bad rows; first: %s\n", res.BadRows, res.FirstBadRow)
	}
	if res.Join != nil && res.Join.BadRows > 0 {
		fmt.Fprintf(s.Err, "fairctl: skipped %d bad rows of the joined sides; first: %s\n", res.Join.BadRows, res.Join.FirstBadRow)
	}
	if report.Coverage != nil && report.Coverage.Exceeded {
		fmt.Fprintf(s.Err, "fairctl: warning: %s\n", display.Value(report.Coverage.Message()))
	}
	if err := render(s.Out, format, &Output{Report: report, Data: display.RedactURL(src.Data), Thresholds: opts.Thresholds,
		Source: sourceOutput(res.Objects), Join: joinOutput(res.Join), Window: windowOutput(scan.Window, res.Window,
			evaluate.Periods(scan.Window, evaluate.BucketsByPeriod(res.Buckets), opts)), EvaluatedAt: time.Now().UTC().Truncate(time.Second), Version: version.Version,
		BadRows: res.BadRows, Privileged: opts.Privileged, MinGroupSize: opts.MinGroupSize}); err != nil {
		return err
	}
	if err := notEvaluatedError(report.NotEvaluated); err != nil {
		return err
	}
	if report.Severity != fairness.SeverityNone && report.Severity.AtLeast(failOn) {
		return errBreached
	}
	return nil
}

// notEvaluatedError makes thresholds that could not be graded a usage error
// (exit code 2): a check that did not run must never read as a pass.
func notEvaluatedError(ne []fairness.NotEvaluated) error {
	if len(ne) == 0 {
		return nil
	}
	msgs := make([]string, len(ne))
	for i, n := range ne {
		msgs[i] = display.Value(n.Message)
	}
	return usageError("%d threshold(s) not evaluated: %s", len(ne), strings.Join(msgs, "; "))
}

// Bounds of the flags that size memory: each is far above real use and
// far below what would exhaust a machine (a billion score bins, a line
// buffer of 2^63 bytes, a million groups all did).
const (
	maxScoreBins      = 10000
	minLineBytes      = 64
	maxLineBytes      = 64 << 20
	maxGroupsLimit    = 100000
	maxThresholdsFile = 1 << 20
	maxJoinKeysLimit  = 2_000_000_000 // the schema's bound: far beyond any pod's memory
)

// checkBounds refuses flag values outside their bounds, naming the flag.
func (f *evaluateFlags) checkBounds() error {
	switch {
	case f.scoreBins < 1 || f.scoreBins > maxScoreBins:
		return usageError("--score-bins %d: want 1 to %d", f.scoreBins, maxScoreBins)
	case f.maxLineBytes < minLineBytes || f.maxLineBytes > maxLineBytes:
		return usageError("--max-line-bytes %d: want %d to %d", f.maxLineBytes, minLineBytes, maxLineBytes)
	case f.maxGroups < 1 || f.maxGroups > maxGroupsLimit:
		return usageError("--max-groups %d: want 1 to %d", f.maxGroups, maxGroupsLimit)
	case f.maxBadRows < 0:
		return usageError("--max-bad-rows %d: want 0 or more", f.maxBadRows)
	case f.minGroupSize < 0:
		return usageError("--min-group-size %d: want 0 or more", f.minGroupSize)
	case f.rows < 1 || f.rows > 1_000_000_000:
		return usageError("--rows %d: want 1 to 1000000000", f.rows)
	case f.maxJoinKeys < 1 || f.maxJoinKeys > maxJoinKeysLimit:
		return usageError("--max-join-keys %d: want 1 to %d", f.maxJoinKeys, int64(maxJoinKeysLimit))
	case !(f.maxCoverageGap > 0 && f.maxCoverageGap <= 1):
		return usageError("--max-coverage-gap %v: want a value in (0, 1]", f.maxCoverageGap)
	case !(f.probabilityTolerance > 0 && f.probabilityTolerance < 1):
		return usageError("--probability-tolerance %v: want a value in (0, 1)", f.probabilityTolerance)
	}
	return nil
}

// scanFormat reads --format; train mode reads CSV.
func (f *evaluateFlags) scanFormat(train bool) (dataset.Format, error) {
	format, err := dataset.ParseFormat(f.format)
	if err != nil {
		return "", usageError("--format %q: want csv, jsonl or parquet", f.format)
	}
	if train && format != dataset.FormatAuto && format != dataset.FormatCSV {
		return "", usageError("--format %s: train mode reads CSV", format)
	}
	return format, nil
}

// objectStore checks and applies the object-storage flags.
func (f *evaluateFlags) objectStore(src *evaluate.Source, train bool) error {
	if !objectstore.IsURL(f.data) {
		if f.glob != "" || f.endpoint != "" || f.region != "" || f.forcePathStyleSet {
			return usageError("--glob, --endpoint, --region and --force-path-style apply to s3://, gs:// and azblob:// data")
		}
		return nil
	}
	if train {
		return usageError("--mode train reads one CSV file, not %s", display.RedactURL(f.data))
	}
	if _, err := objectstore.ParseURL(f.data); err != nil {
		return usageError("--data: %v", err)
	}
	if (f.endpoint != "" || f.region != "" || f.forcePathStyleSet) && !strings.HasPrefix(f.data, "s3://") {
		return usageError("--endpoint, --region and --force-path-style apply to s3:// data")
	}
	src.Objects = evaluate.ObjectStore{Glob: f.glob, Endpoint: f.endpoint, Region: f.region}
	if f.forcePathStyleSet {
		src.Objects.PathStyle = &f.forcePathStyle
	}
	return nil
}

// config turns flags into the evaluation's settings. Train mode needs no
// prediction column: the model makes the predictions.
func (f *evaluateFlags) config() (evaluate.Source, dataset.ScanOptions, fairness.Options, error) {
	train := f.mode == "train"
	src := evaluate.Source{Data: f.data}
	if err := f.checkBounds(); err != nil {
		return src, dataset.ScanOptions{}, fairness.Options{}, err
	}
	if err := f.objectStore(&src, train); err != nil {
		return src, dataset.ScanOptions{}, fairness.Options{}, err
	}
	format, err := f.scanFormat(train)
	if err != nil {
		return src, dataset.ScanOptions{}, fairness.Options{}, err
	}
	scan := dataset.ScanOptions{Label: f.label, Prediction: f.prediction, Score: f.score, Protected: f.protected,
		Favorable: f.favorable, MaxBadRows: f.maxBadRows, MaxGroups: f.maxGroups, MaxLineBytes: f.maxLineBytes,
		ScoreBins: f.scoreBins, Format: format, NullGroup: f.nullGroup}
	opts := fairness.Options{MinGroupSize: f.minGroupSize, ZeroDivisionAsZero: f.zeroDivision,
		Privileged: map[string][]string{}, MaxCoverageGap: f.maxCoverageGap}
	scan.ID = f.id
	if scan.Probabilities, err = f.protectedProbabilities(train); err != nil {
		return src, scan, opts, err
	}
	if scan.Window, err = f.timeWindow(time.Now()); err != nil {
		return src, scan, opts, err
	}
	if src.IsBuiltin() {
		if f.disparity < 0 || f.disparity > 1 {
			return src, scan, opts, usageError("--disparity %v: want a value within [0, 1]", f.disparity)
		}
		src.Builtin = dataset.SyntheticOptions{Rows: f.rows, Seed: uint64(f.seed), Disparity: f.disparity}
		scan.Label = orDefault(scan.Label, "repaid")
		scan.Prediction = orDefault(scan.Prediction, "approved")
		scan.Score = orDefault(scan.Score, "score")
		if len(scan.Protected) == 0 {
			scan.Protected = []string{"sex"}
		}
		if len(f.privileged) == 0 && slices.Contains(scan.Protected, "sex") {
			opts.Privileged["sex"] = []string{"male"}
		}
	}
	if err := f.checkColumns(scan, train); err != nil {
		return src, scan, opts, err
	}
	for _, p := range f.privileged {
		attr, val, ok := strings.Cut(p, "=")
		if !ok || attr == "" || val == "" {
			return src, scan, opts, usageError("--privileged %q: want ATTR=VALUE", p)
		}
		if !slices.Contains(attributes(scan), attr) {
			return src, scan, opts, usageError("--privileged %q: %s is not a --protected attribute", p, attr)
		}
		opts.Privileged[attr] = append(opts.Privileged[attr], val)
	}
	var ts []fairness.Threshold
	for _, t := range f.thresholds {
		th, err := parseThreshold(t)
		if err != nil {
			return src, scan, opts, usageError("%v", err)
		}
		ts = append(ts, th)
	}
	if f.thresholdsFile != "" {
		fromFile, err := readThresholdsFile(f.thresholdsFile)
		if err != nil {
			return src, scan, opts, usageError("--thresholds-file: %v", err)
		}
		ts = append(ts, fromFile...)
	}
	if len(ts) == 0 {
		ts = defaultThresholds(len(opts.Privileged) > 0, scan.Label != "")
	}
	for _, t := range ts {
		if err := checkApplicable(t, attributes(scan), opts.Privileged); err != nil {
			return src, scan, opts, usageError("%v", err)
		}
	}
	opts.Thresholds = mergeThresholds(ts)
	return src, scan, opts, nil
}

// checkColumns says which column role the flags leave out or repeat.
func (f *evaluateFlags) checkColumns(scan dataset.ScanOptions, train bool) error {
	switch {
	case scan.Label == "" && train:
		return usageError("--label is required for %s", f.data)
	case scan.Label == "" && f.outcomes != "":
		return usageError("--outcomes needs --label, the outcomes' label column")
	case scan.Prediction == "" && !train:
		return usageError("--prediction is required for %s", f.data)
	case len(scan.Protected) == 0 && scan.Probabilities == nil:
		return usageError("--protected or --protected-probabilities is required for %s", f.data)
	case scan.Probabilities != nil && slices.Contains(scan.Protected, scan.Probabilities.Attribute):
		return usageError("--protected-probabilities: %s is also a --protected attribute", scan.Probabilities.Attribute)
	}
	for i, p := range scan.Protected {
		if strings.TrimSpace(p) == "" {
			return usageError("--protected %q: want a column name", p)
		}
		if slices.Contains(scan.Protected[:i], p) {
			return usageError("--protected %q is given twice", p)
		}
	}
	return nil
}

// attributes are the attributes of a run's groups: the --protected ones,
// then the probabilistic one.
func attributes(scan dataset.ScanOptions) []string {
	if scan.Probabilities == nil {
		return scan.Protected
	}
	return append(slices.Clip(scan.Protected), scan.Probabilities.Attribute)
}

// protectedProbabilities reads --protected-probabilities.
func (f *evaluateFlags) protectedProbabilities(train bool) (*dataset.Probabilities, error) {
	if f.probabilities == "" {
		return nil, nil
	}
	if train {
		return nil, usageError("--protected-probabilities applies to predictions mode: a model trains on recorded attributes")
	}
	p, err := dataset.ParseProbabilities(f.probabilities)
	if err != nil {
		return nil, usageError("--protected-probabilities %v", err)
	}
	p.Tolerance = f.probabilityTolerance
	return p, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// joined turns the join flags into the sides to join with the predictions;
// each side is any source --data takes (object stores with the same
// endpoint settings), in any format.
func (f *evaluateFlags) joined(src evaluate.Source) (evaluate.Joined, error) {
	j := evaluate.Joined{MaxKeys: f.maxJoinKeys}
	if f.outcomes == "" && f.demographics == "" {
		if f.id != "" {
			return j, usageError("--id joins with --outcomes or --demographics; give one of them")
		}
		return j, nil
	}
	if f.id == "" {
		return j, usageError("--outcomes and --demographics join by --id, the application-ID column; give it")
	}
	if f.mode == string(fairnessv1alpha1.ModeTrain) {
		return j, usageError("--outcomes and --demographics apply to predictions mode")
	}
	side := func(flag, data, format string) (*evaluate.Side, error) {
		if data == "" {
			return nil, nil
		}
		fm, err := dataset.ParseFormat(format)
		if err != nil {
			return nil, usageError("--%s-format %q: want csv, jsonl or parquet", flag, format)
		}
		if data == "-" || strings.HasPrefix(data, dataset.BuiltinPrefix) {
			return nil, usageError("--%s %s: want a file, an http(s) URL or an object-store prefix", flag, display.RedactURL(data))
		}
		s := evaluate.Side{Source: evaluate.Source{Data: data, Fetch: src.Fetch}, Format: fm}
		if objectstore.IsURL(data) {
			if _, err := objectstore.ParseURL(data); err != nil {
				return nil, usageError("--%s: %v", flag, err)
			}
			s.Source.Objects = evaluate.ObjectStore{Endpoint: f.endpoint, Region: f.region}
			if f.forcePathStyleSet {
				s.Source.Objects.PathStyle = &f.forcePathStyle
			}
		}
		return &s, nil
	}
	var err error
	if j.Outcomes, err = side("outcomes", f.outcomes, f.outcomesFormat); err != nil {
		return j, err
	}
	if j.Demographics, err = side("demographics", f.demographics, f.demographicsFormat); err != nil {
		return j, err
	}
	return j, nil
}

// timeWindow is the window the flags ask for; nil without --timestamp.
func (f *evaluateFlags) timeWindow(now time.Time) (*dataset.Window, error) {
	if f.timestamp == "" {
		if f.window != "" || f.until != "" || f.partition != "" {
			return nil, usageError("--window, --until and --partition need --timestamp, the decisions' timestamp column")
		}
		if f.bucket != "" {
			return nil, usageError("--bucket needs --timestamp and --window")
		}
		return nil, nil
	}
	if f.mode == string(fairnessv1alpha1.ModeTrain) {
		return nil, usageError("--timestamp applies to predictions mode")
	}
	format, err := dataset.ParseTimestampFormat(f.timestampFormat)
	if err != nil {
		return nil, usageError("--timestamp-format: %v", err)
	}
	lookback, err := time.ParseDuration(f.window)
	if f.window == "" || err != nil || lookback <= 0 {
		return nil, usageError("--window %q: want a positive duration such as 720h", f.window)
	}
	until := now.UTC()
	if f.until != "" {
		if until, err = time.Parse(time.RFC3339, f.until); err != nil {
			return nil, usageError("--until %q: want an RFC 3339 time such as 2026-11-30T00:00:00Z", f.until)
		}
	}
	w := &dataset.Window{Column: f.timestamp, Format: format, From: until.Add(-lookback), Until: until}
	if f.bucket != "" {
		if w.Bucket, err = time.ParseDuration(f.bucket); err != nil || w.Bucket <= 0 || w.Bucket > lookback {
			return nil, usageError("--bucket %q: want a positive duration no longer than --window, such as 24h", f.bucket)
		}
		if w.Buckets() > dataset.MaxBuckets {
			return nil, usageError("--bucket %s cuts --window %s into %d periods, more than %d", f.bucket, f.window, w.Buckets(), dataset.MaxBuckets)
		}
	}
	if f.partition != "" {
		if !objectstore.IsURL(f.data) {
			return nil, usageError("--partition applies to s3://, gs:// and azblob:// data")
		}
		if w.Partition, err = dataset.ParsePartition(f.partition); err != nil {
			return nil, usageError("--partition: %v", err)
		}
	}
	return w, nil
}
