// Package whatsapp is the WhatsApp channel (issue 19): a WhatsApp
// Business number connected through the Cloud API, whose users write to
// the same desk as the widget's visitors.
//
// A number is a site of channel "whatsapp" (store.WhatsAppChannel holds
// its credentials), and each WhatsApp user of it a visitor of that site,
// so routing, transfer, tickets, the out-of-hours flow, contacts and
// analytics are the ones every chat has. What is WhatsApp's own lives
// here: the webhook that brings messages and delivery states in
// (inbound.go), the runner that sends what the customer should see of a
// conversation through the Graph API (outbound.go), the 24-hour window
// and templates (window.go), and the channels' settings (this file).
package whatsapp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/clock"
	"github.com/querytel/livedesk/internal/event"
	"github.com/querytel/livedesk/internal/file"
	"github.com/querytel/livedesk/internal/site"
	"github.com/querytel/livedesk/internal/store"
)

// Store is what the channel needs from the database.
type Store interface {
	CreateWhatsAppChannel(ctx context.Context, st store.Site, c store.WhatsAppChannel, now time.Time) (store.WhatsAppChannel, error)
	GetWhatsAppChannel(ctx context.Context, workspaceID, siteID string) (store.WhatsAppChannel, error)
	WhatsAppChannelBySite(ctx context.Context, siteID string) (store.WhatsAppChannel, error)
	ListWhatsAppChannels(ctx context.Context, workspaceID string) ([]store.WhatsAppChannel, error)
	UpdateWhatsAppChannel(ctx context.Context, c store.WhatsAppChannel, now time.Time) (store.WhatsAppChannel, error)
	SetWhatsAppChannelStatus(ctx context.Context, workspaceID, siteID, status, lastError string, now time.Time) (bool, error)
	DeleteWhatsAppChannel(ctx context.Context, workspaceID, siteID string) error
	WhatsAppUserOf(ctx context.Context, workspaceID, siteID, user string) (store.WhatsAppUser, error)
	WhatsAppUserByVisitor(ctx context.Context, workspaceID, visitorID string) (store.WhatsAppUser, error)
	CreateWhatsAppUser(ctx context.Context, workspaceID, siteID, user, phone, name string, now time.Time) (store.WhatsAppUser, error)
	WhatsAppMessageSeen(ctx context.Context, workspaceID, siteID, wamid string) (bool, error)
	RecordWhatsAppInbound(ctx context.Context, in store.WhatsAppInbound, now time.Time) error
	ClaimWhatsAppThreads(ctx context.Context, now, lease time.Time, limit int) ([]store.WhatsAppThread, error)
	AdvanceWhatsAppThread(ctx context.Context, t store.WhatsAppThread, o store.WhatsAppOutcome, renew, now time.Time) (bool, error)
	WakeWhatsAppThread(ctx context.Context, workspaceID, siteID, conversationID string, now time.Time) error
	WakeWhatsAppThreads(ctx context.Context, now time.Time) (int, error)
	RetryWhatsAppThread(ctx context.Context, t store.WhatsAppThread, lastError string, hold bool, next, now time.Time) (bool, error)
	SetWhatsAppStatus(ctx context.Context, workspaceID, siteID, wamid, status string, code int, errText string, now time.Time) (store.WhatsAppStatus, bool, error)
	WhatsAppConversation(ctx context.Context, workspaceID, conversationID string, limit int) (store.WhatsAppState, error)
	ReplaceWhatsAppTemplates(ctx context.Context, workspaceID, siteID string, ts []store.WhatsAppTemplate, now time.Time) error
	ListWhatsAppTemplates(ctx context.Context, workspaceID, siteID string) ([]store.WhatsAppTemplate, error)
	GetWhatsAppTemplate(ctx context.Context, workspaceID, siteID, id string) (store.WhatsAppTemplate, error)
	GetConversation(ctx context.Context, workspaceID, id string) (store.Conversation, error)
	ListMessages(ctx context.Context, workspaceID, conversationID string, afterSeq, untilSeq int64, limit int) ([]store.Message, error)
}

