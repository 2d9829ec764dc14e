package wire

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFormatFloatMatchesPythonRepr(t *testing.T) {
	// Runtime arithmetic (constants would be folded exactly by the compiler).
	sub := func(a, b float64) float64 { return a - b }
	add := func(a, b float64) float64 { return a + b }
	tests := []struct {
		in   float64
		want string
	}{
		{115, "115.0"},
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{283.13, "283.13"},
		{sub(48.13, 41.85), "6.280000000000001"},
		{add(0.1, 0.2), "0.30000000000000004"},
		{1234567, "1234567.0"},
		{1e15, "1000000000000000.0"},
		{1e16, "1e+16"},
		{1.5e300, "1.5e+300"},
		{0.0001, "0.0001"},
		{0.00001, "1e-05"},
		{-2.5e-7, "-2.5e-07"},
		{math.Inf(1), "inf"},
		{math.NaN(), "nan"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, FormatFloat(tt.in), "FormatFloat(%v)", tt.in)
	}
}

func TestDecodeCallValueKinds(t *testing.T) {
	body := `<?xml version='1.0'?>
<methodCall>
<methodName>execute_kw</methodName>
<params>
<param><value><string>db</string></value></param>
<param><value><int>2</int></value></param>
<param><value><i4>-7</i4></value></param>
<param><value><i8>4294967296</i8></value></param>
<param><value>bare &amp; text</value></param>
<param><value/></param>
<param><value><nil/></value></param>
<param><value><boolean>1</boolean></value></param>
<param><value><double>283.13</double></value></param>
<param><value><dateTime.iso8601>20261124T02:25:06</dateTime.iso8601></value></param>
<param><value><base64>aGVsbG8=</base64></value></param>
<param><value><array><data>
<value><int>1</int></value>
<value><array><data></data></array></value>
</data></array></value></param>
<param><value><struct>
<member><name>b</name><value><string>x</string></value></member>
<member><name>a</name><value><struct></struct></value></member>
</struct></value></param>
</params>
</methodCall>`
	c, err := DecodeCall([]byte(body))
	require.NoError(t, err)
	require.Equal(t, "execute_kw", c.Method)
	require.Len(t, c.Params, 13)
	require.Equal(t, "db", c.Params[0])
	require.Equal(t, int64(2), c.Params[1])
	require.Equal(t, int64(-7), c.Params[2])
	require.Equal(t, int64(4294967296), c.Params[3])
	require.Equal(t, "bare & text", c.Params[4])
	require.Equal(t, "", c.Params[5])
	require.Nil(t, c.Params[6])
	require.Equal(t, true, c.Params[7])
	require.Equal(t, 283.13, c.Params[8])
	require.Equal(t, time.Date(2026, 11, 24, 2, 25, 6, 0, time.UTC), c.Params[9])
	require.Equal(t, []byte("hello"), c.Params[10])
	require.Equal(t, []any{int64(1), []any{}}, c.Params[11])
	s, ok := c.Params[12].(*Struct)
	require.True(t, ok)
	require.Equal(t, []string{"b", "a"}, s.Keys(), "struct members keep their order")
}

func TestDecodeCallRejectsMalformed(t *testing.T) {
	for _, body := range []string{
		"",
		"<methodCall>",
		"<methodCall><params></params></methodCall>",
		"<methodCall><methodName>x</methodName><params><param><value><int>z</int></value></param></params></methodCall>",
		"<methodCall><methodName>x</methodName><params><param><value><unknown/></value></param></params></methodCall>",
	} {
		_, err := DecodeCall([]byte(body))
		require.Error(t, err, "%q", body)
		require.True(t, errors.Is(err, ErrMalformed), "%q: %v", body, err)
	}
}

// The bytes Odoo 18 sends for common.version() (transcript 001).
const versionResponse = `<?xml version="1.0"?>
<methodResponse>
<params>
<param>
<value><struct>
<member>
<name>server_version</name>
<value><string>18.0</string></value>
</member>
<member>
<name>server_version_info</name>
<value><array><data>
<value><int>18</int></value>
<value><int>0</int></value>
<value><int>0</int></value>
<value><string>final</string></value>
<value><int>0</int></value>
<value><string></string></value>
</data></array></value>
</member>
<member>
<name>server_serie</name>
<value><string>18.0</string></value>
</member>
<member>
<name>protocol_version</name>
<value><int>1</int></value>
</member>
</struct></value>
</param>
</params>

</methodResponse>
`

func TestEncodeResponseIsByteExact(t *testing.T) {
	got, err := EncodeResponse(NewStruct(
		"server_version", "18.0",
		"server_version_info", []any{int64(18), int64(0), int64(0), "final", int64(0), ""},
		"server_serie", "18.0",
		"protocol_version", int64(1),
	))
	require.NoError(t, err)
	require.Equal(t, versionResponse, string(got))
}

