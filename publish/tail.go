package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DefaultTailSubject is what Tail follows when given no subject.
const DefaultTailSubject = DefaultSubjectPrefix + ".>"

// Tail writes every message on subject (default "telecom.>") to w as one
// JSON line, until ctx is done (then it returns nil). A JSON body is
// compacted onto one line; any other body is written as a JSON string.
//
// With fromStart, it first replays what stream has stored on subject (an
// ordered consumer; stream "" finds the stream by subject) and then keeps
// following new messages. Without it, it follows live messages only (a plain
// core NATS subscription).
func Tail(ctx context.Context, nc *nats.Conn, subject string, fromStart bool, stream string, w io.Writer) error {
	if subject == "" {
		subject = DefaultTailSubject
	}
	var line bytes.Buffer
	if fromStart {
		return tailStream(ctx, nc, subject, stream, w, &line)
	}

	sub, err := nc.SubscribeSync(subject)
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", subject, err)
	}
	defer sub.Unsubscribe()
	// Large pending limits: a burst should queue rather than be dropped.
	if err := sub.SetPendingLimits(1<<20, 256<<20); err != nil {
		return fmt.Errorf("subscribe to %s: %w", subject, err)
	}
	for {
		msg, err := sub.NextMsgWithContext(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("tail %s: %w", subject, err)
		}
		if err := writeLine(w, &line, msg.Data); err != nil {
			return err
		}
	}
}

func tailStream(ctx context.Context, nc *nats.Conn, subject, stream string, w io.Writer, line *bytes.Buffer) error {
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	if stream == "" {
		stream, err = js.StreamNameBySubject(ctx, subject)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("find the JetStream stream for %s: %w", subject, err)
		}
	}
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("replay %s from stream %s: %w", subject, stream, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("replay %s from stream %s: %w", subject, stream, err)
	}
	defer it.Stop()
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("replay %s from stream %s: %w", subject, stream, err)
		}
		if err := writeLine(w, line, msg.Data()); err != nil {
			return err
		}
	}
}

// writeLine writes body to w as one JSON line, reusing buf.
func writeLine(w io.Writer, buf *bytes.Buffer, body []byte) error {
	buf.Reset()
	if err := json.Compact(buf, body); err != nil || buf.Len() == 0 {
		buf.Reset()
		quoted, _ := json.Marshal(string(body)) // a string always marshals
		buf.Write(quoted)
	}
	buf.WriteByte('\n')
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
