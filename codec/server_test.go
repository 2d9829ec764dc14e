package codec

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
)

const (
	uiOrigin   = "http://localhost:8233"
	codecToken = "codec-token-0123456789abcdef"
)

type codecServer struct {
	url   string
	codec *Codec
	log   *bytes.Buffer
}

func startServer(t *testing.T, opts ServerOptions) codecServer {
	t.Helper()
	c := newCodec(t, testKey(t, "k1", 1))
	log := &bytes.Buffer{}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	opts.Logger = slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewServer(NewServer(c, opts))
	t.Cleanup(srv.Close)
	return codecServer{url: srv.URL, codec: c, log: log}
}

func defaultOptions() ServerOptions {
	return ServerOptions{Origins: []string{uiOrigin}, Tokens: []string{"other-token-0123456789abcdef", codecToken}}
}

// call sends a request as the Web UI does: JSON, X-Namespace, and the
// headers given.
func call(t *testing.T, method, url, body string, headers map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Namespace", "default")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func payloadsJSON(t *testing.T, payloads ...*commonpb.Payload) string {
	t.Helper()
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: payloads})
	require.NoError(t, err)
	return string(b)
}

func readPayloads(t *testing.T, body string) []*commonpb.Payload {
	t.Helper()
	var out commonpb.Payloads
	require.NoError(t, protojson.Unmarshal([]byte(body), &out), body)
	return out.Payloads
}

