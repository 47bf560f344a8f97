package voicexml

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// Declaration starts every document Build writes; AT's samples send it.
const Declaration = `<?xml version="1.0" encoding="UTF-8"?>`

// maxDepth bounds parsing: a valid script nests three deep
// (Response/GetDigits/Say), so anything far deeper is refused cheaply.
const maxDepth = 16

// Build writes a <Response> of actions, checked against the same rules
// Validate applies, so Mlango never answers AT with XML it would refuse.
// No actions gives <Response/>, which ends the call.
func Build(actions ...Action) ([]byte, error) {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	root := doc.CreateElement("Response")
	for i, a := range actions {
		if a == nil {
			return nil, fmt.Errorf("Response: action %d is nil", i+1)
		}
		root.AddChild(a.element())
	}
	if err := checkResponse(root); err != nil {
		return nil, err
	}
	b, err := doc.WriteToBytes()
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Validate checks voice XML handed to Mlango (by a downstream service that
// scripts a call) before it is passed to AT, and names the first problem:
// malformed XML, a root other than Response, an unknown element or
// attribute, wrong nesting, a missing or malformed attribute, or an action
// after one that ends the script (Reject, Redirect, terminal Record).
func Validate(xml []byte) error {
	if len(bytes.TrimSpace(xml)) == 0 {
		return errors.New("empty document, want a <Response>")
	}
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{MaxDepth: maxDepth}
	if err := doc.ReadFromBytes(xml); err != nil {
		return fmt.Errorf("malformed XML: %v", err)
	}
	root, err := docRoot(doc)
	if err != nil {
		return err
	}
	return checkResponse(root)
}

// docRoot returns the one root element, refusing DOCTYPEs (AT has no use
// for them, and they are how entity tricks arrive), text or a second
// element beside it.
func docRoot(doc *etree.Document) (*etree.Element, error) {
	var root *etree.Element
	for _, t := range doc.Child {
		switch t := t.(type) {
		case *etree.Element:
			if root != nil {
				return nil, fmt.Errorf("second root element <%s> after <%s>", t.FullTag(), root.FullTag())
			}
			root = t
		case *etree.Directive:
			return nil, errors.New("DOCTYPE and other directives are not accepted")
		case *etree.CharData:
			if strings.TrimSpace(t.Data) != "" {
				return nil, fmt.Errorf("text %q outside the root element", clip(t.Data))
			}
		case *etree.ProcInst:
			if t.Target != "xml" {
				return nil, fmt.Errorf("processing instruction <?%s?> is not accepted", t.Target)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element, want <Response>")
	}
	return root, nil
}
