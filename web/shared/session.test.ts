import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeSocket, fakeSockets } from '../test/fakesocket';
import { msg } from '../test/fixtures';
import { CommandError, type Conversation, type Message } from './protocol';
import { retryDelay, Session } from './session';

function conv(id: string, lastSeq: number): Partial<Conversation> {
  return { id, last_seq: lastSeq, status: 'open' };
}

function setup() {
  const fs = fakeSockets();
  let n = 0;
  const s = new Session({
    url: 'ws://desk.test/widget/v1/ws?key=K',
    hello: () => ({ token: 'T' }),
    connection: { socket: fs.factory, random: () => 0 },
    newId: () => `m-${++n}`,
    random: () => 0,
  });
  s.start();
  /** Accepts the current socket and answers its hello with a welcome. */
  const connect = (conversations: Partial<Conversation>[] = []): FakeSocket => {
    const ws = fs.current();
    ws.open();
    ws.receive({ type: 'welcome', id: ws.last('hello').id, protocol: 1, conn_id: 'x', role: 'visitor', server_time: 0, conversations });
    return ws;
  };
  /** Drops the socket and lets the (zero) backoff make the next one. */
  const drop = () => {
    fs.current().serverClose(1006);
    vi.advanceTimersByTime(0);
  };
  const seqs = (id = 'C') => s.messages(id).map((m) => m.seq);
  return { fs, s, connect, drop, seqs };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Session', () => {
  it('loads a tracked conversation from seq 0 and drops duplicates by seq', async () => {
    const { s, connect, seqs } = setup();
    const ws = connect([conv('C', 2)]);
    s.track('C');
    const sync = ws.last('sync');
    expect(sync).toMatchObject({ conversation_id: 'C', after_seq: 0 });
    expect(sync.until_seq).toBeUndefined();
    ws.receive({ type: 'message', message: msg(1) }, { type: 'message', message: msg(2) }, { type: 'ack', id: sync.id, last_seq: 2 });
    ws.receive({ type: 'message', message: msg(2) }, { type: 'message', message: msg(1) });
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs()).toEqual([1, 2]);
  });

  it('catching up a held conversation asks only for what came after its last seq', async () => {
    const { s, connect, seqs } = setup();
    const ws = connect([conv('C', 2)]);
    s.track('C');
    const first = ws.last('sync');
    ws.receive({ type: 'message', message: msg(1) }, { type: 'message', message: msg(2) }, { type: 'ack', id: first.id, last_seq: 2 });
    await vi.advanceTimersByTimeAsync(0);
    s.track('C'); // held already: nothing asked
    expect(ws.last('sync').id).toBe(first.id);
    s.catchUp('D'); // not held: nothing asked
    s.catchUp('C', 2); // the list knows of nothing later: nothing asked
    expect(ws.last('sync').id).toBe(first.id);
    // Shown again after a while in which its messages were not sent here
    // (the list knows of seq 3, or nothing is known).
    s.catchUp('C', 3);
    const again = ws.last('sync');
    expect(again.id).not.toBe(first.id);
    expect(again).toMatchObject({ conversation_id: 'C', after_seq: 2 });
    ws.receive({ type: 'message', message: msg(3) }, { type: 'ack', id: again.id, last_seq: 3 });
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs()).toEqual([1, 2, 3]);
  });

  it('resumes with the last seq of each tracked conversation, holding each event once', async () => {
    const { s, connect, drop, seqs } = setup();
    let ws = connect([conv('C', 0), conv('D', 0)]);
    s.track('C');
    s.track('D');
    ws.receive({ type: 'message', message: msg(1) }, { type: 'message', message: msg(2) }, { type: 'message', message: msg(1, 'd', 'D') });
    drop();
    ws = connect([conv('C', 4), conv('D', 1)]);
    expect(ws.last('hello')).toMatchObject({ token: 'T', resume: { C: 2, D: 1 } });
    // The replay, then the same events again live (a bus echo): held once.
    ws.receive({ type: 'message', message: msg(3) }, { type: 'message', message: msg(4) });
    ws.receive({ type: 'message', message: msg(3) }, { type: 'message', message: msg(4) });
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs()).toEqual([1, 2, 3, 4]);
    expect(seqs('D')).toEqual([1]);
  });

  it('fills a gap with a sync of exactly the missing range', async () => {
    const { s, connect, seqs } = setup();
    const ws = connect([conv('C', 1)]);
    s.track('C');
    const first = ws.last('sync');
    ws.receive({ type: 'message', message: msg(1) }, { type: 'ack', id: first.id, last_seq: 1 });
    await vi.advanceTimersByTimeAsync(0);
    ws.receive({ type: 'message', message: msg(4) });
    expect(seqs()).toEqual([1]);
    const gap = ws.last('sync');
    expect(gap).toMatchObject({ conversation_id: 'C', after_seq: 1, until_seq: 3 });
    ws.receive({ type: 'message', message: msg(2) }, { type: 'message', message: msg(3) }, { type: 'ack', id: gap.id, last_seq: 4 });
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs()).toEqual([1, 2, 3, 4]);
    expect(ws.frames('sync')).toHaveLength(2);
  });

  it('pages through a long history while the server says more', async () => {
    const { s, connect, seqs } = setup();
    const ws = connect([conv('C', 3)]);
    s.track('C');
    const p1 = ws.last('sync');
    ws.receive({ type: 'message', message: msg(1) }, { type: 'message', message: msg(2) }, { type: 'ack', id: p1.id, last_seq: 3, more: true });
    await vi.advanceTimersByTimeAsync(0);
    const p2 = ws.last('sync');
    expect(p2).toMatchObject({ after_seq: 2 });
    ws.receive({ type: 'message', message: msg(3) }, { type: 'ack', id: p2.id, last_seq: 3 });
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs()).toEqual([1, 2, 3]);
    expect(ws.frames('sync')).toHaveLength(2);
  });

  it('re-sends an unacknowledged message after reconnect with the same client_msg_id', async () => {
    const { s, connect, drop, seqs } = setup();
    let ws = connect([conv('C', 0)]);
    s.track('C');
    s.send('C', 'Are you there?');
    const first = ws.last('message.send');
    expect(first).toMatchObject({ client_msg_id: 'm-1', text: 'Are you there?' });
    expect(s.outgoing('C').map((o) => o.state)).toEqual(['sending']);

    drop(); // the ack never came
    await vi.advanceTimersByTimeAsync(0);
    expect(s.outgoing('C')).toHaveLength(1);
    ws = connect([conv('C', 1)]);
    const again = ws.last('message.send');
    expect(again.client_msg_id).toBe('m-1');
    expect(again.id).not.toBe(first.id);

    // The first attempt had been stored: the server answers duplicate.
    const stored = msg(1, 'Are you there?', 'C', 'm-1');
    ws.receive({ type: 'message', message: stored }, { type: 'ack', id: again.id, conversation_id: 'C', seq: 1, duplicate: true, message: stored });
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs()).toEqual([1]);
    expect(s.outgoing('C')).toEqual([]);
  });

  it('keeps a message sent while offline and sends it after the welcome', async () => {
    const { s, fs, connect, drop } = setup();
    connect([conv('C', 0)]);
    s.track('C');
    drop();
    s.send('C', 'offline text');
    await vi.advanceTimersByTimeAsync(0);
    expect(fs.current().frames('message.send')).toHaveLength(0);
    expect(s.outgoing('C')[0].state).toBe('sending');
    const ws = connect([conv('C', 0)]);
    expect(ws.last('message.send')).toMatchObject({ client_msg_id: 'm-1', text: 'offline text' });
  });

  it('retries a message refused with retry: true, keeping its id', async () => {
    const { s, connect } = setup();
    const ws = connect([conv('C', 0)]);
    s.track('C');
    s.send('C', 'hi');
    const first = ws.last('message.send');
    ws.receive({ type: 'error', id: first.id, code: 'rate_limited', message: 'slow down', retry: true });
    await vi.advanceTimersByTimeAsync(999);
    expect(ws.frames('message.send')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(ws.frames('message.send')).toHaveLength(2);
    expect(ws.last('message.send').client_msg_id).toBe(first.client_msg_id);
  });

  it('marks a refused message failed, and retry() sends it again with the same id', async () => {
    const { s, connect } = setup();
    const ws = connect([conv('C', 0)]);
    s.track('C');
    s.send('C', 'late');
    const first = ws.last('message.send');
    ws.receive({ type: 'error', id: first.id, code: 'conversation_closed', message: 'closed', retry: false });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.outgoing('C')[0]).toMatchObject({ state: 'failed', error: 'conversation_closed' });
    s.retry('m-1');
    expect(ws.last('message.send')).toMatchObject({ client_msg_id: 'm-1' });
    expect(s.outgoing('C')[0].state).toBe('sending');
  });

  it('ignores events of conversations it does not track', () => {
    const { s, connect } = setup();
    const ws = connect([]);
    ws.receive({ type: 'message', message: msg(1, 'x', 'Other') });
    expect(s.messages('Other')).toEqual([]);
    expect(ws.frames('sync')).toHaveLength(0);
  });
});

