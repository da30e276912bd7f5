import { useState, type CSSProperties } from 'react';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { AppNotification } from '../api/users';
import { InlineError, Loading } from '../components/status';
import { useNotifications } from './NotificationsProvider';
import { isSafetyKind, notificationText, relativeTime, safeAppPath } from './text';

function NotificationItem({ notification, onOpen }: { notification: AppNotification; onOpen: () => void }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'en';
  const { title, body } = notificationText(notification, t, language);
  const unread = !notification.read_at;
  const classes = ['notification', unread && 'notification-unread', isSafetyKind(notification.kind) && 'notification-safety'].filter(Boolean).join(' ');
  return (
    <li className={classes} data-testid="notification">
      <Link to={safeAppPath(notification.link)} onClick={onOpen}>
        {unread && <span className="sr-only">{t('notifications.unread')}: </span>}
        <span className="notification-title">{title}</span>
        {body && <span className="notification-body">{body}</span>}
        <time className="notification-time" dateTime={notification.created_at}>
          {relativeTime(notification.created_at, Date.now(), language, t)}
        </time>
      </Link>
    </li>
  );
}

/** The list under the bell: newest first, unread highlighted, each a link that marks it read. */
export function NotificationPanel({ id, top, onClose }: { id: string; top: number; onClose: () => void }) {
  const { t } = useTranslation();
  const { items, unreadCount, hasMore, loading, loadingMore, error, unavailable, loadMore, markRead, markAllRead } = useNotifications();
  const [busy, setBusy] = useState(false);
  const [markError, setMarkError] = useState<unknown>(null);
  const markAll = () => {
    setBusy(true);
    setMarkError(null);
    markAllRead()
      .catch(setMarkError)
      .finally(() => setBusy(false));
  };
  return (
    <div id={id} className="notification-panel" role="dialog" aria-labelledby={`${id}-title`} style={{ '--panel-top': `${top}px` } as CSSProperties}>
      <div className="notification-panel-head">
        <h2 id={`${id}-title`} tabIndex={-1}>
          {t('notifications.title')}
        </h2>
        <button type="button" className="button-small button-secondary" disabled={busy || unreadCount === 0} onClick={markAll}>
          {t('notifications.markAllRead')}
        </button>
      </div>
      <InlineError error={markError} />
      {unavailable ? (
        <p className="hint">{t('notifications.unavailable')}</p>
      ) : (
        <>
          {loading && items.length === 0 && <Loading />}
          <InlineError error={error} />
          {!loading && !error && items.length === 0 && <p className="hint">{t('notifications.empty')}</p>}
          <ul className="notification-list">
            {items.map((notification) => (
              <NotificationItem
                key={notification.id}
                notification={notification}
                onOpen={() => {
                  markRead(notification.id);
                  onClose();
                }}
              />
            ))}
          </ul>
          {hasMore && (
            <button type="button" className="button-secondary button-small notification-more" disabled={loadingMore} onClick={loadMore}>
              {t('notifications.loadMore')}
            </button>
          )}
        </>
      )}
      <p className="notification-panel-foot">
        <Link to="/profile#notifications" onClick={onClose}>
          {t('notifications.settings')}
        </Link>
      </p>
    </div>
  );
}
