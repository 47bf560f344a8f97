package publish

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
)

// Request asks whoever serves subject and returns the reply's body, bounded
// by ctx. With no service listening it fails at once (NATS answers "no
// responders") instead of waiting out the deadline.
func (s *Store) Request(ctx context.Context, subject string, body []byte, headers map[string]string) ([]byte, error) {
	msg := nats.NewMsg(subject)
	msg.Data = body
	for k, v := range headers {
		msg.Header.Set(k, v)
	}
	reply, err := s.nc.RequestMsgWithContext(ctx, msg)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return nil, fmt.Errorf("no service answers on %s", subject)
	case err != nil:
		return nil, fmt.Errorf("request on %s: %w", subject, err)
	}
	return reply.Data, nil
}
