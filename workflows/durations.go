package workflows

import (
	"encoding/json"
	"fmt"
	"time"
)

// paymentInputJSON is PaymentInput on the wire, its durations written as
// durations ("5m0s"): the Web UI shows a workflow's input as it is, and
// 300000000000 reads as nothing to a person.
type paymentInputJSON struct {
	Database            string       `json:"database"`
	OrderName           string       `json:"orderName"`
	OrderID             int64        `json:"orderId,omitempty"`
	ReturnURL           string       `json:"returnUrl"`
	ConfirmationTimeout jsonDuration `json:"confirmationTimeout"`
	RecordWindow        jsonDuration `json:"recordWindow,omitzero"`
	CaptureMode         string       `json:"captureMode,omitempty"`
	Resume              *State       `json:"resume,omitempty"`
}

// MarshalJSON writes the durations as Go duration strings.
func (in PaymentInput) MarshalJSON() ([]byte, error) {
	return json.Marshal(paymentInputJSON{
		Database: in.Database, OrderName: in.OrderName, OrderID: in.OrderID, ReturnURL: in.ReturnURL,
		ConfirmationTimeout: jsonDuration(in.ConfirmationTimeout), RecordWindow: jsonDuration(in.RecordWindow),
		CaptureMode: in.CaptureMode, Resume: in.Resume,
	})
}

// UnmarshalJSON reads durations written either way: as strings, and as
// the nanoseconds of histories recorded before.
func (in *PaymentInput) UnmarshalJSON(b []byte) error {
	var w paymentInputJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*in = PaymentInput{
		Database: w.Database, OrderName: w.OrderName, OrderID: w.OrderID, ReturnURL: w.ReturnURL,
		ConfirmationTimeout: time.Duration(w.ConfirmationTimeout), RecordWindow: time.Duration(w.RecordWindow),
		CaptureMode: w.CaptureMode, Resume: w.Resume,
	}
	return nil
}

// jsonDuration is a time.Duration written as "1m30s" and read from that or
// from a number of nanoseconds.
type jsonDuration time.Duration

func (d jsonDuration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: %w", s, err)
		}
		*d = jsonDuration(v)
		return nil
	}
	var ns int64
	if err := json.Unmarshal(b, &ns); err != nil {
		return fmt.Errorf("duration %s: neither \"1m30s\" nor nanoseconds", b)
	}
	*d = jsonDuration(ns)
	return nil
}

func (d jsonDuration) IsZero() bool { return d == 0 }
