package odoofault_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/internal/odoofault"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo"
)

func setup(t *testing.T) (*odoofault.Proxy, *odoo.Client, *odoo.Client) {
	t.Helper()
	fake, err := fakeodoo.NewDemo(fakeodoo.Options{})
	require.NoError(t, err)
	odooSrv := httptest.NewServer(fake)
	t.Cleanup(odooSrv.Close)
	proxy, err := odoofault.New(odooSrv.URL)
	require.NoError(t, err)
	proxySrv := httptest.NewServer(proxy)
	t.Cleanup(proxySrv.Close)
	client := func(url string) *odoo.Client {
		c, err := odoo.NewClient(odoo.Config{URL: url, Database: fake.Database(), Username: "admin", Password: "admin", Timeout: 5 * time.Second})
		require.NoError(t, err)
		return c
	}
	return proxy, client(proxySrv.URL), client(odooSrv.URL)
}

func TestRefuseAnswersAFaultAndChangesNothing(t *testing.T) {
	proxy, viaProxy, direct := setup(t)
	ctx := context.Background()
	proxy.Inject(odoofault.Rule{Model: "res.partner", Method: "create", Action: odoofault.Refuse, Message: "No, thank you.", Times: 1})
	_, err := viaProxy.Create(ctx, "res.partner", map[string]any{"name": "Refused Partner"}, nil)
	f, ok := odoo.AsFault(err)
	require.True(t, ok, "got %v", err)
	require.Equal(t, 2, f.Code)
	require.Equal(t, "No, thank you.", f.Message)
	ids, err := direct.Search(ctx, "res.partner", []any{[]any{"name", "=", "Refused Partner"}}, nil)
	require.NoError(t, err)
	require.Empty(t, ids, "the refused call never reached Odoo")

	_, err = viaProxy.Create(ctx, "res.partner", map[string]any{"name": "Accepted Partner"}, nil)
	require.NoError(t, err, "the rule applied once only")
	require.Equal(t, 2, proxy.Calls("res.partner", "create"))
}

func TestLoseAnswerCommitsButAnswersTheNoneFault(t *testing.T) {
	proxy, viaProxy, direct := setup(t)
	ctx := context.Background()
	proxy.Inject(odoofault.Rule{Model: "res.partner", Method: "create", Action: odoofault.LoseAnswer})
	_, err := viaProxy.Create(ctx, "res.partner", map[string]any{"name": "Committed Partner"}, nil)
	require.True(t, odoo.IsProbablyApplied(err), "got %v", err)
	ids, err := direct.Search(ctx, "res.partner", []any{[]any{"name", "=", "Committed Partner"}}, nil)
	require.NoError(t, err)
	require.Len(t, ids, 1, "the call committed in Odoo")
}

func TestUnavailableIsRetryableAndOtherCallsPass(t *testing.T) {
	proxy, viaProxy, _ := setup(t)
	ctx := context.Background()
	proxy.Inject(odoofault.Rule{Model: "res.partner", Action: odoofault.Unavailable})
	_, err := viaProxy.Search(ctx, "res.partner", nil, nil)
	require.True(t, odoo.IsRetryable(err), "got %v", err)
	_, err = viaProxy.Search(ctx, "res.country", nil, nil)
	require.NoError(t, err, "only res.partner calls are down")
	proxy.Clear()
	_, err = viaProxy.Search(ctx, "res.partner", nil, nil)
	require.NoError(t, err)
	require.False(t, errors.Is(err, odoo.ErrNotFound))
}

func TestARemovedRuleNoLongerApplies(t *testing.T) {
	proxy, viaProxy, _ := setup(t)
	ctx := context.Background()
	remove := proxy.Inject(odoofault.Rule{Model: "res.partner", Action: odoofault.Unavailable})
	keep := odoofault.Rule{Model: "res.country", Action: odoofault.Unavailable}
	proxy.Inject(keep)
	for range 2 {
		_, err := viaProxy.Search(ctx, "res.partner", nil, nil)
		require.True(t, odoo.IsRetryable(err), "a rule without Times holds until removed; got %v", err)
	}
	remove()
	_, err := viaProxy.Search(ctx, "res.partner", nil, nil)
	require.NoError(t, err)
	_, err = viaProxy.Search(ctx, "res.country", nil, nil)
	require.True(t, odoo.IsRetryable(err), "removing one rule leaves the others; got %v", err)
}
