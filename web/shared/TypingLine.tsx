/**
 * The "Ann is typing…" line with its blinking dots (styles in typing.css).
 * The live region is always rendered, so screen readers announce the text
 * when it appears; with nobody typing it is empty.
 */
export function TypingLine({ name, text, class: cls }: { name?: string | null; text?: string | null; class: string }) {
  const line = text ?? (name ? `${name} is typing…` : null);
  return (
    <div class={cls} aria-live="polite">
      {line && (
        <>
          <span class="dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          {line}
        </>
      )}
    </div>
  );
}
