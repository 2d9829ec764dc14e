package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/odoo-afterpay/bridge/codec"
	"github.com/odoo-afterpay/bridge/config"
)

// A payload key for these tests only (32 bytes of 0x02).
const appTestKeys = "app-test:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="

func baseEnv(extra map[string]string) map[string]string {
	env := map[string]string{
		"ODOO_PASSWORD": "pw", "AFTERPAY_MERCHANT_ID": "m", "AFTERPAY_SECRET_KEY": "k",
		"ODOO_WEBHOOK_TOKEN": testToken, "ODOO_URL": "http://127.0.0.1:1", "PAYLOAD_ENCRYPTION_KEYS": appTestKeys,
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// fakeFrontend answers the one call a client makes when it dials, and
// remembers what came with it.
type fakeFrontend struct {
	workflowservice.UnimplementedWorkflowServiceServer
	mu        sync.Mutex
	md        metadata.MD
	peerCerts int
}

func (f *fakeFrontend) GetSystemInfo(ctx context.Context, _ *workflowservice.GetSystemInfoRequest) (*workflowservice.GetSystemInfoResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.md, _ = metadata.FromIncomingContext(ctx)
	if p, ok := peer.FromContext(ctx); ok {
		if info, ok := p.AuthInfo.(credentials.TLSInfo); ok {
			f.peerCerts = len(info.State.PeerCertificates)
		}
	}
	return &workflowservice.GetSystemInfoResponse{}, nil
}

func (f *fakeFrontend) header(key string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.md.Get(key), ",")
}

func startFrontend(t *testing.T, opts ...grpc.ServerOption) (*fakeFrontend, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer(opts...)
	f := &fakeFrontend{}
	workflowservice.RegisterWorkflowServiceServer(srv, f)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return f, ln.Addr().String()
}

func dial(t *testing.T, lookup config.Lookup) error {
	t.Helper()
	cfg, err := config.Load(lookup)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := DialTemporal(ctx, cfg, slog.New(slog.DiscardHandler))
	if err == nil {
		c.Close()
	}
	return err
}

// The SDK's environment configuration reaches the wire: the API key as a
// bearer token, gRPC metadata from TEMPORAL_GRPC_META_*.
func TestDialTemporalSendsAPIKeyAndMetadata(t *testing.T) {
	f, addr := startFrontend(t)
	t.Setenv("TEMPORAL_GRPC_META_X_TEAM", "payments")
	err := dial(t, config.Layered(config.MapLookup(baseEnv(map[string]string{
		"TEMPORAL_ADDRESS": addr, "TEMPORAL_NAMESPACE": "payments.a1b2c",
		"TEMPORAL_API_KEY": "api-key-0123456789", "TEMPORAL_TLS": "false",
	})), os.LookupEnv))
	require.NoError(t, err)
	require.Equal(t, "Bearer api-key-0123456789", f.header("authorization"))
	require.Equal(t, "payments", f.header("x-team"))
}

// TLS and mTLS from TEMPORAL_TLS_*: the server's CA and name are checked,
// the client certificate is presented, and a client without it is refused.
func TestDialTemporalWithMTLS(t *testing.T) {
	dir := t.TempDir()
	serverCert, serverKey := writeCert(t, dir, "server", "temporal.internal")
	clientCert, clientKey := writeCert(t, dir, "client", "worker")
	pair, err := tls.LoadX509KeyPair(serverCert, serverKey)
	require.NoError(t, err)
	clientCAs := x509.NewCertPool()
	pem, err := os.ReadFile(clientCert)
	require.NoError(t, err)
	require.True(t, clientCAs.AppendCertsFromPEM(pem))
	f, addr := startFrontend(t, grpc.Creds(credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs, MinVersion: tls.VersionTLS12,
	})))
	env := map[string]string{
		"TEMPORAL_ADDRESS": addr, "TEMPORAL_TLS_SERVER_CA_CERT_PATH": serverCert, "TEMPORAL_TLS_SERVER_NAME": "temporal.internal",
		"TEMPORAL_TLS_CLIENT_CERT_PATH": clientCert, "TEMPORAL_TLS_CLIENT_KEY_PATH": clientKey, "TEMPORAL_API_KEY": "api-key-0123456789",
	}
	require.NoError(t, dial(t, config.MapLookup(baseEnv(env))))
	require.Equal(t, 1, f.peerCerts, "the client certificate was presented")
	require.Equal(t, "Bearer api-key-0123456789", f.header("authorization"))

	delete(env, "TEMPORAL_TLS_CLIENT_CERT_PATH")
	delete(env, "TEMPORAL_TLS_CLIENT_KEY_PATH")
	require.Error(t, dial(t, config.MapLookup(baseEnv(env))), "the server wants a client certificate")
	env["TEMPORAL_TLS_CLIENT_CERT_PATH"], env["TEMPORAL_TLS_CLIENT_KEY_PATH"] = clientCert, clientKey
	env["TEMPORAL_TLS_SERVER_NAME"] = "elsewhere.internal"
	require.Error(t, dial(t, config.MapLookup(baseEnv(env))), "the server's name is checked")
}

