// The workspace settings the preferences page edits (docs/api.md, PATCH /api/v1/workspace).
import type { NumericSetting } from './api';

export interface FieldSpec {
  key: NumericSetting;
  label: string;
  help: string;
  unit: string;
  min: number;
  max: number;
  /** The value that turns the rule off, when it can be. */
  off?: number;
  /** The value the field gets when "Off" is unticked. */
  fallback?: number;
}

export const SETTING_FIELDS: FieldSpec[] = [
  {
    key: 'inactivity_close_minutes',
    label: 'Close inactive chats after',
    help: 'A live chat with no activity for this long is closed by the system. Flagged chats are never closed this way.',
    unit: 'minutes',
    min: 1,
    max: 10080,
    off: -1,
    fallback: 30,
  },
  {
    key: 'pending_close_minutes',
    label: 'Close pending chats after',
    help: 'A chat waiting on the customer closes this long after it became pending.',
    unit: 'minutes',
    min: 0,
    max: 129600,
  },
  {
    key: 'reply_timeout_seconds',
    label: 'Reassign unanswered chats after',
    help: 'When the assigned agent has not answered the visitor for this long, the chat goes to another available agent.',
    unit: 'seconds',
    min: 1,
    max: 86400,
    off: -1,
    fallback: 120,
  },
  {
    key: 'default_max_chats',
    label: 'Default chats per agent',
    help: 'How many live chats an agent takes at once, unless the agent has its own limit.',
    unit: 'chats',
    min: 0,
    max: 100,
  },
  {
    key: 'visitor_ttl_seconds',
    label: 'Visitor presence lasts',
    help: 'How long a visitor stays online after its last heartbeat: 15 to 3600 seconds.',
    unit: 'seconds',
    min: 15,
    max: 3600,
  },
  {
    key: 'ticket_after_seconds',
    label: 'Make a waiting chat a ticket after',
    help: 'A chat no agent took this long after the visitor wrote becomes a ticket (after a minute when no agent who could take it is online). Off keeps it waiting in Live.',
    unit: 'seconds',
    min: 1,
    max: 604800,
    off: -1,
    fallback: 300,
  },
  {
    key: 'closed_retention_days',
    label: 'Delete closed chats after',
    help: 'Closed chats, with their messages, are deleted this many days after they closed. Off keeps them.',
    unit: 'days',
    min: 1,
    max: 3650,
    off: 0,
    fallback: 365,
  },
  {
    key: 'file_max_mb',
    label: 'Largest attachment',
    help: 'Visitors and agents may attach files up to this size (at most 25 MB: files are kept in the database). Off turns attachments off.',
    unit: 'MB',
    min: 1,
    max: 25,
    off: -1,
    fallback: 10,
  },
  {
    key: 'files_per_conversation',
    label: 'Attachments per chat',
    help: 'How many files one conversation may hold.',
    unit: 'files',
    min: 1,
    max: 1000,
  },
];

/** The kinds of file a workspace may take (docs/api.md, file_types), as the preferences list them. */
export const FILE_KINDS: { kind: string; label: string }[] = [
  { kind: 'image', label: 'Images (PNG, JPEG, GIF, WebP)' },
  { kind: 'pdf', label: 'PDF' },
  { kind: 'text', label: 'Text (.txt, .csv, .md, .log)' },
  { kind: 'document', label: 'Documents (Word, Excel, PowerPoint, OpenDocument, RTF)' },
  { kind: 'archive', label: 'ZIP archives' },
  { kind: 'audio', label: 'Audio (MP3, Ogg, WAV, M4A)' },
  { kind: 'video', label: 'Video (MP4, WebM, QuickTime)' },
];

/** The message shown under a field the API refused. */
export function settingErrorText(f: FieldSpec, code: string, message: string): string {
  if (code === 'out_of_range') {
    const off = f.off !== undefined ? ` (or Off)` : '';
    return `Out of range: use ${f.min} to ${f.max} ${f.unit}${off}.`;
  }
  if (code === 'invalid_type') return 'Enter a whole number.';
  return message || code;
}
