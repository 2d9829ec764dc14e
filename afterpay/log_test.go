package afterpay

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// logRecords parses JSON log lines.
func logRecords(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), sc.Text())
		out = append(out, rec)
	}
	return out
}

// personalData is every piece of personal data in the test checkout and
// the payment fixture.
var personalData = []string{
	"joe.consumer@example.com", "+1 555 0100", "Joe Consumer", `"Joe"`, `"Consumer"`,
	"123 Fake Street", "Apt 4", "97477", "Parcel never arrived",
}

func TestDebugLogsMaskPersonalData(t *testing.T) {
	const secret = "sk-Very-Secret-Key-42"
	f := newFakeAfterpay(t, func(r *http.Request) reply {
		switch {
		case r.URL.Path == "/v2/checkouts":
			return created(checkoutCreatedJSON)
		case strings.HasPrefix(r.URL.Path, "/v2/disputes/"):
			return ok(disputeJSON)
		case r.URL.Path == "/v2/checkouts/"+testToken:
			return ok(checkoutDetailsJSON)
		}
		return ok(paymentCapturedJSON)
	})
	logger, logs := newDebugLogger()
	c := newTestClient(t, f.srv.URL, func(cfg *Config) { cfg.Logger = logger; cfg.SecretKey = secret })

	_, err := c.CreateCheckout(t.Context(), testCheckoutRequest())
	require.NoError(t, err)
	_, err = c.GetCheckout(t.Context(), testToken)
	require.NoError(t, err)
	_, err = c.GetPayment(t.Context(), "300000016189")
	require.NoError(t, err)
	_, err = c.GetDispute(t.Context(), "dp_5kRZ4vJ9qS2x")
	require.NoError(t, err)

	out := logs.String()
	for _, pii := range personalData {
		require.NotContains(t, out, pii, "personal data in the debug log")
	}
	requireNoSecret(t, out, secret)

	// The logs are still useful: they carry method, path, status, amounts,
	// non-personal fields and the masked placeholders.
	recs := logRecords(t, out)
	require.Len(t, recs, 8, "one request and one response record per call")
	require.Contains(t, out, "/v2/checkouts")
	require.Contains(t, out, `49.90`)
	require.Contains(t, out, `Blue Shirt`, "an item's name is not personal data")
	require.Contains(t, out, `Springfield`)
	require.Contains(t, out, mask)
	for _, rec := range recs {
		require.Equal(t, "DEBUG", rec["level"])
	}
}

func requireNoSecret(t *testing.T, out, secret string) {
	t.Helper()
	require.NotContains(t, out, secret)
	require.NotContains(t, out, base64.StdEncoding.EncodeToString([]byte(testMerchantID+":"+secret)))
	require.NotContains(t, out, "Authorization")
	require.NotContains(t, out, "Basic ")
}

func TestUnauthorizedRaisesCredentialsAlarm(t *testing.T) {
	const secret = "sk-Wrong-Key-99"
	f := newFakeAfterpay(t, func(*http.Request) reply {
		return reply{status: 401, body: afterpayErrorBody(CodeUnauthorized, "6024ab212498442", "Credentials are required to access this resource.", 401),
			header: map[string]string{"http_correlation_id": "corr-401"}}
	})
	logger, logs := newDebugLogger()
	c := newTestClient(t, f.srv.URL, func(cfg *Config) { cfg.Logger = logger; cfg.SecretKey = secret })

	_, err := c.GetConfiguration(t.Context())
	require.True(t, IsUnauthorized(err))
	require.NotContains(t, err.Error(), secret)

	out := logs.String()
	requireNoSecret(t, out, secret)
	var alarms []map[string]any
	for _, rec := range logRecords(t, out) {
		if rec["level"] == "ERROR" {
			alarms = append(alarms, rec)
		}
	}
	require.Len(t, alarms, 1)
	require.Equal(t, testMerchantID, alarms[0]["merchant_id"])
	require.Equal(t, "6024ab212498442", alarms[0]["error_id"])
	require.Equal(t, "corr-401", alarms[0]["correlation_id"])
	require.Equal(t, "GET /v2/configuration", alarms[0]["endpoint"])

	// Other errors raise no alarm.
	f.setReply(reply{status: 404, body: afterpayErrorBody(CodeNotFound, "e", "Order not found", 404)})
	_, err = c.GetPayment(t.Context(), "1")
	require.True(t, IsNotFound(err))
	errorsLogged := 0
	for _, rec := range logRecords(t, logs.String()) {
		if rec["level"] == "ERROR" {
			errorsLogged++
		}
	}
	require.Equal(t, 1, errorsLogged)
}

func TestNilLoggerDiscards(t *testing.T) {
	f := newFakeAfterpay(t, func(*http.Request) reply { return reply{status: 401, body: "{}"} })
	c := newTestClient(t, f.srv.URL)
	_, err := c.GetConfiguration(t.Context())
	require.True(t, IsUnauthorized(err))
}

func TestMaskBody(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			"consumer fields",
			`{"consumer":{"email":"a@b.c","givenNames":"Ann","surname":"Lee","phoneNumber":"+61 400 000 000"}}`,
			`{"consumer":{"email":"***","givenNames":"***","phoneNumber":"***","surname":"***"}}`,
		},
		{
			"contact name masked, item and courier names kept",
			`{"billing":{"name":"Ann Lee","line1":"1 Main St","line2":"","area1":"Sydney","postcode":"2000"},"items":[{"name":"Shirt"}],"courier":{"name":"FEDEX"},"merchant":{"name":"Shop"}}`,
			`{"billing":{"area1":"Sydney","line1":"***","line2":"","name":"***","postcode":"***"},"courier":{"name":"FEDEX"},"items":[{"name":"Shirt"}],"merchant":{"name":"Shop"}}`,
		},
		{
			"inside arrays of payments",
			`{"results":[{"orderDetails":{"shipping":{"name":"Ann Lee","phoneNumber":"1"}}}],"totalResults":1}`,
			`{"results":[{"orderDetails":{"shipping":{"name":"***","phoneNumber":"***"}}}],"totalResults":1}`,
		},
		{"numbers kept as written", `{"quantity":2,"big":12345678901234567890}`, `{"big":12345678901234567890,"quantity":2}`},
		{"not JSON", "pong", "[4 bytes, not JSON]"},
		{"two JSON values are not one body", `{"email":"a@b.c"} {"x":1}`, "[25 bytes, not JSON]"},
		{"truncated JSON", `{"email":"a@b.c"`, "[16 bytes, not JSON]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, maskBody([]byte(tt.in)))
		})
	}
}
