package objectstore

import (
	"strconv"

	"cloud.google.com/go/storage"
	azblobblob "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"gocloud.dev/blob"
)

// versionOf reads a listed object's version from the provider's own type
// and returns the hook that pins every read to it: If-Match on the ETag for
// S3 and Azure, a generation precondition for GCS. The portable listing
// carries neither.
func versionOf(scheme string, lo *blob.ListObject) (string, func(func(any) bool) error) {
	switch scheme {
	case SchemeS3:
		var obj s3types.Object
		if !lo.As(&obj) || obj.ETag == nil {
			return "", nil
		}
		etag := *obj.ETag
		return etag, func(as func(any) bool) error {
			var in *s3.GetObjectInput
			if as(&in) {
				in.IfMatch = aws.String(etag)
			}
			return nil
		}
	case SchemeGCS:
		var attrs storage.ObjectAttrs
		if !lo.As(&attrs) || attrs.Generation == 0 {
			return "", nil
		}
		gen := attrs.Generation
		return strconv.FormatInt(gen, 10), func(as func(any) bool) error {
			var oh *storage.ObjectHandle
			if as(&oh) {
				*oh = *oh.If(storage.Conditions{GenerationMatch: gen})
			}
			return nil
		}
	case SchemeAzure:
		var item container.BlobItem
		if !lo.As(&item) || item.Properties == nil || item.Properties.ETag == nil {
			return "", nil
		}
		etag := *item.Properties.ETag
		return string(etag), func(as func(any) bool) error {
			var opts *azblobblob.DownloadStreamOptions
			if as(&opts) {
				if opts.AccessConditions == nil {
					opts.AccessConditions = &azblobblob.AccessConditions{}
				}
				if opts.AccessConditions.ModifiedAccessConditions == nil {
					opts.AccessConditions.ModifiedAccessConditions = &azblobblob.ModifiedAccessConditions{}
				}
				opts.AccessConditions.ModifiedAccessConditions.IfMatch = &etag
			}
			return nil
		}
	}
	return "", nil
}
