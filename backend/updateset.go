package backend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

// The answers to the inventory's long poll are read by a decoder of their own. govmomi's XML
// decoder (reflection over a tokenizer) reads some 30 MB/s: a site of 5,000 VMs sends about
// 17 MB of property changes at login, and reading them was 90 % of the engine's CPU time of a
// load (1.8 s for the lab's 10,000 VMs; BenchmarkEngineLoad10k). The answer of
// WaitForUpdatesEx has a fixed shape (an UpdateSet of filter updates, object updates and
// property changes) whose values, for the inventory's narrow properties, are mostly strings,
// numbers, enums and MoRefs: those are read here straight from the bytes. Anything else
// (a fault, a missing set, a structured value such as a host's network config) goes to
// govmomi's decoder, a value at a time or the whole answer, so what the inventory receives
// is exactly what govmomi would have decoded (TestUpdateSetDecoderMatchesGovmomi, and
// FuzzDecodeUpdateSet holds the two decoders to the same result).

// updatesClient makes WaitForUpdatesEx calls whose answers fastUpdateSet reads; every other
// call goes to the SOAP client as it is. It makes one call at a time (a site's long poll):
// the answer's buffer and the decoder's strings are kept from one call to the next.
type updatesClient struct {
	*soap.Client
	buf     *bytes.Buffer
	strings map[string]string // interned names and references, see updateParser.str
}

func newUpdatesClient(c *soap.Client) updatesClient {
	return updatesClient{Client: c, buf: new(bytes.Buffer), strings: map[string]string{}}
}

