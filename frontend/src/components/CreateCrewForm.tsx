import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { groupsApi, type Crew, type CrewVisibility, type JoinPolicy } from '../api/groups';
import { ApiError } from '../api/http';
import { queryKeys } from '../api/queryKeys';
import { InlineError } from './status';

export function CreateCrewForm({ eventId, onCreated }: { eventId: string; onCreated: (crew: Crew) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [maxMembers, setMaxMembers] = useState(8);
  const [policy, setPolicy] = useState<JoinPolicy>('open');
  const [visibility, setVisibility] = useState<CrewVisibility>('public');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const queryClient = useQueryClient();

  return (
    <form
      className="stack"
      aria-label={t('crew.createTitle')}
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        groupsApi
          .create({ event_id: eventId, name, description, max_members: maxMembers, join_policy: visibility === 'private' ? 'invite' : policy, visibility })
          .then((crew) => {
            void queryClient.invalidateQueries({ queryKey: queryKeys.crews.lists() });
            onCreated(crew);
          })
          .catch(setError)
          .finally(() => setBusy(false));
      }}
    >
      <div className="field">
        <label htmlFor="crew-name">{t('crew.name')}</label>
        <input id="crew-name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        {error instanceof ApiError && error.fieldError('name') && <p className="field-error">{error.fieldError('name')}</p>}
      </div>
      <div className="field">
        <label htmlFor="crew-description">{t('crew.description')}</label>
        <textarea id="crew-description" maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} />
      </div>
      <div className="row wrap">
        <div className="field">
          <label htmlFor="crew-max">{t('crew.maxMembers')}</label>
          <input id="crew-max" type="number" min={2} max={50} value={maxMembers} onChange={(e) => setMaxMembers(Number(e.target.value))} />
        </div>
        <div className="field">
          <label htmlFor="crew-policy">{t('crew.policy')}</label>
          <select id="crew-policy" value={visibility === 'private' ? 'invite' : policy} disabled={visibility === 'private'} onChange={(e) => setPolicy(e.target.value as JoinPolicy)}>
            <option value="open">{t('crew.policies.open')}</option>
            <option value="request">{t('crew.policies.request')}</option>
            <option value="invite">{t('crew.policies.invite')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="crew-visibility">{t('crew.visibility')}</label>
          <select id="crew-visibility" value={visibility} onChange={(e) => setVisibility(e.target.value as CrewVisibility)}>
            <option value="public">{t('crew.visibilities.public')}</option>
            <option value="private">{t('crew.visibilities.private')}</option>
          </select>
        </div>
      </div>
      <InlineError error={error} />
      <button type="submit" disabled={busy}>
        {t('crew.create')}
      </button>
    </form>
  );
}
