// Package faults has no code of its own: its tests break the gateway's
// surroundings on purpose (NATS killed and restarted, the gateway killed
// with SIGKILL, a cluster node stopped, the disk full or read-only) under
// load, and then read the stream back to prove the promise behind a 2xx:
// every callback answered 2xx is stored exactly once, and nothing else is.
//
// The NATS and gateway processes are real binaries built from this module
// (nats-server from the version in go.mod), so a SIGKILL is a real one.
// Set MLANGO_FAULTS_N to send more callbacks than CI does; every test logs
// its figures (sent, 2xx, stored, duplicates, lost) for docs/reliability.md.
package faults
