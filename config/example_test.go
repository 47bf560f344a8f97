package config

import (
	"reflect"
	"testing"
)

// exampleFile is the documented mlango.yaml: every key at its default.
// TestExampleFileIsDefault keeps it true.
const exampleFile = `# mlango.yaml — every key with its default value.
# Environment variables (in brackets) override this file.
http:
  addr: ":8080"              # [MLANGO_HTTP_ADDR] host:port
  body_limit: 1MiB           # [MLANGO_BODY_LIMIT] 1KiB..64MiB; B, KB, MB, GB, KiB, MiB, GiB
  read_header_timeout: 5s    # [MLANGO_HTTP_READ_HEADER_TIMEOUT] slow headers (slowloris) cut off
  read_timeout: 10s          # [MLANGO_HTTP_READ_TIMEOUT] the whole request
  write_timeout: 15s         # [MLANGO_HTTP_WRITE_TIMEOUT] headers read to answer written; above publish.timeout
  idle_timeout: 60s          # [MLANGO_HTTP_IDLE_TIMEOUT] kept-alive connection between requests
  max_header_bytes: 64KiB    # [MLANGO_HTTP_MAX_HEADER_BYTES] 1KiB..1MiB; larger get 431
  shutdown_timeout: 20s      # [MLANGO_HTTP_SHUTDOWN_TIMEOUT]
  tls:                       # both set: HTTPS (and HTTP/2), files re-read when they change
    cert_file: ""            # [MLANGO_TLS_CERT] PEM certificate chain
    key_file: ""             # [MLANGO_TLS_KEY] PEM private key
nats:
  url: ""                    # [MLANGO_NATS_URL] empty = embedded nats-server; or nats://a:4222,nats://b:4222
  listen: 127.0.0.1:4222     # [MLANGO_NATS_LISTEN] embedded client port, or "none"
  name: mlango               # client connection name
  sync: ""                   # [MLANGO_NATS_SYNC] embedded JetStream flush: "" (every 2m), always, or an interval
data_dir: ./data             # [MLANGO_DATA_DIR] embedded JetStream file storage
subject_prefix: telecom      # [MLANGO_SUBJECT_PREFIX] events go to telecom.…
stream:
  name: TELECOM              # [MLANGO_STREAM] captures <subject_prefix>.>
  replicas: 1                # [MLANGO_STREAM_REPLICAS] 1..5; above 1 needs a cluster (nats.url)
  duplicate_window: 13h      # [MLANGO_DUPLICATE_WINDOW] must outlast Africa's Talking's 12h of SMS retries
  max_age: 0s                # 0 = keep forever; if set, at least duplicate_window
  max_bytes: 0               # 0 = unlimited
publish:
  timeout: 5s                # [MLANGO_PUBLISH_TIMEOUT] wait for JetStream's ack, then spool (503 without a spool); 100ms..60s
spool:                       # see reliability.md
  enabled: true              # [MLANGO_SPOOL] false: a JetStream outage answers 503
  dir: ""                    # [MLANGO_SPOOL_DIR] empty = <data_dir>/spool; local disk
  max_bytes: 1GiB            # [MLANGO_SPOOL_MAX_BYTES] full = 503; 1MiB..1024GiB
log:
  level: info                # [MLANGO_LOG_LEVEL] trace, debug, info, warn, error
  format: json               # [MLANGO_LOG_FORMAT] json or console
webhooks:
  auth_failures: 10          # failed authentications forgiven per source address and window, then 429; 0 = no limit
  auth_failure_window: 1m
  # trusted_proxies: [10.0.0.0/8]
  # africastalking: {tokens: [], allow_cidrs: []}  # [MLANGO_AFRICASTALKING_TOKEN]
  # providers: {}            # [MLANGO_<PROVIDER>_SECRET] see docs/webhooks.md
ussd:
  # menus: [menus/savings.yaml] # menu files, one flow each; none = the built-in demo
  session_ttl: 180s          # session state kept after its last hop; outlives the operator's ~180s session
  resume_window: 10m         # redial within it to continue an unfinished session; 0 = off
  hop_budget: 5s             # a whole hop, remote steps included; 500ms..9s (Africa's Talking waits 10s)
  budgets:                   # longest screen in characters, the 4 of "CON "/"END " included
    default: 160             # GSM 7-bit text; 40..186
    ucs2: 70                 # text with any character outside GSM; 140 octets / 2
    # by_network: {"63903": 182}  # per network code (MCC+MNC)
  remote:
    timeout: 3s              # a remote step's default deadline; at most hop_budget
    subject_prefix: mlango.ussd  # requests go to <prefix>.<flow>.<step>; not under subject_prefix
  apology: Sorry, something went wrong. Please try again later.
  buckets: {sessions: ussd_sessions, resume: ussd_resume}  # JetStream KV buckets
airtime:                     # airtime validation; see airtime.md
  validation:
    timeout: 2s              # the whole answer, decider and store included; 100ms..5s
    # currencies: [KES]      # ISO 4217 allowed; none = any
    # max_amount: {KES: 10000}  # largest amount per currency; none = no limit
    # allow_phones: []       # E.164; when not empty, only these numbers
    # deny_phones: []        # never these numbers
    decider:
      subject: ""            # NATS request-reply subject; empty = rules alone; not under subject_prefix
      timeout: 1s            # at most 3/4 of validation.timeout
      allow_on_failure: false  # true: a silent or absent decider leaves the rules' verdict
console:                     # the web console; see console.md
  enabled: false             # [MLANGO_CONSOLE] 1 or true serves /console
  allow_cidrs: [127.0.0.0/8, "::1/128"]  # clients it is served to; loopback only by default
`

func TestExampleFileIsDefault(t *testing.T) {
	if got := mustLoad(t, writeConfig(t, exampleFile), nil); !reflect.DeepEqual(got, Default()) {
		t.Errorf("documented example differs from Default():\n got  %+v\n want %+v", got, Default())
	}
}
