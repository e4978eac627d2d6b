package objectstore

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"
)

// defaultRegion is what an S3-compatible store gets when nothing names one;
// the signature needs some region, and these stores accept us-east-1.
const defaultRegion = "us-east-1"

// openS3 builds the S3 client from the SDK's default chain (AWS_* variables,
// the web-identity token file of IRSA or EKS Pod Identity, the shared config
// files, instance metadata) with the spec's endpoint, region and addressing.
func openS3(ctx context.Context, bucket string, o Options) (*blob.Bucket, error) {
	opts := []func(*config.LoadOptions) error{
		// Third-party S3 servers do not all know the SDK's newer default
		// checksums; send and check them only when an operation requires it.
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = defaultRegion
	}
	endpoint := o.Endpoint
	if endpoint == "" && cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint // AWS_ENDPOINT_URL(_S3), read by the SDK
	}
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL_S3")
	}
	pathStyle := endpoint != ""
	if o.PathStyle != nil {
		pathStyle = *o.PathStyle
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if endpoint != "" {
			so.BaseEndpoint = aws.String(endpoint)
		}
		so.UsePathStyle = pathStyle
	})
	return s3blob.OpenBucket(ctx, client, bucket, nil)
}
