package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
	"github.com/odoo-afterpay/bridge/workflows"
)

// doctorUsage documents `starter doctor`; the usage text lists it.
const doctorUsage = `  doctor [-json] [-timeout 10s]
                               check Afterpay, Odoo, Temporal and the API as the product needs them: one line
                               per check, and what to do about each problem; exit status 1 if any check fails
`

// Defaults of the doctor's flags and limits.
const (
	doctorTimeout = 10 * time.Second
	// recentPoll is how recently a worker must have polled the task queue
	// to count as polling: a live worker's long polls last about a minute,
	// and Temporal lists a stopped worker's pollers for a few minutes more.
	recentPoll = 2 * time.Minute
)

// checkStatus is the outcome of one check.
type checkStatus string

// The outcomes. Only FAIL makes the doctor exit non-zero; SKIP is a check
// that could not run because one it depends on failed.
const (
	statusOK   checkStatus = "OK"
	statusWarn checkStatus = "WARN"
	statusFail checkStatus = "FAIL"
	statusSkip checkStatus = "SKIP"
)

// The parts the doctor checks, in the order it prints them.
const (
	partConfig   = "Configuration"
	partAfterpay = "Afterpay"
	partOdoo     = "Odoo"
	partTemporal = "Temporal"
	partAPI      = "API"
)

// checkResult is one line of the doctor's report.
type checkResult struct {
	Part   string      `json:"part"`
	Check  string      `json:"check"`
	Status checkStatus `json:"status"`
	// Detail says what was found: what works, or what is wrong.
	Detail string `json:"detail"`
	// Fix says what to do about a FAIL or WARN.
	Fix string `json:"fix,omitempty"`
	// Items list what a check found wrong, one per line (pending
	// provisioning steps, rules that post elsewhere…).
	Items []string `json:"items,omitempty"`
}

// doctorReport is what `starter doctor -json` prints.
type doctorReport struct {
	OK      bool          `json:"ok"`
	Summary doctorSummary `json:"summary"`
	Checks  []checkResult `json:"checks"`
}

type doctorSummary struct {
	Checks   int `json:"checks"`
	OK       int `json:"ok"`
	Warnings int `json:"warnings"`
	Failed   int `json:"failed"`
	Skipped  int `json:"skipped"`
}

func summarise(results []checkResult) doctorSummary {
	s := doctorSummary{Checks: len(results)}
	for _, r := range results {
		switch r.Status {
		case statusOK:
			s.OK++
		case statusWarn:
			s.Warnings++
		case statusFail:
			s.Failed++
		case statusSkip:
			s.Skipped++
		}
	}
	return s
}

// doctorFailedError is the doctor's verdict when a check failed; the
// report says which, so main only sets the exit status.
type doctorFailedError struct{ failed int }

func (e doctorFailedError) Error() string {
	return fmt.Sprintf("doctor: %d check(s) failed", e.failed)
}

// doctor runs the checks of one configuration.
type doctor struct {
	cfg     config.Config
	timeout time.Duration
	logger  *slog.Logger
	dial    func(context.Context, config.Config, *slog.Logger) (client.Client, error)
	http    *http.Client
	now     func() time.Time
}

// part collects the results of one part's checks.
type part struct {
	name    string
	results []checkResult
}

func (p *part) ok(check, detail string, a ...any) {
	p.results = append(p.results, checkResult{Part: p.name, Check: check, Status: statusOK, Detail: fmt.Sprintf(detail, a...)})
}

func (p *part) fail(check, detail, fix string, items ...string) {
	p.results = append(p.results, checkResult{Part: p.name, Check: check, Status: statusFail, Detail: detail, Fix: fix, Items: items})
}

func (p *part) warn(check, detail, fix string, items ...string) {
	p.results = append(p.results, checkResult{Part: p.name, Check: check, Status: statusWarn, Detail: detail, Fix: fix, Items: items})
}

// skip records checks that could not run, and why.
func (p *part) skip(why string, checks ...string) {
	for _, c := range checks {
		p.results = append(p.results, checkResult{Part: p.name, Check: c, Status: statusSkip, Detail: "not checked: " + why})
	}
}

