import { useTranslation } from 'react-i18next';
import { PreferencesTable } from './PreferencesTable';
import { PushToggle } from './PushToggle';

/** The profile's "Notifications" section (/profile#notifications). */
export function NotificationSettings() {
  const { t } = useTranslation();
  return (
    <section className="panel" id="notifications" aria-labelledby="notifications-heading" tabIndex={-1}>
      <h2 id="notifications-heading">{t('notifications.title')}</h2>
      <p className="hint">{t('notifications.push.explain')}</p>
      <PushToggle />
      <PreferencesTable />
    </section>
  );
}
