package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Context keys of the per-request values.
const (
	keyRequestID = "api.requestID"
	keyLogger    = "api.logger"
	keyBodyRead  = "api.bodyRead"
)

// observe gives every request an id (X-Request-ID, the caller's if it is a
// plain token, else a new one) and logs it once when it is done: method,
// route, status, size, duration, client and the id. The query string, the
// headers and the body are never logged: they carry the webhook token, the
// checkout token, API keys and customers' data.
func (s *server) observe(c *gin.Context) {
	start := time.Now()
	id := c.GetHeader("X-Request-ID")
	if !validID(id, 64, "._-") {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(keyRequestID, id)
	c.Set(keyLogger, s.log.With("requestId", id))
	c.Header("X-Request-ID", id)
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "(no route)"
	}
	level := slog.LevelInfo
	if c.Writer.Status() >= 500 {
		level = slog.LevelWarn
	}
	s.logger(c).Log(c.Request.Context(), level, "HTTP request",
		"method", c.Request.Method, "route", route, "path", clip(c.Request.URL.EscapedPath()),
		"status", c.Writer.Status(), "bytes", c.Writer.Size(), "duration", time.Since(start),
		"client", c.ClientIP(), "userAgent", clip(c.Request.UserAgent()))
}

func requestID(c *gin.Context) string { return c.GetString(keyRequestID) }

// logger is the request's logger: the API's, with the request id.
func (s *server) logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(keyLogger); ok {
		return l.(*slog.Logger)
	}
	return s.log
}

// recover turns a panic into a 500 and a log line with the stack, never
// the request.
func (s *server) recover(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(p)
			}
			s.logger(c).Error("Panic while handling a request", "panic", p, "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				s.fail(c, http.StatusInternalServerError, "internal error")
			}
			c.Abort()
		}
	}()
	c.Next()
}

// securityHeaders are sent on every answer. The pages add their own
// Content-Security-Policy (page.go); everything else may load nothing.
func (s *server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	h.Set("Cache-Control", "no-store")
	if strings.HasPrefix(s.opts.PublicURL, "https://") {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

// rateLimit holds each client address to its rate.
func (s *server) rateLimit(c *gin.Context) {
	if ok, wait := s.guard.allow(c.ClientIP()); !ok {
		c.Header("Retry-After", retryAfter(wait))
		s.fail(c, http.StatusTooManyRequests, "too many requests")
	}
}

// refuseBlocked refuses a source that failed authentication too often,
// before anything else about its request is looked at.
func (s *server) refuseBlocked(c *gin.Context) {
	if blocked, left := s.guard.blocked(c.ClientIP()); blocked {
		c.Header("Retry-After", retryAfter(left))
		s.fail(c, http.StatusTooManyRequests, "too many failed attempts; try again later")
	}
}

func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(d.Seconds()) + 1)
}

// limitBody refuses a body announced larger than maxBodyBytes at once, and
// cuts off one that turns out larger while it is read.
func (s *server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > maxBodyBytes {
		s.fail(c, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes)
}

// authFailed answers 401 for a missing or wrong credential, logs it with the
// request's metadata (never the credential), and counts it against the
// source; the failure that blocks the source is logged as an error.
func (s *server) authFailed(c *gin.Context, what, reason string) {
	addr := c.ClientIP()
	blocked, failures := s.guard.fail(addr)
	s.logger(c).Warn("Authentication failed", "credential", what, "reason", reason, "client", addr,
		"method", c.Request.Method, "route", c.FullPath(), "userAgent", clip(c.Request.UserAgent()), "failures", failures)
	if blocked {
		s.logger(c).Error("Client blocked after repeated authentication failures", "client", addr,
			"for", s.guard.blockFor, "credential", what)
	}
	s.fail(c, http.StatusUnauthorized, "unauthorized")
}

// readJSON reads a JSON request body: the content type must be
// application/json and the body at most maxBodyBytes. It answers the
// request itself when the body is unacceptable.
func (s *server) readJSON(c *gin.Context) ([]byte, bool) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "application/json" {
		s.logger(c).Warn("Request refused: not JSON", "contentType", clip(c.GetHeader("Content-Type")))
		s.fail(c, http.StatusUnsupportedMediaType, "content type must be application/json")
		return nil, false
	}
	body, err := io.ReadAll(c.Request.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.logger(c).Warn("Request refused: body too large", "limit", maxBodyBytes)
		s.fail(c, http.StatusRequestEntityTooLarge, "body too large")
		return nil, false
	case err != nil:
		s.logger(c).Warn("Request body unreadable", "error", err)
		s.fail(c, http.StatusBadRequest, "unreadable body")
		return nil, false
	}
	c.Set(keyBodyRead, true)
	return body, true
}