// doctorCommand is `starter doctor`: it checks everything the product
// depends on, prints one line per check (or JSON with -json), and returns
// doctorFailedError when a check failed.
func doctorCommand(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // main prints the error and the usage
	asJSON := fs.Bool("json", false, "print the report as JSON")
	timeout := fs.Duration("timeout", doctorTimeout, "how long each check may wait for an answer")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("doctor: unexpected arguments %q", fs.Args())}
	}
	if *timeout <= 0 {
		return usageError{errors.New("doctor: -timeout must be positive")}
	}
	var results []checkResult
	cfg, err := config.FromEnv()
	if err != nil {
		p := part{name: partConfig}
		p.fail("settings", strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", " "),
			"set the variables named above in the environment or in the ENV_FILE (the README lists them all)")
		results = p.results
	} else {
		d := &doctor{
			cfg: cfg, timeout: *timeout,
			// The report says everything; the clients' own logs (Odoo's
			// credential alarms…) would only repeat it.
			logger: slog.New(slog.DiscardHandler),
			dial:   dialTemporal,
			http:   &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
			now:    time.Now,
		}
		results = d.run(ctx)
	}
	results = redactSecrets(cfg, oneLine(results))
	report := doctorReport{Checks: results, Summary: summarise(results)}
	report.OK = report.Summary.Failed == 0
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return fmt.Errorf("doctor: write the report: %w", err)
		}
	} else if err := printDoctorReport(out, report); err != nil {
		return fmt.Errorf("doctor: write the report: %w", err)
	}
	if !report.OK {
		return doctorFailedError{report.Summary.Failed}
	}
	return nil
}

// run checks the four parts side by side and returns their results in
// order.
func (d *doctor) run(ctx context.Context) []checkResult {
	p := part{name: partConfig}
	source := "the environment"
	if f := os.Getenv("ENV_FILE"); f != "" {
		source += " and " + f
	}
	p.ok("settings", "read from %s", source)
	checks := []func(context.Context) []checkResult{d.afterpay, d.odoo, d.temporal, d.api}
	parts := make([][]checkResult, len(checks))
	var wg sync.WaitGroup
	for i, check := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[i] = check(ctx)
		}()
	}
	wg.Wait()
	return slices.Concat(append([][]checkResult{p.results}, parts...)...)
}

// call bounds one check's wait with the doctor's timeout.
func (d *doctor) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d.timeout)
}

// --- Afterpay -------------------------------------------------------------

func (d *doctor) afterpay(ctx context.Context) []checkResult {
	p := part{name: partAfterpay}
	env := d.cfg.Afterpay.Environment
	ap, err := app.NewAfterpayClient(d.cfg, d.logger)
	if err != nil {
		p.fail("reachable", err.Error(), "fix AFTERPAY_ENVIRONMENT and AFTERPAY_BASE_URL")
		p.skip("no Afterpay client", "credentials", "configuration")
		return p.results
	}
	cctx, cancel := d.call(ctx)
	err = ap.Ping(cctx)
	cancel()
	var decodeErr *afterpay.DecodeError
	switch {
	case errors.As(err, &decodeErr):
		p.fail("reachable", fmt.Sprintf("%s answers /ping, but not as Afterpay does: %v", ap.BaseURL(), err),
			hostFix(d.cfg, "must be Afterpay's API host (or the simulator's), not a web site or a proxy's page"))
		p.skip("Afterpay is not reachable", "credentials", "configuration")
		return p.results
	case err != nil:
		p.fail("reachable", fmt.Sprintf("no answer from %s: %v", ap.BaseURL(), err),
			hostFix(d.cfg, "must reach Afterpay's API: check it, DNS, proxies and the firewall"))
		p.skip("Afterpay is not reachable", "credentials", "configuration")
		return p.results
	}
	p.ok("reachable", "%s answers /ping (AFTERPAY_ENVIRONMENT=%s)", ap.BaseURL(), env)

	cctx, cancel = d.call(ctx)
	conf, err := ap.GetConfiguration(cctx)
	cancel()
	switch status := afterpay.StatusCode(err); {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		p.fail("credentials", fmt.Sprintf("Afterpay refused merchant %s: %v", d.cfg.Afterpay.MerchantID, err),
			fmt.Sprintf("set AFTERPAY_MERCHANT_ID and AFTERPAY_SECRET_KEY to the merchant's %s credentials "+
				"(sandbox and production credentials differ; AFTERPAY_ENVIRONMENT=%s)", env, env))
		p.skip("Afterpay refused the credentials", "configuration")
	case err != nil:
		p.skip("reading the merchant configuration failed (below)", "credentials")
		p.fail("configuration", fmt.Sprintf("GET /v2/configuration failed: %v", err),
			"try again; if it persists, give Afterpay's support the errorId or correlation id above")
	default:
		p.ok("credentials", "merchant %s accepted", d.cfg.Afterpay.MerchantID)
		limits := "orders up to " + conf.MaximumAmount.String() + " (no minimum)"
		if conf.MinimumAmount != nil {
			limits = "orders from " + conf.MinimumAmount.String() + " to " + conf.MaximumAmount.String()
		}
		p.ok("configuration", "%s", limits)
	}
	return p.results
}

