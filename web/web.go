// Package web is the controller's web UI: a page, a stylesheet and one
// JavaScript bundle (Preact, elkjs), built from src/ by esbuild
// (build.mjs, from the committed package-lock.json) into dist/, which is
// committed and embedded so that building the Go binary needs no Node.
// scripts/test rebuilds dist/ and fails if it differs.
//
// The page talks to the controller that serves it, and nothing else: it
// loads no font, script or style from elsewhere, and its Content Security
// Policy says so.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed dist
var dist embed.FS

// csp lets the page load only its own files and call only its own origin.
// Styles allow inline attributes: the graph positions are computed.
const csp = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
	"font-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// Handler serves the UI's files, from the root of where it is mounted
// (strip the prefix first), with headers that keep the page to its own
// origin.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil { // cannot happen: dist is embedded
		panic(err)
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
