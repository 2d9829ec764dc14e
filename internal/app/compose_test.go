package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/workflows"
)

// docker-compose.yml registers every search attribute the product uses, and
// the product's services wait for it.
func TestComposeRegistersEverySearchAttribute(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	require.NoError(t, err)
	compose := string(b)
	start := strings.Index(compose, "  temporal-search-attributes:\n")
	require.NotEqual(t, -1, start, "docker-compose.yml has a temporal-search-attributes service")
	service := compose[start:]
	if end := strings.Index(service[1:], "\n  temporal-ui:"); end > 0 {
		service = service[:end]
	}
	for _, key := range workflows.SearchAttributes() {
		require.Contains(t, service, key.GetName(), "docker-compose.yml registers %s", key.GetName())
	}
	require.Equal(t, 2, strings.Count(compose, "condition: service_completed_successfully"), "the worker and the API wait for the registration")
}
