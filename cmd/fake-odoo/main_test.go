package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRunRejectsBadConfiguration(t *testing.T) {
	noEnv := func(string) string { return "" }
	tests := []struct {
		name string
		args []string
		env  func(string) string
		want string
	}{
		{"unknown flag", []string{"--nope"}, noEnv, "flag provided but not defined: -nope"},
		{"bad log format", []string{"--log-format", "xml"}, noEnv, `log format "xml" is not one of text, json`},
		{"bad log level from env", nil, func(k string) string {
			if k == "LOG_LEVEL" {
				return "loud"
			}
			return ""
		}, `log level "loud" is not one of debug, info, warn, error`},
		{"missing seed folder", []string{"--addr", "127.0.0.1:0", "--seed", "/nonexistent/seed"}, noEnv, "/nonexistent/seed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(tt.args, tt.env, &stderr)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}
