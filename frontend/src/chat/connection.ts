/**
 * One crew's live chat socket (`/ws/groups/<id>/chat/`, protocol in
 * group_service/chat_socket/protocol.py): the token travels as a subprotocol, every message
 * carries its crew's sequence number, and a reconnect passes `?after=<last seen>` so the server
 * fills the gap from PostgreSQL.
 *
 * A message is kept, with its client id, until the server answers it (an `ack`, or an `error`
 * carrying its client id). A socket can go with a message stored but its ack lost, so every
 * message still unanswered is sent again, in order, once a new socket is ready: the server
 * stores one message per client id and acknowledges a repeat with the stored one.
 */
import type { ChatMessage } from '../api/groups';

export type ChatState = 'connecting' | 'open' | 'offline' | 'removed' | 'closed';

export type ChatEvent =
  | { type: 'state'; state: ChatState; reason?: string }
  | { type: 'ready'; lastSequence: number; online: string[] }
  | { type: 'message'; message: ChatMessage }
  | { type: 'ack'; clientId: string | null; sequence: number; id: string }
  | { type: 'message_edited'; message: ChatMessage }
  | { type: 'message_deleted'; message: ChatMessage }
  | { type: 'typing'; userId: string }
  | { type: 'presence'; online: string[] }
  | { type: 'member_joined' | 'member_left'; userId: string }
  | { type: 'safety_alert'; frame: Record<string, unknown> }
  | { type: 'error'; code: string; message: string; clientId?: string | null };

export const SUBPROTOCOL = 'crewup.chat.v1';
const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_FORBIDDEN = 4403;