// Chat is what the channel needs of the conversations (package chat).
type Chat interface {
	Start(ctx context.Context, a auth.Actor, departmentID string) (store.Conversation, error)
	Get(ctx context.Context, a auth.Actor, id string) (store.Conversation, error)
	Send(ctx context.Context, a auth.Actor, conversationID, clientMsgID, text string) (store.Message, bool, error)
	SendTemplated(ctx context.Context, a auth.Actor, conversationID, clientMsgID, text string, meta map[string]any) (store.Message, bool, error)
	Seen(ctx context.Context, a auth.Actor, conversationID string, seq int64) error
	Delivered(ctx context.Context, a auth.Actor, conversationID string, seq int64) error
}

// Files stores what a customer sends as a file, and reads what an agent
// sends (package file).
type Files interface {
	Upload(ctx context.Context, a auth.Actor, in file.Upload) (store.Message, bool, error)
	Open(ctx context.Context, a auth.Actor, id string) (store.File, io.ReadSeeker, error)
}

// Sites reads sites through the node's cache (package site).
type Sites interface {
	Cached(ctx context.Context, workspaceID, id string) (store.Site, error)
}

// Service is the WhatsApp channel of every workspace on this node.
type Service struct {
	store     Store
	chat      Chat
	files     Files
	sites     Sites
	pub       *event.Publisher
	clock     clock.Clock
	cloud     *Cloud
	audit     auth.Recorder
	log       *slog.Logger
	publicURL string
	kinds     kindCache
	// nudge wakes the runner when a message was stored for a customer on
	// this node (other nodes' runners find it within PollEvery).
	nudge chan struct{}
}

// Config is how a Service is made.
type Config struct {
	Store     Store
	Chat      Chat
	Files     Files
	Sites     Sites
	Publisher *event.Publisher
	Clock     clock.Clock
	Cloud     *Cloud
	Audit     auth.Recorder
	Log       *slog.Logger
	// PublicURL is where WhatsApp reaches this server: the webhook URL an
	// admin pastes into Meta's app settings starts with it.
	PublicURL string
}

// New returns a Service.
func New(c Config) *Service {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: c.Store, chat: c.Chat, files: c.Files, sites: c.Sites, pub: c.Publisher, clock: c.Clock, cloud: c.Cloud,
		audit: c.Audit, log: c.Log, publicURL: strings.TrimSuffix(c.PublicURL, "/"), nudge: make(chan struct{}, 1),
		kinds: kindCache{m: map[string]kind{}}}
}

// Channel is a channel as admins see it: never its secrets.
type Channel struct {
	ID string `json:"id"` // its site's id
	store.WhatsAppChannel
	WebhookURL string `json:"webhook_url"`
}

func (s *Service) view(c store.WhatsAppChannel) Channel {
	return Channel{ID: c.SiteID, WhatsAppChannel: c, WebhookURL: s.publicURL + "/api/v1/whatsapp/webhook/" + c.SiteID}
}

// Errors.
var (
	ErrChannelNotFound = apperr.New(apperr.NotFound, "whatsapp_channel_not_found", "no such WhatsApp channel")
	ErrNumberTaken     = apperr.New(apperr.Conflict, "phone_number_taken", "another channel already has this phone number id")
	ErrNotWhatsApp     = apperr.New(apperr.NotFound, "not_whatsapp", "this conversation is not a WhatsApp conversation")
	ErrNotConnected    = apperr.New(apperr.Conflict, "whatsapp_not_connected", "the conversation's WhatsApp number is not connected: an admin must connect it in Settings → WhatsApp")
)

// Limits.
const (
	MaxChannels    = 20 // numbers per workspace
	MaxSecret      = 1024
	MinVerifyToken = 8
	MaxVerifyToken = 128
)

// Input is what an admin sets on a channel; nil fields stay as they are.
// The secrets are write-only.
type Input struct {
	Name               *string `json:"name"`
	PhoneNumberID      *string `json:"phone_number_id"`
	BusinessAccountID  *string `json:"business_account_id"`
	DisplayPhoneNumber *string `json:"display_phone_number"`
	AccessToken        *string `json:"access_token"`
	AppSecret          *string `json:"app_secret"`
	VerifyToken        *string `json:"verify_token"`
}