func TestEncodeFault(t *testing.T) {
	want := "<?xml version=\"1.0\"?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n" +
		"<value><int>3</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>Access Denied</string></value>\n" +
		"</member>\n</struct></value>\n</fault>\n\n</methodResponse>\n"
	require.Equal(t, want, string(EncodeFault(3, "Access Denied")))
	legacy := string(EncodeFault("warning -- UserError\n\n<b>", ""))
	require.Contains(t, legacy, "<value><string>warning -- UserError\n\n&lt;b&gt;</string></value>")
}

func TestEncodeEscapesLikePython(t *testing.T) {
	got, err := EncodeResponse("a & b < c > d \"q\" 'q'\x01\x02\tend")
	require.NoError(t, err)
	require.Contains(t, string(got), "<value><string>a &amp; b &lt; c &gt; d \"q\" 'q'\tend</string></value>")
}

func TestEncodeRefusesNoneAndOpaque(t *testing.T) {
	_, err := EncodeResponse(NewStruct("context", NewStruct("default_invoice_payment_term_id", nil)))
	var me *MarshalError
	require.ErrorAs(t, err, &me)
	require.Equal(t, NoneMessage, me.Message)

	_, err = EncodeResponse([]any{opaque{}})
	require.ErrorAs(t, err, &me)
	require.Equal(t, "cannot marshal <class 'odoo.api.x'> objects", me.Message)

	_, err = EncodeResponse(int64(1) << 40)
	require.ErrorAs(t, err, &me)
	require.Equal(t, "int exceeds XML-RPC limits", me.Message)
}

type opaque struct{}

func (opaque) PythonClass() string { return "<class 'odoo.api.x'>" }

func TestEncodeCallRoundTrips(t *testing.T) {
	body, err := EncodeCall("execute_kw", "db", int64(2), "pw", "sale.order", "read",
		[]any{[]any{int64(37)}}, NewStruct("fields", []any{"name"}))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(body), "<?xml version='1.0'?>\n<methodCall>\n<methodName>execute_kw</methodName>"))
	c, err := DecodeCall(body)
	require.NoError(t, err)
	require.Equal(t, []any{int64(37)}, c.Params[5].([]any)[0])
	require.Equal(t, []any{"name"}, c.Params[6].(*Struct).Value("fields"))
}

func TestDecodeResponse(t *testing.T) {
	v, f, err := DecodeResponse([]byte(versionResponse))
	require.NoError(t, err)
	require.Nil(t, f)
	require.Equal(t, "18.0", v.(*Struct).Value("server_version"))

	_, f, err = DecodeResponse(EncodeFault(2, "Object x doesn't exist"))
	require.NoError(t, err)
	require.Equal(t, int64(2), f.Code)
	require.Equal(t, "Object x doesn't exist", f.String)
}

func TestMarshalJSONLikePythonDumps(t *testing.T) {
	payload := NewStruct("state", "sale", "_model", "sale.order", "amount_total", 92.0, "partner_id", int64(42),
		"client_order_ref", false, "transaction_ids", []any{}, "name", "Café \"x\"\n", "tags", []int64{1, 2})
	got, err := MarshalJSON(payload, JSONOptions{SortKeys: true})
	require.NoError(t, err)
	require.Equal(t, `{"_model": "sale.order", "amount_total": 92.0, "client_order_ref": false, "name": "Caf\u00e9 \"x\"\n", `+
		`"partner_id": 42, "state": "sale", "tags": [1, 2], "transaction_ids": []}`, got)

	indented, err := MarshalJSON(NewStruct("b", int64(1), "a", []any{"x"}), JSONOptions{SortKeys: true, Indent: 4})
	require.NoError(t, err)
	require.Equal(t, "{\n    \"a\": [\n        \"x\"\n    ],\n    \"b\": 1\n}", indented)

	emoji, err := MarshalJSON("😀", JSONOptions{})
	require.NoError(t, err)
	require.Equal(t, `"\ud83d\ude00"`, emoji)
}

func TestRepr(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{"captured", "'captured'"},
		{"it's", `"it's"`},
		{"a\nb", `'a\nb'`},
		{Tuple{"no_such_field", "=", int64(1)}, "('no_such_field', '=', 1)"},
		{Tuple{int64(1)}, "(1,)"},
		{[]any{true, nil, 1.5}, "[True, None, 1.5]"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, Repr(tt.in))
	}
}

func TestStructKeepsOrder(t *testing.T) {
	s := NewStruct("z", 1, "a", 2)
	s.Set("m", 3)
	s.Set("z", 4)
	require.Equal(t, []string{"z", "a", "m"}, s.Keys())
	require.Equal(t, 4, s.Value("z"))
	s.Delete("a")
	require.Equal(t, []string{"z", "m"}, s.Keys())
	c := s.Clone()
	c.Set("n", 5)
	require.Equal(t, 2, s.Len())
	require.Equal(t, 3, c.Len())
}
