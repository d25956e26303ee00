package controller_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/controller/internal/apicheck"
	"github.com/revtr/revtr/controller/internal/apitest"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

var update = flag.Bool("update", false, "rewrite controller/openapi.json from the handlers")

// TestOpenAPIDocument checks that the committed document is the one the
// handlers generate, and the one served at /openapi.json. After changing
// the API: go test ./controller -run TestOpenAPIDocument -update
func TestOpenAPIDocument(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := controller.New(ctx, controller.Default(), st, nil, prometheus.NewRegistry(), slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	gen, err := c.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	gen = append(gen, '\n')
	if *update {
		if err := os.WriteFile(apitest.DocPath(), gen, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(apitest.DocPath())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gen, committed) {
		t.Fatalf("controller/openapi.json is not what the handlers generate: run go test ./controller -run TestOpenAPIDocument -update")
	}
	if _, err := apicheck.New(committed); err != nil {
		t.Fatal(err)
	}
	s := serve(t, storetest.SQLite(t), testConfig("doc"), nil)
	resp, err := http.Get(s.url + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	served, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /openapi.json: %d %v", resp.StatusCode, err)
	}
	var a, b any
	if err := json.Unmarshal(served, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(committed, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("/openapi.json differs from the committed document")
	}
}
