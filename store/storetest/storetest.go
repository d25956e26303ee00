// Package storetest gives tests databases of their own: a SQLite file in
// the test's temporary directory, or a uniquely named database on the
// PostgreSQL server that EnvPostgres names, dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvPostgres is the environment variable holding the DSN of a
// PostgreSQL role that may create databases (scripts/test sets it).
const EnvPostgres = "REVTR_TEST_POSTGRES"

// EnvRequired, when set, makes a test that wants PostgreSQL fail without
// it instead of skipping: CI sets it, so that the PostgreSQL half of the
// suite cannot silently go missing.
const EnvRequired = "REVTR_TEST_POSTGRES_REQUIRED"

// DBPrefix starts the name of every database these tests create.
const DBPrefix = "revtr_test_"

// SQLite returns the path of a fresh SQLite database file.
func SQLite(t testing.TB) string {
	return filepath.Join(t.TempDir(), "revtr.db")
}

// Postgres creates a database of its own for t and returns its DSN; the
// database is dropped when t ends. Without EnvPostgres the test skips
// (fails if EnvRequired is set).
func Postgres(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvPostgres)
	if admin == "" {
		if os.Getenv(EnvRequired) != "" {
			t.Fatalf("%s is not set but %s is: the PostgreSQL tests must run", EnvPostgres, EnvRequired)
		}
		t.Skipf("no PostgreSQL server: set %s to the DSN of a role that may create databases (scripts/test does)", EnvPostgres)
	}
	name := dbName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("storetest: connect to %s: %v", EnvPostgres, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("storetest: create database %s: %v", name, err)
	}
	t.Cleanup(func() { drop(t, admin, name) })
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

// drop drops the test's database, retrying for a while: an autovacuum
// worker (which WITH (FORCE) may not be allowed to end) can hold it.
func drop(t testing.TB, admin, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Errorf("storetest: drop %s: %v", name, err)
		return
	}
	defer conn.Close(context.Background())
	for {
		_, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)")
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Errorf("storetest: drop %s: %v", name, err)
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

var notIdent = regexp.MustCompile(`[^a-z0-9]+`)

// dbName is a database name that tells whose it is: the prefix, the
// test's name, and random hex, within PostgreSQL's 63 bytes.
func dbName(test string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	s := strings.Trim(notIdent.ReplaceAllString(strings.ToLower(test), "_"), "_")
	if len(s) > 40 {
		s = s[:40]
	}
	return DBPrefix + s + "_" + hex.EncodeToString(b)
}

// Each runs f as a subtest on a fresh SQLite database and on a fresh
// PostgreSQL one, giving it the DSN.
func Each(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, Postgres(t)) })
}