// RoundTrip is soap.Client's, but for WaitForUpdatesEx, whose answer is read by
// decodeWaitForUpdatesEx.
func (c updatesClient) RoundTrip(ctx context.Context, reqBody, resBody soap.HasFault) error {
	res, ok := resBody.(*methods.WaitForUpdatesExBody)
	if !ok {
		return c.Client.RoundTrip(ctx, reqBody, resBody)
	}
	// The request as soap.Client.RoundTrip writes it: a session cookie header when the
	// client has one (a session shared with another SDK), an operation id from ctx.
	var h soap.Header
	if id, ok := ctx.Value(types.ID{}).(string); ok {
		h.ID = id
	}
	if c.Cookie != nil {
		h.Cookie = c.Cookie()
	}
	env := soap.Envelope{Body: reqBody}
	if h.Cookie != nil || h.ID != "" {
		env.Header = &h
	}
	b, err := xml.Marshal(env)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, c.URL().String(), io.MultiReader(strings.NewReader(xml.Header), bytes.NewReader(b)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", `text/xml; charset="utf-8"`)
	req.Header.Set("SOAPAction", c.Namespace+"/"+c.Version)
	return c.Do(ctx, req, func(r *http.Response) error {
		switch r.StatusCode {
		case http.StatusOK, http.StatusInternalServerError: // a fault comes with 500
		default:
			return &url.Error{Op: r.Request.Method, URL: r.Request.URL.Path, Err: statusAnswer{r.Status, r.StatusCode}}
		}
		c.buf.Reset()
		if _, err := c.buf.ReadFrom(r.Body); err != nil {
			return err
		}
		if len(c.strings) > maxInterned {
			clear(c.strings)
		}
		return decodeWaitForUpdatesEx(c.buf.Bytes(), c.Types, c.strings, res)
	})
}

// statusAnswer is an answer that is neither a result nor a fault. A 502 from a proxy is worth
// a retry (govmomi's vim25.IsTemporaryNetworkError asks Temporary).
type statusAnswer struct {
	status string
	code   int
}

func (e statusAnswer) Error() string   { return e.status }
func (e statusAnswer) Temporary() bool { return e.code == http.StatusBadGateway }

// decodeWaitForUpdatesEx reads a WaitForUpdatesEx answer into res: with fastUpdateSet when
// it can, else as soap.Client does, a fault becoming the error.
func decodeWaitForUpdatesEx(body []byte, typeFunc func(string) (reflect.Type, bool), interned map[string]string, res *methods.WaitForUpdatesExBody) error {
	if set, err := fastUpdateSet(body, typeFunc, interned); err == nil {
		*res = methods.WaitForUpdatesExBody{Res: &types.WaitForUpdatesExResponse{Returnval: set}}
		return nil
	}
	*res = methods.WaitForUpdatesExBody{}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.TypeFunc = typeFunc
	if err := dec.Decode(&soap.Envelope{Body: res}); err != nil {
		return err
	}
	if f := res.Fault(); f != nil {
		return soap.WrapSoapFault(f)
	}
	return nil
}

// errNotFast says that an answer (or a value) is not one fastUpdateSet reads: govmomi's
// decoder reads it instead.
var errNotFast = errors.New("not a plain WaitForUpdatesEx answer")

// fastUpdateSet reads the UpdateSet of a WaitForUpdatesEx answer (nil when the wait ended
// with no change), or fails with errNotFast-like errors when the answer holds anything it
// does not read: a fault, a header, a missing set, CDATA, an unknown element.
func fastUpdateSet(body []byte, typeFunc func(string) (reflect.Type, bool), interned map[string]string) (set *types.UpdateSet, err error) {
	if interned == nil {
		interned = map[string]string{}
	}
	p := &updateParser{b: body, typeFunc: typeFunc, strs: interned}
	defer func() {
		if r := recover(); r != nil { // a malformed answer: govmomi's decoder says what is wrong
			set, err = nil, fmt.Errorf("%w: %v", errNotFast, r)
		}
	}()
	p.prolog()
	env := p.open("Envelope")
	if env.empty || p.resolve(env.prefix) != soapEnvNamespace {
		p.fail("not a SOAP envelope")
	}
	answered := false
	for {
		t, ok := p.child()
		if !ok {
			break
		}
		if string(t.local) != "Body" || answered {
			p.fail("envelope child " + string(t.local)) // a header: let govmomi read it
		}
		if !t.empty {
			set, answered = p.body()
		}
	}
	if !answered {
		p.fail("no WaitForUpdatesExResponse")
	}
	p.rest()
	return set, nil
}

// updateParser reads XML from b at i. Its methods panic (fail) on anything unexpected; the
// caller recovers.
type updateParser struct {
	b        []byte
	i        int
	typeFunc func(string) (reflect.Type, bool)
	ns       []nsDecl          // namespace declarations in scope, innermost last
	strs     map[string]string // interned strings
	attrs    []attr            // the last start tag's attributes (tag.attrs shares it)
}

// maxInterned bounds the strings an updatesClient keeps between answers.
const maxInterned = 50_000

// str returns b as a string, the same string for the same short bytes: attribute values,
// MoRefs, property names and enum values repeat in every answer, and allocating each again
// was most of the decoder's time.
func (p *updateParser) str(b []byte) string {
	if len(b) > 64 {
		return string(b)
	}
	if s, ok := p.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	p.strs[s] = s
	return s
}

// nsDecl is one xmlns attribute of an element being read, or (prefix "\x00") the element
// itself, with its qualified name, which its end tag must repeat.
type nsDecl struct {
	prefix, uri string // prefix "" is the default namespace
	name        []byte // the element's, in a marker
	depth       int
}

// tag is a start tag.
type tag struct {
	prefix, local []byte // slices of the answer
	qname         []byte // as written: "prefix:local"
	attrs         []attr
	empty         bool // <x/>
	start         int  // offset of its '<'
	depth         int  // elements open around it
}

type attr struct {
	prefix, local []byte
	value         string
}

const (
	xsiNamespace     = "http://www.w3.org/2001/XMLSchema-instance"
	soapEnvNamespace = "http://schemas.xmlsoap.org/soap/envelope/"
)

func (p *updateParser) fail(what string) { panic(what) }

// depth is the number of open elements.
func (p *updateParser) depth() int {
	if len(p.ns) == 0 {
		return 0
	}
	return p.ns[len(p.ns)-1].depth
}

// prolog skips white space and the XML declarations vCenter writes. Any other declaration,
// processing instruction or comment is left to govmomi's decoder.
func (p *updateParser) prolog() {
	p.space()
	for _, decl := range []string{`<?xml version="1.0" encoding="UTF-8"?>`, `<?xml version="1.0" encoding="utf-8"?>`, `<?xml version="1.0"?>`} {
		if p.at(decl) {
			p.i += len(decl)
			break
		}
	}
	p.space()
}

// rest accepts only white space after the envelope.
func (p *updateParser) rest() {
	p.space()
	if p.i < len(p.b) {
		p.fail("content after the envelope")
	}
}

func (p *updateParser) at(s string) bool { return bytes.HasPrefix(p.b[p.i:], []byte(s)) }

func (p *updateParser) space() {
	for p.i < len(p.b) && isSpace(p.b[p.i]) {
		p.i++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// open reads the start tag of the element named local (any prefix).
func (p *updateParser) open(local string) tag {
	p.space()
	if p.i >= len(p.b) || p.b[p.i] != '<' {
		p.fail("want " + local)
	}
	t := p.startTag()
	if string(t.local) != local {
		p.fail("want " + local + ", have " + string(t.local))
	}
	return t
}

// child reads the next child's start tag, after white space, or the parent's end tag (ok
// false). Text between elements other than white space fails.
func (p *updateParser) child() (tag, bool) {
	for {
		p.space()
		if p.i >= len(p.b) {
			p.fail("unexpected end")
		}
		if p.b[p.i] != '<' {
			p.fail("text between elements")
		}
		switch {
		case p.at("</"):
			p.endTag()
			return tag{}, false
		case p.at("<!"), p.at("<?"):
			p.fail("CDATA, a comment or an instruction")
		default:
			return p.startTag(), true
		}
	}
}

// startTag reads "<prefix:local attr='v' ...>" or ".../>" at i, and pushes its namespace
// declarations. Its attributes are valid until the next start tag.
func (p *updateParser) startTag() tag {
	t := tag{start: p.i, depth: p.depth() + 1}
	p.i++ // '<'
	nameStart := p.i
	t.prefix, t.local = p.name()
	t.qname = p.b[nameStart:p.i]
	t.attrs = p.attrs[:0]
	defer func() { p.attrs = t.attrs[:0] }()
	for {
		p.space()
		if p.i >= len(p.b) {
			p.fail("unterminated tag")
		}
		switch p.b[p.i] {
		case '>':
			p.i++
			p.push(t)
			return t
		case '/':
			if p.i+1 >= len(p.b) || p.b[p.i+1] != '>' {
				p.fail("bad empty tag")
			}
			p.i += 2
			t.empty = true
			p.push(t)
			p.pop(t.depth) // an empty element's declarations end with it
			return t
		}
		var a attr
		a.prefix, a.local = p.name()
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '=' {
			p.fail("attribute without a value")
		}
		p.i++
		p.space()
		if p.i >= len(p.b) || (p.b[p.i] != '"' && p.b[p.i] != '\'') {
			p.fail("unquoted attribute")
		}
		q := p.b[p.i]
		p.i++
		j := bytes.IndexByte(p.b[p.i:], q)
		if j < 0 {
			p.fail("unterminated attribute")
		}
		a.value = p.unescape(p.b[p.i : p.i+j])
		p.i += j + 1
		t.attrs = append(t.attrs, a)
		if p.i < len(p.b) && !isSpace(p.b[p.i]) && p.b[p.i] != '>' && p.b[p.i] != '/' {
			p.fail("no space between attributes")
		}
	}
}

// push records the tag (a marker, for its end tag and its depth) and its namespace
// declarations.
func (p *updateParser) push(t tag) {
	p.ns = append(p.ns, nsDecl{prefix: "\x00", name: t.qname, depth: t.depth})
	for _, a := range t.attrs {
		switch {
		case string(a.prefix) == "xmlns":
			p.ns = append(p.ns, nsDecl{prefix: p.str(a.local), uri: a.value, depth: t.depth})
		case len(a.prefix) == 0 && string(a.local) == "xmlns":
			p.ns = append(p.ns, nsDecl{prefix: "", uri: a.value, depth: t.depth})
		}
	}
}

// openName is the qualified name of the innermost open element.
func (p *updateParser) openName() []byte {
	d := p.depth()
	for i := len(p.ns) - 1; i >= 0 && p.ns[i].depth == d; i-- {
		if p.ns[i].prefix == "\x00" {
			return p.ns[i].name
		}
	}
	p.fail("end tag without an open element")
	return nil
}

// pop forgets the declarations of the element at depth.
func (p *updateParser) pop(depth int) {
	for len(p.ns) > 0 && p.ns[len(p.ns)-1].depth >= depth {
		p.ns = p.ns[:len(p.ns)-1]
	}
}

// endTag reads "</name>", which must close the innermost open element, and pops it.
func (p *updateParser) endTag() {
	d := p.depth()
	p.i += 2
	start := p.i
	p.name()
	if open := p.openName(); !bytes.Equal(open, p.b[start:p.i]) {
		p.fail("end tag does not match " + string(open))
	}
	p.space()
	if p.i >= len(p.b) || p.b[p.i] != '>' {
		p.fail("bad end tag")
	}
	p.i++
	p.pop(d)
}

// name reads "prefix:local" or "local": ASCII names only (letters, digits, "_", "-", "."; not
// starting with a digit, "-" or "."). A name beyond ASCII is left to govmomi's decoder.
func (p *updateParser) name() (prefix, local []byte) {
	start := p.i
	colon := -1
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == ':' && colon < 0:
			colon = p.i
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9', c == '-', c == '.':
			if p.i == start || p.i == colon+1 {
				p.fail("bad name")
			}
		case isSpace(c), c == '>', c == '/', c == '=':
			goto done
		default:
			p.fail("bad name")
		}
		p.i++
	}
done:
	if p.i == start {
		p.fail("empty name")
	}
	if colon < 0 {
		return nil, p.b[start:p.i]
	}
	if colon == start || colon == p.i-1 {
		p.fail("bad qualified name")
	}
	return p.b[start:colon], p.b[colon+1 : p.i]
}

// text reads an element's character data up to its end tag, which it reads too. An element
// with child elements fails.
func (p *updateParser) text(t tag) string { return p.textOf(t, false) }

// word is text for a value that repeats (a MoRef, a property name, a kind): interned.
func (p *updateParser) word(t tag) string { return p.textOf(t, true) }

func (p *updateParser) textOf(t tag, intern bool) string {
	if t.empty {
		return ""
	}
	j := bytes.IndexByte(p.b[p.i:], '<')
	if j < 0 {
		p.fail("unterminated text")
	}
	raw := p.b[p.i : p.i+j]
	var s string
	if intern {
		s = p.unescape(raw)
	} else {
		s = p.unescapeNew(raw)
	}
	p.i += j
	if !p.at("</") {
		p.fail("element in text")
	}
	p.endTag()
	return s
}

// skip reads past the rest of an element whose start tag was t.
func (p *updateParser) skip(t tag) {
	if t.empty {
		return
	}
	for {
		j := bytes.IndexByte(p.b[p.i:], '<')
		if j < 0 {
			p.fail("unterminated element")
		}
		p.i += j
		switch {
		case p.at("</"):
			p.endTag()
			if p.depth() < t.depth {
				return
			}
		case p.at("<!"), p.at("<?"):
			p.fail("CDATA, a comment or an instruction")
		default:
			p.skip(p.startTag())
		}
	}
}

// unescapeNew is unescape without interning.
func (p *updateParser) unescapeNew(b []byte) string {
	if p.plain(b) {
		return string(b)
	}
	return p.unescape(b)
}

// plain says whether b needs no decoding: valid UTF-8 without entities or carriage returns.
func (p *updateParser) plain(b []byte) bool {
	return bytes.IndexByte(b, '&') < 0 && bytes.IndexByte(b, '\r') < 0 && utf8.Valid(b) && !hasControl(b)
}

func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return true
		}
	}
	return false
}

