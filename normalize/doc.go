// Package normalize owns Mlango's canonical event and the pure mappings from
// each provider's callback fields to it.
//
// It must import only the standard library and the phone-number library: no
// HTTP, no NATS, no logging. Anything that needs those lives in handlers,
// publish or gateway, which depend on this package and never the other way.
package normalize
