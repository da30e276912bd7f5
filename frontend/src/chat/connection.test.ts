import { describe, expect, it, vi } from 'vitest';
import { ChatConnection, type ChatEvent } from './connection';

class FakeSocket {
  static instances: FakeSocket[] = [];
  readyState = 1;
  sent: string[] = [];
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(
    public url: string,
    public protocols: string[],
  ) {
    FakeSocket.instances.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  frame(data: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(data) });
  }
  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

function setup(after?: number) {
  FakeSocket.instances = [];
  const events: ChatEvent[] = [];
  const timers: (() => void)[] = [];
  const connection = new ChatConnection({
    url: 'ws://host/ws/groups/g1/chat/',
    getToken: () => 'tok',
    onEvent: (e) => events.push(e),
    after,
    WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
    setTimer: (fn) => {
      timers.push(fn);
      return timers.length;
    },
    clearTimer: () => {},
  });
  const flush = async () => {
    await Promise.resolve();
    await Promise.resolve();
  };
  const runTimers = async () => {
    const pending = timers.splice(0);
    pending.forEach((fn) => fn());
    await flush();
  };
  return { connection, events, flush, runTimers, socket: () => FakeSocket.instances.at(-1)! };
}

const message = (sequence: number) => ({
  id: `m${sequence}`,
  group_id: 'g1',
  sequence,
  kind: 'text',
  sender: { id: 'u1', username: 'alice', display_name: 'Alice' },
  body: `hello ${sequence}`,
  data: {},
  created_at: '2026-01-01T00:00:00Z',
  edited_at: null,
  deleted_at: null,
});

