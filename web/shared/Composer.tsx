import type { ComponentChildren, Ref } from 'preact';
import { useRef } from 'preact/hooks';
import { MAX_TEXT } from './protocol';

interface Props {
  /** Sends the text; false keeps it in the box (the desk refuses unfilled fields). */
  onSend: (text: string) => void | boolean;
  onInput: (box: HTMLTextAreaElement) => void;
  /** Sees a key first; true means it was handled (the desk's "/" menu). */
  onKey?: (e: KeyboardEvent) => boolean;
  inputRef?: Ref<HTMLTextAreaElement>;
  placeholder: string;
  /** The accessible names of the box and of the send button (the widget's are translated). */
  label?: string;
  sendLabel?: string;
  disabled?: boolean;
  /** The send button's content (an icon). */
  children: ComponentChildren;
}

/**
 * A message box that sends on Enter (Shift+Enter adds a line) and grows
 * with its text. The widget and the desk style it their own way.
 */
export function Composer({ onSend, onInput, onKey, inputRef, placeholder, label = 'Message', sendLabel = 'Send message', disabled, children }: Props) {
  const form = useRef<HTMLFormElement>(null);
  const submit = (ta: HTMLTextAreaElement) => {
    if (!ta.value.trim() || onSend(ta.value) === false) return;
    ta.value = '';
    grow(ta);
  };
  return (
    <form
      ref={form}
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        const ta = form.current?.querySelector('textarea');
        if (ta) submit(ta);
      }}
    >
      <textarea
        ref={inputRef}
        rows={1}
        maxLength={MAX_TEXT}
        aria-label={label}
        placeholder={placeholder}
        disabled={disabled}
        onKeyDown={(e) => {
          if (onKey?.(e)) return;
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit(e.currentTarget);
          }
        }}
        onInput={(e) => {
          grow(e.currentTarget);
          onInput(e.currentTarget);
        }}
      />
      <button type="submit" class="send" aria-label={sendLabel} disabled={disabled}>
        {children}
      </button>
    </form>
  );
}

/** Fits the textarea's height to its text (CSS max-height caps it). */
function grow(ta: HTMLTextAreaElement): void {
  ta.style.height = 'auto';
  ta.style.height = `${ta.scrollHeight}px`;
}
