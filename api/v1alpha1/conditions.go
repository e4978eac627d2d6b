package v1alpha1

// Condition types. Polarity and presence follow Flux and kstatus conventions,
// so GitOps tools read an evaluation's health without knowing this API.
const (
	// ConditionReady (positive polarity, always present) is True when the
	// latest spec generation has a graded, successful run; False when a run
	// failed or the spec cannot be acted on; Unknown while the first run is in flight.
	ConditionReady = "Ready"
	// ConditionReconciling (abnormal-true, present only while True) means a
	// run is in flight or the controller is acting on a new generation.
	ConditionReconciling = "Reconciling"
	// ConditionStalled (abnormal-true, present only while True) means the
	// controller cannot make progress without a change to the spec or the
	// cluster (for example an invalid schedule or a missing ConfigMap), or
	// that the last run failed: then its reason is the run's (EvaluationFailed,
	// OOMKilled, ...) and it lasts until the next run starts. kstatus (Flux)
	// reads it as Failed and the Argo CD health script as Degraded.
	ConditionStalled = "Stalled"
	// ConditionBiasDetected is True when the last graded run breached a
	// threshold and False when it did not. It is separate from Ready so a
	// finding does not make the object unhealthy to GitOps tools.
	ConditionBiasDetected = "BiasDetected"
	// ConditionThresholdsEvaluated (positive polarity, present after a graded
	// run) is True when every threshold could be graded, and False when some
	// could not (an undefined metric, a missing privileged group): those are
	// neither breaches nor passes, and the message lists them.
	ConditionThresholdsEvaluated = "ThresholdsEvaluated"
	// ConditionCredentialsInURL (abnormal-true, present only while True)
	// warns that spec.source.url carries user info or a query parameter that
	// looks like a secret. The operator redacts it from status, Events and
	// logs, but anyone who can read the evaluation sees the spec: move the
	// secret to the headers Secret (spec.source.url.headersSecretRef).
	ConditionCredentialsInURL = "CredentialsInURL"
	// ConditionLabelCoverage (abnormal-true, present only while True) warns
	// that the share of predictions whose outcome has arrived differs between
	// two groups of an attribute by more than spec.outcomes.maxCoverageGap:
	// label-based metrics then lean toward the better-covered group.
	ConditionLabelCoverage = "LabelCoverage"
	// ConditionEscalated (incidents) is True once an escalation step fired.
	ConditionEscalated = "Escalated"
)

// Condition reasons, CamelCase as Kubernetes requires.
const (
	// ReasonSucceeded: the last run finished and was graded.
	ReasonSucceeded = "Succeeded"
	// ReasonProgressing: a run is in flight.
	ReasonProgressing = "Progressing"
	// ReasonSuspended: spec.suspend is true, no new runs start.
	ReasonSuspended = "Suspended"
	// ReasonEvaluationFailed: the run's Job failed; the message is the pod's termination message.
	ReasonEvaluationFailed = "EvaluationFailed"
	// ReasonContainerCrashed: an evaluation pod exited non-zero without saying why (no termination message).
	ReasonContainerCrashed = "ContainerCrashed"
	// ReasonOOMKilled: an evaluation pod was killed for exceeding its memory limit.
	ReasonOOMKilled = "OOMKilled"
	// ReasonDeadlineExceeded: the run did not finish within spec.activeDeadlineSeconds.
	ReasonDeadlineExceeded = "DeadlineExceeded"
	// ReasonNodeLost: the run's pods were on a node that stopped reporting, and the run ran out of time.
	ReasonNodeLost = "NodeLost"
	// ReasonResultMissing: the Job succeeded but no readable result was found.
	ReasonResultMissing = "ResultMissing"
	// ReasonResultInvalid: a result was found but is malformed, from another run or of an unknown version.
	ReasonResultInvalid = "ResultInvalid"
	// ReasonResultTooLarge: the result could not fit in the termination message.
	ReasonResultTooLarge = "ResultTooLarge"
	// ReasonInvalidSpec: the spec passed schema validation but cannot be acted on (for example the schedule).
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonSourceNotFound: a referenced ConfigMap, PersistentVolumeClaim or Secret does not exist,
	// or an object-store bucket, or any object under the prefix and glob.
	ReasonSourceNotFound = "SourceNotFound"
	// ReasonSourceAccessDenied: the object store refused the credentials, or they lack permission.
	ReasonSourceAccessDenied = "SourceAccessDenied"
	// ReasonSourceChanged: the data changed while a run read it (an object's ETag, a file's version).
	ReasonSourceChanged = "SourceChanged"
	// ReasonInvalidData: the data cannot be read: a truncated or corrupt file, bad magic, a mapped
	// column missing or of an unsupported type, bad rows beyond the policy.
	ReasonInvalidData = "InvalidData"
	// ReasonNoData: the run's time window (spec.window) holds no rows.
	ReasonNoData = "NoData"
	// ReasonDuplicateIDs: a joined side (outcomes, demographics) gives an application ID twice.
	ReasonDuplicateIDs = "DuplicateIDs"
	// ReasonJoinTooLarge: the joined sides hold more IDs than spec.maxJoinKeys.
	ReasonJoinTooLarge = "JoinTooLarge"
	// ReasonCoverageGap: LabelCoverage is True.
	ReasonCoverageGap = "CoverageGap"
	// ReasonThresholdBreached: BiasDetected is True.
	ReasonThresholdBreached = "ThresholdBreached"
	// ReasonTrendDetected: BiasDetected is True for a drift alone: a metric
	// worsened over recent runs under a threshold's trend rule.
	ReasonTrendDetected = "TrendDetected"
	// ReasonWithinThresholds: BiasDetected is False.
	ReasonWithinThresholds = "WithinThresholds"
	// ReasonAllEvaluated: ThresholdsEvaluated is True.
	ReasonAllEvaluated = "AllEvaluated"
	// ReasonNotEvaluated: ThresholdsEvaluated is False for thresholds of more
	// than one kind of reason; otherwise the reason is that kind: UnknownAttribute,
	// NoPrivilegedGroup, MethodNotApplicable or MetricUndefined.
	ReasonNotEvaluated = "NotEvaluated"
	// ReasonURLCarriesCredentials: CredentialsInURL is True.
	ReasonURLCarriesCredentials = "URLCarriesCredentials"
	// ReasonNotManaged (incidents, Ready=False): the BiasIncident was not
	// opened by the operator (made by hand); it is kept as a record, but no
	// evaluation adopts it and no deadline, escalation or notification applies.
	ReasonNotManaged = "NotManaged"
	// ReasonAcknowledgementLate: Escalated is True because the deadline passed unacknowledged.
	ReasonAcknowledgementLate = "AcknowledgementLate"
)
