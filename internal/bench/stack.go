package bench

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/devtemporal"
	"github.com/odoo-afterpay/bridge/internal/logging"
	"github.com/odoo-afterpay/bridge/internal/shopper"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
	"github.com/odoo-afterpay/bridge/workflows"
)

// The processes a stack may have, in the table's column order; the driver
// is the benchmark itself.
const (
	procTemporal = "temporal"
	procWorker   = "worker"
	procAPI      = "api"
	procOdoo     = "fake odoo"
	procSim      = "simulator"
	procProxy    = "odoo proxy"
	procDriver   = "driver"
)

var procOrder = []string{procTemporal, procWorker, procAPI, procOdoo, procSim, procProxy, procDriver}

// job is one payment to make: for the product, a quotation in Odoo.
type job struct {
	orderID int64
	name    string
}

// stack is one contestant, running: its processes and how to drive a
// payment through them.
type stack interface {
	// prepare makes n payments ready to start; it is not timed.
	prepare(ctx context.Context, n int) ([]job, error)
	// pay makes one payment, from its start until it is booked, and
	// returns how long that took.
	pay(ctx context.Context, j job) (time.Duration, error)
	workflowID(j job) string
	// odooCalls counts the execute_kw calls the product made, by
	// "model method" (nil: no Odoo).
	odooCalls(ctx context.Context) (map[string]int, error)
	// retries counts the driver's requests made again so far.
	retries() int64
	procs() []*proc
	client() client.Client
	close() error
}

// base is what both stacks have: the Temporal dev server and the driver's
// client (no payload codec: the driver reads only search attributes).
type base struct {
	temporal *devtemporal.Server
	tc       client.Client
	plan     *Plan
	all      []*proc
}

func startTemporal(ctx context.Context, o Options, dir string) (*base, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	srv, err := devtemporal.Start(ctx, devtemporal.Options{
		Binary: o.TemporalCLI, DBFile: filepath.Join(dir, "temporal.db"), LogFile: filepath.Join(dir, "temporal.log"),
		Port: port, HTTPPort: httpPort, Headless: true, QueuePollRPS: o.QueuePollRPS,
	})
	if err != nil {
		return nil, err
	}
	tc, err := client.DialContext(ctx, client.Options{HostPort: srv.Addr, Logger: logging.TemporalLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		_ = srv.Stop()
		return nil, fmt.Errorf("dial the dev server: %w", err)
	}
	b := &base{temporal: srv, tc: tc}
	b.all = append(b.all, &proc{name: procTemporal, pid: srv.Pid(), log: filepath.Join(dir, "temporal.log")})
	return b, nil
}

func (b *base) procs() []*proc        { return b.all }
func (b *base) client() client.Client { return b.tc }

func (b *base) close() error {
	b.tc.Close()
	var errs []error
	// The product's processes first, the server last.
	for i := len(b.all) - 1; i > 0; i-- {
		if b.all[i].stop != nil {
			errs = append(errs, b.all[i].stop())
		}
	}
	errs = append(errs, b.temporal.Stop())
	return errors.Join(errs...)
}

// bareStack is the bare contestant: the dev server and the bare worker.
type bareStack struct {
	*base
	queue string
	run   string
	made  int // payments prepared so far, for unique ids
	start []temporal.SearchAttributeUpdate
}

const bareQueue = "bench-bare"

func startBare(ctx context.Context, o Options, cmds Commands, caps productCaps, dir string) (_ *bareStack, err error) {
	b, err := startTemporal(ctx, o, dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = b.close()
		}
	}()
	start, err := attrUpdates(o.Plan.StartAttrs)
	if err != nil {
		return nil, err
	}
	w, err := startProc(dir, "bare-worker", cmds.BenchProc, []string{"bare-worker",
		"--temporal", b.temporal.Addr, "--task-queue", bareQueue, "--history", o.History,
		"--odoo-per-second", fmt.Sprint(caps.odoo.PerSecond), "--odoo-concurrency", fmt.Sprint(caps.odoo.Concurrency),
		"--afterpay-per-second", fmt.Sprint(caps.afterpay.PerSecond), "--afterpay-concurrency", fmt.Sprint(caps.afterpay.Concurrency),
	}, baseEnv())
	if err != nil {
		return nil, err
	}
	w.name = procWorker
	b.all = append(b.all, w)
	b.plan = o.Plan
	return &bareStack{base: b, queue: bareQueue, run: randomHex(4), start: start}, nil
}