func TestPreflight(t *testing.T) {
	s := startServer(t, defaultOptions())
	for _, path := range []string{PathDecode, PathEncode} {
		resp, _ := call(t, http.MethodOptions, s.url+path, "", map[string]string{
			"Origin": uiOrigin, "Access-Control-Request-Method": "POST",
			"Access-Control-Request-Headers": "content-type,x-namespace,authorization",
		})
		require.Equal(t, http.StatusNoContent, resp.StatusCode, "the preflight needs no token")
		require.Equal(t, uiOrigin, resp.Header.Get("Access-Control-Allow-Origin"))
		require.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Credentials"))
		require.Contains(t, resp.Header.Get("Access-Control-Allow-Methods"), "POST")
		for _, h := range []string{"Content-Type", "X-Namespace", "Authorization"} {
			require.Contains(t, resp.Header.Get("Access-Control-Allow-Headers"), h)
		}
		require.Contains(t, resp.Header.Values("Vary"), "Origin")
	}

	// Another origin gets no CORS headers, and its requests are refused.
	resp, _ := call(t, http.MethodOptions, s.url+PathDecode, "", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	resp, _ = call(t, http.MethodPost, s.url+PathDecode, `{"payloads":[]}`, map[string]string{"Origin": "https://evil.example", "Authorization": "Bearer " + codecToken})
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "a valid token from another origin's page is refused too")
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))

	// Chrome's private network preflight, from the UI's origin.
	resp, _ = call(t, http.MethodOptions, s.url+PathDecode, "", map[string]string{"Origin": uiOrigin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Private-Network": "true"})
	require.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Private-Network"))
}

func TestAuthRefusal(t *testing.T) {
	s := startServer(t, defaultOptions())
	encrypted, err := s.codec.DataConverter().ToPayload(alice)
	require.NoError(t, err)
	body := payloadsJSON(t, encrypted)
	for name, headers := range map[string]map[string]string{
		"no credentials": {"Origin": uiOrigin},
		"wrong token":    {"Authorization": "Bearer codec-token-0123456789abcdeX"},
		"empty bearer":   {"Authorization": "Bearer "},
		"token as user":  {"Authorization": "Basic " + basic(codecToken, "")},
		"other scheme":   {"Authorization": "Token " + codecToken},
	} {
		for _, path := range []string{PathDecode, PathEncode} {
			resp, answer := call(t, http.MethodPost, s.url+path, body, headers)
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s %s", name, path)
			require.NotContains(t, answer, "Alice", name)
			require.Empty(t, resp.Header.Get("WWW-Authenticate"), "no browser prompt from the UI's requests")
		}
	}
	// A token for this namespace only.
	resp, _ := call(t, http.MethodPost, s.url+PathDecode, body, map[string]string{"Authorization": "Bearer " + codecToken, "X-Namespace": "other"})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	require.NotContains(t, s.log.String(), codecToken, "tokens never reach the log")
	require.NotContains(t, s.log.String(), "codec-token-0123456789abcdeX")
	require.Contains(t, s.log.String(), "status=401")
}

func basic(user, password string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(user, password)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	s := startServer(t, defaultOptions())
	plain, err := converter.GetDefaultDataConverter().ToPayload(alice)
	require.NoError(t, err)
	auth := map[string]string{"Authorization": "Bearer " + codecToken, "Origin": uiOrigin}

	resp, answer := call(t, http.MethodPost, s.url+PathEncode, payloadsJSON(t, plain), auth)
	require.Equal(t, http.StatusOK, resp.StatusCode, answer)
	require.Equal(t, uiOrigin, resp.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	encoded := readPayloads(t, answer)
	require.Len(t, encoded, 1)
	require.True(t, Encrypted(encoded[0]))
	require.NotContains(t, answer, "json/plain")

	// What the server encoded the product reads, and the other way round.
	var got customer
	require.NoError(t, s.codec.DataConverter().FromPayload(encoded[0], &got))
	require.Equal(t, alice, got)
	fromWorker, err := s.codec.DataConverter().ToPayload(alice)
	require.NoError(t, err)

	// Basic credentials, as a signed-in browser sends them.
	resp, answer = call(t, http.MethodPost, s.url+PathDecode, payloadsJSON(t, encoded[0], fromWorker, plain),
		map[string]string{"Authorization": "Basic " + basic("erin", codecToken), "Origin": uiOrigin})
	require.Equal(t, http.StatusOK, resp.StatusCode, answer)
	decoded := readPayloads(t, answer)
	require.Len(t, decoded, 3)
	for _, p := range decoded {
		require.Equal(t, "json/plain", string(p.Metadata["encoding"]))
		require.JSONEq(t, `{"Name":"Alice Example","Email":"alice@example.com","Street":"500 Market St"}`, string(p.Data))
	}
	require.NotContains(t, s.log.String(), "Alice", "payloads never reach the log")
}

// The Temporal CLI (--codec-endpoint, --codec-auth) and the SDK's remote
// codec speak the same protocol.
func TestSDKRemoteCodec(t *testing.T) {
	s := startServer(t, defaultOptions())
	remote := converter.NewRemoteDataConverter(converter.GetDefaultDataConverter(), converter.RemoteDataConverterOptions{
		Endpoint: s.url + "/",
		ModifyRequest: func(r *http.Request) error {
			r.Header.Set("X-Namespace", "default")
			r.Header.Set("Authorization", "Bearer "+codecToken)
			return nil
		},
	})
	p, err := remote.ToPayload(alice)
	require.NoError(t, err)
	require.True(t, Encrypted(p))
	var got customer
	require.NoError(t, s.codec.DataConverter().FromPayload(p, &got))
	require.Equal(t, alice, got)
	fromWorker, err := s.codec.DataConverter().ToPayload(alice)
	require.NoError(t, err)
	got = customer{}
	require.NoError(t, remote.FromPayload(fromWorker, &got))
	require.Equal(t, alice, got)
}

func TestUnknownKeyIsAClearError(t *testing.T) {
	s := startServer(t, defaultOptions())
	other := newCodec(t, testKey(t, "retired", 7))
	p, err := other.DataConverter().ToPayload(alice)
	require.NoError(t, err)
	resp, answer := call(t, http.MethodPost, s.url+PathDecode, payloadsJSON(t, p), map[string]string{"Authorization": "Bearer " + codecToken})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, answer, `encrypted with key "retired"`)
}

func TestBadRequests(t *testing.T) {
	s := startServer(t, ServerOptions{Origins: []string{uiOrigin}, Tokens: []string{codecToken}, MaxBody: 1024})
	auth := map[string]string{"Authorization": "Bearer " + codecToken}
	resp, _ := call(t, http.MethodPost, s.url+PathDecode, `{"payloads":[]}`, map[string]string{"Authorization": "Bearer " + codecToken, "Content-Type": "text/plain"})
	require.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode, "a form post cannot reach the codec")
	resp, _ = call(t, http.MethodPost, s.url+PathDecode, `{"payloads":`+strings.Repeat(" ", 2000)+`[]}`, auth)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	resp, _ = call(t, http.MethodPost, s.url+PathDecode, `not json`, auth)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, _ = call(t, http.MethodPut, s.url+PathDecode, `{}`, auth)
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	resp, _ = call(t, http.MethodPost, s.url+"/other", `{}`, auth)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, answer := call(t, http.MethodPost, s.url+"/some/prefix"+PathEncode, `{"payloads":[]}`, auth)
	require.Equal(t, http.StatusOK, resp.StatusCode, "behind a proxy's path prefix")
	require.JSONEq(t, `{"payloads":[]}`, answer)
}

// A browser signs in at the server's URL with its own HTTP Basic prompt.
func TestBrowserSignIn(t *testing.T) {
	s := startServer(t, defaultOptions())
	resp, _ := call(t, http.MethodGet, s.url+"/", "", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, resp.Header.Get("WWW-Authenticate"), "Basic realm=")
	resp, body := call(t, http.MethodGet, s.url+"/", "", map[string]string{"Authorization": "Basic " + basic("erin", codecToken)})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "Signed in")
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'none'")
}

// Without authentication (make dev on loopback), anyone who reaches it may
// decode; browsers still only from the allowed origins.
func TestNoAuth(t *testing.T) {
	s := startServer(t, ServerOptions{Origins: []string{uiOrigin}, NoAuth: true})
	p, err := s.codec.DataConverter().ToPayload(alice)
	require.NoError(t, err)
	resp, answer := call(t, http.MethodPost, s.url+PathDecode, payloadsJSON(t, p), map[string]string{"Origin": uiOrigin})
	require.Equal(t, http.StatusOK, resp.StatusCode, answer)
	require.Contains(t, readPayloads(t, answer)[0].String(), "Alice")
	resp, _ = call(t, http.MethodPost, s.url+PathDecode, payloadsJSON(t, p), map[string]string{"Origin": "http://localhost:9999"})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
}