// unescape decodes the predefined entities and character references; anything else fails.
// The bytes must be valid UTF-8, as the decoder requires. Short results are interned.
func (p *updateParser) unescape(b []byte) string {
	if !utf8.Valid(b) {
		p.fail("invalid UTF-8")
	}
	if hasControl(b) {
		p.fail("control character")
	}
	if bytes.IndexByte(b, '&') < 0 && bytes.IndexByte(b, '\r') < 0 {
		return p.str(b)
	}
	var out strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\r' { // XML normalises line ends
			out.WriteByte('\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			continue
		}
		if c != '&' {
			out.WriteByte(c)
			continue
		}
		j := bytes.IndexByte(b[i:], ';')
		if j < 0 {
			p.fail("unterminated entity")
		}
		ent := string(b[i+1 : i+j])
		switch ent {
		case "lt":
			out.WriteByte('<')
		case "gt":
			out.WriteByte('>')
		case "amp":
			out.WriteByte('&')
		case "quot":
			out.WriteByte('"')
		case "apos":
			out.WriteByte('\'')
		default:
			var n uint64
			var err error
			switch {
			case strings.HasPrefix(ent, "#x"):
				n, err = strconv.ParseUint(ent[2:], 16, 32)
			case strings.HasPrefix(ent, "#"):
				n, err = strconv.ParseUint(ent[1:], 10, 32)
			default:
				p.fail("entity " + ent)
			}
			r := rune(n)
			if err != nil || !isXMLChar(r) {
				p.fail("bad character reference")
			}
			out.WriteRune(r)
		}
		i += j
	}
	return out.String()
}