func (s *bareStack) prepare(_ context.Context, n int) ([]job, error) {
	jobs := make([]job, n)
	for i := range jobs {
		s.made++
		jobs[i] = job{name: fmt.Sprintf("bare-%s-%d", s.run, s.made)}
	}
	return jobs, nil
}

func (s *bareStack) workflowID(j job) string { return j.name }

func (s *bareStack) pay(ctx context.Context, j job) (time.Duration, error) {
	begin := time.Now()
	_, err := s.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: j.name, TaskQueue: s.queue, TypedSearchAttributes: temporal.NewSearchAttributes(s.start...),
	}, BareWorkflowName)
	if err != nil {
		return 0, fmt.Errorf("start bare workflow %s: %w", j.name, err)
	}
	f := newFollower(s.tc, j.name, s.plan)
	if err := f.until(ctx, s.plan.WaitMarker); err != nil {
		return 0, err
	}
	// As the API hands the customer's return to the workflow.
	h, err := s.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: j.name, UpdateName: s.plan.Update, Args: []any{Return{Status: "SUCCESS", OrderToken: j.name}},
		WaitForStage: client.WorkflowUpdateStageAccepted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		return 0, fmt.Errorf("bare workflow %s: the customer's return: %w", j.name, err)
	}
	if err := f.until(ctx, s.plan.DoneMarker); err != nil {
		return 0, err
	}
	return time.Since(begin), nil
}

func (s *bareStack) odooCalls(context.Context) (map[string]int, error) { return nil, nil }

func (s *bareStack) retries() int64 { return 0 }

// productCaps are the per-peer task-queue limits the product's worker
// runs with; the bare worker gets the same.
type productCaps struct {
	odoo, afterpay QueueCaps
}

// productStack is the whole product, each part its own process: the dev
// server, the fake Odoo, the Afterpay simulator, the worker and the API,
// and the proxy that counts the product's Odoo calls.
type productStack struct {
	*base
	cfg        config.Config
	odoo       *odoo.Client // the driver's, straight to the fake Odoo
	proxyURL   string
	http       *http.Client
	run        string
	made       int // customers made so far, for unique names
	term       int64
	product    int64
	country    int64
	state      int64
	storefront string
	// retried counts the requests the driver made again because the API
	// answered 503 (Temporal did not answer within its budget).
	retried atomic.Int64
}

// Secrets and names of the benchmark's own product.
const (
	benchDatabase   = "bench"
	benchMerchant   = "100101"
	benchOdooUser   = "admin" // the fake Odoo's default user
	benchOdooSecret = "admin"
)

// productSettings is the product's configuration in the benchmark, as the
// end-to-end test has it, but for the limits that protect a production
// Odoo and Afterpay (task-queue rates, the API's per-address rate): here
// every request comes from one address, and the benchmark measures what
// the product costs, not the limits.
func productSettings(temporalAddr, odooURL, simURL, apiAddr string) map[string]string {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return map[string]string{
		"TEMPORAL_ADDRESS": temporalAddr, "TEMPORAL_TASK_QUEUE": "bench-payments",
		"ODOO_URL": odooURL, "ODOO_DB": benchDatabase, "ODOO_USERNAME": benchOdooUser, "ODOO_PASSWORD": benchOdooSecret,
		"AFTERPAY_MERCHANT_ID": benchMerchant, "AFTERPAY_SECRET_KEY": "bench-secret", "AFTERPAY_BASE_URL": simURL,
		"API_ADDR": apiAddr, "API_PUBLIC_URL": "http://" + apiAddr, "ODOO_WEBHOOK_TOKEN": "bench-webhook-token-" + randomHex(8),
		"ORDER_CONFIRMATION_TIMEOUT": "20s", "AFTERPAY_WEBHOOK_SECRET": "bench-webhook-secret-" + randomHex(8),
		"STOREFRONT_API_KEYS": "bench-storefront-key-" + randomHex(8), "SHOP_NAME": "Afterpay Bench Shop",
		"PAYLOAD_ENCRYPTION_KEYS": "bench:" + base64.StdEncoding.EncodeToString(key),
		"ODOO_CALLS_PER_SECOND":   "100000", "AFTERPAY_CALLS_PER_SECOND": "100000", "API_RATE_LIMIT": "100000",
		"LOG_LEVEL": "warn",
	}
}

