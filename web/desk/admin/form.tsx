// Small pieces every settings screen uses: a labelled field, an error line
// and the text of an API error.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';

/** errorText is what to tell the user about a failed call. */
export function errorText(err: unknown, what: string): string {
  if (err instanceof ApiError) {
    if (err.status === 403) return 'Only owners and admins can do this.';
    if (err.status === 0 || err.status >= 500) return `${what} failed. Try again.`;
    return err.message;
  }
  return `${what} failed: Live Desk cannot be reached.`;
}

/** Field is a label above its input, with help and an error below. */
export function Field({ id, label, help, error, children }: { id: string; label: string; help?: string; error?: string; children: ComponentChildren }) {
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id} class="pref-label">
        {label}
      </label>
      {children}
      {help && (
        <p class="pref-help muted" id={`${id}-help`}>
          {help}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** FormError is a form's error line, announced when it appears. */
export function FormError({ text }: { text: string }) {
  if (!text) return null;
  return (
    <p class="form-error" role="alert">
      {text}
    </p>
  );
}

/** SubmitRow is a form's submit button, with what a success said (done) beside it. */
/**
 * useHeadingAfterRemoval: when a row of a list is removed, the focus went
 * with its buttons; the page's heading takes it. Call the function it
 * returns once the row is gone.
 */
export function useHeadingAfterRemoval(heading: { current: HTMLHeadingElement | null }): () => void {
  const [removed, setRemoved] = useState(0);
  useEffect(() => {
    if (removed) heading.current?.focus();
  }, [removed]);
  return () => setRemoved((n) => n + 1);
}

/**
 * useCopy copies value to the clipboard when its function is called, and
 * says how that went ('' before, 'yes', or 'failed': no clipboard, or
 * the browser refused).
 */
export function useCopy(value: string): ['' | 'yes' | 'failed', () => void] {
  const [copied, setCopied] = useState<'' | 'yes' | 'failed'>('');
  const copy = () => {
    const clip = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    if (!clip) return setCopied('failed');
    clip.writeText(value).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };
  return [copied, copy];
}

export function SubmitRow({ label, busy = false, done = '', onCancel }: { label: string; busy?: boolean; done?: string; onCancel?: () => void }) {
  return (
    <div class="prefs-buttons">
      <button type="submit" class="btn primary" disabled={busy}>
        {busy ? 'Saving…' : label}
      </button>
      {onCancel && (
        <button type="button" class="btn ghost" onClick={onCancel}>
          Cancel
        </button>
      )}
      {done && (
        <span class="saved" role="status">
          {done}
        </span>
      )}
    </div>
  );
}

/**
 * useRefocus puts the focus back on input once a ShownOnce box, standing
 * where the form was, is dismissed (shown turns null; the form is
 * rendered again by then). Call what it returns as the box is dismissed.
 */
export function useRefocus(shown: unknown, input: { current: HTMLElement | null }): () => void {
  const pending = useRef(false);
  useEffect(() => {
    if (shown || !pending.current) return;
    pending.current = false;
    input.current?.focus();
  }, [shown]);
  return () => {
    pending.current = true;
  };
}

/**
 * ShownOnce holds a secret just made (an API key's token, a webhook's
 * signing secret) until the admin says done: the server never shows it
 * again. It takes the focus when it appears, so a screen reader reads it.
 */
export function ShownOnce({ id, title, note, value, what, testId, onDone, children }: {
  id: string;
  title: string;
  /** What to do with it, after "Copy it now: it is not shown again." */
  note?: string;
  value: string;
  /** What it is, in "select the … and copy it". */
  what: string;
  testId: string;
  onDone: () => void;
  /** What else to do now, below the value (a WhatsApp number's setup steps). */
  children?: ComponentChildren;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [copied, copy] = useCopy(value);
  useEffect(() => {
    box.current?.focus();
  }, []);
  return (
    <div class="shown-once" ref={box} tabIndex={-1} role="group" aria-labelledby={`${id}-title`} aria-describedby={`${id}-once`}>
      <h3 id={`${id}-title`}>{title}</h3>
      <p id={`${id}-once`}>
        <strong>Copy it now: it is not shown again.</strong>
        {note && ` ${note}`}
      </p>
      <div class="snippet">
        <code class="secret" data-testid={testId}>
          {value}
        </code>
        <button type="button" class="btn" onClick={copy}>
          Copy
        </button>
        <span role="status" class={copied === 'failed' ? 'field-error' : 'saved'}>
          {copied === 'yes' && 'Copied.'}
          {copied === 'failed' && `Copying failed: select the ${what} and copy it.`}
        </span>
      </div>
      {children}
      <div class="prefs-buttons">
        <button type="button" class="btn primary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
