import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeSockets } from '../test/fakesocket';
import { Connection, type ConnState } from './connection';
import { type CommandError, DISCONNECTED, type ServerEvent } from './protocol';

const welcome = { type: 'welcome', id: 'c1', protocol: 1, conn_id: 'x', role: 'visitor', server_time: 0, conversations: [] };

function setup(random = () => 0.5) {
  const fs = fakeSockets();
  const states: ConnState[] = [];
  const events: ServerEvent[] = [];
  const conn = new Connection({
    url: 'ws://desk.test/widget/v1/ws?key=K',
    hello: () => ({ token: 'T' }),
    onWelcome: () => undefined,
    onEvent: (e) => events.push(e),
    onState: (s) => states.push(s),
    socket: fs.factory,
    random,
    pingIntervalMs: 15000,
    pongTimeoutMs: 10000,
    stableMs: 5000,
  });
  conn.start();
  const connect = () => {
    const s = fs.current();
    s.open();
    s.receive({ ...welcome, id: s.last('hello').id });
    return s;
  };
  return { fs, conn, states, events, connect };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Connection', () => {
  it('offers the subprotocol-versioned hello and becomes open on welcome', () => {
    const { fs, conn, states, connect } = setup();
    connect();
    expect(fs.current().sent[0]).toMatchObject({ type: 'hello', token: 'T' });
    expect(conn.state).toBe('open');
    expect(states).toEqual(['open']);
  });

  it('matches acks and errors to commands by id, out of order', async () => {
    const { fs, conn, connect } = setup();
    const s = connect();
    const a = conn.request('sync', { conversation_id: 'C', after_seq: 0 });
    const b = conn.request('message.send', { conversation_id: 'C', client_msg_id: 'm', text: '' });
    const [fa, fb] = s.sent.slice(1);
    s.receive({ type: 'error', id: fb.id, code: 'empty_text', message: 'empty', retry: false }, { type: 'ack', id: fa.id, last_seq: 3 });
    await expect(a).resolves.toMatchObject({ last_seq: 3 });
    await expect(b).rejects.toMatchObject({ code: 'empty_text', retry: false });
    expect(fs.sockets).toHaveLength(1);
  });

  it('handles several newline-separated frames in one message, in order', () => {
    const { events, connect } = setup();
    const s = connect();
    s.receive(
      { type: 'typing', conversation_id: 'C', author_type: 'agent', author_id: 'a', on: true },
      { type: 'typing', conversation_id: 'C', author_type: 'agent', author_id: 'a', on: false },
    );
    expect(events.map((e) => e.type === 'typing' && e.on)).toEqual([true, false]);
  });

  it('rejects commands in flight with a retryable disconnected error when the socket drops', async () => {
    const { conn, connect } = setup();
    const s = connect();
    const p = conn.request('sync', { conversation_id: 'C', after_seq: 0 });
    s.serverClose(1006);
    const err = (await p.catch((e: unknown) => e)) as CommandError;
    expect(err.code).toBe(DISCONNECTED);
    expect(err.retry).toBe(true);
    await expect(conn.request('ping')).rejects.toMatchObject({ code: DISCONNECTED });
  });

  it('reconnects after a jittered wait, doubling the bound each time', () => {
    const { fs, conn, states } = setup(() => 0.9999);
    fs.current().serverClose(1006); // upgrade failed
    expect(conn.state).toBe('reconnecting');
    expect(states).toEqual(['reconnecting']);
    const bounds = [100, 200, 400, 800, 1600, 3200, 5000, 5000];
    for (const bound of bounds) {
      const before = fs.sockets.length;
      vi.advanceTimersByTime(bound - 2);
      expect(fs.sockets).toHaveLength(before); // not yet
      vi.advanceTimersByTime(1);
      expect(fs.sockets).toHaveLength(before + 1); // just below the bound
      fs.current().serverClose(1006);
    }
  });

  it('resets the backoff after a connection that stayed up', () => {
    const { fs, connect } = setup(() => 0.9999);
    for (let i = 0; i < 5; i++) {
      fs.current().serverClose(1006);
      vi.advanceTimersByTime(5000);
    }
    connect();
    vi.advanceTimersByTime(6000);
    fs.current().serverClose(4000);
    const before = fs.sockets.length;
    vi.advanceTimersByTime(99);
    expect(fs.sockets).toHaveLength(before + 1);
  });

  it('declares a silent socket dead when no pong comes, and reconnects', () => {
    const { fs, conn, connect } = setup(() => 0);
    const s = connect();
    vi.advanceTimersByTime(15000);
    const ping = s.last('ping');
    s.receive({ type: 'pong', id: ping.id, server_time: 1 });
    vi.advanceTimersByTime(15000 + 9999);
    expect(conn.state).toBe('open');
    vi.advanceTimersByTime(1);
    expect(conn.state).toBe('reconnecting');
    expect(s.closed).toBe(true);
    vi.advanceTimersByTime(1);
    expect(fs.sockets).toHaveLength(2);
  });

  it('gives up on a terminal close code', () => {
    const { fs, conn, connect } = setup();
    connect();
    fs.current().serverClose(4401);
    expect(conn.state).toBe('failed');
    vi.advanceTimersByTime(60000);
    expect(fs.sockets).toHaveLength(1);
  });

  it('retries at once on wake, and not after stop', () => {
    const { fs, conn } = setup(() => 0.9999);
    fs.current().serverClose(1006);
    conn.wake();
    expect(fs.sockets).toHaveLength(2);
    conn.stop();
    expect(conn.state).toBe('closed');
    vi.advanceTimersByTime(60000);
    expect(fs.sockets).toHaveLength(2);
  });
});
