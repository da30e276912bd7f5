import { useEffect, useId, useRef, useState } from 'react';
import { useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useNotifications } from './NotificationsProvider';
import { NotificationPanel } from './NotificationPanel';

function BellIcon() {
  return (
    <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
      <path
        d="M12 3a6 6 0 0 0-6 6v3.6L4.3 15.4A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.6L18 12.6V9a6 6 0 0 0-6-6Zm0 18a2.5 2.5 0 0 0 2.4-2h-4.8A2.5 2.5 0 0 0 12 21Z"
        fill="currentColor"
      />
    </svg>
  );
}

/** The bell in the header: the unread count, and the list when pressed. */
export function NotificationBell() {
  const { t } = useTranslation();
  const { unreadCount } = useNotifications();
  const [open, setOpen] = useState(false);
  const [panelTop, setPanelTop] = useState(0);
  const wrapper = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  const location = useLocation();

  // Another page: the panel closes.
  useEffect(() => setOpen(false), [location.pathname, location.search]);

  // Escape closes it (focus back on the bell); so does a click or tap anywhere else.
  useEffect(() => {
    if (!open) return;
    wrapper.current?.querySelector<HTMLElement>('.notification-panel h2')?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      if (!wrapper.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  return (
    <div className="bell" ref={wrapper}>
      <button
        ref={button}
        type="button"
        className="bell-button"
        aria-label={t('notifications.bellLabel', { count: unreadCount, shown: badgeText(unreadCount) })}
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => {
          setPanelTop(Math.round(button.current?.getBoundingClientRect().bottom ?? 0) + 8);
          setOpen((current) => !current);
        }}
      >
        <BellIcon />
        {unreadCount > 0 && (
          <span className="bell-badge" aria-hidden="true" data-testid="unread-badge">
            {badgeText(unreadCount)}
          </span>
        )}
      </button>
      <span className="sr-only" role="status" aria-live="polite">
        {t('notifications.unreadStatus', { count: unreadCount })}
      </span>
      {open && <NotificationPanel id={panelId} top={panelTop} onClose={() => setOpen(false)} />}
    </div>
  );
}

/** The badge's text, which the button's accessible name repeats (it must contain what is seen). */
function badgeText(count: number): string {
  return count > 99 ? '99+' : String(count);
}
