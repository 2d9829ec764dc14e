package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/odoo-afterpay/bridge/codec"
	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/internal/shopper"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/workflows"
)

// devRun is one `make dev` process.
type devRun struct {
	cmd    *exec.Cmd
	out    *bytes.Buffer
	exited chan struct{}
	err    error // once exited
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

func startDev(t *testing.T, bin, dir, temporalCLI string, p []int) *devRun {
	t.Helper()
	out := &bytes.Buffer{}
	cmd := exec.Command(bin, "-dir", dir, "-temporal", temporalCLI,
		"-temporal-port", strconv.Itoa(p[0]), "-ui-port", strconv.Itoa(p[1]), "-api-port", strconv.Itoa(p[2]),
		"-sandbox-port", strconv.Itoa(p[3]), "-odoo-port", strconv.Itoa(p[4]), "-codec-port", strconv.Itoa(p[5]))
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	d := &devRun{cmd: cmd, out: out, exited: exited}
	go func() { d.err = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		<-exited
	})
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", p[2]))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return d
			}
		}
		select {
		case <-exited:
			t.Fatalf("make dev exited before it was ready:\n%s", out)
		case <-time.After(200 * time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "make dev never got ready:\n%s", out)
	}
}

// TestKilledDevStartsAgainAndItsPaymentsResume kills `make dev` with
// SIGKILL in the middle of a payment, starts it again on the same data, and
// finishes the payment.
func TestKilledDevStartsAgainAndItsPaymentsResume(t *testing.T) {
	cli := os.Getenv("TEMPORAL_CLI") // set by the Makefile
	if cli == "" {
		cli = filepath.Join("..", "..", "bin", "temporal")
	}
	temporalCLI, err := filepath.Abs(cli)
	require.NoError(t, err)
	_, err = os.Stat(temporalCLI)
	require.NoError(t, err, "the Temporal CLI is missing: run `make test`, which installs it into ./bin")
	bin := filepath.Join(t.TempDir(), "dev")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	dir := t.TempDir()
	ports := freePorts(t, 6)

	first := startDev(t, bin, dir, temporalCLI, ports)
	env, err := config.ReadEnvFile(filepath.Join(dir, "dev.env"))
	require.NoError(t, err)
	cfg, err := config.Load(config.MapLookup(env))
	require.NoError(t, err)
	ctx := context.Background()
	od, err := odoo.NewClient(odoo.Config{URL: cfg.Odoo.URL, Database: cfg.Odoo.Database, Username: cfg.Odoo.Username,
		Password: cfg.Odoo.Password.Reveal(), Timeout: 10 * time.Second})
	require.NoError(t, err)
	order, err := od.ReadOrderHeader(ctx, 0, "S00001") // the demo order invoiced on order
	require.NoError(t, err)
	term, err := od.FindAfterpayPaymentTerm(ctx)
	require.NoError(t, err)
	require.NoError(t, od.Write(ctx, "sale.order", []int64{order.ID}, map[string]any{"payment_term_id": term}, nil))
	require.NoError(t, od.ConfirmSaleOrder(ctx, order.ID))

	// Dialled as the product dials: its payloads are encrypted.
	tc, err := app.DialTemporal(ctx, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer tc.Close()
	id := workflows.PaymentWorkflowID(cfg.Odoo.Database, "S00001")
	var info workflows.CheckoutInfo
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		v, err := tc.QueryWorkflow(ctx, id, "", workflows.QueryCheckout)
		require.NoError(c, err)
		require.NoError(c, v.Get(&info))
		require.NotEmpty(c, info.RedirectCheckoutURL)
	}, time.Minute, 200*time.Millisecond)

	// kill -9, with the payment waiting for the customer.
	require.NoError(t, first.cmd.Process.Signal(syscall.SIGKILL))
	<-first.exited

	second := startDev(t, bin, dir, temporalCLI, ports)
	landing, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
	require.NoError(t, err, "the checkout made before the kill is still there:\n%s", second.out)
	require.Equal(t, http.StatusOK, landing.Status)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		v, err := tc.QueryWorkflow(ctx, id, "", workflows.QueryStatus)
		require.NoError(c, err)
		var view workflows.StatusView
		require.NoError(c, v.Get(&view))
		require.Equal(c, workflows.PhaseAfterSale, view.Phase, "booked, open for what follows the sale")
		require.Equal(c, workflows.StatusCompleted, view.Status, view.Reason)
	}, time.Minute, 200*time.Millisecond)

	// Payloads are stored encrypted; the dev Web UI reads them through the
	// worker's codec server.
	events := tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	started, err := events.Next()
	require.NoError(t, err)
	input := started.GetWorkflowExecutionStartedEventAttributes().GetInput()
	require.True(t, codec.Encrypted(input.GetPayloads()[0]))
	body, err := protojson.Marshal(input)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("http://127.0.0.1:%d/decode", ports[5]), bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", cfg.Temporal.UIURL)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	decoded, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", decoded)
	require.Equal(t, cfg.Temporal.UIURL, resp.Header.Get("Access-Control-Allow-Origin"))
	var plain commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(decoded, &plain))
	require.Contains(t, string(plain.GetPayloads()[0].GetData()), `"S00001"`)

	require.NoError(t, second.cmd.Process.Signal(syscall.SIGINT))
	<-second.exited
	require.NoError(t, second.err, "Ctrl-C stops everything in order:\n%s", second.out)
	_, err = os.Stat(filepath.Join(dir, "temporal.db.pid"))
	require.True(t, os.IsNotExist(err), "the dev server's pid file is removed on a clean stop")
}

// A dev.env written before payloads were encrypted gains a key and the
// codec server, once; the settings already there stay.
func TestDevEnvGainsNewSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.env")
	old := "ODOO_PASSWORD=pw\nAFTERPAY_MERCHANT_ID=100101\nAFTERPAY_SECRET_KEY=sk\nODOO_WEBHOOK_TOKEN=0123456789abcdef0123\n"
	require.NoError(t, os.WriteFile(path, []byte(old), 0o600))
	p := ports{codec: 8181}
	env, err := devEnv(path, p)
	require.NoError(t, err)
	require.Equal(t, "pw", env["ODOO_PASSWORD"])
	require.Equal(t, "127.0.0.1:8181", env["CODEC_SERVER_ADDR"])
	cfg, err := config.Load(config.MapLookup(env))
	require.NoError(t, err)
	require.True(t, cfg.Encryption.Enabled)
	require.True(t, cfg.CodecServer.NoAuth)

	again, err := devEnv(path, p)
	require.NoError(t, err)
	require.Equal(t, env["PAYLOAD_ENCRYPTION_KEYS"], again["PAYLOAD_ENCRYPTION_KEYS"], "the key is kept")
	written, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(written), old))
	require.Equal(t, 1, strings.Count(string(written), "PAYLOAD_ENCRYPTION_KEYS="))

	// A dev.env that turned encryption off keeps it off.
	off := filepath.Join(t.TempDir(), "dev.env")
	require.NoError(t, os.WriteFile(off, []byte(old+"PAYLOAD_ENCRYPTION=off\n"), 0o600))
	env, err = devEnv(off, p)
	require.NoError(t, err)
	require.NotContains(t, env, "PAYLOAD_ENCRYPTION_KEYS")
}
