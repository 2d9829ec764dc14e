package workflows

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/odoo-afterpay/bridge/codec"
	"github.com/odoo-afterpay/bridge/internal/testkit"
)

// testCodec is the codec of the end-to-end product that recorded
// testdata's histories (`make histories`): the tests' key only.
func testCodec(t *testing.T) *codec.Codec {
	t.Helper()
	keys, err := codec.ParseKeys([]string{testkit.PayloadKeys})
	require.NoError(t, err)
	c, err := codec.New(keys)
	require.NoError(t, err)
	return c
}

// recordedConverters are the replayer options that read testdata's
// histories, as the product's worker reads its own.
func recordedConverters(t *testing.T) worker.WorkflowReplayerOptions {
	c := testCodec(t)
	return worker.WorkflowReplayerOptions{DataConverter: c.DataConverter(), FailureConverter: c.FailureConverter()}
}

// What the end-to-end suite puts in Odoo and the product's settings (see
// e2e/product_test.go: customer() and startProduct): customers' names,
// emails, phones and streets, and every secret.
var personalData = []string{
	"Afterpay E2E Customer", "E2E Customer", // names
	"@example.com",                           // emails: e2e.<run>.<n>@example.com
	"555 0100", "5550100", "+1 415", "+1415", // the phone, as Odoo and Afterpay write it
	"500 Market St", "Market St", // the street
}

func secrets() []string {
	_, key, _ := strings.Cut(testkit.PayloadKeys, ":")
	return []string{
		"e2e-odoo-key", // ODOO_PASSWORD of the fake Odoo
		"e2e-secret",   // AFTERPAY_SECRET_KEY
		base64.StdEncoding.EncodeToString([]byte("100101:e2e-secret")), // Afterpay's Basic auth
		"e2e-webhook-token-0123456789",                                 // ODOO_WEBHOOK_TOKEN
		"e2e-afterpay-webhook-secret",                                  // AFTERPAY_WEBHOOK_SECRET
		"e2e-storefront-key-0123456789abcdef",                          // STOREFRONT_API_KEYS
		key,                                                            // PAYLOAD_ENCRYPTION_KEYS
	}
}

// payloadAt is one payload of a history and where it is.
type payloadAt struct {
	path    string
	payload *commonpb.Payload
}

// payloadsOf finds every payload in m, wherever it is.
func payloadsOf(m protoreflect.Message, path string) []payloadAt {
	if p, ok := m.Interface().(*commonpb.Payload); ok {
		return []payloadAt{{path, p}}
	}
	var out []payloadAt
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := path + "." + string(fd.Name())
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len(); i++ {
				out = append(out, payloadsOf(v.List().Get(i).Message(), name)...)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				out = append(out, payloadsOf(mv.Message(), name+"["+k.String()+"]")...)
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			out = append(out, payloadsOf(v.Message(), name)...)
		}
		return true
	})
	return out
}

// TestRecordedHistoriesHoldNoPersonalData reads every recorded history as
// Temporal stores it, raw, and finds no customer's name, email, phone or
// street, and no secret: every payload is encrypted, except search
// attributes (which Temporal must read, and which hold none), and nothing
// else in the history (failure messages included) quotes them. Decrypted
// with the tests' key, the payloads are the orders' data.
func TestRecordedHistoriesHoldNoPersonalData(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	c := testCodec(t)
	forbidden := append(append([]string{}, personalData...), secrets()...)
	decrypted := 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			require.NoError(t, err)
			found := map[string]bool{} // what is found, and where
			for _, s := range forbidden {
				if strings.Contains(string(raw), s) {
					found[s+" in the history's text"] = true
				}
			}
			var history historypb.History
			require.NoError(t, protojson.Unmarshal(raw, &history))
			payloads := payloadsOf(history.ProtoReflect(), "history")
			require.NotEmpty(t, payloads)
			clear := map[string]int{}
			for _, at := range payloads {
				stored := string(at.payload.GetData())
				for k, v := range at.payload.GetMetadata() {
					stored += " " + k + "=" + string(v)
				}
				for _, s := range forbidden {
					if strings.Contains(stored, s) {
						found[s+" in "+at.path] = true
					}
				}
				if strings.Contains(at.path, ".search_attributes.") {
					continue
				}
				if !codec.Encrypted(at.payload) {
					clear[at.path]++
					continue
				}
				plain, err := c.Decode([]*commonpb.Payload{at.payload})
				require.NoError(t, err, "payload at %s", at.path)
				if strings.Contains(string(plain[0].GetData()), `"partnerId":`) {
					decrypted++
				}
			}
			assert.Empty(t, found, "personal data or secrets in the stored history")
			assert.Empty(t, clear, "payloads stored in clear (count by place)")
		})
	}
	require.NotZero(t, decrypted, "the payloads decrypt, with the tests' key, to the orders' data")
}

// The check fails on a history that holds a customer's data in clear.
func TestPrivacyCheckFindsClearPayloads(t *testing.T) {
	clear := &historypb.History{Events: []*historypb.HistoryEvent{{
		Attributes: &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{
			WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{
				Input: &commonpb.Payloads{Payloads: []*commonpb.Payload{{
					Metadata: map[string][]byte{"encoding": []byte("json/plain")},
					Data:     []byte(`{"name":"Afterpay E2E Customer 1-1","email":"e2e.1.1@example.com"}`),
				}}},
			},
		},
	}}}
	payloads := payloadsOf(clear.ProtoReflect(), "history")
	require.Len(t, payloads, 1)
	require.Equal(t, "history.events.workflow_execution_started_event_attributes.input.payloads", payloads[0].path)
	require.False(t, codec.Encrypted(payloads[0].payload))
	raw, err := protojson.Marshal(clear)
	require.NoError(t, err)
	require.NotContains(t, string(raw), "@example.com", "in the JSON the data is base64: only decoding the payloads finds it")
}
