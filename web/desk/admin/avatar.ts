// The agent's own avatar (Your profile): what the server takes (docs/api.md,
// PUT /api/v1/me/avatar), checked before sending, and a big picture made
// small enough in the browser first.
import { ApiError } from '../api';
import { errorText } from './form';

/** The most bytes an avatar may have (avatar_too_large past it). */
export const MAX_AVATAR = 256 * 1024;

/** The pictures an avatar may be (invalid_avatar otherwise): the file input's accept. */
export const AVATAR_TYPES = 'image/png,image/jpeg,image/webp';

/** The side, in pixels, a picture too big to send is redrawn at (at most). */
export const AVATAR_SIDE = 256;

/**
 * What to do with a chosen file: tell why it cannot be an avatar
 * (problem), or send it, made smaller first when it has too many bytes
 * (shrink): a photo straight from a camera works too.
 */
export function avatarPlan(f: { type: string; size: number }): { problem: string; shrink: boolean } {
  if (!f.type || !AVATAR_TYPES.split(',').includes(f.type)) return { problem: 'Choose a PNG, JPEG or WebP picture.', shrink: false };
  if (f.size === 0) return { problem: 'This file is empty. Choose another picture.', shrink: false };
  return { problem: '', shrink: f.size > MAX_AVATAR };
}

/** Why a picture, made smaller, still cannot be sent: '' when it can. */
export function shrunkProblem(size: number): string {
  return size > MAX_AVATAR ? `Even made smaller, this picture has ${Math.ceil(size / 1024)} KB, more than 256 KB. Choose a simpler one.` : '';
}

/**
 * The centred square of a w × h picture (from sx, sy, side pixels wide)
 * and the side it is drawn at: max at most, never enlarged. The desk shows
 * avatars as circles, so the corners cut off were never seen.
 */
export function squareCrop(w: number, h: number, max: number): { sx: number; sy: number; side: number; size: number } {
  const side = Math.min(w, h);
  return { sx: Math.floor((w - side) / 2), sy: Math.floor((h - side) / 2), side, size: Math.min(side, max) };
}

/** What to tell of a failed upload or removal (what: "Saving your picture"). */
export function avatarErrorText(err: unknown, what: string): string {
  if (err instanceof ApiError && err.code === 'invalid_avatar') return 'This file is not a PNG, JPEG or WebP picture. Choose another one.';
  if (err instanceof ApiError && err.code === 'avatar_too_large') return 'This picture has more than 256 KB. Choose a smaller one.';
  return errorText(err, what);
}

/**
 * A picture redrawn as its centred square of at most AVATAR_SIDE pixels:
 * PNG (transparency kept) unless the picture was a JPEG or the PNG is still
 * too big, then JPEG on white. Rejects when the browser cannot read it.
 */
export async function shrink(file: Blob): Promise<Blob> {
  const bitmap = await createImageBitmap(file);
  const c = squareCrop(bitmap.width, bitmap.height, AVATAR_SIDE);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = c.size;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no canvas');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, c.sx, c.sy, c.side, c.side, 0, 0, c.size, c.size);
  bitmap.close();
  const encode = (type: string) => new Promise<Blob | null>((done) => canvas.toBlob(done, type, 0.88));
  let out = file.type === 'image/jpeg' ? null : await encode('image/png');
  if (!out || out.size > MAX_AVATAR) {
    // JPEG has no transparency: white behind what is there.
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, c.size, c.size);
    out = await encode('image/jpeg');
  }
  if (!out) throw new Error('not encoded');
  return out;
}
