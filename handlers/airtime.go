package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/mlango/mlango/normalize"
	"github.com/rs/zerolog"
)

// Requester asks a downstream service and returns its reply, bounded by
// ctx, failing at once when nobody serves subject. *publish.Store
// implements it over NATS request-reply.
type Requester interface {
	Request(ctx context.Context, subject string, body []byte, headers map[string]string) ([]byte, error)
}

// Verdict is a validation decision (normalize.Validated or
// normalize.ValidationFailed) and why.
type Verdict struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

func failed(format string, args ...any) Verdict {
	return Verdict{Decision: normalize.ValidationFailed, Reason: fmt.Sprintf(format, args...)}
}

// AirtimeRules are the local checks of an airtime validation. The zero
// value allows everything; NewAirtimeRules builds one from configuration.
type AirtimeRules struct {
	currencies map[string]bool  // empty: any currency
	max        map[string]limit // per currency; absent: no limit
	allow      map[string]bool  // non-empty: only these numbers
	deny       map[string]bool
}

// NewAirtimeRules builds the rules: allowed currencies (ISO 4217, none
// means any), the largest amount per currency (a decimal string), and
// phone allow and deny lists, each number read as the events carry it.
func NewAirtimeRules(currencies []string, maxAmount map[string]string, allow, deny []string) (AirtimeRules, error) {
	r := AirtimeRules{currencies: map[string]bool{}, max: map[string]limit{}, allow: phoneSet(allow), deny: phoneSet(deny)}
	for _, c := range currencies {
		r.currencies[strings.ToUpper(strings.TrimSpace(c))] = true
	}
	for cur, amt := range maxAmount {
		m := normalize.ParseAmount(cur, amt)
		if m == nil {
			return AirtimeRules{}, fmt.Errorf("maximum amount %q %q is not a currency and a decimal amount", cur, amt)
		}
		n, _ := new(big.Rat).SetString(m.Amount)
		r.max[m.Currency] = limit{n, m.Amount}
	}
	return r, nil
}

// limit is a maximum amount, and its text as configured for reasons.
type limit struct {
	amount *big.Rat
	text   string
}

func phoneSet(numbers []string) map[string]bool {
	s := make(map[string]bool, len(numbers))
	for _, n := range numbers {
		s[normalize.Phone(n)] = true
	}
	return s
}

// Check decides a complete validation request by the rules alone. A deny
// list entry wins over an allow list entry.
func (r AirtimeRules) Check(d normalize.AirtimeValidation) Verdict {
	switch {
	case r.deny[d.PhoneNumber]:
		return failed("phone number is on the deny list")
	case len(r.allow) > 0 && !r.allow[d.PhoneNumber]:
		return failed("phone number is not on the allow list")
	case d.Amount == nil:
		return failed("amount is missing")
	case len(r.currencies) > 0 && !r.currencies[d.Amount.Currency]:
		return failed("currency %s is not allowed", d.Amount.Currency)
	}
	amt, ok := new(big.Rat).SetString(d.Amount.Amount)
	if !ok || amt.Sign() <= 0 {
		return failed("amount %s is not above zero", d.Amount.Amount)
	}
	if lim, ok := r.max[d.Amount.Currency]; ok && amt.Cmp(lim.amount) > 0 {
		return failed("amount %s %s is over the limit of %s %s", d.Amount.Currency, d.Amount.Amount,
			d.Amount.Currency, lim.text)
	}
	return Verdict{Decision: normalize.Validated}
}

// AirtimeValidator answers Africa's Talking's airtime validation callback:
// the rules, then the decider when one is configured, then an
// airtime.validation event stored with an ack, then the answer.
type AirtimeValidator struct {
	Rules AirtimeRules
	// Timeout bounds the whole request, decider and store included, well
	// below the provider's own deadline.
	Timeout time.Duration
	// Decider, when set with a Subject, is asked for the final say.
	Decider        Requester
	Subject        string
	DeciderTimeout time.Duration
	// AllowOnDeciderFailure keeps the rules' verdict when the decider does
	// not answer in time, is not there, or answers nonsense; otherwise
	// such a request fails.
	AllowOnDeciderFailure bool
	Log                   zerolog.Logger
}

// AirtimeValidationPath is the validation route, as in AT's sample app.
const AirtimeValidationPath = "/api/airtime/validation"

// AirtimeRoutes declares the airtime validation route.
func AirtimeRoutes(v AirtimeValidator) []Route {
	return []Route{{Path: AirtimeValidationPath, Custom: v.validation}}
}

