// Package deps pins the project's chosen dependencies while the packages that
// use them are being written. It is removed once every dependency has a user.
package deps

import (
	_ "github.com/gin-gonic/gin"
	_ "github.com/go-playground/validator/v10"
	_ "github.com/kolo/xmlrpc"
	_ "github.com/lmittmann/tint"
	_ "github.com/stretchr/testify/require"
	_ "go.temporal.io/sdk/client"
	_ "go.temporal.io/sdk/mocks"
	_ "go.temporal.io/sdk/testsuite"
	_ "go.temporal.io/sdk/worker"
	_ "go.temporal.io/sdk/workflow"
)
