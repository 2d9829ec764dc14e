package codec

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// ServerOptions configure the codec server.
type ServerOptions struct {
	// Namespace is the Temporal namespace whose payloads the server
	// handles: a request whose X-Namespace names another is refused.
	Namespace string
	// Origins are the browser origins allowed to call it (CORS), e.g. the
	// Web UI's http://localhost:8233. A browser request from any other
	// origin is refused.
	Origins []string
	// Tokens authenticate callers: `Authorization: Bearer <token>` (the
	// Temporal CLI's --codec-auth), or HTTP Basic with the token as the
	// password (a browser signed in at the server's own URL, whose Web UI
	// sends credentials).
	Tokens []string
	// NoAuth serves everyone who can reach it. Only for a server that
	// listens on loopback on a developer's machine; the configuration
	// refuses it anywhere else.
	NoAuth bool
	// MaxBody bounds a request's body; 0 means 4 MiB.
	MaxBody int64
	// Logger logs one line a request, never its body or credentials.
	Logger *slog.Logger
}

// The codec server protocol's paths, after the endpoint's own path.
const (
	PathEncode = "/encode"
	PathDecode = "/decode"
)

const basicRealm = `Basic realm="Odoo-Afterpay payload codec", charset="UTF-8"`

type server struct {
	codec     *Codec
	namespace string
	origins   map[string]bool
	tokens    [][sha256.Size]byte
	noAuth    bool
	maxBody   int64
	logger    *slog.Logger
}

// NewServer serves Temporal's codec server protocol for c: POST /encode and
// POST /decode with a JSON body {"payloads": [...]}, answered in kind; the
// CORS preflight for the allowed origins; and GET, where a browser signs in
// with HTTP Basic (the token as the password) so that the Web UI may call
// the server with the browser's credentials.
func NewServer(c *Codec, opts ServerOptions) http.Handler {
	s := &server{codec: c, namespace: opts.Namespace, origins: map[string]bool{}, noAuth: opts.NoAuth,
		maxBody: opts.MaxBody, logger: opts.Logger}
	for _, o := range opts.Origins {
		s.origins[strings.TrimRight(o, "/")] = true
	}
	for _, t := range opts.Tokens {
		if t != "" {
			s.tokens = append(s.tokens, sha256.Sum256([]byte(t)))
		}
	}
	if s.maxBody <= 0 {
		s.maxBody = 4 << 20
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	return s
}

// statusWriter remembers the status for the request's log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w := &statusWriter{ResponseWriter: rw}
	note := s.serve(w, r)
	level := slog.LevelDebug
	if w.status == http.StatusUnauthorized || w.status == http.StatusForbidden {
		level = slog.LevelWarn
	}
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", w.status, "remote", r.RemoteAddr,
		"duration", time.Since(start).Round(time.Microsecond)}
	if o := r.Header.Get("Origin"); o != "" {
		attrs = append(attrs, "origin", o)
	}
	if note != "" {
		attrs = append(attrs, "detail", note)
	}
	s.logger.Log(r.Context(), level, "Codec request", attrs...)
}

// serve answers r and returns a detail for the log line.
func (s *server) serve(w http.ResponseWriter, r *http.Request) string {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Origin")
	if origin := r.Header.Get("Origin"); origin != "" {
		if !s.origins[origin] {
			http.Error(w, "origin not allowed", http.StatusForbidden)
			return "origin not among the allowed origins"
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	op := ""
	switch {
	case strings.HasSuffix(r.URL.Path, PathEncode):
		op = PathEncode
	case strings.HasSuffix(r.URL.Path, PathDecode):
		op = PathDecode
	}
	switch {
	case r.Method == http.MethodOptions && op != "":
		// The preflight carries no credentials.
		h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
		h.Set("Access-Control-Max-Age", "600")
		if r.Header.Get("Access-Control-Request-Private-Network") == "true" && h.Get("Access-Control-Allow-Origin") != "" {
			h.Set("Access-Control-Allow-Private-Network", "true")
		}
		w.WriteHeader(http.StatusNoContent)
		return ""
	case r.Method == http.MethodPost && op != "":
		return s.convert(w, r, op)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		return s.signIn(w, r)
	case op != "":
		h.Set("Allow", "POST, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return ""
	}
	http.NotFound(w, r)
	return ""
}

// authorized checks the caller's token in constant time.
func (s *server) authorized(r *http.Request) bool {
	if s.noAuth {
		return true
	}
	var got string
	if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		got = strings.TrimSpace(token)
	} else if _, password, ok := r.BasicAuth(); ok {
		got = password
	}
	if got == "" {
		return false
	}
	sum := sha256.Sum256([]byte(got))
	match := 0
	for _, t := range s.tokens {
		match |= subtle.ConstantTimeCompare(sum[:], t[:])
	}
	return match == 1
}

func (s *server) convert(w http.ResponseWriter, r *http.Request, op string) string {
	if !s.authorized(r) {
		http.Error(w, "a codec token is required: Authorization: Bearer <token>, or sign in at this server's URL", http.StatusUnauthorized)
		return "no valid token"
	}
	if ns := r.Header.Get("X-Namespace"); ns != "" && ns != s.namespace {
		http.Error(w, fmt.Sprintf("namespace %q is not served here", ns), http.StatusForbidden)
		return "another namespace: " + ns
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		http.Error(w, "the body must be application/json", http.StatusUnsupportedMediaType)
		return ""
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		http.Error(w, fmt.Sprintf("the body is larger than %d bytes", s.maxBody), http.StatusRequestEntityTooLarge)
		return ""
	}
	if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return err.Error()
	}
	var in commonpb.Payloads
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(body, &in); err != nil {
		http.Error(w, `the body is not {"payloads": [...]}`, http.StatusBadRequest)
		return ""
	}
	var out []*commonpb.Payload
	if op == PathEncode {
		out, err = s.codec.Encode(in.GetPayloads())
	} else {
		out, err = s.codec.Decode(in.GetPayloads())
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return err.Error()
	}
	answer, err := protojson.Marshal(&commonpb.Payloads{Payloads: out})
	if len(out) == 0 {
		answer = []byte(`{"payloads":[]}`) // protojson leaves an empty list out
	}
	if err != nil {
		http.Error(w, "cannot write the answer", http.StatusInternalServerError)
		return err.Error()
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(answer)
	return fmt.Sprintf("%d payloads", len(out))
}

// signIn lets a person sign in with the browser's own HTTP Basic prompt
// (any user name, the token as the password): the browser then sends those
// credentials with the Web UI's requests, when the UI includes credentials
// (TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true).
func (s *server) signIn(w http.ResponseWriter, r *http.Request) string {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch {
	case s.noAuth:
		_, _ = io.WriteString(w, "Payload codec server for the Temporal Web UI. It runs without authentication: local development only.\n")
	case s.authorized(r):
		_, _ = io.WriteString(w, "Signed in. The Temporal Web UI can now show decrypted payloads in this browser.\n")
	default:
		w.Header().Set("WWW-Authenticate", basicRealm)
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, "Sign in with any user name and your codec token as the password.\n")
		return "sign-in asked"
	}
	return ""
}