// validation never answers 4xx or 5xx: AT reads only Validated or Failed,
// so every problem is a Failed with its reason in the event and the log.
func (v AirtimeValidator) validation(provider string, d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		SetProvider(c, provider)
		ctx, cancel := context.WithTimeout(c.Request().Context(), v.Timeout)
		defer cancel()
		in, err := d.Decoder.Decode(c.Request(), d.Now())
		if err != nil {
			noteProblem(c, asError(err))
			return answerValidation(c, normalize.ValidationFailed)
		}
		req, ferr := normalize.ATAirtimeValidationRequest(in)
		verdict := v.decide(ctx, provider, req, ferr)
		req.Decision, req.Reason = verdict.Decision, verdict.Reason
		if req.TransactionID == "" {
			// Nothing to key an event on or to correlate with: not an AT
			// request, so it is logged and answered but not stored.
			noteProblem(c, errorf(KindBadRequest, ferr.Error(), nil))
			return answerValidation(c, normalize.ValidationFailed)
		}
		ev := normalize.AirtimeValidationEvent(provider, in.ReceivedAt, req)
		dups, err := d.Store.Store(ctx, []normalize.Event{ev})
		SetEvents(c, []normalize.Event{ev}, dups)
		if err != nil {
			noteProblem(c, errorf(KindUnavailable, "validation event not stored; answered Failed", err))
			return answerValidation(c, normalize.ValidationFailed)
		}
		return answerValidation(c, req.Decision)
	}
}

// noteProblem puts a problem on the request's log line without changing
// the answer.
func noteProblem(c echo.Context, e *Error) { setInfo(c, func(i *requestInfo) { i.err = e }) }

func answerValidation(c echo.Context, decision string) error {
	body := `{"status":"Failed"}`
	if decision == normalize.Validated {
		body = `{"status":"Validated"}`
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, []byte(body))
}

// decide returns the verdict on a request: failed when a field is missing
// or unusable, else the rules', then the decider's when one is configured.
func (v AirtimeValidator) decide(ctx context.Context, provider string, d normalize.AirtimeValidation, ferr error) Verdict {
	if ferr != nil {
		return failed("%s", ferr.Error())
	}
	rules := v.Rules.Check(d)
	if v.Decider == nil || v.Subject == "" {
		return rules
	}
	answer, err := v.ask(ctx, provider, d, rules)
	switch {
	case err != nil && v.AllowOnDeciderFailure:
		v.Log.Warn().Err(err).Str("transaction", d.TransactionID).Msg("airtime decider failed; rules decide, as configured")
		if rules.Decision == normalize.Validated {
			rules.Reason = "decider unavailable; allowed by configuration"
		}
		return rules
	case err != nil:
		v.Log.Warn().Err(err).Str("transaction", d.TransactionID).Msg("airtime decider failed; answered Failed")
		return failed("decider: %v", err)
	case rules.Decision != normalize.Validated:
		return rules // the decider is told, but cannot lift a rule
	}
	return answer
}

// DeciderRequest is the JSON body sent to the decider: the request's
// fields and the rules' verdict. docs/airtime.md documents it.
type DeciderRequest struct {
	Provider      string           `json:"provider"`
	TransactionID string           `json:"transactionId"`
	PhoneNumber   string           `json:"phoneNumber"`
	Amount        *normalize.Money `json:"amount"`
	SourceIP      string           `json:"sourceIp"`
	Rules         Verdict          `json:"rules"`
}

func (v AirtimeValidator) ask(ctx context.Context, provider string, d normalize.AirtimeValidation, rules Verdict) (Verdict, error) {
	body, err := json.Marshal(DeciderRequest{Provider: provider, TransactionID: d.TransactionID,
		PhoneNumber: d.PhoneNumber, Amount: d.Amount, SourceIP: d.SourceIP, Rules: rules})
	if err != nil {
		return Verdict{}, err
	}
	if v.DeciderTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, v.DeciderTimeout)
		defer cancel()
	}
	reply, err := v.Decider.Request(ctx, v.Subject, body, nil)
	if err != nil {
		return Verdict{}, err
	}
	return ParseDeciderReply(reply)
}

// ParseDeciderReply reads a decider's answer: {"decision": "validated" or
// "failed", "reason": "..."}, the decision compared case-insensitively.
func ParseDeciderReply(b []byte) (Verdict, error) {
	var r Verdict
	if err := json.Unmarshal(b, &r); err != nil {
		return Verdict{}, fmt.Errorf("bad reply: %v", err)
	}
	switch strings.ToLower(strings.TrimSpace(r.Decision)) {
	case normalize.Validated:
		r.Decision = normalize.Validated
	case normalize.ValidationFailed:
		r.Decision = normalize.ValidationFailed
		if r.Reason == "" {
			r.Reason = "refused by the decider"
		}
	default:
		return Verdict{}, fmt.Errorf("bad reply: decision %q; want validated or failed", r.Decision)
	}
	return r, nil
}
