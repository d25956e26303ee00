// Package rpc holds the controller–agent protocol: the .proto files and
// the Go code protoc generates from them (agent/v1: the messages, and
// agent/v1/agentv1connect: the Connect client and handler), committed so
// that a build needs no generator. The messages mirror package meas one
// to one; the conversions live with their users.
//
// To regenerate after changing a .proto (docs/agents.md says how to
// install the pinned generators):
//
//	go generate ./rpc
//
// scripts/test regenerates and fails if the result differs from the
// committed code.
package rpc

//go:generate protoc --proto_path=. --go_out=. --go_opt=paths=source_relative --connect-go_out=. --connect-go_opt=paths=source_relative agent/v1/agent.proto
