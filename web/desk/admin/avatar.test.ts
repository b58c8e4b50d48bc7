import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { avatarUrl } from '../Avatar';
import { AVATAR_SIDE, AVATAR_TYPES, avatarErrorText, avatarPlan, MAX_AVATAR, shrunkProblem, squareCrop } from './avatar';

describe("an agent's avatar URL", () => {
  it('carries avatar_at, so a new picture is a new URL', () => {
    expect(avatarUrl('ag-1', '2026-11-30T21:32:45.123Z')).toBe('/api/v1/agents/ag-1/avatar?v=2026-11-30T21%3A32%3A45.123Z');
    expect(avatarUrl('ag-1', '2026-12-01T08:00:00Z')).not.toBe(avatarUrl('ag-1', '2026-11-30T21:32:45.123Z'));
  });

  it('is none without avatar_at: the initial shows', () => {
    expect(avatarUrl('ag-1')).toBe('');
    expect(avatarUrl('ag-1', '')).toBe('');
  });

  it('escapes the id and the time', () => {
    expect(avatarUrl('a/b?c', '2026-11-30T22:32:45+01:00')).toBe('/api/v1/agents/a%2Fb%3Fc/avatar?v=2026-11-30T22%3A32%3A45%2B01%3A00');
  });
});

describe('a chosen picture', () => {
  it('is sent as it is when a PNG, JPEG or WebP of at most 256 KB', () => {
    for (const type of ['image/png', 'image/jpeg', 'image/webp']) {
      expect(avatarPlan({ type, size: 1 })).toEqual({ problem: '', shrink: false });
      expect(avatarPlan({ type, size: MAX_AVATAR })).toEqual({ problem: '', shrink: false });
    }
  });

  it('is made smaller first past 256 KB', () => {
    expect(MAX_AVATAR).toBe(256 * 1024);
    expect(avatarPlan({ type: 'image/jpeg', size: MAX_AVATAR + 1 })).toEqual({ problem: '', shrink: true });
    expect(avatarPlan({ type: 'image/png', size: 8 * 1024 * 1024 })).toEqual({ problem: '', shrink: true });
  });

  it('is refused, with what to choose, when another kind of file', () => {
    for (const type of ['', 'image/gif', 'image/svg+xml', 'image/heic', 'application/pdf', 'image/png,image/jpeg']) {
      const plan = avatarPlan({ type, size: 1000 });
      expect(plan.problem).toBe('Choose a PNG, JPEG or WebP picture.');
      expect(plan.shrink).toBe(false);
    }
  });

  it('is refused when empty', () => {
    expect(avatarPlan({ type: 'image/png', size: 0 }).problem).toMatch(/empty/);
  });

  it('offers the same kinds in the file input', () => {
    expect(AVATAR_TYPES).toBe('image/png,image/jpeg,image/webp');
  });

  it('made smaller, is sent when within 256 KB, else refused with its size', () => {
    expect(shrunkProblem(MAX_AVATAR)).toBe('');
    expect(shrunkProblem(300 * 1024)).toMatch(/300 KB, more than 256 KB/);
  });
});

describe('the square a big picture is redrawn from', () => {
  it('is the centred square, drawn at 256 pixels at most', () => {
    expect(squareCrop(4000, 3000, AVATAR_SIDE)).toEqual({ sx: 500, sy: 0, side: 3000, size: 256 });
    expect(squareCrop(1080, 1920, AVATAR_SIDE)).toEqual({ sx: 0, sy: 420, side: 1080, size: 256 });
    expect(squareCrop(1001, 1000, AVATAR_SIDE)).toEqual({ sx: 0, sy: 0, side: 1000, size: 256 });
  });

  it('is never enlarged', () => {
    expect(squareCrop(200, 120, AVATAR_SIDE)).toEqual({ sx: 40, sy: 0, side: 120, size: 120 });
  });
});

describe("the server's refusals", () => {
  it('are told in plain words', () => {
    expect(avatarErrorText(new ApiError(415, 'invalid_avatar', 'an avatar is a PNG, JPEG or WebP image'), 'Saving your picture')).toMatch(/not a PNG, JPEG or WebP picture/);
    expect(avatarErrorText(new ApiError(413, 'avatar_too_large', 'an avatar may have at most 256 KB'), 'Saving your picture')).toMatch(/more than 256 KB/);
  });

  it('fall back to the settings wording otherwise', () => {
    expect(avatarErrorText(new ApiError(500, 'internal', 'boom'), 'Saving your picture')).toBe('Saving your picture failed. Try again.');
    expect(avatarErrorText(new TypeError('Failed to fetch'), 'Removing your picture')).toBe('Removing your picture failed: Live Desk cannot be reached.');
  });
});
