package controller

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// instrument times every request by route, method and status code, and
// reads every API request body as JSON: the reference does, and its own
// documentation posts with curl --data, whose content type is a form's.
func (c *Controller) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/api/") && !strings.Contains(r.Header.Get("Content-Type"), "json") {
			r.Header.Set("Content-Type", "application/json")
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		route := r.Pattern // the mux sets it on the request it routed
		if route == "" || route == "/" {
			route = "other"
		}
		c.metrics.api.WithLabelValues(route, r.Method, strconv.Itoa(sw.status)).Observe(time.Since(start).Seconds())
	})
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the writer (to flush).
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
