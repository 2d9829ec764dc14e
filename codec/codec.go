// Package codec keeps customers' data and secrets out of Temporal: a
// converter.PayloadCodec that encrypts every payload the product hands to
// Temporal (workflow inputs and results, signals, updates, queries, activity
// inputs and results, summaries, failure messages) with AES-256-GCM, and the
// codec server that lets the Temporal Web UI and CLI show them decrypted to
// the operators allowed to see them.
//
// Keys carry an id, stored in every encrypted payload's metadata: the first
// key encrypts, every key decrypts, so a key is rotated by putting a new one
// first and keeping the old one until no history needs it.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// The metadata of an encrypted payload: its encoding, and the id of the key
// that encrypted it. Its data is the 12-byte GCM nonce followed by the
// protobuf encoding of the original payload (metadata included), sealed
// with the key id as additional data.
const (
	MetadataEncoding  = converter.MetadataEncoding // "encoding"
	EncodingEncrypted = "binary/encrypted"
	MetadataKeyID     = "encryption-key-id"
)

// KeySize is the size of an AES-256 key.
const KeySize = 32

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Key is one encryption key and its id. Its String never shows the key.
type Key struct {
	ID     string
	secret []byte
}

// String shows the key's id only.
func (k Key) String() string { return "key " + k.ID }

// NewKey checks a key: an id of 1 to 64 letters, digits, '.', '_' or '-',
// and 32 bytes of key material.
func NewKey(id string, secret []byte) (Key, error) {
	if !keyIDPattern.MatchString(id) {
		return Key{}, fmt.Errorf("key id %q must be 1 to 64 letters, digits, '.', '_' or '-'", id)
	}
	if len(secret) != KeySize {
		return Key{}, fmt.Errorf("key %q is %d bytes; AES-256 needs %d (generate one with `openssl rand -base64 32`)", id, len(secret), KeySize)
	}
	return Key{ID: id, secret: append([]byte(nil), secret...)}, nil
}

// ParseKeys reads keys written `keyid:base64key` (standard or URL base64,
// padded or not), the first the one that encrypts. Errors name the key id
// or position, never the key material.
func ParseKeys(specs []string) ([]Key, error) {
	if len(specs) == 0 {
		return nil, errors.New("no key")
	}
	var keys []Key
	var errs []error
	seen := map[string]bool{}
	for i, spec := range specs {
		id, b64, ok := strings.Cut(strings.TrimSpace(spec), ":")
		if !ok {
			errs = append(errs, fmt.Errorf("key %d is not written keyid:base64key", i+1))
			continue
		}
		id, b64 = strings.TrimSpace(id), strings.TrimSpace(b64)
		secret, err := decodeBase64(b64)
		if err != nil {
			errs = append(errs, fmt.Errorf("key %q is not valid base64", id))
			continue
		}
		k, err := NewKey(id, secret)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[id] {
			errs = append(errs, fmt.Errorf("key id %q is used twice", id))
			continue
		}
		seen[id] = true
		keys = append(keys, k)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return keys, nil
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// Codec encrypts payloads with the first of its keys and decrypts them with
// whichever key their metadata names. It is safe for concurrent use.
type Codec struct {
	current string
	aeads   map[string]cipher.AEAD
	// decryptOnly leaves new payloads in clear (PAYLOAD_ENCRYPTION=off
	// with keys: payloads written before stay readable).
	decryptOnly bool
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New returns a codec that encrypts with keys[0] and decrypts with any of
// keys.
func New(keys []Key) (*Codec, error) {
	if len(keys) == 0 {
		return nil, errors.New("codec: no encryption key")
	}
	c := &Codec{current: keys[0].ID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for _, k := range keys {
		if _, dup := c.aeads[k.ID]; dup {
			return nil, fmt.Errorf("codec: key id %q is used twice", k.ID)
		}
		if len(k.secret) != KeySize {
			return nil, fmt.Errorf("codec: key %q is not an AES-256 key", k.ID)
		}
		block, err := aes.NewCipher(k.secret)
		if err != nil {
			return nil, fmt.Errorf("codec: key %q: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("codec: key %q: %w", k.ID, err)
		}
		c.aeads[k.ID] = aead
	}
	return c, nil
}

// KeyID is the id of the key that encrypts.
func (c *Codec) KeyID() string { return c.current }

// DecryptOnly is c without encryption: Encode leaves payloads as they are,
// Decode still decrypts those written with c's keys. It is for turning
// encryption off while histories written with it are still read.
func (c *Codec) DecryptOnly() *Codec {
	d := *c
	d.decryptOnly = true
	return &d
}

// Encrypted says whether p is a payload this codec's format encrypted.
func Encrypted(p *commonpb.Payload) bool {
	return p != nil && string(p.GetMetadata()[MetadataEncoding]) == EncodingEncrypted
}

// Encode encrypts every payload with the current key. Payloads already
// encrypted (by this or an earlier key) pass through unchanged.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	if c.decryptOnly {
		return payloads, nil
	}
	aead := c.aeads[c.current]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if p == nil || Encrypted(p) {
			out[i] = p
			continue
		}
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("codec: encode payload %d: %w", i, err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return payloads, fmt.Errorf("codec: nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{MetadataEncoding: []byte(EncodingEncrypted), MetadataKeyID: []byte(c.current)},
			Data:     aead.Seal(nonce, nonce, plain, []byte(c.current)),
		}
	}
	return out, nil
}

// Decode decrypts every encrypted payload. Payloads that are not encrypted
// (written before encryption was turned on, or sent by a client without
// the codec, such as the Web UI without a codec server) pass through
// unchanged. A payload encrypted with a key this codec does not hold is an
// error that names the key id.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !Encrypted(p) {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		if id == "" {
			return payloads, fmt.Errorf("codec: payload %d is encrypted but names no %s", i, MetadataKeyID)
		}
		aead, ok := c.aeads[id]
		if !ok {
			return payloads, fmt.Errorf("codec: payload %d was encrypted with key %q, which is not among the configured keys (%s): add it to PAYLOAD_ENCRYPTION_KEYS to read it", i, id, c.ids())
		}
		data := p.GetData()
		if len(data) < aead.NonceSize()+aead.Overhead() {
			return payloads, fmt.Errorf("codec: payload %d (key %q) is too short to be encrypted data", i, id)
		}
		plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(id))
		if err != nil {
			return payloads, fmt.Errorf("codec: payload %d does not decrypt with key %q: the key material differs from the one that encrypted it, or the payload was altered", i, id)
		}
		decoded := &commonpb.Payload{}
		if err := proto.Unmarshal(plain, decoded); err != nil {
			return payloads, fmt.Errorf("codec: payload %d (key %q): decrypted data is not a payload: %w", i, id, err)
		}
		out[i] = decoded
	}
	return out, nil
}

func (c *Codec) ids() string {
	others := make([]string, 0, len(c.aeads))
	for id := range c.aeads {
		if id != c.current {
			others = append(others, id)
		}
	}
	sort.Strings(others)
	return strings.Join(append([]string{c.current}, others...), ", ")
}

// DataConverter is the SDK's default data converter with this codec
// encrypting every payload, for every client, worker and replayer.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter is the SDK's default failure converter with failure
// messages and stack traces encrypted too: an error from Odoo or Afterpay
// may quote a customer's data. Workflows, clients and the codec server see
// the messages as they were.
func (c *Codec) FailureConverter() converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter: c.DataConverter(), EncodeCommonAttributes: !c.decryptOnly,
	})
}
