// Small pieces every settings screen uses: a labelled field, an error line
// and the text of an API error.
import type { ComponentChildren } from 'preact';
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
export function SubmitRow({ label, busy = false, done = '' }: { label: string; busy?: boolean; done?: string }) {
  return (
    <div class="prefs-buttons">
      <button type="submit" class="btn primary" disabled={busy}>
        {busy ? 'Saving…' : label}
      </button>
      {done && (
        <span class="saved" role="status">
          {done}
        </span>
      )}
    </div>
  );
}
