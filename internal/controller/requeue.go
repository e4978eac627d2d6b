package controller

import "time"

// How long a reconcile waits before the next attempt, by reason. Each is a
// named delay, so that a reader sees why a result asks to come back.
const (
	// conflictDelay: a status write lost to another writer (for incidents,
	// after its immediate rebases); read again a moment later.
	conflictDelay = 100 * time.Millisecond
	// minWakeDelay: the shortest wait for a deadline, a retry or an expiry,
	// so that a wake-up in the past does not spin.
	minWakeDelay = 10 * time.Millisecond
	// missingSourceDelay: the data source (a ConfigMap, a claim, a Secret)
	// is not there yet; look again without waiting for an event on it.
	missingSourceDelay = 30 * time.Second
	// minScheduleDelay: the shortest wait for the next scheduled run.
	minScheduleDelay = time.Second
)

// Defaults of the manager's settings, used by its flags and by reconcilers
// built without them (tests).
const (
	// DefaultMinScheduleInterval: the shortest interval a schedule may have.
	DefaultMinScheduleInterval = time.Minute
	// DefaultNotificationTimeout bounds one notification send.
	DefaultNotificationTimeout = 10 * time.Second
)
