/**
 * The "Ann is typing…" line with its blinking dots (styles in typing.css).
 * The live region is always rendered, so screen readers announce the text
 * when it appears; with nobody typing it is empty.
 */
export function TypingLine({ name, class: cls }: { name: string | null | undefined; class: string }) {
  return (
    <div class={cls} aria-live="polite">
      {name && (
        <>
          <span class="dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          {name} is typing…
        </>
      )}
    </div>
  );
}
