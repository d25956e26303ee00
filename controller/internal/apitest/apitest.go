// Package apitest is a test client of the controller's API that checks
// every response it gets against the committed OpenAPI document
// (controller/openapi.json).
package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/revtr/revtr/controller/internal/apicheck"
)

var (
	once    sync.Once
	checker *apicheck.Checker
	loadErr error
)

// DocPath is the committed OpenAPI document's path.
func DocPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "openapi.json")
}

// Checker returns the checker of the committed document.
func Checker(t testing.TB) *apicheck.Checker {
	once.Do(func() { checker, loadErr = apicheck.Load(DocPath()) })
	if loadErr != nil {
		t.Fatalf("apitest: %v", loadErr)
	}
	return checker
}

// Client calls an API at Base with Key, failing its test on transport
// errors and on any response the document does not describe.
type Client struct {
	T    testing.TB
	Base string // http://host:port
	Key  string
	HTTP *http.Client
}

// New returns a client of the API at base.
func New(t testing.TB, base, key string) *Client {
	return &Client{T: t, Base: base, Key: key, HTTP: &http.Client{Timeout: 2 * time.Minute}}
}

// Response is what a call got.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it cannot.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Do sends a request; body is JSON-encoded unless it is []byte or a
// string (sent as is). Headers are added after the key's.
func (c *Client) Do(method, path string, body any, headers ...string) Response {
	c.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.T.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	if err != nil {
		c.T.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Key != "" {
		req.Header.Set("Revtr-Key", c.Key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.T.Fatalf("%s %s: read: %v", method, path, err)
	}
	c.Check(method, req.URL, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Check fails the test unless the response is one the document
// describes. Paths outside the API (/metrics, /healthz) are not checked.
func (c *Client) Check(method string, u *url.URL, status int, contentType string, body []byte) {
	c.T.Helper()
	if !strings.HasPrefix(u.Path, "/api/") {
		return
	}
	if err := Checker(c.T).Check(method, u.EscapedPath(), status, contentType, body); err != nil {
		c.T.Errorf("%v", err)
	}
}

// Want fails the test unless r has status want.
func (r Response) Want(t testing.TB, want int) Response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
	return r
}
