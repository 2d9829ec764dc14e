package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

// Application error types the workflow branches on. Retryable failures use
// the *Unavailable types; everything else is final for the activity.
const (
	ErrTypeAfterpayUnavailable = "AfterpayUnavailable" // network, 5xx, 409 in progress, 429
	ErrTypeAfterpayRejected    = "AfterpayRejected"    // a final 4xx; details: AfterpayRejection
	ErrTypeAfterpayCredentials = "AfterpayCredentials" // 401: the merchant id or secret key is wrong or was rotated
	ErrTypeInterrupted         = "Interrupted"         // the worker stopped mid-call: retried, never an answer
	ErrTypeMappingFailed       = "MappingFailed"       // the order's data cannot be mapped (a bug or corrupt data)
	ErrTypeOdooUnavailable     = "OdooUnavailable"     // network, 5xx, "probably applied": retried
	ErrTypeOdooRejected        = "OdooRejected"        // a business error (fault 2) or a bug (fault 1)
	ErrTypeOdooAccessDenied    = "OdooAccessDenied"    // credentials or permissions: an operator must act
	ErrTypeOrderNotFound       = "OrderNotFound"
	ErrTypeOdooRecordMissing   = "OdooRecordMissing"        // a record the product needs (provider, journal, invoice) is not in Odoo
	ErrTypeTransactionMissing  = "TransactionMissing"       // the order's payment.transaction was deleted in Odoo
	ErrTypeOrderCurrency       = "OrderCurrencyUnsupported" // the order's currency is not one Afterpay trades in
)

// AfterpayRejection is the detail of an ErrTypeAfterpayRejected error.
type AfterpayRejection struct {
	HTTPStatus    int    `json:"httpStatusCode"`
	ErrorCode     string `json:"errorCode"`
	ErrorID       string `json:"errorId,omitempty"`
	Message       string `json:"message,omitempty"`
	CorrelationID string `json:"correlationId,omitempty"`
}

// OdooRejection is the detail of an ErrTypeOdooRejected or
// ErrTypeOdooAccessDenied error: Odoo's own words, for the merchant.
type OdooRejection struct {
	FaultCode int    `json:"faultCode,omitempty"`
	Message   string `json:"message"`
}

// OdooMessage returns what Odoo said when an activity failed on an Odoo
// fault, or the failure's message otherwise.
func OdooMessage(err error) string {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return err.Error()
	}
	var r OdooRejection
	if appErr.HasDetails() && appErr.Details(&r) == nil && r.Message != "" {
		return r.Message
	}
	return appErr.Message()
}

// RejectionOf extracts the Afterpay rejection from an activity error, if the
// activity failed with one.
func RejectionOf(err error) (AfterpayRejection, bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != ErrTypeAfterpayRejected || !appErr.HasDetails() {
		return AfterpayRejection{}, false
	}
	var r AfterpayRejection
	if appErr.Details(&r) != nil {
		return AfterpayRejection{}, false
	}
	return r, true
}

// IsErrorType reports whether err is an activity failure of the given type.
func IsErrorType(err error, errType string) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == errType
}

// interrupted reports whether err is the activity's own context ending (the
// worker shutting down, a deploy, a restart): never a business answer.
func interrupted(op string, err error) (error, bool) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("%s interrupted: %v", op, err), ErrTypeInterrupted,
			temporal.ApplicationErrorOptions{Cause: err}), true
	}
	return nil, false
}

// afterpayFailure classifies an Afterpay client error for Temporal's retries.
func afterpayFailure(op string, err error) error {
	msg := fmt.Sprintf("afterpay %s: %v", op, err)
	if e, ok := interrupted("afterpay "+op, err); ok && !afterpay.IsRetryable(err) {
		return e
	}
	if afterpay.IsRetryable(err) {
		opts := temporal.ApplicationErrorOptions{Cause: err}
		if d, ok := afterpay.RetryAfterOf(err); ok {
			opts.NextRetryDelay = d
		}
		return temporal.NewApplicationErrorWithOptions(msg, ErrTypeAfterpayUnavailable, opts)
	}
	var apErr *afterpay.Error
	if errors.As(err, &apErr) {
		errType := ErrTypeAfterpayRejected
		if apErr.HTTPStatusCode == 401 {
			errType = ErrTypeAfterpayCredentials
		}
		return temporal.NewNonRetryableApplicationError(msg, errType, err, AfterpayRejection{
			HTTPStatus: apErr.HTTPStatusCode, ErrorCode: apErr.ErrorCode, ErrorID: apErr.ErrorID,
			Message: apErr.Message, CorrelationID: apErr.CorrelationID,
		})
	}
	// The client refused the request before sending it: a bug, not weather.
	return temporal.NewNonRetryableApplicationError(msg, ErrTypeAfterpayRejected, err, AfterpayRejection{ErrorCode: "client_validation", Message: err.Error()})
}

// transactionFailure classifies an error of a call on the order's
// payment.transaction: a missing transaction was deleted by someone in Odoo,
// which says nothing about the order itself.
func transactionFailure(op string, txID int64, err error) error {
	if errors.Is(err, odoo.ErrNotFound) {
		msg := fmt.Sprintf("the order's payment.transaction %d was deleted in Odoo", txID)
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("odoo %s: %s: %v", op, msg, err), ErrTypeTransactionMissing, err, OdooRejection{Message: msg})
	}
	return odooFailure(op, err)
}

// orderFailure classifies an error reading the order itself.
func orderFailure(op string, err error) error {
	if errors.Is(err, odoo.ErrNotFound) {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("odoo %s: %v", op, err), ErrTypeOrderNotFound, err)
	}
	return odooFailure(op, err)
}

// odooFailure classifies an Odoo client error for Temporal's retries.
func odooFailure(op string, err error) error {
	msg := fmt.Sprintf("odoo %s: %v", op, err)
	if e, ok := interrupted("odoo "+op, err); ok {
		return e
	}
	switch {
	case errors.Is(err, money.ErrCurrency):
		return temporal.NewNonRetryableApplicationError(msg, ErrTypeOrderCurrency, err, OdooRejection{Message: err.Error()})
	case errors.Is(err, odoo.ErrNotFound):
		return temporal.NewNonRetryableApplicationError(msg, ErrTypeOdooRecordMissing, err, OdooRejection{Message: err.Error()})
	case odoo.IsRetryable(err), odoo.IsProbablyApplied(err):
		// A "probably applied" fault is retried: every write helper looks
		// first, so the retry finds what the first attempt committed.
		return temporal.NewApplicationErrorWithOptions(msg, ErrTypeOdooUnavailable, temporal.ApplicationErrorOptions{Cause: err})
	}
	detail := OdooRejection{Message: err.Error()}
	if f, ok := odoo.AsFault(err); ok {
		detail = OdooRejection{FaultCode: f.Code, Message: f.Message}
	}
	if odoo.IsAccessAlarm(err) {
		return temporal.NewNonRetryableApplicationError(msg, ErrTypeOdooAccessDenied, err, detail)
	}
	return temporal.NewNonRetryableApplicationError(msg, ErrTypeOdooRejected, err, detail)
}