// isXMLChar is the XML 1.0 Char production.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// body reads the envelope's body: one WaitForUpdatesExResponse, with an UpdateSet or without
// (nil: the wait ended with no change). Anything else, a fault first, fails.
func (p *updateParser) body() (set *types.UpdateSet, ok bool) {
	for {
		t, more := p.child()
		if !more {
			return set, ok
		}
		if string(t.local) != "WaitForUpdatesExResponse" || ok {
			p.fail("body child " + string(t.local))
		}
		ok = true
		for !t.empty {
			r, more := p.child()
			if !more {
				break
			}
			if string(r.local) != "returnval" || set != nil {
				p.fail("response child " + string(r.local))
			}
			set = &types.UpdateSet{}
			if !r.empty {
				p.updateSet(set)
			}
		}
	}
}

// updateSet reads a returnval's children.
func (p *updateParser) updateSet(set *types.UpdateSet) {
	for {
		t, ok := p.child()
		if !ok {
			return
		}
		switch string(t.local) {
		case "version":
			set.Version = p.text(t)
		case "truncated":
			b := p.boolean(p.text(t))
			set.Truncated = &b
		case "filterSet":
			set.FilterSet = append(set.FilterSet, p.filterUpdate(t))
		default:
			p.fail("update set child " + string(t.local))
		}
	}
}

