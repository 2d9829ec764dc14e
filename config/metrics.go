package config

import (
	"fmt"
	"net"
)

// validateMetrics checks the metrics listen addresses: host:port each, and
// not the API's own address (its public listener serves no internals), nor
// each other's (make dev runs the worker and the API in one process).
func (c Config) validateMetrics() []error {
	var errs []error
	for _, a := range []struct{ name, addr string }{{"WORKER_METRICS_ADDR", c.Metrics.WorkerAddr}, {"API_METRICS_ADDR", c.Metrics.APIAddr}} {
		if a.addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not a host:port listen address such as :9464 or 127.0.0.1:9464", a.name, a.addr))
		} else if a.addr == c.API.Addr {
			errs = append(errs, fmt.Errorf("%s=%q is API_ADDR: metrics get a listener of their own, off the public API", a.name, a.addr))
		}
	}
	if w := c.Metrics.WorkerAddr; w != "" && w == c.Metrics.APIAddr {
		errs = append(errs, fmt.Errorf("WORKER_METRICS_ADDR and API_METRICS_ADDR are both %q: give each its own port", w))
	}
	return errs
}
