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
  /** Takes files the user picked or pasted; without it there is no attach button. */
  onFiles?: (files: File[]) => void;
  /** The file picker's accept list (".pdf,.png"). */
  accept?: string;
  attachLabel?: string;
  /** The attach button's content (an icon). */
  attachIcon?: ComponentChildren;
}

/**
 * A message box that sends on Enter (Shift+Enter adds a line) and grows
 * with its text. The widget and the desk style it their own way.
 */
export function Composer(props: Props) {
  const { onSend, onInput, onKey, inputRef, placeholder, label = 'Message', sendLabel = 'Send message', disabled, children, onFiles } = props;
  const form = useRef<HTMLFormElement>(null);
  const picker = useRef<HTMLInputElement>(null);
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
      {onFiles && (
        <>
          <button type="button" class="attach" aria-label={props.attachLabel ?? 'Attach a file'} disabled={disabled} onClick={() => picker.current?.click()}>
            {props.attachIcon}
          </button>
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            accept={props.accept}
            onChange={(e) => {
              const el = e.currentTarget;
              if (el.files?.length) onFiles([...el.files]);
              el.value = '';
            }}
          />
        </>
      )}
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
        onPaste={(e) => {
          // A pasted screenshot or copied file is attached; pasted text is
          // typed (cells copied from a spreadsheet come with an image too).
          const files = [...(e.clipboardData?.files ?? [])];
          if (onFiles && files.length && !e.clipboardData?.types.includes('text/plain')) {
            e.preventDefault();
            onFiles(files);
          }
        }}
      />
      <button type="submit" class="send" aria-label={sendLabel} disabled={disabled}>
        {children}
      </button>
    </form>
  );
}

/** Props that make an element take files dropped on it. */
export function dropTarget(onFiles: ((files: File[]) => void) | undefined) {
  if (!onFiles) return {};
  return {
    onDragOver: (e: DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    },
    onDrop: (e: DragEvent) => {
      const files = [...(e.dataTransfer?.files ?? [])];
      if (!files.length) return;
      e.preventDefault();
      onFiles(files);
    },
  };
}

/** Fits the textarea's height to its text (CSS max-height caps it). */
function grow(ta: HTMLTextAreaElement): void {
  ta.style.height = 'auto';
  ta.style.height = `${ta.scrollHeight}px`;
}