var (
	graphID    = regexp.MustCompile(`^[0-9]{1,32}$`)
	phoneShown = regexp.MustCompile(`^\+?[0-9][0-9 ()./-]{2,30}$`)
)

func secretField(field string, v *string, min int) (string, error) {
	if v == nil {
		return "", apperr.Invalidf(field, "required", "%s is required", field)
	}
	t := strings.TrimSpace(*v)
	if utf8.RuneCountInString(t) < min || len(t) > MaxSecret || strings.ContainsAny(t, " \t\r\n") {
		return "", apperr.Invalidf(field, "invalid_"+field, "%s must be %d to %d characters without spaces", field, min, MaxSecret)
	}
	return t, nil
}

// apply checks in and sets it on c; create: every field is required
// (but the verify token, made when not given).
func apply(c *store.WhatsAppChannel, in Input, create bool) error {
	if in.PhoneNumberID != nil || create {
		if !create {
			return apperr.Invalidf("phone_number_id", "immutable", "a channel's phone number id cannot change: connect the number as a new channel")
		}
		if in.PhoneNumberID == nil || !graphID.MatchString(*in.PhoneNumberID) {
			return apperr.Invalidf("phone_number_id", "invalid_phone_number_id", "phone_number_id is the number's id in WhatsApp Manager: digits only")
		}
		c.PhoneNumberID = *in.PhoneNumberID
	}
	if in.BusinessAccountID != nil || create {
		if in.BusinessAccountID == nil || !graphID.MatchString(*in.BusinessAccountID) {
			return apperr.Invalidf("business_account_id", "invalid_business_account_id", "business_account_id is the WhatsApp Business Account id: digits only")
		}
		c.BusinessAccountID = *in.BusinessAccountID
	}
	if in.DisplayPhoneNumber != nil || create {
		if in.DisplayPhoneNumber == nil || !phoneShown.MatchString(strings.TrimSpace(*in.DisplayPhoneNumber)) {
			return apperr.Invalidf("display_phone_number", "invalid_display_phone_number", "display_phone_number is the number as customers see it, such as +1 555 0100")
		}
		c.DisplayPhoneNumber = strings.TrimSpace(*in.DisplayPhoneNumber)
	}
	var err error
	if in.AccessToken != nil || create {
		if c.AccessToken, err = secretField("access_token", in.AccessToken, 16); err != nil {
			return err
		}
	}
	if in.AppSecret != nil || create {
		if c.AppSecret, err = secretField("app_secret", in.AppSecret, 16); err != nil {
			return err
		}
	}
	if in.VerifyToken != nil {
		if c.VerifyToken, err = secretField("verify_token", in.VerifyToken, MinVerifyToken); err != nil {
			return err
		}
		if len(c.VerifyToken) > MaxVerifyToken {
			return apperr.Invalidf("verify_token", "invalid_verify_token", "verify_token may have at most %d characters", MaxVerifyToken)
		}
	} else if create {
		c.VerifyToken = "wavt_" + auth.RandomToken(18)
	}
	return nil
}

// List lists the workspace's channels (admins).
func (s *Service) List(ctx context.Context, a auth.Actor) ([]Channel, error) {
	if !a.Can(auth.ManageWorkspace) {
		return nil, apperr.ErrForbidden
	}
	list, err := s.store.ListWhatsAppChannels(ctx, a.WorkspaceID)
	out := make([]Channel, 0, len(list))
	for _, c := range list {
		out = append(out, s.view(c))
	}
	return out, err
}

// Get reads one channel (admins).
func (s *Service) Get(ctx context.Context, a auth.Actor, id string) (Channel, error) {
	if !a.Can(auth.ManageWorkspace) {
		return Channel{}, apperr.ErrForbidden
	}
	c, err := s.store.GetWhatsAppChannel(ctx, a.WorkspaceID, id)
	if errors.Is(err, store.ErrNotFound) {
		return Channel{}, ErrChannelNotFound
	}
	return s.view(c), err
}

