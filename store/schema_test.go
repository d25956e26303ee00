package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/revtr/revtr/store/storetest"
)

// TestSchemasAgree checks that the SQLite and PostgreSQL migrations make
// the same tables with the same columns, types and nullability.
func TestSchemasAgree(t *testing.T) {
	ctx := context.Background()
	lite, pg := open(t, storetest.SQLite(t)), open(t, storetest.Postgres(t))
	rows, err := lite.SQLDB().QueryContext(ctx, `SELECT m.name, p.name, p.type, p."notnull" OR p.pk > 0
		FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%' AND m.name NOT LIKE 'river%' AND m.name != 'goose_db_version'`)
	if err != nil {
		t.Fatal(err)
	}
	var a []string
	for rows.Next() {
		var table, col, typ string
		var notNull bool
		if err := rows.Scan(&table, &col, &typ, &notNull); err != nil {
			t.Fatal(err)
		}
		if typ == "INTEGER" { // SQLite's identity columns
			typ = "BIGINT"
		}
		a = append(a, fmt.Sprint(table, ".", col, " ", typ, " notnull=", notNull))
	}
	rows.Close()
	prows, err := pg.Pool().Query(ctx, `SELECT table_name, column_name, upper(data_type), is_nullable = 'NO'
		FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name NOT LIKE 'river%' AND table_name != 'goose_db_version'`)
	if err != nil {
		t.Fatal(err)
	}
	var b []string
	for prows.Next() {
		var table, col, typ string
		var notNull bool
		if err := prows.Scan(&table, &col, &typ, &notNull); err != nil {
			t.Fatal(err)
		}
		b = append(b, fmt.Sprint(table, ".", col, " ", typ, " notnull=", notNull))
	}
	prows.Close()
	slices.Sort(a)
	slices.Sort(b)
	if len(a) < 40 || !slices.Equal(a, b) {
		t.Errorf("schemas differ:\nsqlite:\n%s\npostgres:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
}
