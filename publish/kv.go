package publish

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// KV is a JetStream key-value bucket with a time-to-live, used for state
// that any gateway instance must see: USSD sessions, resume records. It
// answers absence and lost compare-and-set races as values, not errors, so
// callers can tell "no such key" and "someone else wrote first" from NATS
// failing.
type KV struct {
	kv jetstream.KeyValue // nil until created, when opened disconnected

	s   *Store
	cfg jetstream.KeyValueConfig
	mu  sync.Mutex
}

// KVOptions describes a bucket. Replicas above 1 need a cluster.
type KVOptions struct {
	Bucket   string
	TTL      time.Duration
	Replicas int
}

// KV opens the bucket, creating it when missing and updating its TTL and
// replicas when they differ.
func (s *Store) KV(ctx context.Context, o KVOptions) (*KV, error) {
	cfg := jetstream.KeyValueConfig{
		Bucket:      o.Bucket,
		Description: "Mlango state shared by gateway instances",
		TTL:         o.TTL,
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    max(o.Replicas, 1),
	}
	if !s.nc.IsConnected() {
		// Opened without NATS (StartDisconnected): create on first use.
		return &KV{s: s, cfg: cfg}, nil
	}
	// A replicated bucket on a young cluster, or several gateways starting
	// at once, can take longer than one JetStream API call waits: retry
	// timeouts for a while rather than refusing to start.
	deadline := time.Now().Add(kvCreateWait)
	wait := 100 * time.Millisecond
	for {
		kv, err := s.js.CreateOrUpdateKeyValue(ctx, cfg)
		if err == nil {
			return &KV{kv: kv}, nil
		}
		if !isTimeout(err) || time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("key-value bucket %s: %w", o.Bucket, err)
		}
		s.log.Warn().Err(err).Str("bucket", o.Bucket).Msg("creating the key-value bucket timed out; retrying")
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// kvCreateWait bounds KV's retries of a bucket creation that timed out.
const kvCreateWait = 30 * time.Second

func isTimeout(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
}

// bucket is the bucket, created now if it was opened disconnected.
func (k *KV) bucket(ctx context.Context) (jetstream.KeyValue, error) {
	if k.s == nil {
		return k.kv, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.kv == nil {
		kv, err := k.s.js.CreateOrUpdateKeyValue(ctx, k.cfg)
		if err != nil {
			return nil, fmt.Errorf("key-value bucket %s: %w", k.cfg.Bucket, err)
		}
		k.kv = kv
	}
	return k.kv, nil
}

// Get returns the value and revision; a nil value means no such key.
func (k *KV) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	kv, err := k.bucket(ctx)
	if err != nil {
		return nil, 0, err
	}
	e, err := kv.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return nil, 0, nil
	case err != nil:
		return nil, 0, err
	}
	return e.Value(), e.Revision(), nil
}

// Create stores a new key; ok is false when it already exists.
func (k *KV) Create(ctx context.Context, key string, value []byte) (uint64, bool, error) {
	kv, err := k.bucket(ctx)
	if err != nil {
		return 0, false, err
	}
	rev, err := kv.Create(ctx, key, value)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, false, nil
	}
	return rev, err == nil, err
}

// Update replaces the value if the key is still at revision; ok is false
// when another writer changed it first.
func (k *KV) Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, bool, error) {
	kv, err := k.bucket(ctx)
	if err != nil {
		return 0, false, err
	}
	rev, err := kv.Update(ctx, key, value, revision)
	if isWrongRevision(err) {
		return 0, false, nil
	}
	return rev, err == nil, err
}

// Delete removes the key; a missing key is not an error.
func (k *KV) Delete(ctx context.Context, key string) error {
	kv, err := k.bucket(ctx)
	if err != nil {
		return err
	}
	err = kv.Delete(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	return err
}

// isWrongRevision recognises JetStream's "wrong last sequence" answer to a
// compare-and-set, which nats.go surfaces as an API error code.
func isWrongRevision(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}
