// Package proctest tests the controller as operators run it: real
// `revtr controller` processes (built once per test run), killed with
// SIGKILL at random points and restarted, two of them sharing one
// PostgreSQL database, with keys made by `revtr keys add`.
package proctest
