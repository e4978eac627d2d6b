package objectstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// ReasonExists is the reason a create-only write finds its object there.
const ReasonExists = "ObjectExists"

// Create writes a new object named name under the store's prefix and
// returns its URL. It never replaces an object: the write is conditional
// (S3's If-None-Match: *, GCS's generation 0, Azure's If-None-Match: *),
// so of two writers of one name the second fails with ReasonExists.
func (s *Store) Create(ctx context.Context, name, contentType string, data []byte) (string, error) {
	key := path.Join(s.loc.Prefix, name)
	url := s.loc.Scheme + "://" + s.loc.Bucket + "/" + key
	err := s.bucket.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: contentType, IfNotExist: true})
	if err == nil {
		return url, nil
	}
	if gcerrors.Code(err) == gcerrors.FailedPrecondition || isPreconditionFailed(err) {
		// The portable code, or S3's 412 where a store leaves it Unknown.
		return "", &Error{Reason: ReasonExists, Object: url, Err: errors.New("an object of that name is already there")}
	}
	return "", classify(url, fmt.Errorf("writing: %w", err))
}

// isPreconditionFailed is an S3 412 Precondition Failed.
func isPreconditionFailed(err error) bool {
	var api smithy.APIError
	var resp *smithyhttp.ResponseError
	return (errors.As(err, &api) && api.ErrorCode() == "PreconditionFailed") ||
		(errors.As(err, &resp) && resp.HTTPStatusCode() == http.StatusPreconditionFailed)
}
