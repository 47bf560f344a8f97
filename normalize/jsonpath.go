package normalize

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// withPaths returns a copy of in whose Fields also hold the value found at
// each dotted path into its raw JSON ("data.mobile", "items.0.id"), so that
// nested webhook bodies are read with Get and Require like flat callbacks
// and a missing value is reported by its path. Values are rendered the way
// the HTTP layer renders top-level JSON: strings as they are, numbers as
// written, objects and arrays as their JSON text; null is absent.
func (in Input) withPaths(paths ...string) Input {
	fields := make(map[string]string, len(in.Fields)+len(paths))
	for k, v := range in.Fields {
		fields[k] = v
	}
	// "" is the path of a field a mapping does not configure; a body's
	// empty key must not answer it.
	delete(fields, "")
	in.Fields = fields
	root, ok := decodeRaw(in.Raw)
	if !ok {
		return in
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		if v, found := pathValue(root, p); found {
			fields[p] = v
		}
	}
	return in
}

// decodeRaw decodes a raw body keeping numbers as written, since a message
// id of 9041 must not become "9041.0" or lose digits past 2^53.
func decodeRaw(raw json.RawMessage) (any, bool) {
	if len(raw) == 0 {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, false
	}
	return root, true
}

// pathValue walks path through objects by key and arrays by index.
func pathValue(v any, path string) (string, bool) {
	for _, seg := range strings.Split(path, ".") {
		switch node := v.(type) {
		case map[string]any:
			v = node[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(node) {
				return "", false
			}
			v = node[i]
		default:
			return "", false
		}
	}
	switch leaf := v.(type) {
	case nil:
		return "", false
	case string:
		return leaf, true
	case json.Number:
		return leaf.String(), true
	case bool:
		return strconv.FormatBool(leaf), true
	}
	b, err := json.Marshal(v)
	return string(b), err == nil
}