// Create connects a number: a new site of channel whatsapp named
// in.Name with the credentials. It returns the verify token, shown this
// once.
func (s *Service) Create(ctx context.Context, a auth.Actor, in Input) (Channel, string, error) {
	if !a.Can(auth.ManageWorkspace) {
		return Channel{}, "", apperr.ErrForbidden
	}
	if in.Name == nil {
		return Channel{}, "", apperr.Invalidf("name", "required", "a channel needs a name")
	}
	st, err := site.Prepare(a.WorkspaceID, site.Input{Name: in.Name})
	if err != nil {
		return Channel{}, "", err
	}
	c := store.WhatsAppChannel{WorkspaceID: a.WorkspaceID}
	if err := apply(&c, in, true); err != nil {
		return Channel{}, "", err
	}
	list, err := s.store.ListWhatsAppChannels(ctx, a.WorkspaceID)
	if err != nil {
		return Channel{}, "", err
	}
	if len(list) >= MaxChannels {
		return Channel{}, "", apperr.New(apperr.Conflict, "too_many_channels", "a workspace may connect at most 20 WhatsApp numbers")
	}
	// The token must reach the number: a workspace cannot claim a number
	// id it has no access to (ids are unique across workspaces).
	if err := s.checkNumber(ctx, c.AccessToken, c.PhoneNumberID); err != nil {
		return Channel{}, "", err
	}
	out, err := s.store.CreateWhatsAppChannel(ctx, st, c, s.clock.Now())
	if errors.Is(err, store.ErrConflict) {
		return Channel{}, "", ErrNumberTaken
	}
	if err != nil {
		return Channel{}, "", err
	}
	s.record(ctx, a, "whatsapp_connected", out.SiteID, map[string]any{"phone_number_id": out.PhoneNumberID, "name": out.Name})
	return s.view(out), c.VerifyToken, nil
}

// Update changes a channel's name, ids and secrets (admins). A new
// access token clears a token_invalid status: the runner tries again.
func (s *Service) Update(ctx context.Context, a auth.Actor, id string, in Input) (Channel, error) {
	if !a.Can(auth.ManageWorkspace) {
		return Channel{}, apperr.ErrForbidden
	}
	c, err := s.store.GetWhatsAppChannel(ctx, a.WorkspaceID, id)
	if errors.Is(err, store.ErrNotFound) {
		return Channel{}, ErrChannelNotFound
	}
	if err != nil {
		return Channel{}, err
	}
	if in.Name != nil {
		st, err := site.Prepare(a.WorkspaceID, site.Input{Name: in.Name})
		if err != nil {
			return Channel{}, err
		}
		c.Name = st.Name
	}
	if err := apply(&c, in, false); err != nil {
		return Channel{}, err
	}
	if in.AccessToken != nil {
		if err := s.checkNumber(ctx, c.AccessToken, c.PhoneNumberID); err != nil {
			return Channel{}, err
		}
		c.Status, c.LastError = store.WhatsAppConnected, ""
	}
	out, err := s.store.UpdateWhatsAppChannel(ctx, c, s.clock.Now())
	if errors.Is(err, store.ErrNotFound) {
		return Channel{}, ErrChannelNotFound
	}
	if err != nil {
		return Channel{}, err
	}
	changed := []string{}
	for name, v := range map[string]*string{"name": in.Name, "business_account_id": in.BusinessAccountID,
		"display_phone_number": in.DisplayPhoneNumber, "access_token": in.AccessToken, "app_secret": in.AppSecret, "verify_token": in.VerifyToken} {
		if v != nil {
			changed = append(changed, name)
		}
	}
	s.record(ctx, a, "whatsapp_updated", id, map[string]any{"changed": changed})
	s.wake()
	return s.view(out), nil
}

