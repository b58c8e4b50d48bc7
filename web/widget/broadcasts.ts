// What the host page shows of the workspace's broadcasts (docs/protocol.md,
// Broadcasts). The server decides: the widget asks, with its page, its
// language and its page view's id, what to show now (broadcasts.sync) on
// connect, when its page changes and when told that a broadcast changed;
// what it shows and the answer leaves out, it takes away. The page view's
// id is the same across reconnects, so a reconnect shows the same
// broadcasts and counts nothing twice; a new page (a load or a navigation)
// is a new page view.
import { signal } from '@preact/signals';
import { newId } from '../shared/ids';
import type { Ack, BroadcastView } from '../shared/protocol';

type Request = (type: string, fields: Record<string, unknown>) => Promise<Ack>;

/** The longest wait before asking after a "broadcast.changed": thousands of widgets told at once spread their questions over it. */
export const SPREAD_MS = 1500;

export class Broadcasts {
  /** What this page view shows: banners and a chat message. */
  readonly list = signal<readonly BroadcastView[]>([]);
  private view = newId();
  private url = '';
  /** The broadcasts whose showing this page view reported. */
  private reported = new Set<string>();
  /**
   * What this page took away (dismissed, or withdrawn by the server) since
   * it last asked: an answer already on its way when that happened must
   * not bring it back. A later question's answer is the server's word.
   */
  private gone = new Set<string>();
  /** Events the server has not acknowledged (sent while offline): sent again before the next question. */
  private unsent: { broadcast_id: string; event: string }[] = [];
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly request: Request,
    private readonly page: () => string,
  ) {}

  /** Asks what to show now; a page that changed is a new page view (a jump to an anchor is not). */
  sync(): void {
    clearTimeout(this.pending);
    const url = this.page();
    if (withoutHash(url) !== withoutHash(this.url)) {
      if (this.url) this.view = newId();
      this.reported.clear();
    }
    this.url = url;
    // A dismissal made offline reaches the server before the question,
    // so the answer already leaves the broadcast out.
    for (const e of this.unsent.splice(0)) this.send(e.broadcast_id, e.event);
    const lang = typeof navigator === 'undefined' ? '' : (navigator.language ?? '').slice(0, 35);
    const gone = new Set(this.gone);
    this.gone.clear();
    this.request('broadcasts.sync', { url, lang, view: this.view })
      .then((ack) => {
        if (this.url !== url) return;
        this.list.value = (ack.broadcasts ?? []).filter((b) => !gone.has(b.id) && !this.gone.has(b.id));
      })
      .catch(() => {
        for (const id of gone) this.gone.add(id); // asked again on the next welcome
      });
  }

  /** The page may have changed (a heartbeat, a navigation): asks again when it did. */
  follow(): void {
    if (withoutHash(this.page()) !== withoutHash(this.url)) this.sync();
  }

  /** A broadcast changed: withdrawn at once, or asked about after a random wait. */
  changed(id: string, live: boolean): void {
    if (!live) {
      this.drop(id);
      return;
    }
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.sync(), Math.random() * SPREAD_MS);
  }

  /** Reports that the visitor was shown a broadcast (once per page view). */
  shown(id: string): void {
    if (this.reported.has(id)) return;
    this.reported.add(id);
    this.send(id, 'shown');
  }

  /** The visitor closed a broadcast: it never shows again. */
  dismiss(id: string): void {
    this.drop(id);
    this.send(id, 'dismissed');
  }

  /**
   * The visitor used a banner's button: the click is counted, then the
   * link opens in this tab (follow: false when the browser opens it itself,
   * in another tab or window).
   */
  click(b: BroadcastView, follow = true): void {
    const url = b.button?.url;
    if (!url) return;
    let gone = false;
    const go = () => {
      if (!follow || gone) return;
      gone = true;
      location.assign(url);
    };
    const timer = setTimeout(go, 400); // the count must not hold the visitor back
    this.send(b.id, 'clicked').finally(() => {
      clearTimeout(timer);
      go();
    });
  }

  /** The chat message shown, if any: the visitor's first message replies to it. */
  message(): BroadcastView | undefined {
    return this.list.value.find((b) => b.kind === 'message');
  }

  /** A broadcast this page view no longer shows (the visitor replied to it, or it was withdrawn). */
  drop(id: string): void {
    this.gone.add(id);
    this.list.value = this.list.value.filter((b) => b.id !== id);
  }

  private send(id: string, event: string): Promise<unknown> {
    return this.request('broadcast.event', { broadcast_id: id, event }).catch((err: { retry?: boolean; code?: string }) => {
      // Not acknowledged: the connection was down or went (a refusal
      // such as broadcast_not_found is final).
      if (!err?.code || err.retry) this.unsent.push({ broadcast_id: id, event });
    });
  }
}

function withoutHash(url: string): string {
  const i = url.indexOf('#');
  return i < 0 ? url : url.slice(0, i);
}
