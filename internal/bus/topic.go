package bus

import "fmt"

// maxTopicLen keeps a subject (prefix + topic) well inside the NATS
// server's 4 KiB control-line limit; real topics are about 45 bytes.
const maxTopicLen = 255

// validateTopic enforces the one topic grammar both backends share, so an
// event that works on Memory in tests cannot fail on NATS in production.
func validateTopic(topic string) error {
	if why := checkSubject(topic); why != "" {
		return fmt.Errorf("%w %q: %s", ErrInvalidTopic, topic, why)
	}
	return nil
}

// checkSubject returns why s is not a plain NATS subject of literal tokens,
// or "" when it is one.
func checkSubject(s string) string {
	switch {
	case s == "":
		return "empty"
	case len(s) > maxTopicLen:
		return fmt.Sprintf("longer than %d bytes", maxTopicLen)
	}
	tokenLen := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if tokenLen == 0 {
				return "empty token"
			}
			tokenLen = 0
			continue
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			tokenLen++
		default:
			return fmt.Sprintf("byte %q not allowed", c)
		}
	}
	if tokenLen == 0 {
		return "empty token"
	}
	return ""
}
