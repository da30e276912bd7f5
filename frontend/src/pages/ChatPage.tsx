import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { groupsApi } from '../api/groups';
import { USER_BANNED } from '../api/http';
import { invalidateLive } from '../api/queryClient';
import { queryKeys } from '../api/queryKeys';
import { useAccountStatus } from '../auth/AccountStatus';
import { useAuth } from '../auth/AuthProvider';
import { wsUrl } from '../config';
import { ChatConnection, type ChatEvent, type ChatState } from '../chat/connection';
import { mergeMessages, settlePending, type ShownMessage } from '../chat/messages';
import { ErrorState, Loading } from '../components/status';
import { formatDateTime, formatTime } from '../components/format';
import { ReportButton } from '../components/ReportButton';
import { useSafety } from '../safety/SafetyProvider';

const PAGE = 50;
const TYPING_SHOWN_MS = 4000;

function newClientId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `c-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** The name in a person summary (`{display_name, username}`), if it has one. */
function nameIn(summary: unknown): string {
  if (typeof summary !== 'object' || summary === null) return '';
  const { display_name: displayName, username } = summary as Record<string, unknown>;
  return (typeof displayName === 'string' && displayName) || (typeof username === 'string' && username) || '';
}

function systemText(message: ShownMessage, nameOf: (id: string) => string, t: ReturnType<typeof useTranslation>['t']): string {
  const data = (message.data ?? {}) as Record<string, unknown>;
  const who = typeof data.user_id === 'string' ? nameOf(data.user_id) : t('chat.someone');
  // An alert's notice is the crew's (no sender): the alert it copies names who raised it.
  const alert = (typeof data.alert === 'object' && data.alert !== null ? data.alert : {}) as Record<string, unknown>;
  if (message.kind === 'safety_alert') {
    const name = nameIn(message.sender) || nameIn(alert.sender) || who;
    if (data.change === 'resolved') return t('chat.alertNoticeResolved', { name });
    if (data.change === 'cancelled') return t('chat.alertNoticeCancelled', { name });
    return t('chat.alertNotice', { name });
  }
  if (data.event === 'member_joined') return t('chat.joined', { name: who });
  if (data.event === 'member_left') return t('chat.left', { name: who });
  return message.body || t('chat.kind.other');
}

function MessageItem({ message, mine, nameOf, onEdit, onDelete }: { message: ShownMessage; mine: boolean; nameOf: (id: string) => string; onEdit: (body: string) => void; onDelete: () => void }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [body, setBody] = useState(message.body);
  const author = message.sender ? message.sender.display_name || message.sender.username : t('chat.system');
  if (message.kind !== 'text' && message.kind !== '') {
    return (
      <li className="msg msg-system" data-sequence={message.sequence}>
        <span>{systemText(message, nameOf, t)}</span> <time dateTime={message.created_at}>{formatTime(message.created_at)}</time>
      </li>
    );
  }
  return (
    <li className={`msg ${mine ? 'msg-mine' : ''} ${message.pending ? 'msg-pending' : ''}`} data-sequence={message.sequence}>
      <div className="msg-head">
        <strong>{author}</strong> <time dateTime={message.created_at} title={formatDateTime(message.created_at)}>{formatTime(message.created_at)}</time>
        {message.edited_at && !message.deleted_at && <span className="hint"> {t('chat.edited')}</span>}
        {message.pending && <span className="hint"> {t('chat.sending')}</span>}
      </div>
      {message.deleted_at ? (
        <p className="hint">{t('chat.deleted')}</p>
      ) : editing ? (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (body.trim()) onEdit(body.trim());
            setEditing(false);
          }}
        >
          <label className="sr-only" htmlFor={`edit-${message.id}`}>
            {t('chat.editLabel')}
          </label>
          <input id={`edit-${message.id}`} value={body} maxLength={2000} onChange={(e) => setBody(e.target.value)} autoFocus />
          <button type="submit" className="button-small">
            {t('common.save')}
          </button>
          <button type="button" className="button-small button-secondary" onClick={() => setEditing(false)}>
            {t('common.cancel')}
          </button>
        </form>
      ) : (
        <p className="msg-body">{message.body}</p>
      )}
      {!message.deleted_at && !message.pending && !editing && (
        <div className="msg-actions">
          {mine ? (
            <>
              <button type="button" className="button-link" onClick={() => setEditing(true)}>
                {t('chat.edit')}
              </button>
              <button type="button" className="button-link" onClick={() => window.confirm(t('chat.deleteConfirm')) && onDelete()}>
                {t('chat.delete')}
              </button>
            </>
          ) : (
            <ReportButton target="message" id={message.id} />
          )}
        </div>
      )}
    </li>
  );
}

export default function ChatPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const { user, getToken, manager } = useAuth();
  const { onAlertFrame } = useSafety();
  const { recoveries, noticeBanned } = useAccountStatus();
  // Read again when a ban is lifted (read during it, they were refused): AccountStatus reads
  // everything again then.
  const crew = useQuery({ queryKey: queryKeys.crews.detail(id), queryFn: ({ signal }) => groupsApi.get(id, signal) });
  const members = useQuery({ queryKey: queryKeys.crews.members(id), queryFn: ({ signal }) => groupsApi.members(id, signal) });
  const queryClient = useQueryClient();
  const [historyTick, setHistoryTick] = useState(0);
  const [messages, setMessages] = useState<ShownMessage[]>([]);
  const [historyError, setHistoryError] = useState<unknown>(null);
  const [historyLoaded, setHistoryLoaded] = useState(false);
  const [hasOlder, setHasOlder] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [state, setState] = useState<ChatState>('connecting');
  const [stateReason, setStateReason] = useState('');
  const [online, setOnline] = useState<string[]>([]);
  const [typing, setTyping] = useState<Record<string, number>>({});
  const [frameError, setFrameError] = useState('');
  const [draft, setDraft] = useState('');
  const connection = useRef<ChatConnection | null>(null);
  const list = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const preserveFrom = useRef<number | null>(null);
  const lastTypingSent = useRef(0);
  const alertFrame = useRef(onAlertFrame);
  alertFrame.current = onAlertFrame;
  const bannedFrame = useRef(noticeBanned);
  bannedFrame.current = noticeBanned;

  const names = useMemo(() => {
    const map = new Map<string, string>();
    for (const m of members.data?.results ?? []) map.set(m.user.id, m.user.display_name || m.user.username);
    return map;
  }, [members.data]);

  // History first, then the socket from the last sequence shown.
  useEffect(() => {
    const controller = new AbortController();
    let socket: ChatConnection | null = null;
    setMessages([]);
    setHistoryLoaded(false);
    setHistoryError(null);
    groupsApi
      .messages(id, { limit: PAGE }, controller.signal)
      .then((page) => {
        setMessages(mergeMessages([], page.results));
        setHasOlder((page.first_sequence ?? 1) > 1);
        setHistoryLoaded(true);
        const handle = (event: ChatEvent) => {
          switch (event.type) {
            case 'state':
              setState(event.state);
              setStateReason(event.reason ?? '');
              if (event.state === 'removed' && event.reason === USER_BANNED) bannedFrame.current();
              break;
            case 'ready':
              setOnline(event.online);
              setFrameError('');
              break;
            case 'message':
            case 'message_edited':
            case 'message_deleted':
              setMessages((current) => mergeMessages(current, [event.message]));
              if (event.type === 'message' && event.message.sender) {
                const sender = event.message.sender.id;
                setTyping((current) => {
                  if (!(sender in current)) return current;
                  const next = { ...current };
                  delete next[sender];
                  return next;
                });
              }
              break;
            case 'ack':
              if (event.clientId) setMessages((current) => settlePending(current, event.clientId!, event.id));
              break;
            case 'typing':
              setTyping((current) => ({ ...current, [event.userId]: Date.now() + TYPING_SHOWN_MS }));
              break;
            case 'presence':
              setOnline(event.online);
              break;
            case 'member_joined':
            case 'member_left':
              // The crew (its count, its members) here and wherever it is shown.
              invalidateLive(queryClient, [queryKeys.crews.detail(id), queryKeys.crews.lists()]);
              break;
            case 'safety_alert':
              alertFrame.current(event.frame);
              break;
            case 'error':
              if (event.clientId) {
                setMessages((current) => current.map((m) => (m.clientId === event.clientId ? { ...m, failed: event.message } : m)));
              }
              if (!['not_a_member', 'removed', 'user_banned', 'crew_removed', 'token_expired', 'authentication_required'].includes(event.code)) {
                setFrameError(event.message || event.code);
              }
              break;
          }
        };
        socket = new ChatConnection({ url: wsUrl(`ws/groups/${id}/chat/`), getToken, onEvent: handle, after: page.last_sequence ?? 0 });
        connection.current = socket;
        socket.connect();
      })
      .catch((caught: unknown) => {
        if (!controller.signal.aborted) setHistoryError(caught);
      });
    const backOnline = () => socket?.retryNow();
    const wentOffline = () => socket?.goOffline();
    window.addEventListener('online', backOnline);
    window.addEventListener('offline', wentOffline);
    return () => {
      controller.abort();
      window.removeEventListener('online', backOnline);
      window.removeEventListener('offline', wentOffline);
      socket?.close();
      connection.current = null;
    };
  }, [id, getToken, historyTick, queryClient]);

  // The ban is lifted: the socket opens again and catches up from the last message shown, and
  // its `ready` says who is online now. A page opened while banned (its history refused, so no
  // socket) loads from the start.
  useEffect(() => {
    if (recoveries === 0) return;
    if (connection.current) connection.current.reopenAfter(USER_BANNED);
    else setHistoryTick((n) => n + 1);
  }, [recoveries]);

  // A renewed token re-authenticates the open socket, so it is not closed at the old expiry.
  useEffect(() => {
    if (!manager) return;
    const renewed = (u: { access_token: string }) => connection.current?.reauthenticate(u.access_token);
    manager.events.addUserLoaded(renewed);
    return () => manager.events.removeUserLoaded(renewed);
  }, [manager]);

  // Forget typing notices after a few seconds.
  useEffect(() => {
    const timer = setInterval(() => {
      setTyping((current) => {
        const now = Date.now();
        const kept = Object.entries(current).filter(([, until]) => until > now);
        return kept.length === Object.keys(current).length ? current : Object.fromEntries(kept);
      });
    }, 1000);
    return () => clearInterval(timer);
  }, []);

  // Keep the view at the bottom for new messages; keep the reading position when older ones load.
  useLayoutEffect(() => {
    const element = list.current;
    if (!element) return;
    if (preserveFrom.current !== null) {
      element.scrollTop = element.scrollHeight - preserveFrom.current;
      preserveFrom.current = null;
    } else if (stickToBottom.current) {
      element.scrollTop = element.scrollHeight;
    }
  }, [messages]);

  const loadOlder = useCallback(() => {
    const first = messages.find((m) => !m.pending);
    if (!first || loadingOlder) return;
    setLoadingOlder(true);
    groupsApi
      .messages(id, { before: first.sequence, limit: PAGE })
      .then((page) => {
        if (list.current) preserveFrom.current = list.current.scrollHeight - list.current.scrollTop;
        setMessages((current) => mergeMessages(current, page.results));
        setHasOlder((page.first_sequence ?? 1) > 1 && page.results.length > 0);
      })
      .catch(setHistoryError)
      .finally(() => setLoadingOlder(false));
  }, [id, messages, loadingOlder]);

  // Infinite scroll: reaching the top loads the page before.
  const sentinel = useRef<HTMLLIElement>(null);
  useEffect(() => {
    const element = sentinel.current;
    if (!element || !hasOlder || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) loadOlder();
    }, { root: list.current, rootMargin: '40px' });
    observer.observe(element);
    return () => observer.disconnect();
  }, [hasOlder, loadOlder]);

  const send = (e: React.FormEvent) => {
    e.preventDefault();
    const body = draft.trim();
    if (!body || !connection.current || !user) return;
    const clientId = newClientId();
    const pending: ShownMessage = {
      id: `pending-${clientId}`,
      clientId,
      pending: true,
      group_id: id,
      sequence: Number.MAX_SAFE_INTEGER,
      kind: 'text',
      sender: { id: user.id, username: user.username, display_name: user.name },
      body,
      data: {},
      created_at: new Date().toISOString(),
      edited_at: null,
      deleted_at: null,
    };
    stickToBottom.current = true;
    setMessages((current) => [...current, pending]);
    connection.current.sendMessage(body, clientId);
    setDraft('');
  };

  if (historyError && !historyLoaded) return <ErrorState error={historyError} />;
  // The server never echoes my own typing back to me.
  const typingNames = Object.keys(typing).map((uid) => names.get(uid) ?? t('chat.someone'));
  const removed = state === 'removed';
  const status =
    state === 'open'
      ? t('chat.state.open')
      : state === 'connecting'
        ? t('chat.state.connecting')
        : removed
          ? stateReason === 'user_banned'
            ? t('chat.state.banned')
            : stateReason === 'crew_removed'
              ? t('chat.state.crewRemoved')
              : t('chat.state.removed')
          : stateReason === 'unauthenticated' || stateReason === 'signed_out'
            ? t('chat.state.signedOut')
            : t('chat.state.offline');

  return (
    <section className="chat" aria-labelledby="chat-heading">
      <header className="chat-header">
        <h1 id="chat-heading">{crew.data ? t('chat.title', { name: crew.data.name }) : t('chat.titlePlain')}</h1>
        <p className={`chat-state chat-state-${state}`} role="status" data-testid="chat-state" data-state={state}>
          <span className="dot" aria-hidden="true" /> {status}
        </p>
        {/* Who was online before the socket was closed on me is not who is online now. */}
        {!removed && (
          <p className="hint" data-testid="chat-presence">
            {t('chat.online', { count: online.length })}: {online.map((uid) => names.get(uid) ?? '…').join(', ')}
          </p>
        )}
        <Link to={`/crews/${id}`}>{t('chat.crewDetails')}</Link>
      </header>
      {removed && (
        <div className="notice notice-error" role="alert">
          {status} <Link to="/crews">{t('crews.title')}</Link>
        </div>
      )}
      {!historyLoaded ? (
        <Loading />
      ) : (
        <div
          className="messages"
          ref={list}
          role="log"
          aria-live="polite"
          aria-label={t('chat.messages')}
          tabIndex={0}
          onScroll={(e) => {
            const el = e.currentTarget;
            stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
          }}
        >
          <ol className="message-list">
          {hasOlder && (
            <li ref={sentinel} className="msg-older">
              <button type="button" className="button-link" onClick={loadOlder} disabled={loadingOlder}>
                {loadingOlder ? t('common.loading') : t('chat.loadOlder')}
              </button>
            </li>
          )}
          {!hasOlder && messages.length > 0 && <li className="msg-older hint">{t('chat.beginning')}</li>}
          {messages.length === 0 && <li className="hint">{t('chat.empty')}</li>}
          {messages.map((message) => (
            <MessageItem
              key={message.clientId ?? message.id}
              message={message}
              mine={message.sender?.username === user?.username}
              nameOf={(uid) => names.get(uid) ?? t('chat.someone')}
              onEdit={(body) => connection.current?.edit(message.id, body)}
              onDelete={() => connection.current?.remove(message.id)}
            />
          ))}
          </ol>
        </div>
      )}
      <p className="typing hint" aria-live="polite">
        {typingNames.length > 0 ? t('chat.typing', { names: typingNames.join(', '), count: typingNames.length }) : ''}
      </p>
      {frameError && (
        <p className="field-error" role="alert">
          {frameError}
        </p>
      )}
      <form className="composer" onSubmit={send}>
        <label htmlFor="composer" className="sr-only">
          {t('chat.messageLabel')}
        </label>
        <textarea
          id="composer"
          rows={2}
          maxLength={2000}
          value={draft}
          disabled={removed}
          placeholder={t('chat.placeholder')}
          onChange={(e) => {
            setDraft(e.target.value);
            const now = Date.now();
            if (now - lastTypingSent.current > 1500) {
              lastTypingSent.current = now;
              connection.current?.typing();
            }
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              e.currentTarget.form?.requestSubmit();
            }
          }}
        />
        <button type="submit" disabled={removed || !draft.trim()}>
          {t('chat.send')}
        </button>
      </form>
    </section>
  );
}

