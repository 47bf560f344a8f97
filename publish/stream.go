package publish

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The stream: created when missing, checked and updated when present, and
// never silently re-pointed at other subjects.

// ensureStream creates the stream, or checks and updates an existing one.
func (s *Store) ensureStream(ctx context.Context, o Options) error {
	want := jetstream.StreamConfig{
		Name:        o.Stream,
		Description: "Mlango canonical telecom events",
		Subjects:    []string{o.SubjectPrefix + ".>"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    o.Replicas,
		Duplicates:  o.DuplicateWindow,
		MaxAge:      o.MaxAge,
		MaxBytes:    o.MaxBytes,
		Discard:     jetstream.DiscardOld,
	}
	for attempt := 0; ; attempt++ {
		st, err := s.js.Stream(ctx, o.Stream)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			_, err = s.js.CreateStream(ctx, want)
			if err == nil {
				s.log.Info().Str("stream", want.Name).Strs("subjects", want.Subjects).
					Int("replicas", want.Replicas).Dur("duplicate_window", want.Duplicates).
					Dur("max_age", want.MaxAge).Int64("max_bytes", want.MaxBytes).
					Msg("created JetStream stream")
				return nil
			}
			if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) && attempt == 0 {
				continue // another gateway created it first; check that one
			}
			return fmt.Errorf("create JetStream stream %s for %s: %w (another stream may already capture these subjects)",
				want.Name, want.Subjects[0], err)
		}
		if err != nil {
			return fmt.Errorf("look up JetStream stream %s: %w", o.Stream, err)
		}
		return s.checkStream(ctx, st.CachedInfo().Config, want)
	}
}

func (s *Store) checkStream(ctx context.Context, have, want jetstream.StreamConfig) error {
	need := want.Subjects[0]
	if !anyCovers(have.Subjects, need) {
		return fmt.Errorf("JetStream stream %s exists but captures %s, which does not include %s; "+
			"Mlango does not change a stream's subjects itself: add %q to the stream's subjects "+
			"(e.g. nats stream edit %s --subjects ...), or choose another stream name or subject prefix",
			have.Name, fmtSubjects(have.Subjects), need, need, have.Name)
	}
	if have.Mirror != nil {
		return fmt.Errorf("JetStream stream %s is a mirror and cannot take publishes; choose another stream name", have.Name)
	}
	if have.NoAck {
		return fmt.Errorf("JetStream stream %s has no_ack set, so publishes are never acknowledged; unset it or choose another stream name", have.Name)
	}
	if have.Sealed {
		return fmt.Errorf("JetStream stream %s is sealed and takes no more messages; choose another stream name", have.Name)
	}
	if have.Replicas != want.Replicas {
		s.log.Warn().Str("stream", have.Name).Int("replicas", have.Replicas).Int("configured", want.Replicas).
			Msg("existing JetStream stream has a different replica count; leaving it as it is")
	}
	if have.Storage != want.Storage {
		s.log.Warn().Str("stream", have.Name).Str("storage", have.Storage.String()).
			Msg("existing JetStream stream does not use file storage; leaving it as it is")
	}

	upd := have
	ev := s.log.Info().Str("stream", have.Name)
	changed := false
	if have.Duplicates != want.Duplicates {
		ev = ev.Str("duplicate_window", have.Duplicates.String()+" -> "+want.Duplicates.String())
		upd.Duplicates, changed = want.Duplicates, true
	}
	if have.MaxAge != want.MaxAge {
		ev = ev.Str("max_age", fmtAge(have.MaxAge)+" -> "+fmtAge(want.MaxAge))
		upd.MaxAge, changed = want.MaxAge, true
	}
	if normBytes(have.MaxBytes) != normBytes(want.MaxBytes) {
		ev = ev.Str("max_bytes", fmtBytes(have.MaxBytes)+" -> "+fmtBytes(want.MaxBytes))
		upd.MaxBytes, changed = want.MaxBytes, true
	}
	if !changed {
		ev.Discard()
		s.log.Debug().Str("stream", have.Name).Msg("JetStream stream is as configured")
		return nil
	}
	if _, err := s.js.UpdateStream(ctx, upd); err != nil {
		ev.Discard()
		return fmt.Errorf("update JetStream stream %s: %w", have.Name, err)
	}
	ev.Msg("updated JetStream stream limits")
	return nil
}

func normBytes(n int64) int64 {
	if n <= 0 {
		return -1
	}
	return n
}

func fmtBytes(n int64) string {
	if n <= 0 {
		return "unlimited"
	}
	return fmt.Sprint(n)
}

func fmtAge(d time.Duration) string {
	if d <= 0 {
		return "unlimited"
	}
	return d.String()
}

func fmtSubjects(subjects []string) string {
	if len(subjects) == 0 {
		return "no subjects"
	}
	return "[" + strings.Join(subjects, " ") + "]"
}

// anyCovers reports whether one of patterns matches every subject that
// subject (which may contain wildcards) matches.
func anyCovers(patterns []string, subject string) bool {
	for _, p := range patterns {
		if covers(p, subject) {
			return true
		}
	}
	return false
}

func covers(pattern, subject string) bool {
	pt := strings.Split(pattern, ".")
	st := strings.Split(subject, ".")
	for i, p := range pt {
		if p == ">" {
			return i < len(st)
		}
		if i >= len(st) {
			return false
		}
		switch t := st[i]; {
		case t == ">":
			return false
		case p == "*":
		case t == "*" || t != p:
			return false
		}
	}
	return len(pt) == len(st)
}