describe('Session uploads', () => {
  /** A session whose uploads the test answers by hand. */
  function withUploads() {
    const fs = fakeSockets();
    const calls: { id: string; resolve: (m: Message) => void; reject: (e: CommandError) => void; progress: (p: number) => void }[] = [];
    const s = new Session({
      url: 'ws://desk.test/widget/v1/ws?key=K',
      connection: { socket: fs.factory, random: () => 0 },
      newId: () => 'f-1',
      retryMs: 10,
      random: () => 0,
      upload: (o, progress) => new Promise((resolve, reject) => calls.push({ id: o.client_msg_id, resolve, reject, progress })),
    });
    s.start();
    const connect = () => {
      const ws = fs.current();
      ws.open();
      ws.receive({ type: 'welcome', id: ws.last('hello').id, protocol: 1, conn_id: 'x', role: 'visitor', server_time: 0, conversations: [conv('C', 0)] });
      return ws;
    };
    return { fs, s, calls, connect };
  }
  const file = new File(['%PDF-1.4'], 'a.pdf', { type: 'application/pdf' });

  it('uploads over HTTP, shows progress, and holds the stored message once', async () => {
    const { s, calls, connect } = withUploads();
    const ws = connect();
    s.track('C');
    s.send('C', 'a.pdf', file);
    expect(calls.map((c) => c.id)).toEqual(['f-1']);
    expect(ws.frames('message.send')).toHaveLength(0); // files never ride on the socket
    calls[0].progress(0.5);
    expect(s.outgoing('C')[0]).toMatchObject({ progress: 0.5, state: 'sending' });
    calls[0].resolve({ ...msg(1, 'a.pdf', 'C', 'f-1'), kind: 'file' });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.outgoing('C')).toEqual([]);
    expect(s.messages('C').map((m) => m.client_msg_id)).toEqual(['f-1']);
  });

  it('does not start an upload in flight again on a reconnect, and retries a cut one with the same id', async () => {
    const { fs, s, calls, connect } = withUploads();
    connect();
    s.send('C', 'a.pdf', file);
    fs.current().serverClose(1006);
    await vi.advanceTimersByTimeAsync(0);
    connect();
    expect(calls).toHaveLength(1); // the upload in flight goes on
    calls[0].reject(new CommandError('network', 'cut', true));
    await vi.advanceTimersByTimeAsync(20);
    expect(calls.map((c) => c.id)).toEqual(['f-1', 'f-1']);
  });

  it('marks a refused file failed, and Remove drops it', async () => {
    const { s, calls, connect } = withUploads();
    connect();
    s.send('C', 'a.pdf', file);
    calls[0].reject(new CommandError('file_type_not_allowed', 'no', false));
    await vi.advanceTimersByTimeAsync(20);
    expect(s.outgoing('C')[0]).toMatchObject({ state: 'failed', error: 'file_type_not_allowed' });
    expect(calls).toHaveLength(1);
    s.discard('f-1');
    expect(s.outgoing('C')).toEqual([]);
  });
});

describe('retryDelay', () => {
  it('waits at least what the server asked and the own backoff, plus up to half again', () => {
    const busy = (ms: number) => new CommandError('busy', 'busy', true, undefined, ms);
    expect(retryDelay(busy(4000), 1000, () => 0)).toBe(4000);
    expect(retryDelay(busy(4000), 1000, () => 0.999)).toBe(5998);
    expect(retryDelay(busy(0), 2000, () => 0)).toBe(2000);
    expect(retryDelay(busy(300), 2000, () => 0.5)).toBe(2500);
  });
});
