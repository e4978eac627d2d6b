package objectstore

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"gocloud.dev/gcerrors"
)

// Reasons an object store gives for failing, in the API's vocabulary.
const (
	ReasonAccessDenied = "SourceAccessDenied"
	ReasonNotFound     = "SourceNotFound"
	ReasonChanged      = "SourceChanged"
)

// Error is a failure to list or read an object, with the reason a run's
// status reports. Object is a URL (never a credential).
type Error struct {
	Reason string
	Object string
	Err    error
}

func (e *Error) Error() string {
	switch e.Reason {
	case ReasonAccessDenied:
		return fmt.Sprintf("%s: access denied: the credentials were refused or lack permission (%v)", e.Object, e.Err)
	case ReasonNotFound:
		return fmt.Sprintf("%s: not found: %v", e.Object, e.Err)
	case ReasonExists:
		return fmt.Sprintf("%s: %v: it is kept, not overwritten", e.Object, e.Err)
	case ReasonChanged:
		return fmt.Sprintf("%s: the object changed while the run read it (its version no longer matches the listing); "+
			"run again to read the new version", e.Object)
	}
	return fmt.Sprintf("%s: %v", e.Object, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ReasonCode is the status reason of the failure.
func (e *Error) ReasonCode() string { return e.Reason }

// s3AccessCodes are S3 error codes that mean the credentials are wrong or
// insufficient; the portable error codes call some of them Unknown.
var s3AccessCodes = map[string]bool{"AccessDenied": true, "Forbidden": true, "InvalidAccessKeyId": true,
	"SignatureDoesNotMatch": true, "ExpiredToken": true, "InvalidToken": true, "InvalidClientTokenId": true,
	"AuthorizationHeaderMalformed": true,
	// versitygw's answer to an access key it does not know (AWS says InvalidAccessKeyId).
	"XAdminUserNotFound": true}

// classify turns a provider error into an Error with its reason.
func classify(object string, err error) error {
	if _, ok := errors.AsType[*Error](err); ok {
		return err
	}
	reason := ""
	var api smithy.APIError
	var resp *smithyhttp.ResponseError
	switch {
	case errors.As(err, &resp) && (resp.HTTPStatusCode() == http.StatusUnauthorized || resp.HTTPStatusCode() == http.StatusForbidden):
		reason = ReasonAccessDenied
	case errors.As(err, &api) && s3AccessCodes[api.ErrorCode()]:
		reason = ReasonAccessDenied
	case errors.As(err, &api) && (api.ErrorCode() == "NoSuchBucket" || api.ErrorCode() == "NoSuchKey"):
		reason = ReasonNotFound
	default:
		switch gcerrors.Code(err) {
		case gcerrors.PermissionDenied:
			reason = ReasonAccessDenied
		case gcerrors.NotFound:
			reason = ReasonNotFound
		case gcerrors.FailedPrecondition:
			reason = ReasonChanged
		}
	}
	if reason == "" && strings.Contains(err.Error(), "failed to retrieve credentials") {
		reason = ReasonAccessDenied // no credentials anywhere in the default chain
	}
	return &Error{Reason: reason, Object: object, Err: err}
}
