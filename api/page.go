package api

import (
	"html/template"

	"github.com/gin-gonic/gin"
)

// pageTemplate is the small page a customer sees after Afterpay.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}p{line-height:1.5}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Message}}</p></body></html>
`))

func (s *server) page(c *gin.Context, status int, title, message string) {
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	if err := pageTemplate.Execute(c.Writer, struct{ Title, Message string }{title, message}); err != nil {
		s.log.Error("Rendering page failed", "error", err)
	}
}
