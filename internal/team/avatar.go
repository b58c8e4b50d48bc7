package team

import (
	"context"
	"errors"
	"net/http"

	"github.com/querytel/livedesk/internal/apperr"
	"github.com/querytel/livedesk/internal/auth"
	"github.com/querytel/livedesk/internal/store"
)

// Avatars: an agent's own picture, shown in the desk in place of its
// initials. Small by rule (MaxAvatar), an image the browser shows
// (PNG, JPEG, WebP, told by its bytes, not by what the upload claims).

// MaxAvatar bounds an avatar's bytes: a square of a few hundred pixels.
const MaxAvatar = 256 << 10

// avatarTypes are the images an avatar may be.
var avatarTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/webp": true}

// Avatar errors.
var (
	ErrAvatarType    = apperr.New(apperr.Unsupported, "invalid_avatar", "an avatar is a PNG, JPEG or WebP image")
	ErrAvatarTooBig  = apperr.New(apperr.TooLarge, "avatar_too_large", "an avatar may have at most 256 KB")
	ErrAvatarMissing = apperr.New(apperr.NotFound, "avatar_not_found", "this agent has no avatar")
)

// SetAvatar makes data the signed-in agent's avatar (nil removes it) and
// tells every desk. Only agents have avatars, each its own.
func (s *Service) SetAvatar(ctx context.Context, actor auth.Actor, data []byte) (store.Agent, error) {
	if actor.AgentID == "" {
		return store.Agent{}, apperr.ErrForbidden
	}
	typ := ""
	if data != nil {
		if len(data) > MaxAvatar {
			return store.Agent{}, ErrAvatarTooBig
		}
		if typ = http.DetectContentType(data); !avatarTypes[typ] {
			return store.Agent{}, ErrAvatarType
		}
	}
	a, err := s.store.SetAgentAvatar(ctx, actor.WorkspaceID, actor.AgentID, typ, data, s.clock.Now())
	if err != nil {
		return store.Agent{}, err
	}
	s.announce(ctx, a)
	return a, nil
}

// Avatar reads an agent's avatar for any agent of its workspace.
func (s *Service) Avatar(ctx context.Context, actor auth.Actor, agentID string) (string, []byte, error) {
	if actor.AgentID == "" {
		return "", nil, apperr.ErrForbidden
	}
	typ, data, err := s.store.AgentAvatar(ctx, actor.WorkspaceID, agentID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil, ErrAvatarMissing
	}
	return typ, data, err
}