// hostFix says which setting names Afterpay's host.
func hostFix(cfg config.Config, what string) string {
	if cfg.Afterpay.BaseURL != "" {
		return "AFTERPAY_BASE_URL " + what
	}
	return fmt.Sprintf("the host of AFTERPAY_ENVIRONMENT=%s %s; set AFTERPAY_BASE_URL only for the simulator", cfg.Afterpay.Environment, what)
}

// --- Odoo -----------------------------------------------------------------

func (d *doctor) odooConfig() odoo.Config {
	return odoo.Config{
		URL: d.cfg.Odoo.URL, Database: d.cfg.Odoo.Database, Username: d.cfg.Odoo.Username,
		Password: d.cfg.Odoo.Password.Reveal(), Timeout: min(d.cfg.Odoo.Timeout, d.timeout), Logger: d.logger,
	}
}

func (d *doctor) odoo(ctx context.Context) []checkResult {
	p := part{name: partOdoo}
	later := []string{"login", "access rights", "provisioning", "webhooks"}
	od, err := odoo.NewClient(d.odooConfig())
	if err != nil {
		p.fail("version", err.Error(), "fix ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD")
		p.skip("no Odoo client", later...)
		return p.results
	}
	v, err := od.Version(ctx)
	if err != nil {
		p.fail("version", fmt.Sprintf("no answer from Odoo at %s: %v", d.cfg.Odoo.URL, err),
			"start Odoo, or set ODOO_URL to its base URL (the product calls ODOO_URL/xmlrpc/2/…)")
		p.skip("Odoo is not reachable", later...)
		return p.results
	}
	if v.Major != 18 {
		p.fail("version", fmt.Sprintf("Odoo %s at %s; the product needs Odoo 18", v.ServerVersion, d.cfg.Odoo.URL),
			"point ODOO_URL at an Odoo 18 server")
		p.skip("the product needs Odoo 18", later...)
		return p.results
	}
	p.ok("version", "Odoo %s at %s", v.ServerVersion, d.cfg.Odoo.URL)

	uid, err := od.Authenticate(ctx)
	if err != nil {
		fix := "check ODOO_DB: the database must exist on this server"
		if errors.Is(err, odoo.ErrBadCredentials) {
			fix = "set ODOO_USERNAME and ODOO_PASSWORD to the integration user's login and password or, better, an API key " +
				"(in Odoo: the user's Preferences → Account Security → New API Key)"
		}
		p.fail("login", fmt.Sprintf("user %q on database %q: %v", d.cfg.Odoo.Username, d.cfg.Odoo.Database, err), fix)
		p.skip("the login failed", later[1:]...)
		return p.results
	}
	p.ok("login", "user %q (uid %d) on database %q", d.cfg.Odoo.Username, uid, d.cfg.Odoo.Database)

	// Side by side: each is tens of calls.
	access, hooks := part{name: partOdoo}, part{name: partOdoo}
	var rotating map[string]bool
	var plan *provision.Report
	var planErr error
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); d.odooAccess(ctx, od, &access) }()
	go func() { defer wg.Done(); rotating = d.odooWebhooks(ctx, od, &hooks) }()
	go func() { defer wg.Done(); plan, planErr = provision.Check(ctx, d.odooConfig(), d.provisionOptions()) }()
	wg.Wait()
	p.results = append(p.results, access.results...)
	// A rotation under way, which the webhooks check sees, shows in
	// provisioning too.
	d.odooProvisioning(&p, plan, planErr, rotating)
	p.results = append(p.results, hooks.results...)
	return p.results
}

