/** How often a typing "on" is repeated while typing goes on. */
export const TYPING_REFRESH_MS = 3000;
/** How long a received typing "on" shows without a refresh (a lost "off" must not stick). */
export const TYPING_EXPIRE_MS = 7000;

/**
 * TypingSignal turns keystrokes into typing on/off commands: "on" at the
 * first keystroke and again every TYPING_REFRESH_MS while typing goes on,
 * "off" after idleMs without a keystroke or when the text is sent.
 */
export class TypingSignal {
  private on = false;
  private lastOn = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (on: boolean) => void,
    private readonly idleMs = 2500,
  ) {}

  input(): void {
    const now = Date.now();
    if (!this.on || now - this.lastOn >= TYPING_REFRESH_MS) {
      this.on = true;
      this.lastOn = now;
      this.send(true);
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.stop(), this.idleMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    if (this.on) {
      this.on = false;
      this.send(false);
    }
  }
}