// Every client is built with the codec: what it sends is encrypted, and
// errors' messages too.
func TestClientOptionsEncrypt(t *testing.T) {
	cfg, err := config.Load(config.MapLookup(baseEnv(nil)))
	require.NoError(t, err)
	opts, err := TemporalClientOptions(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NotNil(t, opts.DataConverter)
	p, err := opts.DataConverter.ToPayload(map[string]string{"email": "alice@example.com"})
	require.NoError(t, err)
	require.True(t, codec.Encrypted(p))
	require.Equal(t, "app-test", string(p.Metadata[codec.MetadataKeyID]))
	require.NotContains(t, string(p.Data), "alice")
	require.True(t, codec.Encrypted(opts.FailureConverter.ErrorToFailure(io.EOF).GetEncodedAttributes()))

	// Off, explicitly: the SDK's defaults, in clear.
	cfg, err = config.Load(config.MapLookup(baseEnv(map[string]string{"PAYLOAD_ENCRYPTION": "off", "PAYLOAD_ENCRYPTION_KEYS": ""})))
	require.NoError(t, err)
	opts, err = TemporalClientOptions(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.Nil(t, opts.DataConverter)
	require.Nil(t, opts.FailureConverter)
}

// The worker's codec server, as configured: it decrypts what the product's
// clients encrypt, for a token holder from the Web UI's origin.
func TestCodecServerFromConfig(t *testing.T) {
	const token = "codec-token-0123456789abcdef"
	cfg, err := config.Load(config.MapLookup(baseEnv(map[string]string{
		"CODEC_SERVER_ADDR": "127.0.0.1:0", "CODEC_AUTH_TOKENS": token, "TEMPORAL_UI_URL": "http://localhost:8233",
	})))
	require.NoError(t, err)
	opts, err := TemporalClientOptions(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	p, err := opts.DataConverter.ToPayload("500 Market St")
	require.NoError(t, err)
	h, err := NewCodecServer(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}})
	require.NoError(t, err)
	post := func(auth string) *http.Response {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/decode", strings.NewReader(string(body)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Namespace", "default")
		req.Header.Set("Origin", "http://localhost:8233")
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		return resp
	}
	resp := post("Bearer " + token)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(answer))
	require.Contains(t, string(answer), "IjUwMCBNYXJrZXQgU3Qi", `"500 Market St", base64`)
	require.Equal(t, "http://localhost:8233", resp.Header.Get("Access-Control-Allow-Origin"))
	refused := post("Bearer " + testToken)
	refused.Body.Close()
	require.Equal(t, http.StatusUnauthorized, refused.StatusCode)

	// Started by the worker: a busy address stops the start.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	cfg.CodecServer.Addr = busy.Addr().String()
	require.ErrorContains(t, StartCodecServer(context.Background(), cfg, slog.New(slog.DiscardHandler)), "codec server: listen on")
	ctx, cancel := context.WithCancel(context.Background())
	cfg.CodecServer.Addr = "127.0.0.1:0"
	require.NoError(t, StartCodecServer(ctx, cfg, slog.New(slog.DiscardHandler)))
	cancel()
}

// writeCert writes a self-signed certificate for name, and its key.
func writeCert(t *testing.T, dir, file, name string) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, DNSNames: []string{name}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certPath, keyPath = filepath.Join(dir, file+".pem"), filepath.Join(dir, file+".key")
	require.NoError(t, os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certPath, keyPath
}