// accessCalls bounds the has_access calls in flight.
const accessCalls = 4

// odooAccess checks the integration user's model access rights. Here and
// below, each Odoo call has the client's timeout: min(ODOO_TIMEOUT, -timeout).
func (d *doctor) odooAccess(ctx context.Context, od *odoo.Client, p *part) {
	type right struct {
		model, op string
		ok        bool
		groups    []string
		err       error
	}
	var rights []*right
	required := odoo.RequiredAccess()
	for _, m := range required {
		for _, op := range m.Operations {
			rights = append(rights, &right{model: m.Model, op: op})
		}
	}
	slots := make(chan struct{}, accessCalls)
	var wg sync.WaitGroup
	for _, r := range rights {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			if r.ok, r.err = od.HasAccess(ctx, r.model, r.op); r.err == nil && !r.ok {
				// Which groups would grant it: best effort, for the fix.
				r.groups, _, _ = od.AccessGroups(ctx, r.model, r.op)
			}
		}()
	}
	wg.Wait()
	var missing, groupsFix, broken []string
	for _, r := range rights {
		switch {
		case r.err != nil:
			broken = append(broken, fmt.Sprintf("%s %s: %v", r.op, r.model, r.err))
		case !r.ok:
			missing = append(missing, r.op+" "+r.model)
			if len(r.groups) > 0 {
				groupsFix = append(groupsFix, fmt.Sprintf("%s %s: %s", r.op, r.model, strings.Join(r.groups, " or ")))
			}
		}
	}
	models := len(required)
	switch {
	case len(broken) > 0:
		p.fail("access rights", fmt.Sprintf("cannot check %d of the %d rights the product needs", len(broken), len(rights)),
			"see the errors below; a model that does not exist is an Odoo app the product needs that is not installed "+
				"(Sales, Invoicing, Discuss, Payment providers, Automation rules)", broken...)
	case len(missing) > 0:
		p.fail("access rights", fmt.Sprintf("user %q may not %s", d.cfg.Odoo.Username, strings.Join(missing, ", ")),
			fmt.Sprintf("give %q the groups that grant them (Settings → Users & Companies → Users)", d.cfg.Odoo.Username), groupsFix...)
	default:
		p.ok("access rights", "user %q has the %d rights the product needs on %d models", d.cfg.Odoo.Username, len(rights), models)
	}
}

// odooProvisioning reports what provision.Check found: setup-odoo's own
// steps, run without changing anything. rotating are the rules that still send the previous webhook token: their
// new URL alone is a warning, as the webhooks check says.
func (d *doctor) odooProvisioning(p *part, plan *provision.Report, err error, rotating map[string]bool) {
	if err != nil {
		fix := "run `starter setup-odoo`: it reports the same problem"
		if isAccessError(err) {
			fix = setupRecordsFix(d.cfg.Odoo.Username)
		}
		p.fail("provisioning", fmt.Sprintf("cannot check it: %v", err), fix)
		return
	}
	pending := plan.Pending()
	if len(pending) == 0 {
		detail := fmt.Sprintf("complete and current: %d records as `starter setup-odoo` makes them", plan.Count(provision.Unchanged))
		if n := plan.Count(provision.Skipped); n > 0 {
			detail += fmt.Sprintf(" (%d not applicable here)", n)
		}
		p.ok("provisioning", "%s", detail)
		return
	}
	var items []string
	rotationOnly := true
	for _, s := range pending {
		rule, isRule := strings.CutPrefix(s.What, "automation rule ")
		rotationOnly = rotationOnly && isRule && rotating[strings.Trim(rule, `"`)] &&
			strings.HasPrefix(s.Detail, "webhook URL changed") && !strings.Contains(s.Detail, ";")
		verb := "to create"
		if s.Action == provision.Updated {
			verb = "to update"
		}
		item := verb + ": " + s.What
		if s.Detail != "" {
			item += " (" + s.Detail + ")"
		}
		items = append(items, item)
	}
	created, updated := plan.Count(provision.Created), plan.Count(provision.Updated)
	if rotationOnly {
		p.warn("provisioning", fmt.Sprintf("current but for the webhook token of %d rules (a rotation under way)", updated),
			"finish the rotation: run `starter setup-odoo`, then drop ODOO_WEBHOOK_TOKEN_PREVIOUS", items...)
		return
	}
	detail := "incomplete"
	if created == 0 {
		detail = "out of date"
	}
	p.fail("provisioning", fmt.Sprintf("%s: %d records to create, %d to update", detail, created, updated),
		"run `starter setup-odoo` (with this configuration): it creates and repairs exactly these", items...)
}

