// A labelled field of the broadcast editor: its label above, then the
// input, a hint and an error below, tied to the input by aria-describedby
// (the input spreads described()).
import type { ComponentChildren } from 'preact';

/** What an input says about its hint and error: spread it on the input whose id this is. */
export const described = (id: string, error?: string, hint = false) => ({
  'aria-invalid': error ? true : undefined,
  'aria-describedby': [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined,
});

/** An error line, announced when it appears. */
export function FieldError({ id, text }: { id: string; text?: string }) {
  return text ? (
    <p class="field-error" id={id} role="alert">
      {text}
    </p>
  ) : null;
}

export function Field({ id, label, hint, error, children }: { id: string; label: string; hint?: ComponentChildren; error?: string; children: ComponentChildren }) {
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <FieldError id={`${id}-error`} text={error} />
    </div>
  );
}
