package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlango/mlango/handlers"
	"github.com/mlango/mlango/publish"
	"github.com/rs/zerolog"
	"io"
)

// BenchmarkDeliveryReport is the whole durable path in one process: router,
// decoding, normalisation, the request log (to io.Discard), publish and
// JetStream's ack from an embedded, file-backed server.
func BenchmarkDeliveryReport(b *testing.B) {
	o := testOptions()
	o.DuplicateWindow = 13 * time.Hour
	o.Embedded = publish.EmbeddedOptions{StoreDir: b.TempDir()}
	store, err := publish.Open(context.Background(), o, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = store.Close(context.Background()) })
	e, err := New(Options{Providers: []handlers.Provider{handlers.AfricasTalking()}, Store: store,
		BodyLimit: 1 << 20, Log: zerolog.New(io.Discard)})
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32) // carriers keep many callbacks in flight; acks overlap
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := "id=ATXid_" + strconv.FormatInt(n.Add(1), 10) +
				"&status=Success&phoneNumber=%2B254711000111&networkCode=63902&failureReason=&retryCount=0"
			req := httptest.NewRequest(http.MethodPost, "/api/sms/delivery-reports", strings.NewReader(body))
			req.Header.Set("Content-Type", form)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("answer %d %s", rec.Code, rec.Body)
			}
		}
	})
}
