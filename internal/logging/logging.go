// Package logging builds the one slog.Logger every process of the product
// uses: tint's coloured text for humans in development, JSON in production.
// The Temporal SDK logs through the same logger (see TemporalLogger).
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/lmittmann/tint"
	"github.com/mattn/go-isatty"
	tlog "go.temporal.io/sdk/log"
)

// Format is how log records are written.
type Format string

// The formats the product supports.
const (
	FormatText Format = "text" // tint, for a terminal
	FormatJSON Format = "json" // one JSON object a line, for log shippers
)

// ParseFormat checks a LOG_FORMAT value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case FormatText, FormatJSON:
		return f, nil
	}
	return "", fmt.Errorf("log format %q is not one of text, json", s)
}

// ParseLevel checks a LOG_LEVEL value (debug, info, warn, error).
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log level %q is not one of debug, info, warn, error", s)
	}
	return l, nil
}

// New returns a logger writing to w in the given format and level.
func New(w io.Writer, format Format, level slog.Level) *slog.Logger {
	if format == FormatJSON {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
	}
	noColor := true
	if f, ok := w.(*os.File); ok {
		noColor = !isatty.IsTerminal(f.Fd())
	}
	return slog.New(tint.NewHandler(w, &tint.Options{Level: level, TimeFormat: time.TimeOnly, NoColor: noColor}))
}

// TemporalLogger adapts logger for the Temporal SDK, so that client, worker,
// workflow and activity logs share one format and destination.
func TemporalLogger(logger *slog.Logger) tlog.Logger {
	return tlog.NewStructuredLogger(logger)
}
