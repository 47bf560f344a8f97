package voicexml

import (
	"strings"
	"testing"
)

func TestValidateAccepts(t *testing.T) {
	ok := []string{
		`<Response/>`,
		`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Response>\n  <Say>Hello</Say>\n</Response>\n",
		`<Response><!-- a note --><Say voice="en-US-Standard-C">Hi</Say></Response>`,
		`<Response><GetDigits timeout="30" finishOnKey="#" callbackUrl="https://gw.example/voice/digits">
		   <Say voice="woman">Enter your account number, then press hash</Say>
		 </GetDigits><Say>We did not get your input. Goodbye</Say></Response>`,
		`<Response><Dial phoneNumbers="+254711000111, +254711000333" ringbackTone="http://10.0.0.1:8080/r.mp3"/><Say>Nobody answered</Say></Response>`,
		`<Response><Record/></Response>`,
		`<Response><Record finishOnKey="*" maxLength="5"><Play url="http://x.example/b.mp3"/></Record></Response>`,
		`<Response><Say>Bye</Say><Reject/></Response>`,
		`<Response><Redirect> https://x.example/next </Redirect></Response>`,
		`<Response><Say><![CDATA[1 < 2]]></Say></Response>`,
	}
	for _, x := range ok {
		if err := Validate([]byte(x)); err != nil {
			t.Errorf("Validate(%s) = %v, want nil", x, err)
		}
	}
}

func TestValidateRefuses(t *testing.T) {
	cases := []struct {
		name, xml, want string
	}{
		{"empty", ``, "empty document"},
		{"not xml", `CON Welcome`, "outside the root"},
		{"comment only", `<!-- x -->`, "no root element"},
		{"malformed", `<Response><Say>Hi</Response>`, "malformed XML"},
		{"unclosed", `<Response><Say>Hi</Say>`, "malformed XML"},
		{"wrong root", `<response><Say>Hi</Say></response>`, "root element is <response>, want <Response>"},
		{"namespaced root", `<v:Response xmlns:v="urn:x"/>`, "want <Response>"},
		{"root attribute", `<Response lang="en"/>`, "Response: unexpected attribute lang"},
		{"two roots", `<Response/><Response/>`, "second root element"},
		{"doctype", `<!DOCTYPE Response [<!ENTITY a "b">]><Response/>`, "DOCTYPE"},
		{"text outside", `<Response/>trailing`, "outside the root"},
		{"loose text", `<Response>Hello<Say>x</Say></Response>`, `Response: unexpected text "Hello"`},
		{"unknown element", `<Response><Hangup/></Response>`, "Response/Hangup[1]: unknown element <Hangup>"},
		{"wrong case element", `<Response><say>x</say></Response>`, "unknown element <say>"},
		{"unknown attribute", `<Response><Say loop="2">x</Say></Response>`, "Response/Say[1]: unknown attribute loop"},
		{"empty say", `<Response><Say>  </Say></Response>`, "Say has no text"},
		{"element in say", `<Response><Say><speak>x</speak></Say></Response>`, "unexpected element <speak> inside Say"},
		{"play without url", `<Response><Play/></Response>`, "required attribute url is missing"},
		{"play relative", `<Response><Play url="hello.mp3"/></Response>`, `attribute url is "hello.mp3", want an absolute http or https URL`},
		{"play with text", `<Response><Play url="https://x.example/a.mp3">x</Play></Response>`, `unexpected text "x"`},
		{"getdigits empty", `<Response><GetDigits numDigits="4"/></Response>`, "needs exactly one Say or Play prompt, has 0"},
		{"getdigits two prompts", `<Response><GetDigits><Say>a</Say><Say>b</Say></GetDigits></Response>`, "has 2"},
		{"dial in getdigits", `<Response><GetDigits><Dial phoneNumbers="+254711000111"/></GetDigits></Response>`, "Response/GetDigits[1]/Dial: only Say or Play may appear inside GetDigits"},
		{"bad prompt", `<Response><GetDigits><Say voice="x y">a</Say></GetDigits></Response>`, "Response/GetDigits[1]/Say: attribute voice"},
		{"numDigits zero", `<Response><GetDigits numDigits="0"><Say>a</Say></GetDigits></Response>`, `attribute numDigits is "0", want a positive integer`},
		{"numDigits sign", `<Response><GetDigits numDigits="+4"><Say>a</Say></GetDigits></Response>`, "positive integer"},
		{"finishOnKey word", `<Response><GetDigits finishOnKey="hash"><Say>a</Say></GetDigits></Response>`, "one key"},
		{"bool casing", `<Response><Say playBeep="True">a</Say></Response>`, `want "true" or "false"`},
		{"dial without numbers", `<Response><Dial record="true"/></Response>`, "required attribute phoneNumbers is missing"},
		{"dial local number", `<Response><Dial phoneNumbers="0711000111"/></Response>`, `holds "0711000111"`},
		{"dial empty entry", `<Response><Dial phoneNumbers="+254711000111,"/></Response>`, `holds ""`},
		{"dial both ringback", `<Response><Dial phoneNumbers="+254711000111" ringBackTone="https://x.example/a" ringbackTone="https://x.example/a"/></Response>`, "both ringBackTone and ringbackTone"},
		{"dial callerId", `<Response><Dial phoneNumbers="+254711000111" callerId="254711000222"/></Response>`, "attribute callerId"},
		{"record prompt missing", `<Response><Record maxLength="10"/></Response>`, "needs exactly one Say or Play"},
		{"dequeue without number", `<Response><Dequeue name="support"/></Response>`, "required attribute phoneNumber is missing"},
		{"enqueue bad music", `<Response><Enqueue holdMusic="music.mp3"/></Response>`, "attribute holdMusic"},
		{"conference content", `<Response><Conference><Say>x</Say></Conference></Response>`, "Conference takes no content"},
		{"redirect no url", `<Response><Redirect/></Response>`, "Redirect has no text"},
		{"redirect bad url", `<Response><Redirect>next-step</Redirect></Response>`, "absolute http or https URL"},
		{"after reject", `<Response><Reject/><Say>x</Say></Response>`, "Response/Say[2]: comes after Reject"},
		{"after redirect", `<Response><Redirect>https://x.example/n</Redirect><Say>x</Say></Response>`, "comes after Redirect"},
		{"after terminal record", `<Response><Record/><Play url="https://x.example/a.mp3"/></Response>`, "comes after Record"},
		{"processing instruction", `<?php echo 1 ?><Response/>`, "processing instruction"},
		{"too deep", `<Response>` + strings.Repeat("<a>", 20) + strings.Repeat("</a>", 20) + `</Response>`, "malformed XML"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate([]byte(tc.xml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
