package codec

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/temporal"
)

// testKey is a key of n repeated, for tests only.
func testKey(t *testing.T, id string, n byte) Key {
	t.Helper()
	k, err := NewKey(id, bytes.Repeat([]byte{n}, KeySize))
	require.NoError(t, err)
	return k
}

func newCodec(t *testing.T, keys ...Key) *Codec {
	t.Helper()
	c, err := New(keys)
	require.NoError(t, err)
	return c
}

type customer struct {
	Name, Email, Street string
}

var alice = customer{Name: "Alice Example", Email: "alice@example.com", Street: "500 Market St"}

func TestDataConverterEncryptsAndDecrypts(t *testing.T) {
	dc := newCodec(t, testKey(t, "k1", 1)).DataConverter()
	p, err := dc.ToPayload(alice)
	require.NoError(t, err)
	require.Equal(t, EncodingEncrypted, string(p.Metadata[MetadataEncoding]))
	require.Equal(t, "k1", string(p.Metadata[MetadataKeyID]))
	require.Len(t, p.Metadata, 2, "the original metadata is encrypted with the data")
	for _, clear := range []string{"Alice", "alice@example.com", "Market", "json/plain"} {
		require.NotContains(t, string(p.Data), clear)
	}
	var got customer
	require.NoError(t, dc.FromPayload(p, &got))
	require.Equal(t, alice, got)

	again, err := dc.ToPayload(alice)
	require.NoError(t, err)
	require.NotEqual(t, p.Data, again.Data, "every payload gets its own nonce")
}

func TestRotation(t *testing.T) {
	old := newCodec(t, testKey(t, "2025", 1))
	p, err := old.DataConverter().ToPayload(alice)
	require.NoError(t, err)

	// The new key first, the old one kept: old payloads still read, new
	// ones are encrypted with the new key.
	rotated := newCodec(t, testKey(t, "2026", 2), testKey(t, "2025", 1))
	var got customer
	require.NoError(t, rotated.DataConverter().FromPayload(p, &got))
	require.Equal(t, alice, got)
	fresh, err := rotated.DataConverter().ToPayload(alice)
	require.NoError(t, err)
	require.Equal(t, "2026", string(fresh.Metadata[MetadataKeyID]))

	// The old key dropped too early: a clear error naming the key.
	dropped := newCodec(t, testKey(t, "2026", 2))
	_, err = dropped.Decode([]*commonpb.Payload{p})
	require.ErrorContains(t, err, `encrypted with key "2025", which is not among the configured keys (2026)`)
	require.ErrorContains(t, err, "PAYLOAD_ENCRYPTION_KEYS")

	// The same id with other key material: refused, not garbage.
	impostor := newCodec(t, testKey(t, "2025", 9))
	_, err = impostor.Decode([]*commonpb.Payload{p})
	require.ErrorContains(t, err, `does not decrypt with key "2025"`)
}

func TestPassThrough(t *testing.T) {
	c := newCodec(t, testKey(t, "k1", 1))
	encrypted, err := c.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"x"`)}})
	require.NoError(t, err)

	// Encrypted payloads are not encrypted twice, even by another key.
	other := newCodec(t, testKey(t, "k2", 2), testKey(t, "k1", 1))
	again, err := other.Encode(encrypted)
	require.NoError(t, err)
	require.Same(t, encrypted[0], again[0])

	// Clear payloads (written before encryption, or by the Web UI without
	// a codec server) are read as they are; nil stays nil.
	plain := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"hello"`)}
	out, err := c.Decode([]*commonpb.Payload{plain, nil})
	require.NoError(t, err)
	require.Same(t, plain, out[0])
	require.Nil(t, out[1])
}

// With encryption turned off, what was encrypted is still read; nothing new
// is encrypted.
func TestDecryptOnly(t *testing.T) {
	c := newCodec(t, testKey(t, "k1", 1))
	encrypted, err := c.DataConverter().ToPayload(alice)
	require.NoError(t, err)
	off := c.DecryptOnly()
	p, err := off.DataConverter().ToPayload(alice)
	require.NoError(t, err)
	require.False(t, Encrypted(p))
	require.Contains(t, string(p.Data), "Alice")
	var got customer
	require.NoError(t, off.DataConverter().FromPayload(encrypted, &got))
	require.Equal(t, alice, got)
	f := off.FailureConverter().ErrorToFailure(errors.New("failed for Alice"))
	require.Contains(t, f.GetMessage(), "Alice")
	p, err = c.DataConverter().ToPayload(alice)
	require.NoError(t, err)
	require.True(t, Encrypted(p), "the original still encrypts")
}