func (p *updateParser) filterUpdate(t tag) types.PropertyFilterUpdate {
	var fu types.PropertyFilterUpdate
	if t.empty {
		return fu
	}
	for {
		c, ok := p.child()
		if !ok {
			return fu
		}
		switch string(c.local) {
		case "filter":
			fu.Filter = p.moref(c)
		case "objectSet":
			fu.ObjectSet = append(fu.ObjectSet, p.objectUpdate(c))
		default:
			p.fail("filter update child " + string(c.local)) // a missing set
		}
	}
}

func (p *updateParser) objectUpdate(t tag) types.ObjectUpdate {
	var ou types.ObjectUpdate
	if t.empty {
		return ou
	}
	for {
		c, ok := p.child()
		if !ok {
			return ou
		}
		switch string(c.local) {
		case "kind":
			ou.Kind = types.ObjectUpdateKind(p.word(c))
		case "obj":
			ou.Obj = p.moref(c)
		case "changeSet":
			ou.ChangeSet = append(ou.ChangeSet, p.change(c))
		default:
			p.fail("object update child " + string(c.local)) // a missing set
		}
	}
}

func (p *updateParser) change(t tag) types.PropertyChange {
	var pc types.PropertyChange
	if t.empty {
		return pc
	}
	for {
		c, ok := p.child()
		if !ok {
			return pc
		}
		switch string(c.local) {
		case "name":
			pc.Name = p.word(c)
		case "op":
			pc.Op = types.PropertyChangeOp(p.word(c))
		case "val":
			pc.Val = p.value(c)
		default:
			p.fail("property change child " + string(c.local))
		}
	}
}

// moref reads a ManagedObjectReference element.
func (p *updateParser) moref(t tag) types.ManagedObjectReference {
	var ref types.ManagedObjectReference
	for _, a := range t.attrs {
		if len(a.prefix) != 0 {
			continue
		}
		switch string(a.local) {
		case "type":
			ref.Type = a.value
		case "serverGuid":
			ref.ServerGUID = a.value
		}
	}
	ref.Value = p.word(t)
	return ref
}

// xsiType is the element's xsi:type, "" without one.
func (p *updateParser) xsiType(t tag) string {
	for _, a := range t.attrs {
		if string(a.local) != "type" || len(a.prefix) == 0 {
			continue
		}
		if ns := p.resolve(a.prefix); ns == xsiNamespace || ns == "xsi" {
			return a.value
		}
	}
	return ""
}

// resolve is the namespace of a name with this prefix, as govmomi's decoder resolves it: the
// URI declared for the prefix in scope, else the prefix itself (so an undeclared "xsi" stays
// "xsi", which the decoder accepts as xsi too); the default namespace, or "", for none.
func (p *updateParser) resolve(prefix []byte) string {
	for i := len(p.ns) - 1; i >= 0; i-- {
		if d := p.ns[i]; d.prefix != "\x00" && d.prefix == string(prefix) {
			return d.uri
		}
	}
	return string(prefix)
}

