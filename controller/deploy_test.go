package controller_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDockerfile checks what deploy/Dockerfile's build stage relies on,
// without Docker: its Go image is at least go.mod's version, the paths it
// copies exist, and the package it builds is a command whose every
// dependency builds with CGO_ENABLED=0, as its build line asks.
func TestDockerfile(t *testing.T) {
	f, err := os.Open("../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	modGo := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`).FindStringSubmatch(string(mod))
	if modGo == nil {
		t.Fatal("go.mod has no go directive")
	}
	image := regexp.MustCompile(`^FROM golang:(\d+)\.(\d+)`)
	build := regexp.MustCompile(`^RUN CGO_ENABLED=0 go build .* -o \S+ (\./cmd/\S+)`)
	var goImage []string
	var pkg string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := image.FindStringSubmatch(line); m != nil {
			goImage = m
		}
		if m := build.FindStringSubmatch(line); m != nil {
			pkg = m[1]
		}
		if rest, ok := strings.CutPrefix(line, "COPY "); ok && !strings.HasPrefix(rest, "--from") {
			fields := strings.Fields(rest)
			for _, src := range fields[:len(fields)-1] {
				if _, err := os.Stat(filepath.Join("..", src)); err != nil {
					t.Errorf("COPY %s: %v", src, err)
				}
			}
		}
	}
	if goImage == nil || pkg == "" {
		t.Fatalf("no golang image (%q) or no CGO_ENABLED=0 go build line (%q) in deploy/Dockerfile", goImage, pkg)
	}
	if version(t, goImage[1:]) < version(t, modGo[1:]) {
		t.Errorf("the image's Go %s.%s is older than go.mod's %s.%s", goImage[1], goImage[2], modGo[1], modGo[2])
	}
	cmd := exec.Command("go", "list", "-e", "-deps", "-json=ImportPath,Name,Error,DepsErrors", pkg)
	cmd.Dir, cmd.Env = "..", append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	d := json.NewDecoder(strings.NewReader(string(out)))
	var last struct {
		ImportPath, Name string
		Error            *struct{ Err string }
	}
	for d.More() {
		last.Error = nil
		if err := d.Decode(&last); err != nil {
			t.Fatal(err)
		}
		if last.Error != nil {
			t.Errorf("%s with CGO_ENABLED=0: %s", last.ImportPath, last.Error.Err)
		}
	}
	if last.Name != "main" {
		t.Errorf("%s is package %s, not a command", pkg, last.Name)
	}
}

// version orders a major and minor version.
func version(t *testing.T, mm []string) int {
	t.Helper()
	major, err1 := strconv.Atoi(mm[0])
	minor, err2 := strconv.Atoi(mm[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("version %v", mm)
	}
	return major*1000 + minor
}
