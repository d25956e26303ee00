package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/revtr/revtr/controller"
)

// transmitOptions upload a two-host trace to a revtr controller, as the
// reference client's --transmit hands its traces to its study's server.
type transmitOptions struct {
	on         bool
	url, key   string
	label      string
	httpClient *http.Client
}

// transmitTimeout bounds an upload.
const transmitTimeout = 30 * time.Second

func (o *transmitOptions) addFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.on, "transmit", false, "upload the trace to the revtr controller --controller names (reverse or two-way, single path)")
	fs.StringVar(&o.url, "controller", os.Getenv("REVTR_CONTROLLER"), "the controller --transmit uploads to, e.g. https://revtr.example.net (default $REVTR_CONTROLLER)")
	fs.StringVar(&o.key, "key", os.Getenv("REVTR_KEY"), "the API key --transmit uploads with (default $REVTR_KEY)")
	fs.StringVar(&o.label, "label", "traceroute", "the label --transmit files the trace under")
}

// check validates --transmit against the measurement asked for.
func (o *transmitOptions) check(f *traceFlags) error {
	switch {
	case !o.on:
		return nil
	case !f.reverse && !f.twoWay:
		return errors.New("--transmit uploads two-host traces: add --reverse or --two-way")
	case f.multipath:
		return errors.New("--transmit uploads single paths, not --multipath")
	case o.url == "" || o.key == "":
		return errors.New("--transmit needs a controller: give --controller URL and --key KEY (or set REVTR_CONTROLLER and REVTR_KEY)")
	case !strings.HasPrefix(o.url, "http://") && !strings.HasPrefix(o.url, "https://"):
		return fmt.Errorf("--controller %q: want an http:// or https:// URL", o.url)
	}
	return nil
}

// send uploads the paths, when --transmit asks, and reports where the
// controller filed them on w.
func (o *transmitOptions) send(ctx context.Context, w io.Writer, paths []path) error {
	if !o.on {
		return nil
	}
	body := controller.UploadRequest{Label: o.label}
	for _, p := range paths {
		t := controller.TraceOf(p.Trace)
		if p.dir == reverse {
			body.Reverse = t
		} else {
			body.Forward = &t
		}
	}
	res, err := o.post(ctx, body)
	if err != nil {
		return fmt.Errorf("--transmit: %w", err)
	}
	fmt.Fprintf(w, "transmitted to %s: batch %d, reverse traceroute %d, label %q\n", o.url, res.BatchID, res.ID, o.label)
	return nil
}

// post sends the upload and decodes the controller's answer.
func (o *transmitOptions) post(ctx context.Context, body controller.UploadRequest) (controller.UploadResult, error) {
	var res controller.UploadResult
	b, err := json.Marshal(body)
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithTimeout(ctx, transmitTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(o.url, "/")+"/api/v2/traces", bytes.NewReader(b))
	if err != nil {
		return res, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Revtr-Key", o.key)
	hc := o.httpClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	msg, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return res, err
	}
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("the controller answered %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	return res, json.Unmarshal(msg, &res)
}
