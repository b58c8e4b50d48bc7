import type { ComponentChildren, Ref } from 'preact';
import { useRef } from 'preact/hooks';
import { MAX_TEXT } from './protocol';

interface Props {
  onSend: (text: string) => void;
  onInput: () => void;
  inputRef?: Ref<HTMLTextAreaElement>;
  placeholder: string;
  disabled?: boolean;
  /** The send button's content (an icon). */
  children: ComponentChildren;
}

/**
 * A message box that sends on Enter (Shift+Enter adds a line) and grows
 * with its text. The widget and the desk style it their own way.
 */
export function Composer({ onSend, onInput, inputRef, placeholder, disabled, children }: Props) {
  const form = useRef<HTMLFormElement>(null);
  const submit = (ta: HTMLTextAreaElement) => {
    if (!ta.value.trim()) return;
    onSend(ta.value);
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
        aria-label="Message"
        placeholder={placeholder}
        disabled={disabled}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit(e.currentTarget);
          }
        }}
        onInput={(e) => {
          grow(e.currentTarget);
          onInput();
        }}
      />
      <button type="submit" class="send" aria-label="Send message" disabled={disabled}>
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