func TestTamperedPayloadsAreRefused(t *testing.T) {
	c := newCodec(t, testKey(t, "k1", 1))
	out, err := c.Encode([]*commonpb.Payload{{Data: []byte("secret")}})
	require.NoError(t, err)
	p := out[0]

	flipped := &commonpb.Payload{Metadata: p.Metadata, Data: append([]byte(nil), p.Data...)}
	flipped.Data[len(flipped.Data)-1] ^= 1
	_, err = c.Decode([]*commonpb.Payload{flipped})
	require.ErrorContains(t, err, "does not decrypt")

	short := &commonpb.Payload{Metadata: p.Metadata, Data: p.Data[:10]}
	_, err = c.Decode([]*commonpb.Payload{short})
	require.ErrorContains(t, err, "too short")

	noID := &commonpb.Payload{Metadata: map[string][]byte{MetadataEncoding: []byte(EncodingEncrypted)}, Data: p.Data}
	_, err = c.Decode([]*commonpb.Payload{noID})
	require.ErrorContains(t, err, "names no encryption-key-id")
}

func TestParseKeys(t *testing.T) {
	k1 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	k2 := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32))
	keys, err := ParseKeys([]string{"new:" + k2, " old : " + k1 + " "})
	require.NoError(t, err)
	require.Len(t, keys, 2)
	require.Equal(t, "new", keys[0].ID)
	require.Equal(t, "old", keys[1].ID)
	require.Equal(t, "new", newCodec(t, keys...).KeyID())

	short := base64.StdEncoding.EncodeToString([]byte("sixteen bytes!!!"))
	_, err = ParseKeys([]string{"nokeyid" + k1, "bad id:" + k1, "k3:!!not base64!!", "k4:" + short, "k5:" + k1, "k5:" + k1})
	require.Error(t, err)
	for _, want := range []string{"key 1 is not written keyid:base64key", `key id "bad id" must be`, `key "k3" is not valid base64`,
		`key "k4" is 16 bytes; AES-256 needs 32`, `key id "k5" is used twice`} {
		require.ErrorContains(t, err, want)
	}
	require.NotContains(t, err.Error(), k1, "no key material in errors")
	require.NotContains(t, err.Error(), short)

	_, err = ParseKeys(nil)
	require.Error(t, err)
	_, err = New(nil)
	require.Error(t, err)
}

func TestKeysDoNotPrint(t *testing.T) {
	secret := bytes.Repeat([]byte("s"), 32)
	k, err := NewKey("k1", secret)
	require.NoError(t, err)
	printed := fmt.Sprintf("%v %+v %#v %s", k, []Key{k}, k.String(), k)
	require.NotContains(t, printed, "ssss")
	require.Contains(t, printed, "key k1")
}

// Failure messages may quote a customer's data: they are encrypted too, and
// read back as they were.
func TestFailureMessagesAreEncrypted(t *testing.T) {
	fc := newCodec(t, testKey(t, "k1", 1)).FailureConverter()
	cause := temporal.NewApplicationError("Afterpay refused consumer.email alice@example.com", "InvalidEmail")
	f := fc.ErrorToFailure(cause)
	require.NotContains(t, f.GetMessage(), "alice")
	require.NotContains(t, f.GetStackTrace(), "alice")
	require.True(t, Encrypted(f.GetEncodedAttributes()), "message and stack trace are in an encrypted payload")
	require.Equal(t, "InvalidEmail", f.GetApplicationFailureInfo().GetType(), "the error type stays readable for retry policies")

	back := fc.FailureToError(f)
	var app *temporal.ApplicationError
	require.True(t, errors.As(back, &app))
	require.True(t, strings.Contains(app.Error(), "alice@example.com"), app.Error())
}