// isAccessError reports Odoo's AccessError: the user lacks a right.
func isAccessError(err error) bool {
	f, ok := odoo.AsFault(err)
	return ok && f.Kind() == odoo.KindAccessError
}

// setupRecordsFix is what to do when the user may not read what setup-odoo
// makes (automation rules, fields, views: administrators' records).
func setupRecordsFix(user string) string {
	return fmt.Sprintf("give %q the groups Odoo names above, or run `starter doctor` with an administrator's "+
		"ODOO_USERNAME and ODOO_PASSWORD to check provisioning", user)
}

func (d *doctor) provisionOptions() provision.Options {
	return provision.Options{APIBaseURL: d.cfg.API.PublicURL, WebhookToken: d.cfg.API.WebhookToken.Reveal()}
}

// odooWebhooks checks that the automation rules post to this API. It
// returns the rules that still send the previous token of a rotation.
func (d *doctor) odooWebhooks(ctx context.Context, od *odoo.Client, p *part) (rotating map[string]bool) {
	hooks, err := provision.CheckWebhooks(ctx, od, d.provisionOptions(), d.cfg.API.WebhookTokenPrevious.Reveal())
	if err != nil {
		fix := "check that Odoo answers, and run the doctor again"
		if isAccessError(err) {
			fix = setupRecordsFix(d.cfg.Odoo.Username)
		}
		p.fail("webhooks", fmt.Sprintf("cannot read the automation rules: %v", err), fix)
		return nil
	}
	var wrong, previous []string
	current := 0
	rotating = map[string]bool{}
	for _, h := range hooks {
		switch h.State {
		case provision.WebhookCurrent:
			current++
		case provision.WebhookNotApplicable:
		case provision.WebhookPreviousToken:
			rotating[h.Rule] = true
			previous = append(previous, fmt.Sprintf("%q sends ODOO_WEBHOOK_TOKEN_PREVIOUS", h.Rule))
		case provision.WebhookOtherURL:
			wrong = append(wrong, fmt.Sprintf("%q posts to %s", h.Rule, h.URL))
		case provision.WebhookOtherToken:
			wrong = append(wrong, fmt.Sprintf("%q sends a token that is not ODOO_WEBHOOK_TOKEN: the API refuses it", h.Rule))
		case provision.WebhookMissing:
			wrong = append(wrong, fmt.Sprintf("%q is missing, or has no webhook action", h.Rule))
		case provision.WebhookArchived:
			wrong = append(wrong, fmt.Sprintf("%q is archived: it never fires", h.Rule))
		}
	}
	base := d.cfg.API.PublicURL
	switch {
	case len(wrong) > 0:
		p.fail("webhooks", fmt.Sprintf("%d of Odoo's automation rules do not post to API_PUBLIC_URL %s", len(wrong), base),
			"run `starter setup-odoo` with this configuration to point them at this API (or fix API_PUBLIC_URL, if the rules are right)",
			append(wrong, previous...)...)
	case len(previous) > 0:
		p.warn("webhooks", fmt.Sprintf("%d rules post to %s with the previous token (a rotation under way)", len(previous), base),
			"finish the rotation: run `starter setup-odoo`, then drop ODOO_WEBHOOK_TOKEN_PREVIOUS", previous...)
	default:
		p.ok("webhooks", "%d automation rules post to %s/odoo/webhook/… with ODOO_WEBHOOK_TOKEN", current, base)
	}
	return rotating
}

// --- Temporal -------------------------------------------------------------

