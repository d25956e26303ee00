package meas

import "fmt"

// MarshalText encodes r by name, as in JSON.
func (r Reply) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText decodes a name written by MarshalText.
func (r *Reply) UnmarshalText(b []byte) error {
	i, err := lookupName(replyNames[:], string(b), "reply")
	*r = Reply(i)
	return err
}

// MarshalText encodes s by name, as in JSON.
func (s StopReason) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a name written by MarshalText.
func (s *StopReason) UnmarshalText(b []byte) error {
	i, err := lookupName(stopNames[:], string(b), "stop reason")
	*s = StopReason(i)
	return err
}

func lookupName(names []string, s, what string) (int, error) {
	for i, n := range names {
		if n == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown %s %q", what, s)
}
