// Command worker runs the Afterpay payment workflows and activities.
package main

import "github.com/odoo-afterpay/bridge/internal/app"

func main() { app.Main("worker", app.RunWorker) }