// benchCaps are the limits of productSettings, for the bare worker.
func benchCaps() (productCaps, error) {
	cfg, err := config.Load(config.MapLookup(productSettings("127.0.0.1:1", "http://127.0.0.1:1", "http://127.0.0.1:1", "127.0.0.1:1")))
	if err != nil {
		return productCaps{}, err
	}
	return productCaps{
		odoo:     QueueCaps{PerSecond: cfg.Odoo.CallsPerSecond, Concurrency: cfg.Odoo.MaxConcurrent},
		afterpay: QueueCaps{PerSecond: cfg.Afterpay.CallsPerSecond, Concurrency: cfg.Afterpay.MaxConcurrent},
	}, nil
}

func startProduct(ctx context.Context, o Options, cmds Commands, dir string) (_ *productStack, err error) {
	b, err := startTemporal(ctx, o, dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = b.close()
		}
	}()
	b.plan = o.Plan
	ports := make([]int, 4)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return nil, err
		}
	}
	odooAddr, proxyAddr, simAddr, apiAddr := addr(ports[0]), addr(ports[1]), addr(ports[2]), addr(ports[3])
	settings := productSettings(b.temporal.Addr, "http://"+proxyAddr, "http://"+simAddr, apiAddr)
	cfg, err := config.Load(config.MapLookup(settings))
	if err != nil {
		return nil, fmt.Errorf("the product's settings: %w", err)
	}
	env := baseEnv()
	for k, v := range settings {
		env = append(env, k+"="+v)
	}
	start := func(name, bin string, args []string, env []string, listen string) error {
		p, err := startProc(dir, strings.ReplaceAll(name, " ", "-"), bin, args, env)
		if err != nil {
			return err
		}
		p.name = name
		b.all = append(b.all, p)
		if listen == "" {
			return nil
		}
		return waitListening(ctx, p, listen)
	}
	if err := start(procOdoo, cmds.FakeOdoo, []string{"--addr", odooAddr, "--database", benchDatabase, "--seed", "demo", "--log-level", "warn"}, baseEnv(), odooAddr); err != nil {
		return nil, err
	}
	if err := start(procProxy, cmds.BenchProc, []string{"odoo-proxy", "--addr", proxyAddr, "--target", "http://" + odooAddr}, baseEnv(), proxyAddr); err != nil {
		return nil, err
	}
	api := cfg.API.PublicURL
	if err := start(procSim, cmds.Sandbox, []string{"--addr", simAddr, "--public-url", "http://" + simAddr,
		"--merchant-id", benchMerchant, "--secret-key", settings["AFTERPAY_SECRET_KEY"], "--currency", "USD", "--country", "us",
		"--min", "1.00", "--max", "10000.00", "--log-level", "warn",
		"--webhook-url", api + "/afterpay/webhook/notification", "--dispute-webhook-url", api + "/afterpay/webhook/disputes",
		"--webhook-secret", settings["AFTERPAY_WEBHOOK_SECRET"]}, baseEnv(), simAddr); err != nil {
		return nil, err
	}
	od, err := odoo.NewClient(odoo.Config{URL: "http://" + odooAddr, Database: benchDatabase, Username: benchOdooUser, Password: benchOdooSecret,
		Timeout: 30 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	// The product's own provisioning: provider, fields, and the automation
	// rules whose webhooks start the payments.
	if _, err := provision.Run(ctx, od, provision.Options{APIBaseURL: api, WebhookToken: cfg.API.WebhookToken.Reveal()}); err != nil {
		return nil, fmt.Errorf("provision the fake Odoo: %w", err)
	}
	if err := start(procWorker, cmds.Worker, nil, env, ""); err != nil {
		return nil, err
	}
	if err := start(procAPI, cmds.API, nil, env, apiAddr); err != nil {
		return nil, err
	}
	s := &productStack{
		base: b, cfg: cfg, odoo: od, proxyURL: "http://" + proxyAddr, run: randomHex(4),
		http:       &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		storefront: settings["STOREFRONT_API_KEYS"],
	}
	if err := s.shop(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// shop finds what every quotation needs: the Afterpay payment term, a US
// address, a product.
func (s *productStack) shop(ctx context.Context) error {
	find := func(model string, domain ...any) (int64, error) {
		ids, err := s.odoo.Search(ctx, model, domain, &odoo.SearchOptions{Limit: 1})
		if err != nil {
			return 0, err
		}
		if len(ids) != 1 {
			return 0, fmt.Errorf("no %s %v in the fake Odoo", model, domain)
		}
		return ids[0], nil
	}
	var err error
	if s.term, err = find("account.payment.term", []any{"name", "=", odoo.PaymentTermName}); err != nil {
		return err
	}
	if s.country, err = find("res.country", []any{"code", "=", "US"}); err != nil {
		return err
	}
	if s.state, err = find("res.country.state", []any{"code", "=", "CA"}, []any{"country_id", "=", s.country}); err != nil {
		return err
	}
	s.product, err = s.odoo.Create(ctx, "product.product", map[string]any{
		"name": "Afterpay bench product", "default_code": "AFTERPAY-BENCH-" + s.run, "type": "consu", "sale_ok": true,
		"invoice_policy": "order", "list_price": 129.0,
	}, nil)
	return err
}

// prepare creates n quotations, each for a new customer, as e2e's
// payOrder does: one line of a product invoiced on order.
func (s *productStack) prepare(ctx context.Context, n int) ([]job, error) {
	jobs := make([]job, n)
	price := money.MustNew(12900, "USD")
	for i := range jobs {
		s.made++
		k := s.made
		partner, err := s.odoo.Create(ctx, "res.partner", map[string]any{
			"name": fmt.Sprintf("Afterpay Bench Customer %s-%d", s.run, k), "street": "500 Market St", "city": "San Francisco",
			"zip": "94105", "state_id": s.state, "country_id": s.country, "phone": "+1 415 555 0100",
			"email": fmt.Sprintf("bench.%s.%d@example.com", s.run, k),
		}, nil)
		if err != nil {
			return nil, fmt.Errorf("create a customer: %w", err)
		}
		id, err := s.odoo.CreateSaleOrder(ctx, odoo.SaleOrderDraft{PartnerID: partner, PaymentTermID: s.term,
			Lines: []odoo.SaleOrderDraftLine{{ProductID: s.product, Quantity: 1, PriceUnit: &price}}})
		if err != nil {
			return nil, fmt.Errorf("create a quotation: %w", err)
		}
		recs, err := s.odoo.Read(ctx, "sale.order", []int64{id}, []string{"name"}, nil)
		if err != nil || len(recs) != 1 {
			return nil, fmt.Errorf("read quotation %d: %v", id, err)
		}
		name, err := recs[0].String("name")
		if err != nil {
			return nil, err
		}
		jobs[i] = job{orderID: id, name: name}
	}
	return jobs, nil
}

func (s *productStack) workflowID(j job) string {
	return workflows.PaymentWorkflowID(benchDatabase, j.name)
}

// pay confirms the quotation in Odoo, as a salesperson does; Odoo's
// automation rule starts the payment through the API. When the workflow
// waits for the customer, the storefront asks the API for the checkout and
// the customer approves on the simulator's page, coming back through the
// API; the payment is then captured, recorded and booked.
func (s *productStack) pay(ctx context.Context, j job) (time.Duration, error) {
	begin := time.Now()
	if err := s.odoo.ConfirmSaleOrder(ctx, j.orderID); err != nil {
		return 0, fmt.Errorf("confirm %s: %w", j.name, err)
	}
	f := newFollower(s.tc, s.workflowID(j), s.plan)
	if err := f.until(ctx, s.plan.WaitMarker); err != nil {
		return 0, err
	}
	checkout, err := s.checkout(ctx, j.name)
	if err != nil {
		return 0, err
	}
	landing, err := shopper.Checkout(ctx, checkout, shopper.Approve)
	if err != nil {
		return 0, fmt.Errorf("%s: the customer's checkout: %w", j.name, err)
	}
	returned := s.cfg.API.PublicURL + "/afterpay/return"
	if !strings.HasPrefix(landing.URL, returned) {
		return 0, fmt.Errorf("%s: the customer landed on %s (%d)", j.name, landing.URL, landing.Status)
	}
	for status := landing.Status; status != http.StatusOK; {
		if status != http.StatusServiceUnavailable {
			return 0, fmt.Errorf("%s: the return page answered %d", j.name, status)
		}
		// The API ran out of time for Temporal: the customer reloads.
		s.retried.Add(1)
		if err := pause(ctx); err != nil {
			return 0, fmt.Errorf("%s: the return page kept answering 503: %w", j.name, err)
		}
		if status, err = s.reload(ctx, landing.URL); err != nil {
			return 0, fmt.Errorf("%s: the customer's return: %w", j.name, err)
		}
	}
	if err := f.until(ctx, s.plan.DoneMarker); err != nil {
		return 0, err
	}
	return time.Since(begin), nil
}

// checkout asks the API for the order's checkout URL, as the storefront
// does, again while the API answers that Temporal did not answer in time
// (503).
func (s *productStack) checkout(ctx context.Context, order string) (string, error) {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.API.PublicURL+"/orders/"+url.PathEscape(order)+"/checkout", nil)
		if err != nil {
			return "", err
		}
		req.Header.Set("Authorization", "Bearer "+s.storefront)
		resp, err := s.http.Do(req)
		if err != nil {
			return "", fmt.Errorf("%s: checkout look-up: %w", order, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			s.retried.Add(1)
			if err := pause(ctx); err != nil {
				return "", fmt.Errorf("%s: checkout look-up kept answering 503: %w", order, err)
			}
			continue
		}
		var out struct {
			RedirectCheckoutURL string `json:"redirectCheckoutUrl"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil || out.RedirectCheckoutURL == "" {
			return "", fmt.Errorf("%s: checkout look-up answered %d: %s", order, resp.StatusCode, body)
		}
		return out.RedirectCheckoutURL, nil
	}
}

// reload opens the page at u again, as the customer's browser would, and
// returns its status.
func (s *productStack) reload(ctx context.Context, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// pause is how long the driver waits before asking the API again.
func pause(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(250 * time.Millisecond):
		return nil
	}
}

func (s *productStack) retries() int64 { return s.retried.Load() }

func (s *productStack) odooCalls(ctx context.Context) (map[string]int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.proxyURL+CallsPath, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("odoo proxy: %w", err)
	}
	defer resp.Body.Close()
	var out map[string]int
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("odoo proxy: %w", err)
	}
	return out, nil
}

// CallsPath is where benchproc's Odoo proxy answers its call counts.
const CallsPath = "/__bench/calls"

// history reads a workflow's whole history.
func history(ctx context.Context, c client.Client, id string) ([]*historypb.HistoryEvent, error) {
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var out []*historypb.HistoryEvent
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", id, err)
		}
		out = append(out, ev)
	}
	return out, nil
}

// baseEnv is the environment of the benchmark's processes: nothing of the
// caller's but the path and home, so that no TEMPORAL_* or ENV_FILE of the
// shell changes what runs.
func baseEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
}

func addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