describe('ChatConnection', () => {
  it("uses the browser's WebSocket when an option is passed on as undefined", async () => {
    FakeSocket.instances = [];
    vi.stubGlobal('WebSocket', FakeSocket);
    try {
      const connection = new ChatConnection({ url: 'ws://x/ws/me/', getToken: async () => 'tok', onEvent: () => {}, WebSocketImpl: undefined });
      connection.connect();
      await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
      connection.close();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('offers the token as a subprotocol, never in the URL, and asks for what follows the history', async () => {
    const { connection, flush, socket } = setup(7);
    connection.connect();
    await flush();
    expect(socket().protocols).toEqual(['crewup.chat.v1', 'bearer.tok']);
    expect(socket().url).toBe('ws://host/ws/groups/g1/chat/?after=7');
    expect(socket().url).not.toContain('tok');
  });

  it('a listener (no history) does not ask for catch-up', async () => {
    const { connection, flush, socket } = setup();
    connection.connect();
    await flush();
    expect(socket().url).toBe('ws://host/ws/groups/g1/chat/');
  });

  it('is open on ready, tracks sequences, and reconnects after a drop from the last one seen', async () => {
    const { connection, events, flush, runTimers, socket } = setup(0);
    connection.connect();
    await flush();
    socket().frame({ type: 'ready', last_sequence: 0, online: ['u1'] });
    expect(connection.state).toBe('open');
    socket().frame({ type: 'message', message: message(1) });
    socket().frame({ type: 'message', message: message(2) });
    expect(connection.lastSequence).toBe(2);
    socket().drop();
    expect(connection.state).toBe('offline');
    await runTimers();
    expect(socket().url).toContain('?after=2');
    expect(events.filter((e) => e.type === 'state').map((e) => (e as { state: string }).state)).toEqual(['connecting', 'open', 'offline', 'connecting']);
  });

  it('keeps messages sent while down and sends them once ready', async () => {
    const { connection, flush, socket } = setup(0);
    connection.connect();
    await flush();
    connection.sendMessage('queued', 'c1');
    expect(socket().sent).toEqual([]);
    socket().frame({ type: 'ready', last_sequence: 0, online: [] });
    expect(JSON.parse(socket().sent[0]!)).toEqual({ type: 'message', body: 'queued', client_id: 'c1' });
  });

  it('sends again, in order, the messages not acknowledged when the socket dropped', async () => {
    const { connection, flush, runTimers, socket } = setup(0);
    connection.connect();
    await flush();
    socket().frame({ type: 'ready', last_sequence: 0, online: [] });
    connection.sendMessage('one', 'c1');
    connection.sendMessage('two', 'c2');
    connection.sendMessage('three', 'c3');
    socket().frame({ type: 'ack', client_id: 'c1', sequence: 1, id: 'm1' });
    // c2 was stored but its ack was lost with the socket; c3 never arrived
    socket().drop();
    connection.sendMessage('four', 'c4'); // while down
    expect(connection.unacknowledged).toEqual(['c2', 'c3', 'c4']);
    await runTimers();
    expect(socket().sent).toEqual([]);

    socket().frame({ type: 'ready', last_sequence: 1, online: [] });

    expect(socket().sent.map((s) => JSON.parse(s) as Record<string, unknown>)).toEqual([
      { type: 'message', body: 'two', client_id: 'c2' },
      { type: 'message', body: 'three', client_id: 'c3' },
      { type: 'message', body: 'four', client_id: 'c4' },
    ]);
  });

  it('sends a message again until it is answered, and not after', async () => {
    const { connection, flush, runTimers, socket } = setup(0);
    connection.connect();
    await flush();
    socket().frame({ type: 'ready', last_sequence: 0, online: [] });
    connection.sendMessage('stored', 'c1');
    connection.sendMessage('refused', 'c2');
    connection.sendMessage('lost', 'c3');
    socket().drop();
    await runTimers();
    socket().frame({ type: 'ready', last_sequence: 0, online: [] });
    socket().frame({ type: 'ack', client_id: 'c1', sequence: 1, id: 'm1' });
    socket().frame({ type: 'error', code: 'rate_limited', message: 'slow down', client_id: 'c2' });
    expect(connection.unacknowledged).toEqual(['c3']);

    socket().drop();
    await runTimers();
    socket().frame({ type: 'ready', last_sequence: 1, online: [] });

    expect(socket().sent.map((s) => (JSON.parse(s) as { client_id: string }).client_id)).toEqual(['c3']);
    socket().frame({ type: 'ack', client_id: 'c3', sequence: 2, id: 'm2' });
    expect(connection.unacknowledged).toEqual([]);
  });

  it('stops on 4403 (removed or banned) and says why', async () => {
    const { connection, events, flush, runTimers, socket } = setup(0);
    connection.connect();
    await flush();
    socket().frame({ type: 'ready', last_sequence: 0, online: [] });
    socket().frame({ type: 'error', code: 'user_banned', message: 'user banned' });
    socket().drop(4403, '');
    expect(connection.state).toBe('removed');
    expect(events.at(-1)).toEqual({ type: 'state', state: 'removed', reason: 'user_banned' });
    const count = FakeSocket.instances.length;
    await runTimers();
    expect(FakeSocket.instances.length).toBe(count);
  });

  it('reopens after a ban is lifted, from the last message seen; a socket removed for another reason stays closed', async () => {
    const { connection, events, flush, socket } = setup(0);
    connection.connect();
    await flush();
    socket().frame({ type: 'ready', last_sequence: 0, online: [] });
    socket().frame({ type: 'message', message: message(7) });
    socket().drop(4403, 'user_banned');
    const banned = socket();
    connection.reopenAfter('crew_removed');
    await flush();
    expect(socket()).toBe(banned);
    expect(connection.state).toBe('removed');

    connection.reopenAfter('user_banned');
    await flush();
    expect(socket()).not.toBe(banned);
    expect(socket().url).toContain('?after=7');
    socket().frame({ type: 'ready', last_sequence: 7, online: ['u1', 'u2'] });
    expect(connection.state).toBe('open');
    expect(events.slice(-2)).toEqual([
      { type: 'state', state: 'open', reason: undefined },
      { type: 'ready', lastSequence: 7, online: ['u1', 'u2'] },
    ]);
    // open, it has nothing to reopen
    connection.reopenAfter('user_banned');
    await flush();
    expect(FakeSocket.instances.filter((s) => s.readyState === 1)).toHaveLength(1);
  });

  it('goes offline at once when the browser does, and retries when it is back', async () => {
    const { connection, flush, socket } = setup(3);
    connection.connect();
    await flush();
    socket().frame({ type: 'ready', last_sequence: 3, online: [] });
    connection.goOffline();
    expect(connection.state).toBe('offline');
    connection.retryNow();
    await flush();
    expect(socket().url).toContain('?after=3');
  });

  it('passes acks, typing, presence and alerts on', async () => {
    const { connection, events, flush, socket } = setup(0);
    connection.connect();
    await flush();
    socket().frame({ type: 'ack', client_id: 'c1', sequence: 4, id: 'm4' });
    socket().frame({ type: 'typing', user_id: 'u2' });
    socket().frame({ type: 'presence', online: ['u1', 'u2'] });
    socket().frame({ type: 'safety_alert', alert: { id: 'a1' } });
    expect(events.slice(-4)).toEqual([
      { type: 'ack', clientId: 'c1', sequence: 4, id: 'm4' },
      { type: 'typing', userId: 'u2' },
      { type: 'presence', online: ['u1', 'u2'] },
      { type: 'safety_alert', frame: { type: 'safety_alert', alert: { id: 'a1' } } },
    ]);
  });

  it('re-authenticates an open socket with a renewed token', async () => {
    const { connection, flush, socket } = setup(0);
    connection.connect();
    await flush();
    socket().frame({ type: 'ready', last_sequence: 0, online: [] });
    connection.reauthenticate('new');
    expect(JSON.parse(socket().sent.at(-1)!)).toEqual({ type: 'auth', token: 'new' });
    vi.restoreAllMocks();
  });
});
