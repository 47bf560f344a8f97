package handlers

import "github.com/mlango/mlango/normalize"

// AfricasTalking declares Africa's Talking's callback routes. The paths
// mirror AT's sample app so callback URLs users already registered keep
// working. AT signs nothing; see ../shared/reference/africastalking.md.
func AfricasTalking() Provider {
	return Provider{
		Name: normalize.AfricasTalking,
		Routes: []Route{
			// Two-way SMS: AT's sample answers GOOD or BAD, and retries an
			// incoming message every minute for 12 hours until it gets 200.
			{Path: "/api/sms/twoway", Parse: normalize.ATSMSInbound, OK: "GOOD", BadPrefix: "BAD"},
			{Path: "/api/sms/delivery-reports", Parse: normalize.ATSMSDelivery, OK: "OK"},
			{Path: "/api/sms/opt-out", Parse: normalize.ATSMSOptOut, OK: "OK"},
			{Path: "/api/sms/subscription", Parse: normalize.ATSMSSubscription, OK: "OK"},
			// Voice: the callback URL answers XML while the call is up; the
			// events URL only takes notifications (handlers/voice.go).
			{Path: "/api/voice/instruct", Custom: voiceInstruct},
			{Path: "/api/voice/events", Parse: normalize.ATVoice, OK: "OK"},
			// Airtime status arrives as a form (old docs) or JSON (current).
			{Path: "/api/airtime/status", Parse: normalize.ATAirtimeStatus, OK: "OK"},
			{Path: "/api/sim-swap/status", Parse: normalize.ATSIMSwapStatus, OK: "OK"},
		},
	}
}
