/**
 * Moves the keyboard focus, once the screen has rendered, to the first
 * element found for sels, tried in order (issue 22: after signing in, from
 * the skip link, and when a conversation opens).
 */
export function focusSoon(...sels: string[]): void {
  setTimeout(() => {
    for (const s of sels) {
      const el = document.querySelector<HTMLElement>(s);
      if (el) return el.focus();
    }
  });
}

/** The queue: its first chat, or the list itself when it has none. */
export const QUEUE = ['#queue .conv-row', '#queue'];

/** The open conversation: its message box, else the reply guard, else its heading. */
export const focusPane = () => focusSoon('.pane textarea', '.reply-guard button', '.pane h1');
