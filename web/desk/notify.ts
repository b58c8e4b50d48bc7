import { signal } from '@preact/signals';
import { load, save } from '../shared/storage';

/**
 * What a notice is about, each with its own sound choice (Your profile): a
 * new visitor; a new chat (or one assigned to me, or an inbox item for me,
 * such as a mention); a visitor's message; a visitor of my chat losing
 * their connection; another agent's desk gone (away).
 */
export type SoundKind = 'visitor' | 'chat' | 'message' | 'visitorDrop' | 'agentDrop';

export interface Toast {
  id: number;
  title: string;
  body: string;
  kind: SoundKind;
  /** Opens this conversation when clicked. */
  conversationId?: string;
  /** Shows this visitor when clicked (a new visitor). */
  visitorId?: string;
  /** A newer toast with the same key replaces this one (else the conversation's id is the key). */
  key?: string;
}

/**
 * The sound choices as kept in the browser (livedesk:sound-for). Before
 * there was one per kind there were two, new (chats) and info (the rest),
 * and an earlier choice carries over: a new chat follows new; a message
 * and both dropped connections follow info. A new visitor, which made no
 * sound before, is silent until chosen (busy sites have many).
 */
export function soundChoices(kept: Partial<Record<SoundKind | 'new' | 'info', boolean>> | null): Record<SoundKind, boolean> {
  const k = kept ?? {};
  const info = k.info ?? true;
  return {
    visitor: k.visitor ?? false,
    chat: k.chat ?? k.new ?? true,
    message: k.message ?? info,
    visitorDrop: k.visitorDrop ?? info,
    agentDrop: k.agentDrop ?? info,
  };
}

const TOAST_MS = 6000;
/** At most this many toasts show at once. */
const MAX_TOASTS = 4;

/** What a newer toast replaces: the same key, else the same conversation; none without either. */
const keyOf = (t: Toast) => t.key ?? t.conversationId;

/**
 * stackToast adds t to the toasts shown. One conversation (or key: new
 * visitors share one, each agent has one) has one toast: a newer notice
 * replaces the older one (a new chat's first message does not stack a
 * second toast), staying a new chat's if either was, and moves it to the
 * end; beyond MAX_TOASTS the oldest go.
 */
export function stackToast(list: readonly Toast[], t: Toast): Toast[] {
  const key = keyOf(t);
  const same = key ? list.find((x) => keyOf(x) === key) : undefined;
  const merged: Toast = same?.kind === 'chat' && t.kind !== 'chat' ? { ...t, title: same.title, kind: 'chat' } : t;
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
  /** Which kinds of notice make a sound (while sound is on). */
  readonly soundFor = signal(soundChoices(load('livedesk:sound-for', null)));
  readonly desktop = signal<NotificationPermission | 'unsupported'>(
    typeof Notification === 'undefined' ? 'unsupported' : Notification.permission,
  );
  private next = 1;
  private audio: AudioContext | null = null;

  /** open shows what a toast is about (its conversation or visitor). */
  constructor(private readonly open: (t: Toast) => void) {}

  notify(t: Omit<Toast, 'id'>): void {
    const toast = { ...t, id: this.next++ };
    this.toasts.value = stackToast(this.toasts.value, toast);
    setTimeout(() => this.dismiss(toast.id), TOAST_MS);
    if (this.sound.value && this.soundFor.value[t.kind]) this.beep();
    if (this.desktop.value === 'granted' && (document.hidden || !document.hasFocus())) {
      const n = new Notification(t.title, { body: t.body, tag: keyOf(toast) });
      n.onclick = () => {
        window.focus();
        this.open(toast);
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

  setSoundFor(kind: SoundKind, on: boolean): void {
    this.soundFor.value = { ...this.soundFor.value, [kind]: on };
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
