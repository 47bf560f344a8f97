package handlers

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mlango/mlango/normalize"
)

// Decoder turns a callback request into a normalize.Input: the one place
// bodies are read, so the size limit (413), the content types we take (415)
// and malformed bodies (400) are handled alike on every route.
type Decoder struct {
	// Limit is the largest body accepted, in bytes, after decompression.
	Limit int64
}

// Decode reads r's body and query string. Body fields win over query
// fields of the same name; both are kept in the raw copy.
func (d Decoder) Decode(r *http.Request, now time.Time) (normalize.Input, error) {
	body, err := d.Read(r)
	if err != nil {
		return normalize.Input{}, err
	}
	return d.Parse(r, body, now)
}

// Read reads the body as received, within the limit and undoing a gzip
// Content-Encoding: the bytes a signature is computed over.
func (d Decoder) Read(r *http.Request) ([]byte, error) { return d.readBody(r) }

// Parse decodes a body Read returned, with r's Content-Type and query.
func (d Decoder) Parse(r *http.Request, body []byte, now time.Time) (normalize.Input, error) {
	query := r.URL.Query()
	in := normalize.Input{ReceivedAt: now}
	switch kind, params, err := contentKind(r.Header.Get("Content-Type"), body); {
	case err != nil:
		return in, err
	case kind == "form":
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return in, errorf(KindBadRequest, "malformed form body", err)
		}
		in.Fields, in.Raw = formInput(vals, query)
	case kind == "multipart":
		vals, err := multipartValues(body, params["boundary"], d.Limit)
		if err != nil {
			return in, err
		}
		in.Fields, in.Raw = formInput(vals, query)
	case kind == "json":
		in.Fields, in.Raw, err = jsonInput(body, query)
		if err != nil {
			return in, err
		}
	default: // no body at all: the query string is the callback
		in.Fields, in.Raw = formInput(nil, query)
	}
	return in, nil
}

// readBody reads at most Limit bytes, undoing a gzip Content-Encoding.
func (d Decoder) readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > d.Limit {
		return nil, errorf(KindTooLarge, tooLargeMsg(d.Limit), nil)
	}
	var src io.Reader = r.Body
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, errorf(KindBadRequest, "malformed gzip body", err)
		}
		defer zr.Close()
		src = zr
	default:
		return nil, errorf(KindUnsupported, "unsupported Content-Encoding "+quote(enc)+": send identity or gzip", nil)
	}
	body, err := readAll(src, d.Limit+1, r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errorf(KindTooLarge, tooLargeMsg(d.Limit), nil)
		}
		return nil, errorf(KindBadRequest, "could not read body", err)
	}
	if int64(len(body)) > d.Limit {
		return nil, errorf(KindTooLarge, tooLargeMsg(d.Limit), nil)
	}
	return body, nil
}

// readAll reads at most limit bytes. With a declared length it reads into
// a buffer of exactly that size, so a typical callback costs one allocation.
func readAll(src io.Reader, limit, declared int64) ([]byte, error) {
	if declared <= 0 || declared >= limit {
		return io.ReadAll(io.LimitReader(src, limit))
	}
	buf := make([]byte, declared)
	n, err := io.ReadFull(src, buf)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return buf[:n], nil // shorter than declared: net/http reports that itself
	case err != nil:
		return nil, err
	}
	// A body longer than declared cannot pass net/http, but a gzip stream
	// can inflate past its Content-Length: read on, still bounded.
	rest, err := io.ReadAll(io.LimitReader(src, limit-declared))
	return append(buf, rest...), err
}

// contentKind picks a decoder from the Content-Type. A body with no type is
// sniffed, since some senders omit the header; an empty body needs none.
func contentKind(ct string, body []byte) (string, map[string]string, error) {
	if strings.TrimSpace(ct) == "" {
		switch trimmed := bytes.TrimSpace(body); {
		case len(trimmed) == 0:
			return "", nil, nil
		case trimmed[0] == '{':
			return "json", nil, nil
		default:
			return "form", nil, nil
		}
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", nil, errorf(KindUnsupported, "unreadable Content-Type "+quote(ct), nil)
	}
	switch {
	case mt == "application/x-www-form-urlencoded":
		return "form", params, nil
	case mt == "multipart/form-data":
		return "multipart", params, nil
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return "json", params, nil
	}
	return "", nil, errorf(KindUnsupported, "unsupported Content-Type "+quote(mt)+
		": send application/x-www-form-urlencoded, multipart/form-data or application/json", nil)
}

func multipartValues(body []byte, boundary string, limit int64) (url.Values, error) {
	if boundary == "" {
		return nil, errorf(KindBadRequest, "multipart body without a boundary", nil)
	}
	form, err := multipart.NewReader(bytes.NewReader(body), boundary).ReadForm(limit)
	if err != nil {
		return nil, errorf(KindBadRequest, "malformed multipart body", err)
	}
	defer form.RemoveAll()
	// Callbacks carry no files; a file part is kept by name so its
	// presence is not lost, without its contents.
	vals := url.Values(form.Value)
	for name, files := range form.File {
		for _, f := range files {
			vals.Add(name, f.Filename)
		}
	}
	return vals, nil
}

// formInput merges body and query values: body first, query for the names
// the body lacks. The raw copy holds each field as a string, or a list of
// strings when it was repeated, keys sorted as encoding/json would.
func formInput(body, query url.Values) (map[string]string, json.RawMessage) {
	fields := make(map[string]string, len(body)+len(query))
	values := make(map[string][]string, len(body)+len(query))
	for _, vals := range []url.Values{body, query} {
		for k, v := range vals {
			if _, seen := values[k]; seen || len(v) == 0 {
				continue
			}
			fields[k] = v[0]
			values[k] = v
		}
	}
	return fields, rawForm(values)
}

// rawForm encodes form values as a JSON object without reflection: this is
// on every form callback's path.
func rawForm(values map[string][]string) json.RawMessage {
	keys := make([]string, 0, len(values))
	size := 2
	for k, v := range values {
		keys = append(keys, k)
		size += len(k) + len(v[0]) + 6
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = normalize.AppendJSONString(b, k)
		b = append(b, ':')
		v := values[k]
		if len(v) == 1 {
			b = normalize.AppendJSONString(b, v[0])
			continue
		}
		b = append(b, '[')
		for j, s := range v {
			if j > 0 {
				b = append(b, ',')
			}
			b = normalize.AppendJSONString(b, s)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// jsonInput reads a JSON object body. Top-level strings are fields as they
// are; other values are fields as their JSON text (numbers as written).
func jsonInput(body []byte, query url.Values) (map[string]string, json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return nil, nil, errorf(KindBadRequest, "malformed JSON body: want a JSON object", err)
	}
	fields := make(map[string]string, len(obj)+len(query))
	for k, v := range obj {
		var s string
		switch {
		case string(v) == "null": // absent, as a form would leave it
		case json.Unmarshal(v, &s) == nil:
			fields[k] = s
		default:
			fields[k] = string(v)
		}
	}
	raw := json.RawMessage(body)
	extra := false
	for k, v := range query {
		if _, ok := obj[k]; !ok && len(v) > 0 {
			fields[k] = v[0]
			q, _ := json.Marshal(v[0])
			obj[k] = q
			extra = true
		}
	}
	if extra { // re-encode only when the query added fields
		raw, _ = json.Marshal(obj)
	}
	return fields, raw, nil
}

func tooLargeMsg(limit int64) string {
	return "body larger than the " + humanBytes(limit) + " limit"
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}