func (d *doctor) temporal(ctx context.Context) []checkResult {
	p := part{name: partTemporal}
	ns, queue := d.cfg.Temporal.Namespace, d.cfg.Temporal.TaskQueue
	cctx, cancel := d.call(ctx)
	c, err := d.dial(cctx, d.cfg, d.logger)
	cancel()
	if err != nil {
		p.fail("server", fmt.Sprintf("no answer from TEMPORAL_ADDRESS=%s: %v", d.cfg.Temporal.Address, err),
			"start Temporal (`make dev` runs a dev server), or fix TEMPORAL_ADDRESS and, for a server that needs them, "+
				"TLS and the API key (TEMPORAL_TLS*, TEMPORAL_API_KEY or TEMPORAL_PROFILE)")
		p.skip("Temporal is not reachable", "namespace", "search attributes", "workers")
		return p.results
	}
	defer c.Close()
	cctx, cancel = d.call(ctx)
	info, err := c.WorkflowService().GetSystemInfo(cctx, &workflowservice.GetSystemInfoRequest{})
	cancel()
	if err != nil {
		p.fail("server", fmt.Sprintf("%s: %v", d.cfg.Temporal.Address, err), "check TEMPORAL_ADDRESS and the server's logs")
		p.skip("Temporal is not reachable", "namespace", "search attributes", "workers")
		return p.results
	}
	version := info.GetServerVersion()
	if version == "" {
		version = "(version not told)"
	}
	p.ok("server", "Temporal %s at %s", version, d.cfg.Temporal.Address)

	cctx, cancel = d.call(ctx)
	desc, err := c.WorkflowService().DescribeNamespace(cctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	cancel()
	var nsNotFound *serviceerror.NamespaceNotFound
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &nsNotFound), errors.As(err, &notFound):
		p.fail("namespace", fmt.Sprintf("namespace %q does not exist", ns),
			fmt.Sprintf("create it (`temporal operator namespace create --namespace %s`) or fix TEMPORAL_NAMESPACE", ns))
		p.skip("no namespace", "search attributes", "workers")
		return p.results
	case err != nil:
		p.fail("namespace", fmt.Sprintf("cannot describe namespace %q: %v", ns, err), "check TEMPORAL_NAMESPACE and the client's rights")
		p.skip("no namespace", "search attributes", "workers")
		return p.results
	}
	p.ok("namespace", "%q (%s, histories kept %s)", ns, strings.ToLower(strings.TrimPrefix(desc.GetNamespaceInfo().GetState().String(), "NAMESPACE_STATE_")),
		days(desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration()))

	d.searchAttributes(ctx, c, ns, &p)
	d.workers(ctx, c, queue, ns, &p)
	return p.results
}

