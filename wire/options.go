package wire

import "fmt"

// OptionType is the type octet of an IPv4 option (RFC 791): copied flag,
// class and number.
type OptionType uint8

// IPv4 option types.
const (
	OptEOL         OptionType = 0   // End of Option List
	OptNOP         OptionType = 1   // No Operation
	OptRecordRoute OptionType = 7   // Record Route
	OptTimestamp   OptionType = 68  // Internet Timestamp
	OptLSRR        OptionType = 131 // Loose Source and Record Route
	OptSSRR        OptionType = 137 // Strict Source and Record Route
	OptRouterAlert OptionType = 148 // Router Alert (RFC 2113)
)

func (t OptionType) String() string {
	switch t {
	case OptEOL:
		return "EOL"
	case OptNOP:
		return "NOP"
	case OptRecordRoute:
		return "RR"
	case OptTimestamp:
		return "TS"
	case OptLSRR:
		return "LSRR"
	case OptSSRR:
		return "SSRR"
	case OptRouterAlert:
		return "RA"
	}
	return fmt.Sprintf("option(%d)", uint8(t))
}

// Option is one IPv4 option in its raw form: any type, known or not, is
// kept rather than dropped. Raw holds the whole option (type, length and
// data; just the type octet for EOL and NOP) and aliases the decoded buffer.
type Option struct {
	Type OptionType
	Raw  []byte
}

// Len returns the encoded length of o.
func (o *Option) Len() int { return len(o.Raw) }

// AppendBinary appends o's raw bytes to b after checking that they are one
// well-formed option of type o.Type.
func (o *Option) AppendBinary(b []byte) ([]byte, error) {
	var c Option
	if err := c.Decode(o.Raw); err != nil {
		return b, err
	}
	if c.Type != o.Type || len(c.Raw) != len(o.Raw) {
		return b, errf("encode IPv4 option", ErrInvalid, "raw bytes hold a %d-byte %v option, not %d bytes of %v", len(c.Raw), c.Type, len(o.Raw), o.Type)
	}
	return append(b, o.Raw...), nil
}

// Decode decodes the first option in b into o.
func (o *Option) Decode(b []byte) error {
	const op = "decode IPv4 option"
	if len(b) == 0 {
		return short(op, 0, 1)
	}
	t := OptionType(b[0])
	if t == OptEOL || t == OptNOP {
		*o = Option{Type: t, Raw: b[:1:1]}
		return nil
	}
	if len(b) < 2 {
		return short(op, len(b), 2)
	}
	n := int(b[1])
	if n < 2 {
		return errf(op, ErrMalformed, "%v option length %d, at least 2", t, n)
	}
	if len(b) < n {
		return short(op, len(b), n)
	}
	*o = Option{Type: t, Raw: b[:n:n]}
	return nil
}

// FindOption returns the first option of type t in the options area opts,
// stopping at End of Option List. found is false when there is none; err
// reports a malformed option met before it.
func FindOption(opts []byte, t OptionType) (o Option, found bool, err error) {
	for len(opts) > 0 {
		if err := o.Decode(opts); err != nil {
			return Option{}, false, err
		}
		if o.Type == t {
			return o, true, nil
		}
		if o.Type == OptEOL {
			break
		}
		opts = opts[len(o.Raw):]
	}
	return Option{}, false, nil
}

// PadOptions appends End of Option List octets to the options area opts
// until its length is a multiple of 4, as the IPv4 header requires.
// Options are aligned within the area with OptNOP, appended by the caller.
func PadOptions(opts []byte) []byte {
	for len(opts)%4 != 0 {
		opts = append(opts, byte(OptEOL))
	}
	return opts
}
