import { signal } from '@preact/signals';
import { load, save } from '../shared/storage';

export interface Toast {
  id: number;
  title: string;
  body: string;
  /** Opens this conversation when clicked. */
  conversationId?: string;
  tone: 'info' | 'new';
}

const TOAST_MS = 6000;
/** At most this many toasts show at once. */
const MAX_TOASTS = 4;

/**
 * stackToast adds t to the toasts shown. One conversation has one toast:
 * a newer notice for it replaces the older one (a new chat's first message
 * does not stack a second toast), keeping "new" if either was, and moves
 * it to the end; beyond MAX_TOASTS the oldest go.
 */
export function stackToast(list: readonly Toast[], t: Toast): Toast[] {
  const same = t.conversationId ? list.find((x) => x.conversationId === t.conversationId) : undefined;
  const merged: Toast = same && same.tone === 'new' && t.tone !== 'new' ? { ...t, title: same.title, tone: 'new' } : t;
  return [...list.filter((x) => x !== same), merged].slice(-MAX_TOASTS);
}

/**
 * Notifier tells the agent about new chats and messages: in-app toasts,
 * an optional beep (WebAudio, no asset) and optional browser notifications
 * (permission is asked only from a click).
 */
export class Notifier {
  readonly toasts = signal<Toast[]>([]);
  readonly sound = signal<boolean>(load('livedesk:sound', true));
  /** Which notices make a sound (while sound is on): new or assigned chats, visitor messages. */
  readonly soundFor = signal<Record<Toast['tone'], boolean>>(load('livedesk:sound-for', { new: true, info: true }));
  readonly desktop = signal<NotificationPermission | 'unsupported'>(
    typeof Notification === 'undefined' ? 'unsupported' : Notification.permission,
  );
  private next = 1;
  private audio: AudioContext | null = null;

  constructor(private readonly open: (conversationId: string) => void) {}

  notify(t: Omit<Toast, 'id'>): void {
    const toast = { ...t, id: this.next++ };
    this.toasts.value = stackToast(this.toasts.value, toast);
    setTimeout(() => this.dismiss(toast.id), TOAST_MS);
    if (this.sound.value && this.soundFor.value[t.tone]) this.beep();
    if (this.desktop.value === 'granted' && (document.hidden || !document.hasFocus())) {
      const n = new Notification(t.title, { body: t.body, tag: t.conversationId });
      n.onclick = () => {
        window.focus();
        if (t.conversationId) this.open(t.conversationId);
        n.close();
      };
    }
  }

  dismiss(id: number): void {
    this.toasts.value = this.toasts.value.filter((t) => t.id !== id);
  }

  toggleSound(): void {
    this.sound.value = !this.sound.value;
    save('livedesk:sound', this.sound.value);
    if (this.sound.value) this.beep(); // also unlocks audio: this runs in a click
  }

  setSoundFor(tone: Toast['tone'], on: boolean): void {
    this.soundFor.value = { ...this.soundFor.value, [tone]: on };
    save('livedesk:sound-for', this.soundFor.value);
  }

  async askDesktop(): Promise<void> {
    if (this.desktop.value === 'unsupported') return;
    this.desktop.value = await Notification.requestPermission();
  }

  /** A short two-tone chime. */
  private beep(): void {
    try {
      this.audio ??= new AudioContext();
      const ctx = this.audio;
      if (ctx.state === 'suspended') void ctx.resume();
      const t = ctx.currentTime;
      for (const [freq, at] of [
        [880, 0],
        [1320, 0.11],
      ]) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = 'sine';
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, t + at);
        gain.gain.exponentialRampToValueAtTime(0.15, t + at + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.18);
        osc.connect(gain).connect(ctx.destination);
        osc.start(t + at);
        osc.stop(t + at + 0.2);
      }
    } catch {
      // no audio output: the toast is enough
    }
  }
}
