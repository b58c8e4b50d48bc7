package whatsapp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/chat"
	"github.com/querytel/livedesk/internal/file"
	"github.com/querytel/livedesk/internal/store"
)

// The webhook: WhatsApp calls the channel's URL with the verification
// handshake (GET) and with messages and delivery states (POST), signed
// with the Meta app's secret. A POST is answered 200 only once all it
// holds is stored: on any failure WhatsApp retries it (for days), and
// what was stored the first time is recognised by its wamid and not
// stored again.

// Errors of the webhook.
var (
	ErrBadSignature = apperr.New(apperr.Unauthorized, "bad_signature", "X-Hub-Signature-256 does not match the body signed with the app secret")
	ErrBadVerify    = apperr.New(apperr.Forbidden, "verify_token_mismatch", "hub.verify_token does not match the channel's verify token")
	ErrBadPayload   = apperr.New(apperr.Invalid, "invalid_payload", "the body is not a WhatsApp Business Account webhook")
)

// StatusGrace is how long a delivery state for a message id not stored
// (yet) is asked for again: the runner stores an id a moment after the
// Graph API gave it, and a status may come in between.
const StatusGrace = 5 * time.Minute

// ErrStatusEarly asks WhatsApp to send a webhook again: it holds the
// state of a message whose id is not stored yet.
var ErrStatusEarly = apperr.New(apperr.Unavailable, "status_before_message", "a status for a message not stored yet: send it again")

// MaxBody bounds a webhook's body: WhatsApp batches at most a few
// hundred small events.
const MaxBody = 1 << 20

// Verify answers the verification handshake of a channel's webhook URL:
// the challenge, when mode is "subscribe" and token is the channel's
// verify token.
func (s *Service) Verify(ctx context.Context, siteID, mode, token, challenge string) (string, error) {
	c, err := s.store.WhatsAppChannelBySite(ctx, siteID)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrChannelNotFound
	}
	if err != nil {
		return "", err
	}
	if mode != "subscribe" || subtle.ConstantTimeCompare([]byte(token), []byte(c.VerifyToken)) != 1 {
		return "", ErrBadVerify
	}
	if challenge == "" || len(challenge) > 256 {
		return "", apperr.Invalidf("hub.challenge", "invalid_challenge", "hub.challenge is required")
	}
	return challenge, nil
}

// Signature is the X-Hub-Signature-256 header WhatsApp sends for body
// under secret: what a test or a fake Cloud API signs with.
func Signature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func signed(secret string, body []byte, header string) bool {
	return subtle.ConstantTimeCompare([]byte(Signature(secret, body)), []byte(strings.ToLower(strings.TrimSpace(header)))) == 1
}

