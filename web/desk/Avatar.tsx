import { useState } from 'preact/hooks';

/**
 * Where an agent's avatar of avatar_at is (docs/api.md): each change is a
 * new URL, so the browser keeps each for good. '' when it has none.
 */
export const avatarUrl = (id: string, at?: string) => (at ? `/api/v1/agents/${encodeURIComponent(id)}/avatar?v=${encodeURIComponent(at)}` : '');

/**
 * An agent's circle (cls: its size), always beside the agent's name, so
 * hidden from screen readers: its picture, or its initial when it has none
 * or the picture does not load.
 */
export function Avatar({ id, at, name, cls }: { id: string; at?: string; name: string; cls: string }) {
  const src = avatarUrl(id, at);
  const [failed, setFailed] = useState('');
  return (
    <span class={`avatar ${cls}`} aria-hidden="true">
      {src && src !== failed ? <img src={src} alt="" onError={() => setFailed(src)} /> : name.slice(0, 1).toUpperCase()}
    </span>
  );
}