// days writes a retention period: "3 days", or Go's form below a day.
func days(d time.Duration) string {
	switch {
	case d == 24*time.Hour:
		return "1 day"
	case d > 24*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

func (d *doctor) searchAttributes(ctx context.Context, c client.Client, ns string, p *part) {
	cctx, cancel := d.call(ctx)
	list, err := c.OperatorService().ListSearchAttributes(cctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	cancel()
	var names []string
	for _, key := range workflows.SearchAttributes() {
		names = append(names, key.GetName())
	}
	create := func(missing []string) string {
		args := ""
		for _, n := range missing {
			args += " --name " + n + " --type Keyword"
		}
		return fmt.Sprintf("start the worker once (it registers them on a self-hosted server), or `temporal operator search-attribute create --namespace %s%s`", ns, args)
	}
	if err != nil {
		p.fail("search attributes", fmt.Sprintf("cannot list them in namespace %q: %v", ns, err),
			"make sure they are registered as Keyword (Temporal Cloud: in the namespace's settings): "+strings.Join(names, ", "))
		return
	}
	var missing, wrongType []string
	for _, n := range names {
		t, ok := list.GetCustomAttributes()[n]
		switch {
		case !ok:
			missing = append(missing, n)
		case t != enumspb.INDEXED_VALUE_TYPE_KEYWORD:
			wrongType = append(wrongType, fmt.Sprintf("%s is %s, not Keyword", n, strings.TrimPrefix(t.String(), "INDEXED_VALUE_TYPE_")))
		}
	}
	switch {
	case len(wrongType) > 0:
		p.fail("search attributes", strings.Join(wrongType, "; "),
			"remove them (`temporal operator search-attribute remove`) and create them as Keyword: "+create(nil))
	case len(missing) > 0:
		p.fail("search attributes", fmt.Sprintf("missing in namespace %q: %s", ns, strings.Join(missing, ", ")), create(missing))
	default:
		p.ok("search attributes", "%s registered as Keyword", strings.Join(names, ", "))
	}
}

// workers checks that workers poll the product's task queues recently:
// the workflows' queue for workflow and activity tasks, and the Afterpay
// and Odoo activities' own queues.
func (d *doctor) workers(ctx context.Context, c client.Client, queue, ns string, p *part) {
	fix := fmt.Sprintf("start the worker (cmd/worker; `make dev` runs one) with TEMPORAL_NAMESPACE=%s and TEMPORAL_TASK_QUEUE=%s", ns, queue)
	now := d.now()
	wants := []struct {
		queue string
		kind  enumspb.TaskQueueType
		what  string
	}{
		{queue, enumspb.TASK_QUEUE_TYPE_WORKFLOW, "workflow tasks"},
		{queue, enumspb.TASK_QUEUE_TYPE_ACTIVITY, "activity tasks"},
		{workflows.AfterpayTaskQueue(queue), enumspb.TASK_QUEUE_TYPE_ACTIVITY, "Afterpay activities"},
		{workflows.OdooTaskQueue(queue), enumspb.TASK_QUEUE_TYPE_ACTIVITY, "Odoo activities"},
	}
	var identities, idle []string
	var last time.Time
	for _, want := range wants {
		cctx, cancel := d.call(ctx)
		resp, err := c.DescribeTaskQueue(cctx, want.queue, want.kind)
		cancel()
		if err != nil {
			p.fail("workers", fmt.Sprintf("cannot describe task queue %q: %v", want.queue, err), fix)
			return
		}
		live := 0
		for _, poller := range resp.GetPollers() {
			at := poller.GetLastAccessTime().AsTime()
			if at.After(last) {
				last = at
			}
			if now.Sub(at) <= recentPoll {
				live++
				if !slices.Contains(identities, poller.GetIdentity()) {
					identities = append(identities, poller.GetIdentity())
				}
			}
		}
		if live == 0 {
			idle = append(idle, fmt.Sprintf("nothing polls %q for %s", want.queue, want.what))
		}
	}
	switch {
	case len(idle) == len(wants):
		detail := fmt.Sprintf("no worker polls task queue %q", queue)
		if !last.IsZero() {
			detail += fmt.Sprintf(" (the last poll was %s ago)", now.Sub(last).Round(time.Second))
		}
		p.fail("workers", detail, fix)
	case len(idle) > 0:
		p.fail("workers", fmt.Sprintf("%d of the product's %d task queues have no worker", len(idle), len(wants)),
			fix+" (a worker of this version polls them all)", idle...)
	default:
		p.ok("workers", "%d polling task queue %q and its Afterpay and Odoo activity queues (%s)",
			len(identities), queue, strings.Join(identities, ", "))
	}
}

// --- API ------------------------------------------------------------------

// healthPath is the API's health check (api.NewHandler serves it).
const healthPath = "/healthz"

func (d *doctor) api(ctx context.Context) []checkResult {
	p := part{name: partAPI}
	target := d.cfg.API.PublicURL + healthPath
	fix := "start the API (cmd/api; `make dev` runs it) and make API_PUBLIC_URL reach it from here, as Odoo and customers' browsers must"
	cctx, cancel := d.call(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, target, nil)
	if err != nil {
		p.fail("reachable", fmt.Sprintf("API_PUBLIC_URL %s: %v", d.cfg.API.PublicURL, err), "fix API_PUBLIC_URL")
		return p.results
	}
	start := d.now()
	resp, err := d.http.Do(req)
	if err != nil {
		p.fail("reachable", fmt.Sprintf("no answer at %s: %v", target, err), fix)
		return p.results
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	decodeErr := json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&body)
	if resp.StatusCode != http.StatusOK || decodeErr != nil || body.Status != "ok" {
		p.fail("reachable", fmt.Sprintf("%s answers HTTP %d, but not as the API's health check does", target, resp.StatusCode),
			"API_PUBLIC_URL must be the base URL the API is served at (its "+healthPath+" answers {\"status\":\"ok\"})")
		return p.results
	}
	p.ok("reachable", "%s answers (%s)", target, d.now().Sub(start).Round(time.Millisecond))
	return p.results
}

// --- output ---------------------------------------------------------------

// redactSecrets masks every secret the configuration holds wherever it
// might appear: an error can quote a URL, an answer can echo a request.
func redactSecrets(cfg config.Config, results []checkResult) []checkResult {
	var pairs []string
	for _, s := range secretValues(cfg) {
		// Too short to be told from ordinary words ("admin" in a dev
		// set-up); masking it would garble the report.
		if len(s) >= 6 {
			pairs = append(pairs, s, "********")
		}
	}
	if len(pairs) == 0 {
		return results
	}
	r := strings.NewReplacer(pairs...)
	out := make([]checkResult, len(results))
	for i, res := range results {
		res.Detail, res.Fix = r.Replace(res.Detail), r.Replace(res.Fix)
		res.Items = slices.Clone(res.Items)
		for j := range res.Items {
			res.Items[j] = r.Replace(res.Items[j])
		}
		out[i] = res
	}
	return out
}

// secretValues are the configuration's secrets: those it read, and the
// values of every secret-looking setting in the environment and ENV_FILE
// (read again, so that a configuration that did not load is covered too).
func secretValues(cfg config.Config) []string {
	values := []string{cfg.Odoo.Password.Reveal(), cfg.Afterpay.SecretKey.Reveal(), cfg.API.WebhookToken.Reveal(),
		cfg.API.WebhookTokenPrevious.Reveal(), cfg.API.WebhookSecret.Reveal(), cfg.API.WebhookSecretPrevious.Reveal()}
	values = append(values, cfg.API.StorefrontAPIKeys.Reveal()...)
	lookup := config.Lookup(os.LookupEnv)
	if path := os.Getenv("ENV_FILE"); path != "" {
		if file, err := config.ReadEnvFile(path); err == nil {
			lookup = config.Layered(os.LookupEnv, config.MapLookup(file))
		}
	}
	names := []string{"TEMPORAL_API_KEY", "TEMPORAL_TLS_CLIENT_KEY_DATA"}
	for _, v := range config.Variables() {
		names = append(names, v.Name)
	}
	for _, name := range names {
		if !secretName(name) {
			continue
		}
		v, _ := lookup(name)
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			values = append(values, part)
			if _, key, ok := strings.Cut(part, ":"); ok { // keyid:key lists
				values = append(values, key)
			}
		}
	}
	return values
}

func secretName(name string) bool {
	for _, marker := range []string{"PASSWORD", "SECRET", "TOKEN", "_KEY", "KEYS"} {
		if strings.Contains(name, marker) {
			return true
		}
	}
	return false
}

// oneLine keeps each detail and item on its line: Odoo's messages span
// several.
func oneLine(results []checkResult) []checkResult {
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	out := make([]checkResult, len(results))
	for i, r := range results {
		r.Detail = flat(r.Detail)
		r.Items = slices.Clone(r.Items)
		for j := range r.Items {
			r.Items[j] = flat(r.Items[j])
		}
		out[i] = r
	}
	return out
}

// printDoctorReport prints aligned lines: status, part, check and what was
// found; under a problem, what to do and the details; then a summary.
func printDoctorReport(out io.Writer, report doctorReport) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, r := range report.Checks {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.Status, r.Part, r.Check, r.Detail)
		for _, item := range r.Items {
			fmt.Fprintf(w, "\t\t\t  - %s\n", item)
		}
		if r.Fix != "" {
			fmt.Fprintf(w, "\t\t\t→ fix: %s\n", r.Fix)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	s := report.Summary
	fmt.Fprintln(out)
	switch {
	case s.Failed > 0:
		_, err := fmt.Fprintf(out, "%d of %d checks failed (%d OK, %d warnings, %d not checked): fix them and run `starter doctor` again.\n",
			s.Failed, s.Checks, s.OK, s.Warnings, s.Skipped)
		return err
	case s.Warnings > 0:
		_, err := fmt.Fprintf(out, "%d checks OK, %d warnings: the product works; see the warnings.\n", s.OK, s.Warnings)
		return err
	}
	_, err := fmt.Fprintf(out, "All %d checks OK: the product has everything it depends on.\n", s.Checks)
	return err
}