export interface ChatConnectionOptions {
  /** ws(s) URL of the socket, without a query string. */
  url: string;
  getToken: () => string | null | Promise<string | null>;
  onEvent: (event: ChatEvent) => void;
  /** Every frame as the server sent it, before `onEvent`: for sockets that speak the same
   * protocol with frames of their own (the per-user `/ws/me/`). */
  onFrame?: (frame: Record<string, unknown>) => void;
  /** The last sequence already shown (from history); the server sends what follows. Without
   * it the socket only listens from now on (a listener for alerts, not a chat view). */
  after?: number;
  WebSocketImpl?: typeof WebSocket;
  /** Delays between reconnection attempts, in ms; the last one repeats. */
  backoff?: readonly number[];
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class ChatConnection {
  state: ChatState = 'closed';
  lastSequence: number;
  private readonly catchUp: boolean;
  private socket: WebSocket | null = null;
  private attempts = 0;
  private timer: unknown = null;
  private stopped = false;
  private lastErrorCode: string | null = null;
  /** Why the server removed the socket (its close reason), while it is removed. */
  private removedFor: string | null = null;
  private readonly outbox: Record<string, unknown>[] = [];
  /** Messages not answered yet, by client id, in the order they were sent. */
  private readonly unanswered = new Map<string, Record<string, unknown>>();
  private readonly options: Required<Omit<ChatConnectionOptions, 'after' | 'onFrame'>> & Pick<ChatConnectionOptions, 'onFrame'>;

  constructor(options: ChatConnectionOptions) {
    this.lastSequence = options.after ?? 0;
    this.catchUp = options.after !== undefined;
    // Defaults for options left out or passed as undefined (a provider passes its own props on).
    const {
      WebSocketImpl = globalThis.WebSocket,
      backoff = [500, 1000, 2000, 4000, 8000, 15000],
      setTimer = (fn: () => void, ms: number) => setTimeout(fn, ms),
      clearTimer = (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      ...rest
    } = options;
    this.options = { ...rest, WebSocketImpl, backoff, setTimer, clearTimer };
  }

  connect(): void {
    this.stopped = false;
    void this.open();
  }

  /** Reconnect now (the browser came back online), skipping the back-off wait. */
  retryNow(): void {
    if (this.stopped || this.state === 'open' || this.state === 'removed' || this.state === 'connecting') return;
    if (this.timer !== null) this.options.clearTimer(this.timer);
    this.timer = null;
    void this.open();
  }

  /** The browser went offline: drop the socket now instead of waiting for it to time out, and
   * retry with back-off (or at once on `retryNow`, when the browser is back online). */
  goOffline(): void {
    if (this.stopped || this.state === 'removed') return;
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState <= 1) socket.close(1000, 'offline');
    if (this.timer !== null) this.options.clearTimer(this.timer);
    this.timer = null;
    this.scheduleReconnect();
  }

  /** Connect again at once, from the last sequence seen, if the server removed this socket for
   * `reason` (`user_banned`: the ban is lifted). A socket removed for another reason stays so. */
  reopenAfter(reason: string): void {
    if (this.stopped || this.state !== 'removed' || this.removedFor !== reason) return;
    this.attempts = 0;
    void this.open();
  }

  close(): void {
    this.stopped = true;
    if (this.timer !== null) this.options.clearTimer(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState <= 1) socket.close(1000, 'bye');
    this.setState('closed');
  }

  /** Send a message; it is sent (again) on every new socket until the server answers it. */
  sendMessage(body: string, clientId: string): void {
    const frame = { type: 'message', body, client_id: clientId };
    this.unanswered.set(clientId, frame);
    this.sendNow(frame);
  }

  /** The client ids of the messages sent and not answered yet, in order. */
  get unacknowledged(): string[] {
    return [...this.unanswered.keys()];
  }

  typing(): void {
    this.sendNow({ type: 'typing' });
  }

  edit(messageId: string, body: string): void {
    this.sendOrQueue({ type: 'edit', message_id: messageId, body });
  }

  remove(messageId: string): void {
    this.sendOrQueue({ type: 'delete', message_id: messageId });
  }

  /** A renewed token: re-authenticate the open socket so it is not closed at the old expiry. */
  reauthenticate(token: string): void {
    this.sendNow({ type: 'auth', token });
  }

  private sendNow(frame: Record<string, unknown>): boolean {
    if (this.socket && this.state === 'open' && this.socket.readyState === 1) {
      this.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  private sendOrQueue(frame: Record<string, unknown>): void {
    if (!this.sendNow(frame)) this.outbox.push(frame);
  }

  private setState(state: ChatState, reason?: string): void {
    if (this.state === state) return;
    this.state = state;
    this.removedFor = state === 'removed' ? (reason ?? null) : null;
    this.options.onEvent({ type: 'state', state, reason });
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    this.setState('connecting');
    const token = await this.options.getToken();
    if (this.stopped) return;
    if (!token) {
      this.setState('offline', 'signed_out');
      return;
    }
    const url = this.catchUp ? `${this.options.url}?after=${this.lastSequence}` : this.options.url;
    let socket: WebSocket;
    try {
      socket = new this.options.WebSocketImpl(url, [SUBPROTOCOL, `bearer.${token}`]);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.lastErrorCode = null;
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      this.receive(String(event.data));
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.closed(event.code, event.reason || this.lastErrorCode || '');
    };
  }

  private closed(code: number, reason: string): void {
    if (this.stopped) return;
    if (code === CLOSE_FORBIDDEN) {
      this.setState('removed', reason || 'removed');
      return;
    }
    if (code === CLOSE_UNAUTHENTICATED && this.attempts >= 2) {
      // A fresh token was refused twice: the session is over.
      this.setState('offline', 'unauthenticated');
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.setState('offline');
    const delays = this.options.backoff;
    const delay = delays[Math.min(this.attempts, delays.length - 1)] ?? 1000;
    this.attempts += 1;
    this.timer = this.options.setTimer(() => {
      this.timer = null;
      void this.open();
    }, delay);
  }

  private receive(text: string): void {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const emit = this.options.onEvent;
    this.options.onFrame?.(frame);
    switch (frame.type) {
      case 'ready': {
        this.attempts = 0;
        this.setState('open');
        emit({ type: 'ready', lastSequence: Number(frame.last_sequence ?? 0), online: (frame.online as string[]) ?? [] });
        for (const frame of this.unanswered.values()) if (!this.sendNow(frame)) break;
        while (this.outbox.length && this.sendNow(this.outbox[0]!)) this.outbox.shift();
        break;
      }
      case 'message': {
        const message = frame.message as ChatMessage;
        if (message.sequence > this.lastSequence) this.lastSequence = message.sequence;
        emit({ type: 'message', message });
        break;
      }
      case 'ack': {
        const clientId = (frame.client_id as string | null) ?? null;
        if (clientId !== null) this.unanswered.delete(clientId);
        emit({ type: 'ack', clientId, sequence: Number(frame.sequence), id: String(frame.id) });
        break;
      }
      case 'message_edited':
      case 'message_deleted':
        emit({ type: frame.type, message: frame.message as ChatMessage });
        break;
      case 'typing':
        emit({ type: 'typing', userId: String(frame.user_id) });
        break;
      case 'presence':
        emit({ type: 'presence', online: (frame.online as string[]) ?? [] });
        break;
      case 'member_joined':
      case 'member_left':
        emit({ type: frame.type, userId: String(frame.user_id) });
        break;
      case 'safety_alert':
        emit({ type: 'safety_alert', frame });
        break;
      case 'error': {
        const clientId = (frame.client_id as string | null) ?? null;
        // Refused (too long, rate limited...): shown as failed, not sent again.
        if (clientId !== null) this.unanswered.delete(clientId);
        this.lastErrorCode = String(frame.code ?? '');
        emit({ type: 'error', code: String(frame.code ?? 'error'), message: String(frame.message ?? ''), clientId });
        break;
      }
      default:
        break;
    }
  }
}