// The webhook's body, as the Cloud API documents it (only the fields
// Live Desk reads).
type (
	payload struct {
		Object string `json:"object"`
		Entry  []struct {
			ID      string `json:"id"`
			Changes []struct {
				Field string `json:"field"`
				Value value  `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	value struct {
		MessagingProduct string `json:"messaging_product"`
		Metadata         struct {
			DisplayPhoneNumber string `json:"display_phone_number"`
			PhoneNumberID      string `json:"phone_number_id"`
		} `json:"metadata"`
		Contacts []struct {
			Profile struct {
				Name string `json:"name"`
			} `json:"profile"`
			WAID   string `json:"wa_id"`
			UserID string `json:"user_id"`
		} `json:"contacts"`
		Messages []inMessage `json:"messages"`
		Statuses []inStatus  `json:"statuses"`
	}
	inMessage struct {
		From      string `json:"from"`
		UserID    string `json:"user_id"`
		ID        string `json:"id"`
		Timestamp string `json:"timestamp"`
		Type      string `json:"type"`
		Text      *struct {
			Body string `json:"body"`
		} `json:"text"`
		Image    *media `json:"image"`
		Document *media `json:"document"`
		Audio    *media `json:"audio"`
		Video    *media `json:"video"`
		Sticker  *media `json:"sticker"`
		Location *struct {
			Latitude  float64 `json:"latitude"`
			Longitude float64 `json:"longitude"`
			Name      string  `json:"name"`
			Address   string  `json:"address"`
		} `json:"location"`
		Reaction *struct {
			MessageID string `json:"message_id"`
			Emoji     string `json:"emoji"`
		} `json:"reaction"`
		Button *struct {
			Text string `json:"text"`
		} `json:"button"`
		Interactive *struct {
			Type        string `json:"type"`
			ButtonReply *struct {
				Title string `json:"title"`
			} `json:"button_reply"`
			ListReply *struct {
				Title string `json:"title"`
			} `json:"list_reply"`
		} `json:"interactive"`
	}
	media struct {
		ID       string `json:"id"`
		MimeType string `json:"mime_type"`
		Caption  string `json:"caption"`
		Filename string `json:"filename"`
	}
	inStatus struct {
		ID          string `json:"id"`
		Status      string `json:"status"`
		Timestamp   string `json:"timestamp"`
		RecipientID string `json:"recipient_id"`
		Errors      []struct {
			Code      int    `json:"code"`
			Title     string `json:"title"`
			Message   string `json:"message"`
			ErrorData struct {
				Details string `json:"details"`
			} `json:"error_data"`
		} `json:"errors"`
	}
)

// Receive takes one webhook POST for the channel of site siteID: checks
// its signature against the channel's app secret, then stores every
// message and delivery state it holds. An error means WhatsApp should
// send it again (what was stored is not stored twice).
func (s *Service) Receive(ctx context.Context, siteID string, body []byte, signature string) error {
	c, err := s.store.WhatsAppChannelBySite(ctx, siteID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrChannelNotFound
	}
	if err != nil {
		return err
	}
	if !signed(c.AppSecret, body, signature) {
		return ErrBadSignature
	}
	var p payload
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&p); err != nil || p.Object != "whatsapp_business_account" {
		return ErrBadPayload
	}
	// One Meta app may serve several numbers of a workspace through one
	// callback URL: each change names its number.
	numbers := map[string]store.WhatsAppChannel{c.PhoneNumberID: c}
	for _, e := range p.Entry {
		for _, ch := range e.Changes {
			if ch.Field != "messages" {
				continue
			}
			n, ok := numbers[ch.Value.Metadata.PhoneNumberID]
			if !ok {
				if n, ok = s.sibling(ctx, c, ch.Value.Metadata.PhoneNumberID); !ok {
					s.log.Warn("whatsapp: webhook for a number not connected here", "phone_number_id", ch.Value.Metadata.PhoneNumberID)
					continue
				}
				numbers[n.PhoneNumberID] = n
			}
			if err := s.change(ctx, n, ch.Value); err != nil {
				return err
			}
		}
	}
	return nil
}

// sibling finds another number of c's workspace signed with the same app
// secret (the same Meta app).
func (s *Service) sibling(ctx context.Context, c store.WhatsAppChannel, phoneNumberID string) (store.WhatsAppChannel, bool) {
	list, err := s.store.ListWhatsAppChannels(ctx, c.WorkspaceID)
	if err != nil {
		return store.WhatsAppChannel{}, false
	}
	for _, n := range list {
		if n.PhoneNumberID == phoneNumberID && subtle.ConstantTimeCompare([]byte(n.AppSecret), []byte(c.AppSecret)) == 1 {
			return n, true
		}
	}
	return store.WhatsAppChannel{}, false
}

func (s *Service) change(ctx context.Context, c store.WhatsAppChannel, v value) error {
	names := map[string]string{}
	for _, ct := range v.Contacts {
		if ct.UserID != "" {
			names[ct.UserID] = ct.Profile.Name
		}
		if ct.WAID != "" {
			names[ct.WAID] = ct.Profile.Name
		}
	}
	for _, m := range v.Messages {
		if err := s.inbound(ctx, c, m, names); err != nil {
			return fmt.Errorf("whatsapp: message %s: %w", m.ID, err)
		}
	}
	for _, st := range v.Statuses {
		if err := s.status(ctx, c, st); err != nil {
			return fmt.Errorf("whatsapp: status of %s: %w", st.ID, err)
		}
	}
	return nil
}

// clientMsgID is the client_msg_id an inbound message is stored under:
// the same wamid is the same message, so a retried webhook that got past
// the wamid check (it came while the first was being stored) is still
// stored once.
func clientMsgID(wamid string) string {
	sum := sha256.Sum256([]byte(wamid))
	return "wa-" + hex.EncodeToString(sum[:16])
}

// inbound stores one customer message.
func (s *Service) inbound(ctx context.Context, c store.WhatsAppChannel, m inMessage, names map[string]string) error {
	if m.ID == "" {
		return nil
	}
	if seen, err := s.store.WhatsAppMessageSeen(ctx, c.WorkspaceID, c.SiteID, m.ID); err != nil || seen {
		return err
	}
	key, phone := m.UserID, m.From
	if key == "" {
		key = m.From
	}
	if key == "" {
		return nil // no sender: nothing to answer
	}
	name := names[key]
	if name == "" {
		name = names[phone]
	}
	u, err := s.store.WhatsAppUserOf(ctx, c.WorkspaceID, c.SiteID, key)
	if errors.Is(err, store.ErrNotFound) && key != phone && phone != "" {
		// A customer first seen by phone, now also with a user id: the
		// same person, the same chat.
		u, err = s.store.WhatsAppUserOf(ctx, c.WorkspaceID, c.SiteID, phone)
	}
	if errors.Is(err, store.ErrNotFound) {
		u, err = s.store.CreateWhatsAppUser(ctx, c.WorkspaceID, c.SiteID, key, digits(phone), name, s.clock.Now())
	}
	if err != nil {
		return err
	}
	a := auth.Actor{WorkspaceID: c.WorkspaceID, VisitorID: u.VisitorID, SiteID: c.SiteID, Name: name}
	sentAt := s.clock.Now()
	if sec, err := strconv.ParseInt(m.Timestamp, 10, 64); err == nil && sec > 0 {
		if t := time.Unix(sec, 0); t.Before(sentAt) {
			sentAt = t
		}
	}
	if m.Type == "system" {
		// WhatsApp's own notice (the customer changed number): not the
		// customer writing, so the window does not move.
		sentAt = time.Time{}
	}
	// A conversation may close between finding it and writing to it: the
	// next try starts a new one.
	var stored store.Message
	for range 3 {
		conv, err := s.chat.Start(ctx, a, "")
		if err != nil {
			return err
		}
		stored, err = s.store1(ctx, c, a, conv.ID, m)
		if errors.Is(err, chat.ErrConversationClosed) {
			continue
		}
		if err != nil {
			return err
		}
		if err := s.store.RecordWhatsAppInbound(ctx, store.WhatsAppInbound{WorkspaceID: c.WorkspaceID, SiteID: c.SiteID, WAMID: m.ID,
			VisitorID: u.VisitorID, ConversationID: conv.ID, Seq: stored.Seq, SentAt: sentAt}, s.clock.Now()); err != nil {
			return err
		}
		s.kinds.put(kindKey(c.WorkspaceID, conv.ID), kind{whatsapp: true, siteID: c.SiteID, visitorID: u.VisitorID})
		s.wake() // an out-of-hours answer may be waiting
		s.publish(ctx, c.WorkspaceID, conv.ID, u.VisitorID)
		return nil
	}
	return chat.ErrConversationClosed
}

// store1 stores the message m in conversation conv as the customer a: a
// file when it brings one the workspace accepts, else its text.
func (s *Service) store1(ctx context.Context, c store.WhatsAppChannel, a auth.Actor, conv string, m inMessage) (store.Message, error) {
	id := clientMsgID(m.ID)
	if md, label := m.media(); md != nil {
		msg, _, err := s.attach(ctx, c, a, conv, id, md, label)
		if err == nil {
			if md.Caption != "" {
				// The caption follows the file as its own message.
				if _, _, err := s.chat.Send(ctx, a, conv, clientMsgID(m.ID+"/caption"), md.Caption); err != nil {
					return store.Message{}, err
				}
			}
			return msg, nil
		}
		if !mediaGone(err) {
			// Closed meanwhile, busy, or WhatsApp or the store failing for
			// now: WhatsApp sends the webhook again.
			return store.Message{}, err
		}
		// A file the workspace does not accept, or one WhatsApp no longer
		// serves, is said in words, so the agent knows it came.
		s.log.Info("whatsapp: media kept as text", "wamid", m.ID, "err", err)
	}
	msg, _, err := s.chat.Send(ctx, a, conv, id, m.text())
	return msg, err
}

// mediaGone reports whether a media message's file will never be stored:
// WhatsApp refused it for good (gone, unknown), or the workspace's file
// rules refuse it (its type or size). Anything else may pass.
func mediaGone(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return !ae.Retryable()
	}
	if errors.Is(err, errMediaRefused) {
		return true
	}
	switch apperr.From(err).Kind {
	case apperr.Invalid, apperr.Unsupported, apperr.TooLarge:
		return true
	}
	return false
}

// errMediaRefused: the media's URL or answer is not one to fetch.
var errMediaRefused = errors.New("whatsapp: media refused")

// media is the file a message brings, if any, and what it is called.
func (m inMessage) media() (*media, string) {
	switch {
	case m.Image != nil:
		return m.Image, "Image"
	case m.Document != nil:
		return m.Document, "Document"
	case m.Audio != nil:
		return m.Audio, "Audio"
	case m.Video != nil:
		return m.Video, "Video"
	case m.Sticker != nil:
		return m.Sticker, "Sticker"
	}
	return nil, ""
}

// text is how a message reads in the conversation when it is not a
// file: its text, or a line saying what WhatsApp sent.
func (m inMessage) text() string {
	switch {
	case m.Text != nil && strings.TrimSpace(m.Text.Body) != "":
		return m.Text.Body
	case m.Location != nil:
		l := m.Location
		where := strings.TrimSpace(strings.Join(nonEmpty(l.Name, l.Address), ", "))
		link := fmt.Sprintf("https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f", l.Latitude, l.Longitude)
		if where != "" {
			return fmt.Sprintf("📍 Location: %s (%.6f, %.6f) %s", where, l.Latitude, l.Longitude, link)
		}
		return fmt.Sprintf("📍 Location: %.6f, %.6f %s", l.Latitude, l.Longitude, link)
	case m.Reaction != nil && m.Reaction.Emoji != "":
		return "Reacted " + m.Reaction.Emoji + " to a message"
	case m.Reaction != nil:
		return "Removed a reaction"
	case m.Button != nil && m.Button.Text != "":
		return m.Button.Text
	case m.Interactive != nil && m.Interactive.ButtonReply != nil:
		return m.Interactive.ButtonReply.Title
	case m.Interactive != nil && m.Interactive.ListReply != nil:
		return m.Interactive.ListReply.Title
	}
	if md, label := m.media(); md != nil {
		s := "[" + label + " sent on WhatsApp, not shown here]"
		if md.Caption != "" {
			s += " " + md.Caption
		}
		return s
	}
	return "[A WhatsApp message of a kind Live Desk does not show: " + orUnknown(m.Type) + "]"
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// attach fetches a message's media from the Graph API (its URL is good
// for minutes) and stores it as the customer's file.
func (s *Service) attach(ctx context.Context, c store.WhatsAppChannel, a auth.Actor, conv, id string, md *media, label string) (store.Message, bool, error) {
	var info struct {
		URL      string `json:"url"`
		MimeType string `json:"mime_type"`
		FileSize string `json:"file_size"`
	}
	if md.ID == "" {
		return store.Message{}, false, fmt.Errorf("no media id: %w", errMediaRefused)
	}
	if err := s.cloud.call(ctx, c.AccessToken, http.MethodGet, "/"+url.PathEscape(md.ID), nil, &info); err != nil {
		return store.Message{}, false, err
	}
	if !s.mediaHost(info.URL) {
		return store.Message{}, false, fmt.Errorf("media URL %q: %w", info.URL, errMediaRefused)
	}
	ctx, cancel := context.WithTimeout(ctx, MediaTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, info.URL, nil)
	if err != nil {
		return store.Message{}, false, err
	}
	req.Header.Set("Authorization", "Bearer "+c.AccessToken)
	resp, err := s.cloud.HTTP.Do(req)
	if err != nil {
		return store.Message{}, false, &APIError{Message: "media download: " + err.Error()}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return store.Message{}, false, &APIError{Status: resp.StatusCode, Message: "media download: " + resp.Status}
	}
	name := md.Filename
	if name == "" {
		name = strings.ToLower(label) + extension(md.MimeType)
	}
	return s.files.Upload(ctx, a, file.Upload{ConversationID: conv, ClientMsgID: id, Name: name, Length: resp.ContentLength,
		Body: io.LimitReader(resp.Body, 100<<20)})
}

// mediaHosts are where WhatsApp serves media from: the bearer token is
// sent nowhere else (but to the configured Graph API's own host, which a
// fake Cloud API in tests is).
var mediaHosts = []string{".fbsbx.com", ".facebook.com", ".whatsapp.net", ".whatsapp.com", ".fbcdn.net"}

func (s *Service) mediaHost(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	if base, err := url.Parse(s.cloud.BaseURL); err == nil && u.Scheme == base.Scheme && u.Host == base.Host {
		return true
	}
	host := "." + strings.ToLower(u.Hostname())
	return u.Scheme == "https" && slices.ContainsFunc(mediaHosts, func(h string) bool { return strings.HasSuffix(host, h) })
}

func extension(mime string) string {
	mime, _, _ = strings.Cut(mime, ";")
	switch strings.TrimSpace(mime) {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "application/pdf":
		return ".pdf"
	case "audio/ogg":
		return ".ogg"
	case "audio/mpeg":
		return ".mp3"
	case "video/mp4":
		return ".mp4"
	}
	return ""
}

// status applies one delivery state WhatsApp reported: the message's
// state in the desk, and the conversation's Delivered and Seen markers
// of the customer's side (what the desk's ticks show).
func (s *Service) status(ctx context.Context, c store.WhatsAppChannel, st inStatus) error {
	status := st.Status
	if status == "played" {
		status = "read" // a voice message listened to
	}
	if _, ok := map[string]bool{"sent": true, "delivered": true, "read": true, "failed": true}[status]; !ok || st.ID == "" {
		return nil
	}
	code, text := 0, ""
	if status == "failed" && len(st.Errors) > 0 {
		e := st.Errors[0]
		code, text = e.Code, e.Title
		if text == "" {
			text = e.Message
		}
		if e.ErrorData.Details != "" {
			text += ": " + e.ErrorData.Details
		}
	}
	got, _, err := s.store.SetWhatsAppStatus(ctx, c.WorkspaceID, c.SiteID, st.ID, status, code, text, s.clock.Now())
	if errors.Is(err, store.ErrNotFound) {
		// Not sent from here (another tool on the same number), or sent
		// a moment ago and its id not stored yet: a recent one is asked
		// again, so it is not lost; an old one is let go.
		if sec, perr := strconv.ParseInt(st.Timestamp, 10, 64); perr == nil && s.clock.Now().Sub(time.Unix(sec, 0)) < StatusGrace {
			return ErrStatusEarly
		}
		return nil
	}
	if err != nil {
		return err
	}
	conv, err := s.store.GetConversation(ctx, c.WorkspaceID, got.ConversationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	// The ticks follow every time, not only when the state moved: a
	// retried webhook completes what a failure left (they never move
	// back).
	a := auth.Actor{WorkspaceID: c.WorkspaceID, VisitorID: conv.VisitorID, SiteID: c.SiteID}
	switch status {
	case "delivered":
		err = s.chat.Delivered(ctx, a, conv.ID, got.Seq)
	case "read":
		err = s.chat.Seen(ctx, a, conv.ID, got.Seq)
	}
	if err != nil {
		return err
	}
	s.publish(ctx, c.WorkspaceID, conv.ID, conv.VisitorID)
	return nil
}