// basicTypes are the xsd types govmomi's decoder knows by name (vim25/xml stringToType).
var basicTypes = map[string]reflect.Type{
	"boolean": reflect.TypeFor[bool](), "byte": reflect.TypeFor[int8](), "short": reflect.TypeFor[int16](),
	"int": reflect.TypeFor[int32](), "long": reflect.TypeFor[int64](), "unsignedByte": reflect.TypeFor[uint8](),
	"unsignedShort": reflect.TypeFor[uint16](), "unsignedInt": reflect.TypeFor[uint32](),
	"unsignedLong": reflect.TypeFor[uint64](), "float": reflect.TypeFor[float32](), "double": reflect.TypeFor[float64](),
	"string": reflect.TypeFor[string](),
}

var (
	morefType      = reflect.TypeFor[types.ManagedObjectReference]()
	morefArrayType = reflect.TypeFor[types.ArrayOfManagedObjectReference]()
)

// value reads a property change's val: a string, number, boolean or enum, a MoRef or a list
// of MoRefs here; anything else through govmomi's decoder.
func (p *updateParser) value(t tag) any {
	name := p.xsiType(t)
	var typ reflect.Type
	switch {
	case strings.HasPrefix(name, "xsd:"):
		typ = basicTypes[name[4:]]
	case strings.HasPrefix(name, "xs:"):
		typ = basicTypes[name[3:]]
	case name != "":
		typ = basicTypes[name]
		if typ == nil && p.typeFunc != nil {
			typ, _ = p.typeFunc(name)
		}
	}
	if typ == nil {
		return p.slowValue(t)
	}
	switch typ {
	case morefType:
		return p.moref(t)
	case morefArrayType:
		var list types.ArrayOfManagedObjectReference
		if t.empty {
			return list
		}
		for {
			c, ok := p.child()
			if !ok {
				return list
			}
			if string(c.local) != "ManagedObjectReference" {
				p.fail("list child " + string(c.local))
			}
			list.ManagedObjectReference = append(list.ManagedObjectReference, p.moref(c))
		}
	}
	v := reflect.New(typ).Elem()
	switch typ.Kind() {
	case reflect.String:
		if typ == basicTypes["string"] {
			v.SetString(p.text(t))
		} else {
			v.SetString(p.word(t)) // an enum: a few values, repeated
		}
	case reflect.Bool:
		v.SetBool(p.boolean(p.text(t)))
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(p.text(t)), 10, typ.Bits())
		if err != nil {
			p.fail("bad integer")
		}
		v.SetInt(n)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(strings.TrimSpace(p.text(t)), 10, typ.Bits())
		if err != nil {
			p.fail("bad integer")
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(p.text(t)), typ.Bits())
		if err != nil {
			p.fail("bad number")
		}
		v.SetFloat(f)
	default:
		return p.slowValue(t)
	}
	return v.Interface()
}

func (p *updateParser) boolean(s string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		p.fail("bad boolean")
	}
	return b
}

// slowValue reads the val element whose start tag was t with govmomi's decoder, inside a
// property change that declares the namespaces in scope.
func (p *updateParser) slowValue(t tag) any {
	p.skip(t)
	raw := p.b[t.start:p.i]
	var doc bytes.Buffer
	doc.WriteString("<changeSet")
	seen := map[string]bool{}
	for i := len(p.ns) - 1; i >= 0; i-- {
		d := p.ns[i]
		if d.prefix == "\x00" || d.depth >= t.depth || seen[d.prefix] {
			continue // a marker, the val's own (it declares them itself), or hidden
		}
		seen[d.prefix] = true
		if d.prefix == "" {
			doc.WriteString(` xmlns="`)
		} else {
			doc.WriteString(` xmlns:` + d.prefix + `="`)
		}
		_ = xml.EscapeText(&doc, []byte(d.uri))
		doc.WriteString(`"`)
	}
	doc.WriteString(">")
	doc.Write(raw)
	doc.WriteString("</changeSet>")
	var pc types.PropertyChange
	dec := xml.NewDecoder(&doc)
	dec.TypeFunc = p.typeFunc
	if err := dec.Decode(&pc); err != nil {
		p.fail("value: " + err.Error())
	}
	return pc.Val
}
