// Package apicheck holds a server to its OpenAPI 3.1 document: it finds
// the operation and response a request got, and validates the response's
// body (each line of JSON Lines, each event of a server-sent event
// stream) against the document's schema for it. Tests use it on every
// response they see.
package apicheck

import (
	"bufio"
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Checker validates responses against one OpenAPI document.
type Checker struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	schemas  map[string]*jsonschema.Schema
}

// docURL names the document inside the compiler.
const docURL = "file:///openapi.json"

// Load reads an OpenAPI document.
func Load(path string) (*Checker, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return New(b)
}

// New makes a checker of the document b.
func New(b []byte) (*Checker, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("apicheck: %w", err)
	}
	doc, ok := v.(map[string]any)
	if !ok || !strings.HasPrefix(fmt.Sprint(doc["openapi"]), "3.1") {
		return nil, fmt.Errorf("apicheck: not an OpenAPI 3.1 document")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(docURL, doc); err != nil {
		return nil, fmt.Errorf("apicheck: %w", err)
	}
	return &Checker{doc: doc, compiler: c, schemas: make(map[string]*jsonschema.Schema)}, nil
}

// Check validates a response to method and path (without query) with
// status, content type and body.
func (c *Checker) Check(method, path string, status int, contentType string, body []byte) error {
	tmpl, ok := c.match(path)
	if !ok {
		return fmt.Errorf("apicheck: %s %s: no such path in the document", method, path)
	}
	opPtr := "/paths/" + escape(tmpl) + "/" + strings.ToLower(method)
	op, ok := c.at(opPtr).(map[string]any)
	if !ok {
		if status == http.StatusMethodNotAllowed {
			return nil // the method is not in the document, rightly
		}
		return fmt.Errorf("apicheck: %s %s: no such operation", method, tmpl)
	}
	responses, _ := op["responses"].(map[string]any)
	code := strconv.Itoa(status)
	if _, ok := responses[code]; !ok {
		if _, ok := responses["default"]; !ok {
			return fmt.Errorf("apicheck: %s %s: status %d not documented", method, tmpl, status)
		}
		code = "default"
	}
	media, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("apicheck: %s %s: content type %q: %w", method, tmpl, contentType, err)
	}
	schemaPtr := opPtr + "/responses/" + code + "/content/" + escape(media) + "/schema"
	if c.at(schemaPtr) == nil {
		return fmt.Errorf("apicheck: %s %s %d: content type %s not documented", method, tmpl, status, media)
	}
	s, err := c.schema(schemaPtr)
	if err != nil {
		return err
	}
	for i, doc := range documents(media, body) {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
		if err != nil {
			return fmt.Errorf("apicheck: %s %s %d: body %d is not JSON: %w: %.200s", method, tmpl, status, i, err, doc)
		}
		if err := s.Validate(v); err != nil {
			return fmt.Errorf("apicheck: %s %s %d: body %d does not match the document: %w: %.300s", method, tmpl, status, i, err, doc)
		}
	}
	return nil
}

// documents splits a body into the JSON documents it holds.
func documents(media string, body []byte) [][]byte {
	switch media {
	case "application/jsonl":
		var out [][]byte
		for _, l := range bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n")) {
			if len(l) > 0 {
				out = append(out, l)
			}
		}
		return out
	case "text/event-stream":
		var out [][]byte
		sc := bufio.NewScanner(bytes.NewReader(body))
		for sc.Scan() {
			if d, ok := bytes.CutPrefix(sc.Bytes(), []byte("data: ")); ok {
				out = append(out, append([]byte(nil), d...))
			}
		}
		return out
	}
	return [][]byte{body}
}

func (c *Checker) schema(ptr string) (*jsonschema.Schema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.schemas[ptr]; ok {
		return s, nil
	}
	s, err := c.compiler.Compile(docURL + "#" + (&url.URL{Fragment: ptr}).EscapedFragment())
	if err != nil {
		return nil, fmt.Errorf("apicheck: compile %s: %w", ptr, err)
	}
	c.schemas[ptr] = s
	return s, nil
}

// at returns the value at a JSON pointer into the document.
func (c *Checker) at(ptr string) any {
	var v any = c.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")]
	}
	return v
}

func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// match finds the path template a path falls under; literal segments win
// over parameters.
func (c *Checker) match(path string) (string, bool) {
	paths, _ := c.doc["paths"].(map[string]any)
	segs := strings.Split(path, "/")
	best, bestLit := "", -1
	for tmpl := range paths {
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		lit := 0
		ok := true
		for i, t := range ts {
			switch {
			case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}"):
				ok = ok && segs[i] != ""
			case t == segs[i]:
				lit++
			default:
				ok = false
			}
		}
		if ok && lit > bestLit {
			best, bestLit = tmpl, lit
		}
	}
	return best, bestLit >= 0
}
