package sandbox

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
)

const (
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	base62     = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	hexDigits  = "0123456789abcdef"
)

// randomString draws n characters from alphabet with rejection sampling, so
// that every character is equally likely.
func (s *Server) randomString(n int, alphabet string) string {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+8)
	for len(out) < n {
		if _, err := io.ReadFull(s.opts.Random, buf); err != nil {
			// A broken entropy source leaves nothing sensible to do.
			panic(fmt.Sprintf("sandbox: random source: %v", err))
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

func (s *Server) randomUint64() uint64 {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	var b [8]byte
	if _, err := io.ReadFull(s.opts.Random, b[:]); err != nil {
		panic(fmt.Sprintf("sandbox: random source: %v", err))
	}
	return binary.BigEndian.Uint64(b[:])
}

// newToken returns a checkout token like Afterpay's: a region prefix, a dot
// and 50 lower-case alphanumerics.
func (s *Server) newToken() string {
	return tokenPrefix(s.opts.Currency) + s.randomString(50, lowerAlnum)
}

// newEventID returns a 27-character KSUID-like payment event id.
func (s *Server) newEventID() string { return s.randomString(27, base62) }

// newErrorID returns a 16-hex-digit errorId.
func (s *Server) newErrorID() string { return s.randomString(16, hexDigits) }

// newCorrelationID returns a 26-character http_correlation_id.
func (s *Server) newCorrelationID() string { return s.randomString(26, lowerAlnum) }

// newDisputeID returns a dispute id with Afterpay's "dp_" prefix.
func (s *Server) newDisputeID() string { return "dp_" + s.randomString(24, base62) }

// newUUID returns a random (version 4) UUID.
func (s *Server) newUUID() string {
	hi, lo := s.randomUint64(), s.randomUint64()
	hi = hi&^0xf000 | 0x4000         // version 4
	lo = lo&^(0xc<<60) | (0x8 << 60) // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, (hi>>16)&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

// nextOrderID hands out the next numeric order id; the caller holds s.mu.
func (s *Server) nextOrderID() string {
	id := s.st.NextOrderID
	s.st.NextOrderID++
	return strconv.FormatInt(id, 10)
}

// nextRefundID hands out the next numeric refund id; the caller holds s.mu.
func (s *Server) nextRefundID() string {
	id := s.st.NextRefundID
	s.st.NextRefundID++
	return strconv.FormatInt(id, 10)
}
