package controller_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/store/storetest"
)

// TestUpload keeps uploaded two-host traces (revtr traceroute
// --transmit) on both databases: one that reached the client is served by
// label as a completed reverse traceroute whose hops after the
// destination are two-host hops, with its forward path; one that stopped
// short is FAILED; bad uploads get a 400 and keep nothing.
func TestUpload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		s := serve(t, dsn, testConfig("upload"), backend(t))
		c := s.client(t, 100, 10)
		dst, src := targets(t)[0].String(), s.srcs[0].String()
		hops := []controller.ForwardHop{{TTL: 1, Addr: "10.0.9.1", RTT: 40}, {TTL: 2}, {TTL: 3, Addr: src, RTT: 90}}
		body := controller.UploadRequest{Label: "uploaded",
			Reverse: controller.ForwardTrace{Src: dst, Dst: src, Stop: "COMPLETED", Probes: 10, Hops: hops},
			Forward: &controller.ForwardTrace{Src: src, Dst: dst, Stop: "COMPLETED", Probes: 2, Hops: []controller.ForwardHop{{TTL: 1, Addr: dst}}}}
		var up controller.UploadResult
		c.Do("POST", "/api/v2/traces", body).Want(t, 200).JSON(t, &up)
		short := body
		short.Label, short.Reverse.Stop, short.Reverse.Hops = "short", "GAPLIMIT", hops[:2]
		c.Do("POST", "/api/v2/traces", short).Want(t, 200)

		var got controller.RevtrsResult
		c.Do("GET", "/api/v2/revtr/label/uploaded", nil).Want(t, 200).JSON(t, &got)
		if len(got.Revtrs) != 1 {
			t.Fatalf("label uploaded: %+v", got)
		}
		r := got.Revtrs[0]
		var path []string
		for _, h := range r.Path {
			path = append(path, h.Hop+"/"+h.Type)
		}
		want := fmt.Sprintf("%s/DST_REV_SEGMENT 10.0.9.1/TWO_HOST_REV_SEGMENT %s/TWO_HOST_REV_SEGMENT", dst, src)
		if r.Status != "COMPLETED" || r.StopReason != "REACHES" || r.Src != src || r.Dst != dst || strings.Join(path, " ") != want {
			t.Errorf("uploaded trace served as %+v, path %v; want %s", r, path, want)
		}
		view := c.Do("GET", fmt.Sprintf("/api/v2/revtrs/%d", up.ID), nil).Want(t, 200)
		if !strings.Contains(string(view.Body), `"forward"`) {
			t.Errorf("the forward path is not kept: %s", view.Body)
		}
		c.Do("GET", "/api/v2/revtr/label/short", nil).Want(t, 200).JSON(t, &got)
		if len(got.Revtrs) != 1 || got.Revtrs[0].StopReason != "FAILED" || got.Revtrs[0].FailReason == "" {
			t.Errorf("a trace short of the client: %+v", got)
		}
		for name, bad := range map[string]controller.UploadRequest{
			"bad address": {Label: "x", Reverse: controller.ForwardTrace{Src: "banana", Dst: src, Stop: "COMPLETED"}},
			"families":    {Label: "x", Reverse: controller.ForwardTrace{Src: dst, Dst: "2001:db8::1", Stop: "COMPLETED"}},
			"bad hop": {Label: "x", Reverse: controller.ForwardTrace{Src: dst, Dst: src, Stop: "COMPLETED",
				Hops: []controller.ForwardHop{{TTL: 1, Addr: "2001:db8::1"}}}},
		} {
			c.Do("POST", "/api/v2/traces", bad).Want(t, 400)
			c.Do("GET", "/api/v2/revtr/label/x", nil).Want(t, 200).JSON(t, &got)
			if len(got.Revtrs) != 0 {
				t.Errorf("%s: kept %+v", name, got.Revtrs)
			}
		}
		c.Key = "not-a-key"
		c.Do("POST", "/api/v2/traces", body).Want(t, 401)
	})
}