// Delete disconnects a number (admins): its credentials go, its site and
// conversations stay.
func (s *Service) Delete(ctx context.Context, a auth.Actor, id string) error {
	if !a.Can(auth.ManageWorkspace) {
		return apperr.ErrForbidden
	}
	err := s.store.DeleteWhatsAppChannel(ctx, a.WorkspaceID, id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrChannelNotFound
	}
	if err == nil {
		s.record(ctx, a, "whatsapp_disconnected", id, nil)
	}
	return err
}

func (s *Service) record(ctx context.Context, a auth.Actor, action, id string, detail map[string]any) {
	if s.audit != nil {
		s.audit.Record(ctx, a, action, "whatsapp_channel", id, detail)
	}
}

// checkNumber asks the Graph API for the number with the token: it
// answers only a token with access to it.
func (s *Service) checkNumber(ctx context.Context, token, phoneNumberID string) error {
	err := s.cloud.Number(ctx, token, phoneNumberID)
	var ae *APIError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae) && ae.Status != 0 && ae.Status < 500:
		return &apperr.Error{Kind: apperr.Invalid, Code: "whatsapp_credentials_refused", Field: "access_token",
			Message: "the WhatsApp Cloud API does not give this token the number " + phoneNumberID + ": " + ae.Error(), Err: err}
	case errors.As(err, &ae):
		return &apperr.Error{Kind: apperr.Unavailable, Code: "whatsapp_api_error", Message: "the WhatsApp Cloud API did not answer: " + ae.Error(), Err: err}
	}
	return err
}

// Reachable refuses a conversation an agent would open with a WhatsApp
// customer (a proactive chat) outside the 24-hour window, before anything
// is stored; a web visitor passes.
func (s *Service) Reachable(ctx context.Context, workspaceID string, st store.Site, visitorID string) error {
	if st.Channel != store.ChannelWhatsApp {
		return nil
	}
	u, err := s.store.WhatsAppUserByVisitor(ctx, workspaceID, visitorID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !s.clock.Now().Before(u.LastInboundAt.Add(Window))) {
		return ErrWindowClosed
	}
	return err
}

// kind is what the channel remembers of a conversation: whether it is
// WhatsApp's (its site is a number). A conversation never changes site,
// so an entry never goes stale.
type kind struct {
	whatsapp  bool
	siteID    string
	visitorID string // the customer: a conversation never changes visitor either
}

// kindCache remembers conversations' kinds on this node, so an agent's
// message to a web chat costs the window check no read after the first.
type kindCache struct {
	mu sync.Mutex
	m  map[string]kind
}

// maxKinds bounds the cache: about 6 MB; when full it starts again.
const maxKinds = 65536

func (k *kindCache) get(id string) (kind, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[id]
	return v, ok
}

func (k *kindCache) put(id string, v kind) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.m) >= maxKinds {
		clear(k.m)
	}
	k.m[id] = v
}

// kindOf reads whether a conversation is WhatsApp's, through the cache.
func (s *Service) kindOf(ctx context.Context, workspaceID, conversationID string) (kind, error) {
	if k, ok := s.kinds.get(kindKey(workspaceID, conversationID)); ok {
		return k, nil
	}
	c, err := s.store.GetConversation(ctx, workspaceID, conversationID)
	if err != nil {
		return kind{}, err
	}
	st, err := s.sites.Cached(ctx, workspaceID, c.SiteID)
	if err != nil {
		return kind{}, err
	}
	k := kind{whatsapp: st.Channel == store.ChannelWhatsApp, siteID: c.SiteID, visitorID: c.VisitorID}
	s.kinds.put(kindKey(workspaceID, conversationID), k)
	return k, nil
}

// kindKey is a conversation's key in the kind cache: its workspace's too,
// so a caller naming another workspace's conversation never reads its
// kind.
func kindKey(workspaceID, conversationID string) string { return workspaceID + "\x00" + conversationID }

// wake tells this node's runner there may be something to send.
func (s *Service) wake() {
	select {
	case s.nudge <- struct{}{}:
	default:
	}
}

// Window is how long after a customer's last message free text may be
// sent to them on WhatsApp.
const Window = 24 * time.Hour
