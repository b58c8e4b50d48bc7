// Attachments, on both sides: what a file message names, the check a
// client makes before uploading (the server checks again), and sizes for
// people. The upload itself is upload.ts (the desk loads it on first use).
import type { FileMeta, FilePolicy, Message } from './protocol';

/** The file a file message names, or null. */
export function fileOf(m: Pick<Message, 'kind' | 'meta'>): FileMeta | null {
  const f = m.kind === 'file' ? (m.meta?.file as FileMeta | undefined) : undefined;
  return f && typeof f.id === 'string' ? f : null;
}

/** Why policy refuses file before it is sent: 'too_large', 'type', 'off'; null when it may go. */
export function refusal(policy: FilePolicy | null | undefined, file: { name: string; size: number }): 'too_large' | 'type' | 'off' | 'empty' | null {
  if (!policy) return null; // not told yet: the server decides
  if (policy.max_bytes <= 0) return 'off';
  if (file.size === 0) return 'empty';
  if (file.size > policy.max_bytes) return 'too_large';
  const dot = file.name.lastIndexOf('.');
  if (dot < 0 || !policy.accept.includes(file.name.slice(dot).toLowerCase())) return 'type';
  return null;
}

/** 1536 → "1.5 KB", 10485760 → "10 MB". */
export function fileSize(n: number): string {
  if (n < 1024) return `${n} B`;
  const [v, unit] = n < 1024 * 1024 ? [n / 1024, 'KB'] : [n / (1024 * 1024), 'MB'];
  return `${v < 10 ? Math.round(v * 10) / 10 : Math.round(v)} ${unit}`;
}

/** Shown inline (an image) rather than as a card. */
export function isImage(f: FileMeta): boolean {
  return /^image\/(png|jpeg|gif|webp)$/.test(f.type);
}
