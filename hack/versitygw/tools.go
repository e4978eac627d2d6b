//go:build tools

// Package versitygw pins the S3 server built by hack/build-versitygw.sh: the
// tests read Parquet, JSON Lines and CSV objects from it over the S3 API.
package versitygw

import _ "github.com/versity/versitygw/cmd/versitygw"
